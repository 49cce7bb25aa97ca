from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from jianxi.hosts.models import PRIVILEGED_FIELDS, Host


@admin.register(Host)
class HostAdmin(SimpleHistoryAdmin):
    list_display = ("name", "credit_code", "district", "department", "status", "created_at")
    list_filter = ("status", "district", "department", "host_type")
    search_fields = ("name", "credit_code")
    # What moves money changes through the district's review, never here (issue #11).
    readonly_fields = (
        "status",
        "status_reason",
        "reviewed_at",
        "bank_name",
        "bank_account",
        "pending_bank_name",
        "pending_bank_account",
        "pending_bank_at",
        *PRIVILEGED_FIELDS,  # name, credit code, type, department, 基层 flag: the district's review (issue #12)
    )
