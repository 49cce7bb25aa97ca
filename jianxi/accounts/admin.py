from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from simple_history.admin import SimpleHistoryAdmin

from jianxi.accounts.models import ApiToken, User


@admin.register(User)
class UserAdmin(BaseUserAdmin, SimpleHistoryAdmin):
    list_display = ("username", "display_name", "role", "district", "department", "university", "host", "is_active")
    list_filter = ("role", "district", "department", "is_active")
    search_fields = ("username", "display_name")
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        ("见习角色与范围", {"fields": ("role", "display_name", "district", "department", "university", "host")}),
    )  # type: ignore[misc]
    add_fieldsets = (
        *BaseUserAdmin.add_fieldsets,
        ("见习角色与范围", {"fields": ("role", "display_name", "district", "department", "university", "host")}),
    )
    raw_id_fields = ("host",)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens are issued here; the key is shown once, in the confirmation message."""

    list_display = ("prefix", "name", "user", "created_at", "last_used_at", "revoked")
    list_filter = ("revoked",)
    fields = ("user", "name", "revoked", "prefix", "created_at", "last_used_at")
    readonly_fields = ("prefix", "created_at", "last_used_at")
    raw_id_fields = ("user",)

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)
            return
        token, key = ApiToken.issue(user=obj.user, name=obj.name)
        obj.pk, obj.prefix, obj.key_hash = token.pk, token.prefix, token.key_hash
        messages.warning(request, f"接口令牌：{key}（仅显示这一次，请立即复制保存）")
