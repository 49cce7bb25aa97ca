"""Registry extracts by Excel upload: one ``ImportKind`` per source, run by the shared import pages
and jobs (``jianxi.core.import_jobs``). Unlike the other imports, an extract is never loaded in
part: "仅导入无误的行" is ignored, one bad row refuses the file (and the refusal is recorded)."""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font

from jianxi.accounts.models import User
from jianxi.core.imports import HELP_TITLE, ImportKind, ImportReport, SheetRow
from jianxi.registry import services
from jianxi.registry.adapters import ADAPTERS, ID_NUMBER, Adapter, missing_columns, rows_from_xlsx
from jianxi.registry.models import Channel

EXAMPLES: dict[str, list[Any]] = {
    "insurance": ["91110108MA0123456G", "2024-01-01", ""],
    "graduate": ["北京大学", "大学本科", "2023-07-01", "是"],
    "hukou": ["是"],
    "unemployment": ["2023-09-01", ""],
    "transfer": ["2023-09-01", ""],
}


@dataclass(kw_only=True)
class LoadReport(ImportReport):
    load_id: int | None = None
    status: str = ""
    changed_verdicts: int = 0


def _run(adapter: type[Adapter]) -> Any:
    def run(*, actor: User, rows: list[SheetRow], import_valid_rows: bool = False, **_: Any) -> LoadReport:
        missing = missing_columns(adapter, rows)
        if missing:
            message = f"表头缺少以下列：{'、'.join(missing)}。请使用下载的模板，不要修改第 1 行的列名。"
            refused = services.refuse_whole(
                actor=actor, adapter=adapter, channel=Channel.FILE, rows=len(rows), message=message
            )
            errors = services.errors_of(refused)
            return LoadReport(total_rows=len(rows), errors=errors, load_id=refused.pk, status=refused.status)
        load = services.load_extract(actor=actor, adapter=adapter, rows=rows, channel=Channel.FILE).load
        return LoadReport(
            total_rows=load.rows,
            errors=services.errors_of(load),
            created=load.accepted,
            load_id=load.pk,
            status=load.status,
            changed_verdicts=load.changed_verdicts,
        )

    return run


def kind_of(adapter: type[Adapter]) -> ImportKind:
    source = adapter.source.value
    return ImportKind(
        name=f"reg_{source}",
        layout=adapter.layout(),
        authorise=services.authorise,
        read=lambda data: rows_from_xlsx(adapter, data),
        run=_run(adapter),
        report_type=LoadReport,
        page=f"registry:import_{source}",
    )


KINDS = {source: kind_of(adapter) for source, adapter in ADAPTERS.items()}
KIND_insurance = KINDS["insurance"]
KIND_graduate = KINDS["graduate"]
KIND_hukou = KINDS["hukou"]
KIND_unemployment = KINDS["unemployment"]
KIND_transfer = KINDS["transfer"]


def template_workbook(adapter: type[Adapter]) -> bytes:
    """The extract's sheet (header only, the ID column as text) and a short instruction sheet."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = adapter.title
    headers = list(adapter.layout().headers)
    ws.append(headers)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    ws.column_dimensions["A"].width = 22
    ws.column_dimensions["A"].number_format = "@"
    help_ws = wb.create_sheet(HELP_TITLE)
    help_ws.append(["说明"])
    help_ws.append(
        [f"{adapter.source.label}比对数据：第 1 行为表头，请勿修改列名；每行一条记录。{ID_NUMBER}须为 18 位有效号码。"]
    )
    help_ws.append(["任何一行有误时整个文件都不载入（比对数据不部分载入），问题清单列出每一处问题。"])
    help_ws.append(["同一文件再次上传不会重复载入。"])
    help_ws.append(["示例（不会被载入）"])
    help_ws.append(headers)
    help_ws.append(["11010519491231002X", *EXAMPLES[adapter.source.value]])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
