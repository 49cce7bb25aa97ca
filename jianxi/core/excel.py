"""Excel (.xlsx) for clerks: every list page exports, templates download, imports read rows.

Writing uses openpyxl's write-only mode, so a large export streams rows instead of holding a
whole workbook of cells in memory.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import quote

from django.http import HttpResponse
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font, PatternFill
from openpyxl.worksheet.worksheet import Worksheet

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="F0F4F8")

Sheet = tuple[str, Sequence[str], Iterable[Sequence[Any]]]


def _cell(ws: Worksheet, value: Any) -> Any:
    if isinstance(value, Decimal):
        cell = WriteOnlyCell(ws, value=value)
        cell.number_format = "#,##0.00"
        return cell
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)
    if isinstance(value, date | int | float) or value is None:
        return value
    text = str(value)
    # Names and reasons come from users: text that a spreadsheet would read as a formula is
    # written with a leading apostrophe, so opening an export never runs anything.
    if text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        text = "'" + text
    return text


def workbook_bytes(sheets: Sequence[Sheet]) -> bytes:
    wb = Workbook(write_only=True)
    for title, headers, rows in sheets:
        ws = wb.create_sheet(title=title[:31])
        header_cells = []
        for h in headers:
            cell = WriteOnlyCell(ws, value=h)
            cell.font, cell.fill = _HEADER_FONT, _HEADER_FILL
            header_cells.append(cell)
        ws.append(header_cells)
        for row in rows:
            ws.append([_cell(ws, v) for v in row])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def xlsx_response(filename: str, sheets: Sequence[Sheet]) -> HttpResponse:
    """A download named ``filename`` (Chinese allowed: RFC 5987 encoding)."""
    return xlsx_download(filename, workbook_bytes(sheets))


def xlsx_download(filename: str, data: bytes) -> HttpResponse:
    """Ready .xlsx bytes as a download named ``filename``."""
    response = HttpResponse(data, content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response
