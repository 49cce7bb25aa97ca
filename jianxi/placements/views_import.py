"""Bulk import of attendance (考勤批量导入): the upload page, a background import's page and the
template download.

The pages are every import's (``jianxi.core.views_import``); reading and checking the rows and
the write are ``jianxi.placements.imports``.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from jianxi.core.access import acting_user, roles
from jianxi.core.excel import xlsx_response
from jianxi.core.views_import import import_job_page, import_page
from jianxi.placements import imports

TEMPLATE = "placements/attendance_import.html"


@require_http_methods(["GET", "POST"])
@roles(*imports.IMPORTERS)
def import_attendance(request: HttpRequest) -> HttpResponse:
    """Upload a filled template; the report (rows read, months recorded, every row error) shows
    here, or on the job's page for a large file."""
    return import_page(request, imports.KIND, TEMPLATE)


@require_GET
@roles(*imports.IMPORTERS)
def import_attendance_job(request: HttpRequest, pk: int) -> HttpResponse:
    return import_job_page(request, imports.KIND, TEMPLATE, pk)


@require_GET
@roles(*imports.IMPORTERS)
def import_attendance_template(request: HttpRequest) -> HttpResponse:
    """The template, prefilled with the host's interns and the months still to fill in."""
    return xlsx_response(
        "考勤导入模板.xlsx", imports.template_sheets(actor=acting_user(request), today=timezone.localdate())
    )
