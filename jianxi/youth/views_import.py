"""Bulk import of the youth registry (实名制信息数据库导入): the upload page and the template download.

The view only checks the upload itself (size, name, type); reading and checking the rows and
the write are ``jianxi.youth.imports``.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods

from jianxi.core.access import acting_user, roles
from jianxi.core.errors import RuleError
from jianxi.core.excel import XLSX
from jianxi.core.forms import add_rule_error
from jianxi.youth import imports

# What browsers and office suites send for an .xlsx; the content itself is checked when read.
ACCEPTED_TYPES = {XLSX, "application/octet-stream", "application/zip", "application/x-zip-compressed", ""}
ERRORS_SHOWN = 1000
TEMPLATE_NAME = "见习人员导入模板.xlsx"


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("Excel 文件（.xlsx）"),
        help_text=_("请使用下载的模板填写，文件不超过 5 MB，最多 5000 行。"),
        widget=forms.ClearableFileInput(attrs={"accept": f".xlsx,{XLSX}"}),
    )
    import_valid_rows = forms.BooleanField(
        label=_("仅导入无误的行"),
        required=False,
        help_text=_("不勾选时，只要有一行有误，整个文件都不导入。"),
    )

    def clean_file(self) -> UploadedFile:
        upload: UploadedFile = self.cleaned_data["file"]
        name = (upload.name or "").lower()
        if name.endswith(".xls") or name.endswith(".csv"):
            raise forms.ValidationError(_("不支持该格式：请在 Excel 中“另存为” .xlsx 格式（Excel 工作簿）后再上传。"))
        if not name.endswith(".xlsx"):
            raise forms.ValidationError(_("请上传 .xlsx 格式的 Excel 文件（可先下载模板）。"))
        if (upload.size or 0) > imports.MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("文件不能超过 5 MB，请分成多个文件导入。"))
        if (upload.content_type or "").split(";")[0].strip().lower() not in ACCEPTED_TYPES:
            raise forms.ValidationError(_("文件类型不是 Excel 工作簿（.xlsx），请确认后再上传。"))
        return upload


@require_http_methods(["GET", "POST"])
@roles(*imports.IMPORTERS)
def import_persons(request: HttpRequest) -> HttpResponse:
    """Upload a filled template; the report (rows read, persons registered, every row error) shows here."""
    form = ImportForm(request.POST, request.FILES) if request.method == "POST" else ImportForm()
    report: imports.ImportReport | None = None
    if request.method == "POST" and form.is_valid():
        try:
            rows = imports.read_sheet(form.cleaned_data["file"])
            report = imports.persons_import(
                actor=acting_user(request), rows=rows, import_valid_rows=form.cleaned_data["import_valid_rows"]
            )
        except RuleError as err:
            add_rule_error(form, err)
    context: dict[str, Any] = {"form": form, "report": report, "errors_shown": ERRORS_SHOWN}
    if report is not None:
        context["errors"] = report.errors[:ERRORS_SHOWN]
    return render(request, "youth/import.html", context)


@require_GET
@roles(*imports.IMPORTERS)
def import_template(request: HttpRequest) -> HttpResponse:
    content = imports.template_workbook(actor=acting_user(request), today=timezone.localdate())
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(TEMPLATE_NAME)}"
    return response
