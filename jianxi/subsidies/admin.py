from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from jianxi.subsidies.models import ClaimRun, LedgerEntry


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
