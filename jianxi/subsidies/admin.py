from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from simple_history.admin import SimpleHistoryAdmin

from jianxi.subsidies.models import ClaimRun, FundYear, LedgerEntry


@admin.register(FundYear)
class FundYearAdmin(SimpleHistoryAdmin):
    """Claim deadlines are policy data; the close itself is recorded on the year-close page only."""

    list_display = ("year", "claim_deadline", "source", "closed_at", "closed_by")
    CLOSE_FIELDS = ("closed_at", "closed_by", "lines_approved", "approved", "paid")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        if obj is not None and obj.closed:  # a closed year's deadline is history
            return ("year", "claim_deadline", "source", *self.CLOSE_FIELDS)
        return self.CLOSE_FIELDS

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_delete_permission(request, obj) and not (obj is not None and obj.closed)


@admin.register(ClaimRun)
class ClaimRunAdmin(admin.ModelAdmin):
    """Operators clear ``active`` here when a run's process died (docs/operations.md)."""

    list_display = ("pk", "started_by", "started_at", "finished_at", "done", "total", "claims", "lines", "active")
    readonly_fields = ("started_by", "started_at", "finished_at", "today", "done", "total", "claims", "lines", "error")


@admin.register(LedgerEntry)
class LedgerEntryAdmin(admin.ModelAdmin):
    """The ledger is append-only: readable here, never editable."""

    list_display = ("created_at", "kind", "host", "district", "claim", "recovery", "amount", "reference")
    list_filter = ("kind", "district", "year")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: LedgerEntry | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: LedgerEntry | None = None) -> bool:
        return False
