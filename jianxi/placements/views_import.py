"""Bulk import of attendance (考勤批量导入): the upload page and the template download.

The view only checks the upload itself (size, name, type, with the posts import's form); reading
and checking the rows and the write are ``jianxi.placements.imports``.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from jianxi.core.access import roles
from jianxi.core.errors import RuleError
from jianxi.core.excel import xlsx_response
from jianxi.core.forms import add_rule_error
from jianxi.placements import imports
from jianxi.posts.views_import import ERRORS_SHOWN, ImportForm


@require_http_methods(["GET", "POST"])
@roles(*imports.IMPORTERS)
def import_attendance(request: HttpRequest) -> HttpResponse:
    """Upload a filled template; the report (rows read, months recorded, every row error) shows here."""
    form = ImportForm(request.POST, request.FILES) if request.method == "POST" else ImportForm()
    report: imports.ImportReport | None = None
    if request.method == "POST" and form.is_valid():
        try:
            rows = imports.read_sheet(form.cleaned_data["file"])
            report = imports.attendance_import(
                actor=request.user, rows=rows, import_valid_rows=form.cleaned_data["import_valid_rows"]
            )
        except RuleError as err:
            add_rule_error(form, err)
    context: dict[str, Any] = {"form": form, "report": report, "errors_shown": ERRORS_SHOWN}
    if report is not None:
        context["errors"] = report.errors[:ERRORS_SHOWN]
        context["skipped_shown"] = report.skipped_rows[:20]
    return render(request, "placements/attendance_import.html", context)


@require_GET
@roles(*imports.IMPORTERS)
def import_attendance_template(request: HttpRequest) -> HttpResponse:
    """The template, prefilled with the host's interns and the months still to fill in."""
    return xlsx_response("考勤导入模板.xlsx", imports.template_sheets(actor=request.user, today=timezone.localdate()))
