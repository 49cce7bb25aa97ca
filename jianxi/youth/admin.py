from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from jianxi.youth.models import IdNumberReveal, Person


@admin.register(Person)
class PersonAdmin(SimpleHistoryAdmin):
    """ID numbers stay masked in the admin too; the recorded page view shows them in full."""

    list_display = ("name", "id_number_masked", "group", "district", "university", "created_at")
    list_filter = ("group", "district")
    search_fields = ("name",)
    exclude = ("id_number",)
    readonly_fields = ("id_number_masked",)


@admin.register(IdNumberReveal)
class IdNumberRevealAdmin(admin.ModelAdmin):
    list_display = ("viewed_at", "viewer", "person", "purpose", "ip_address")
    list_filter = ("viewer",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
