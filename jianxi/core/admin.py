from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from jianxi.core.models import ImportJob


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    """Who imported what and how it ended; a failure's traceback is here, never on the user's page.
    Read-only: a job whose process died frees its account's slot by itself after 10 minutes."""

    list_display = ("pk", "user", "kind", "file_name", "stage", "background", "rows", "started_at", "finished_at")
    list_filter = ("kind", "stage", "background")
    exclude = ("file",)  # a background job's upload (the registry's ID numbers) stays out of view

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: ImportJob | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: ImportJob | None = None) -> bool:
        return False
