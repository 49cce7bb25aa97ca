"""Bulk import of posts (见习岗位批量导入): the upload page and the template download.

The view only checks the upload itself (size, name, type: ``jianxi.core.imports.ImportForm``);
reading and checking the rows and the write are ``jianxi.posts.imports``.
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
from jianxi.posts import imports


@require_http_methods(["GET", "POST"])
@roles(*imports.IMPORTERS)
def import_posts(request: HttpRequest) -> HttpResponse:
    """Upload a filled template; the report (rows read, posts created, every row error) shows here."""

    def run(upload: UploadedFile, import_valid_rows: bool) -> imports.ImportReport:
        rows = imports.read_sheet(upload)
        return imports.posts_import(actor=request.user, rows=rows, import_valid_rows=import_valid_rows)

    return render(request, "posts/import.html", import_context(request, run), status=200)


@require_GET
@roles(*imports.IMPORTERS)
def import_template(request: HttpRequest) -> HttpResponse:
    return xlsx_response(
        "见习岗位导入模板.xlsx", imports.template_sheets(actor=request.user, today=timezone.localdate())
    )
