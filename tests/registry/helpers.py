"""Building registry extracts for the tests: an .xlsx in memory, rows as a system sends them."""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from jianxi.core.excel import XLSX
from jianxi.core.validators import credit_code_check_char
from jianxi.registry.adapters import Insurance, rows_from_json

INSURANCE_HEADERS = ("公民身份号码", "单位统一社会信用代码", "参保开始日期", "参保终止日期")


def xlsx(headers: Sequence[str], rows: Sequence[Sequence[Any]], title: str = "参保") -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = title
    ws.append(list(headers))
    for row in rows:
        ws.append(list(row))
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def upload(data: bytes, name: str = "参保.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=XLSX)


def insurance_rows(*rows: tuple[str, str, str, str | None]):
    """(id number, employer credit code, start, end) → the rows the insurance adapter reads."""
    return rows_from_json(
        Insurance, [{"id_number": i, "employer_code": c, "start": s, "end": e} for i, c, s, e in rows]
    )


def employer_code(n: int) -> str:
    """A valid credit code of an employer outside Beijing (915101…): never one of the factory's
    hosts (911101…, a sequence), whatever order the tests run in."""
    body = f"915101{n:011d}"
    return body + credit_code_check_char(body)
