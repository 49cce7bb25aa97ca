"""Bulk import of the youth registry (实名制信息数据库导入): the upload page, a background import's
page and the template download.

The pages are every import's (``jianxi.core.views_import``); reading and checking the rows and
the write are ``jianxi.youth.imports``.
"""

from __future__ import annotations

from urllib.parse import quote

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from jianxi.core.access import acting_user, roles
from jianxi.core.excel import XLSX
from jianxi.core.views_import import import_job_page, import_page
from jianxi.youth import imports

TEMPLATE_NAME = "见习人员导入模板.xlsx"
TEMPLATE = "youth/import.html"


@require_http_methods(["GET", "POST"])
@roles(*imports.IMPORTERS)
def import_persons(request: HttpRequest) -> HttpResponse:
    """Upload a filled template; the report (rows read, persons registered, every row error) shows
    here, or on the job's page for a large file."""
    return import_page(request, imports.KIND, TEMPLATE)


@require_GET
@roles(*imports.IMPORTERS)
def import_persons_job(request: HttpRequest, pk: int) -> HttpResponse:
    return import_job_page(request, imports.KIND, TEMPLATE, pk)


@require_GET
@roles(*imports.IMPORTERS)
def import_template(request: HttpRequest) -> HttpResponse:
    content = imports.template_workbook(actor=acting_user(request), today=timezone.localdate())
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(TEMPLATE_NAME)}"
    return response
