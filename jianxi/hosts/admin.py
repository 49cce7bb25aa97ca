from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from jianxi.hosts.models import Host


@admin.register(Host)
class HostAdmin(SimpleHistoryAdmin):
    list_display = ("name", "credit_code", "district", "department", "status", "created_at")
    list_filter = ("status", "district", "department", "host_type")
    search_fields = ("name", "credit_code")
