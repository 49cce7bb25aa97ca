"""Bulk import of attendance (考勤批量导入): the upload page and the template download.

The view only checks the upload itself (size, name, type: ``jianxi.core.imports.ImportForm``);
reading and checking the rows and the write are ``jianxi.placements.imports``.
"""

from __future__ import annotations

from django.core.files.uploadedfile import UploadedFile
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from jianxi.core.access import roles
from jianxi.core.excel import xlsx_response
from jianxi.core.imports import import_context
from jianxi.placements import imports

SKIPPED_SHOWN = 20  # row numbers listed for the rows without 出勤天数


@require_http_methods(["GET", "POST"])
@roles(*imports.IMPORTERS)
def import_attendance(request: HttpRequest) -> HttpResponse:
    """Upload a filled template; the report (rows read, months recorded, every row error) shows here."""

    def run(upload: UploadedFile, import_valid_rows: bool) -> imports.ImportReport:
        rows = imports.read_sheet(upload)
        return imports.attendance_import(actor=request.user, rows=rows, import_valid_rows=import_valid_rows)

    context = import_context(request, run)
    if context["report"] is not None:
        context["skipped_shown"] = context["report"].skipped_rows[:SKIPPED_SHOWN]
    return render(request, "placements/attendance_import.html", context)


@require_GET
@roles(*imports.IMPORTERS)
def import_attendance_template(request: HttpRequest) -> HttpResponse:
    """The template, prefilled with the host's interns and the months still to fill in."""
    return xlsx_response("考勤导入模板.xlsx", imports.template_sheets(actor=request.user, today=timezone.localdate()))
