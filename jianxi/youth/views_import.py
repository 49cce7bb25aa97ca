"""Bulk import of the youth registry (实名制信息数据库导入): the upload page and the template download.

The view only checks the upload itself (size, name, type: ``jianxi.core.imports.ImportForm``);
reading and checking the rows and the write are ``jianxi.youth.imports``.
"""

from __future__ import annotations

from urllib.parse import quote

from django.core.files.uploadedfile import UploadedFile
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from jianxi.core.access import acting_user, roles
from jianxi.core.excel import XLSX
from jianxi.core.imports import import_context
from jianxi.youth import imports

TEMPLATE_NAME = "见习人员导入模板.xlsx"


@require_http_methods(["GET", "POST"])
@roles(*imports.IMPORTERS)
def import_persons(request: HttpRequest) -> HttpResponse:
    """Upload a filled template; the report (rows read, persons registered, every row error) shows here."""

    def run(upload: UploadedFile, import_valid_rows: bool) -> imports.ImportReport:
        rows = imports.read_sheet(upload)
        return imports.persons_import(actor=acting_user(request), rows=rows, import_valid_rows=import_valid_rows)

    return render(request, "youth/import.html", import_context(request, run))


@require_GET
@roles(*imports.IMPORTERS)
def import_template(request: HttpRequest) -> HttpResponse:
    content = imports.template_workbook(actor=acting_user(request), today=timezone.localdate())
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(TEMPLATE_NAME)}"
    return response
