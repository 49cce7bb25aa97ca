"""What every Excel (.xlsx) bulk import shares: the posts, youth registry and attendance imports.

Each import is three steps, so that the checking can be read and tested without a database:

* reading: ``read_xlsx`` turns an upload into ``SheetRow``s (the cell values under each Chinese
  header of a ``SheetLayout``) or refuses the whole file with an ``ImportFileError`` — never
  trusting it: not a zip, a zip that unpacks too large, no header, a missing column, no data, too
  many rows;
* checking one row: a ``RowChecker`` collects *all* of a row's ``RowError``s, the cell parsers
  below (text, integers, money, dates, 是/否, a choice from a table) raising ``CellError`` with the
  message a clerk reads; ``check_rows`` runs a module's ``parse_row`` over the file;
* the write, with its lookups, scoping and locks, is each module's own.

The upload form (``ImportForm``) and the page's context (``import_context``) are shared too, so
that every import page refuses the same files with the same words.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import IO, Any, Protocol, TypeVar

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from openpyxl import load_workbook

from jianxi.core.errors import RuleError
from jianxi.core.excel import XLSX
from jianxi.core.forms import add_rule_error

T = TypeVar("T")

MAX_ROWS = 5000  # data rows per file
MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_UNPACKED_BYTES = 100 * 1024 * 1024  # a 5 MB upload must not unpack into gigabytes
MAX_SCANNED_ROWS = 50_000  # physical rows, blank ones included
BATCH_SIZE = 1000
HELP_TITLE = "填写说明"
CHANGE_REASON = "批量导入"
YES, NO = "是", "否"
ERRORS_SHOWN = 1000  # row errors listed on the page
# What browsers and office suites send for an .xlsx; the content itself is checked when read.
ACCEPTED_TYPES = {XLSX, "application/octet-stream", "application/zip", "application/x-zip-compressed", ""}

_DECIMAL = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)", re.ASCII)
_DATE = re.compile(
    r"(\d{4})\s*(?:[-/.]\s*(\d{1,2})\s*[-/.]\s*(\d{1,2})|年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日?)", re.ASCII
)
_CENT = Decimal("0.01")


class ImportFileError(RuleError):
    """The file as a whole cannot be read: nothing is imported."""

    def __init__(self, message: str) -> None:
        super().__init__("import.file", message, field="file")


@dataclass(frozen=True)
class SheetRow:
    """One non-blank data row: its Excel row number (the header is row 1) and raw cell values."""

    number: int
    values: Mapping[str, Any]


@dataclass(frozen=True)
class RowError:
    row: int  # Excel row number
    column: str  # the Chinese header
    message: str


@dataclass(kw_only=True)
class ImportReport:
    """What an import did; a module adds its own counts."""

    total_rows: int
    errors: list[RowError] = field(default_factory=list)
    created: int = 0

    @property
    def error_rows(self) -> int:
        return len({e.row for e in self.errors})


@dataclass(frozen=True)
class SheetLayout:
    """The sheet an import reads: its title, its columns and the word for one row in messages."""

    title: str  # the sheet read when the file has one so named, else the first sheet
    headers: tuple[str, ...]
    noun: str  # 岗位, 人员, 考勤: "每个文件最多导入 5000 行岗位"
    optional: frozenset[str] = frozenset()  # columns the file may lack


# --- reading the file ----------------------------------------------------------------------------


def normalise_header(value: Any) -> str:
    text = "" if value is None else str(value)
    text = text.replace("(", "（").replace(")", "）").replace("*", "")
    return re.sub(r"\s+", "", text)


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _check_archive(stream: IO[bytes]) -> None:
    try:
        with zipfile.ZipFile(stream) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise ImportFileError(
            "文件不是有效的 Excel（.xlsx）文件，可能已损坏。请用下载的模板填写后另存为 .xlsx 再上传。"
        ) from exc
    if unpacked > MAX_UNPACKED_BYTES:
        raise ImportFileError("文件内容过大，无法读取。请删除多余的工作表、图片或空行后再上传。")
    stream.seek(0)


def read_xlsx(source: IO[bytes] | bytes, layout: SheetLayout, *, max_rows: int = MAX_ROWS) -> list[SheetRow]:
    """The non-blank data rows of ``layout``'s sheet (by its title, else the first sheet)."""
    stream: IO[bytes] = io.BytesIO(source) if isinstance(source, bytes | bytearray) else source
    stream.seek(0)
    _check_archive(stream)
    try:
        workbook = load_workbook(stream, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds on a malformed file; all mean "unreadable"
        raise ImportFileError(
            "无法读取该 Excel 文件，可能已损坏或不是 .xlsx 格式。请用下载的模板填写后再上传。"
        ) from exc
    try:
        return _rows_of(workbook, layout, max_rows)
    except ImportFileError:
        raise
    except Exception as exc:
        raise ImportFileError("读取 Excel 文件时出错，文件可能已损坏。请另存为 .xlsx 后重新上传。") from exc
    finally:
        workbook.close()


def _rows_of(workbook: Any, layout: SheetLayout, max_rows: int) -> list[SheetRow]:
    sheets = workbook.worksheets
    if not sheets:
        raise ImportFileError("文件中没有工作表。请使用下载的模板。")
    sheet = workbook[layout.title] if layout.title in workbook.sheetnames else sheets[0]
    # Some programs write a wrong <dimension>; read-only mode would then cut rows or columns off.
    sheet.reset_dimensions()
    lines = sheet.iter_rows(values_only=True)
    header = next(lines, None)
    if header is None or all(is_blank(v) for v in header):
        raise ImportFileError("工作表是空的（第 1 行应为表头）。请使用下载的模板填写。")
    positions: dict[str, int] = {}
    for index, value in enumerate(header):
        positions.setdefault(normalise_header(value), index)
    missing = [h for h in layout.headers if h not in positions and h not in layout.optional]
    if missing:
        raise ImportFileError(f"表头缺少以下列：{'、'.join(missing)}。请使用下载的模板，不要修改第 1 行的列名。")
    wanted = [(h, positions[h]) for h in layout.headers if h in positions]
    rows: list[SheetRow] = []
    for number, line in enumerate(lines, start=2):
        if number > MAX_SCANNED_ROWS:
            raise ImportFileError(f"工作表超过 {MAX_SCANNED_ROWS} 行（含空行）。请删除多余的空行后再上传。")
        values = {h: (line[i] if i < len(line) else None) for h, i in wanted}
        if all(is_blank(v) for v in values.values()):
            continue
        if len(rows) == max_rows:
            raise ImportFileError(f"每个文件最多导入 {max_rows} 行{layout.noun}，请分成多个文件导入。")
        rows.append(SheetRow(number=number, values=values))
    if not rows:
        raise ImportFileError(f"表头下没有填写任何{layout.noun}。")
    return rows


# --- checking one row (pure) ---------------------------------------------------------------------


class CellError(Exception):
    """A cell parser's refusal: its message is shown against the cell's row and column."""


class RowChecker:
    """Collects every error of one row instead of stopping at the first."""

    def __init__(self, row: SheetRow) -> None:
        self.row = row
        self.errors: list[RowError] = []

    def fail(self, column: str, message: str) -> None:
        self.errors.append(RowError(row=self.row.number, column=column, message=message))

    def blank(self, column: str) -> bool:
        return is_blank(self.row.values.get(column))

    def cell(self, column: str, parse: Callable[[Any], T], *, required: bool = True) -> T | None:
        """The parsed cell, or None after noting why not (a required cell left blank, a refusal)."""
        if self.blank(column):
            if required:
                self.fail(column, f"请填写{column}。")
            return None
        try:
            return parse(self.row.values.get(column))
        except CellError as err:
            self.fail(column, str(err))
            return None


def check_rows(
    rows: Iterable[SheetRow], parse: Callable[[SheetRow], T | list[RowError]]
) -> tuple[list[T], list[RowError]]:
    """Every row parsed: the valid ones, and the errors sorted by row (then column order)."""
    valid: list[T] = []
    errors: list[RowError] = []
    for row in rows:
        result = parse(row)
        if isinstance(result, list):
            errors.extend(result)
        else:
            valid.append(result)
    errors.sort(key=lambda e: e.row)  # stable: a row's errors stay in column order
    return valid, errors


def cell_text(value: Any) -> str:
    """A cell as the text a clerk sees: numbers without a spurious ".0", dates as YYYY-MM-DD."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return YES if value else NO
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat(sep=" ")
    return str(value).replace("\x00", "").strip()


def clip(text: str, limit: int = 30) -> str:
    """A cell's text quoted in a message: long text cut short."""
    return text if len(text) <= limit else text[:limit] + "…"


def fold(text: str) -> str:
    """The key a name or code is looked up by: no white space, case folded."""
    return re.sub(r"\s+", "", text).casefold()


def decimal_cell(value: Any) -> Decimal:
    """A number from the cell's string form: an Excel float 3000.5 reads as Decimal("3000.5")."""
    if isinstance(value, bool | date | time | timedelta):
        raise CellError("应填写数字。")
    if isinstance(value, int | Decimal):
        number = Decimal(value)
    elif isinstance(value, float):
        number = Decimal(repr(value))  # the shortest text that reads back as this float
    else:
        text = cell_text(value)
        if not _DECIMAL.fullmatch(text):
            raise CellError(f"应填写数字，当前为“{clip(text)}”。")
        number = Decimal(text)
    if not number.is_finite():
        raise CellError("应填写数字。")
    return number


def integer_cell(low: int, high: int, message: str) -> Callable[[Any], int]:
    """A whole number from ``low`` to ``high``; ``message`` says so."""

    def parse(value: Any) -> int:
        try:
            number = decimal_cell(value)
        except CellError as err:
            raise CellError(f"应填写整数。{message}") from err
        if number != number.to_integral_value():
            raise CellError(f"应填写整数。{message}")
        if not low <= number <= high:
            raise CellError(message)
        return int(number)

    return parse


def money_cell(what: str, high: Decimal) -> Callable[[Any], Decimal]:
    """An amount of yuan from 0 to ``high``, exact to the fen; ``what`` names it (生活费)."""

    def parse(value: Any) -> Decimal:
        number = decimal_cell(value)
        if number < 0:
            raise CellError(f"{what}不能为负数。")
        if number > high:
            raise CellError(f"{what}应为 0 至 {high} 元之间的金额。")
        rounded = number.quantize(_CENT)
        if rounded != number:
            raise CellError(f"{what}最多保留两位小数（精确到分）。")
        return rounded

    return parse


def date_cell(example: str) -> Callable[[Any], date]:
    """An Excel date, or text 2024-03-01, 2024/3/1 or 2024年3月1日; ``example`` is shown on a refusal."""

    def parse(value: Any) -> date:
        if isinstance(value, datetime):
            return value.date()
        if isinstance(value, date):
            return value
        text = cell_text(value)
        match = _DATE.fullmatch(text)
        if match is None:
            raise CellError(f"应为日期，如 {example}，或设置为 Excel 日期格式；当前为“{clip(text)}”。")
        year, month, day = match.group(1), match.group(2) or match.group(4), match.group(3) or match.group(5)
        try:
            return date(int(year), int(month), int(day))
        except ValueError as exc:
            raise CellError(f"“{clip(text)}”不是有效的日期。") from exc

    return parse


def yes_no_cell(value: Any) -> bool:
    """是 or 否 (or an Excel TRUE/FALSE cell)."""
    if isinstance(value, bool):
        return value
    text = cell_text(value)
    if text in (YES, NO):
        return text == YES
    raise CellError(f"请填写“{YES}”或“{NO}”，当前为“{clip(text)}”。")


def choice_cell(table: Mapping[str, T], hint: str) -> Callable[[Any], T]:
    """One of ``table``'s values, by its folded key; ``hint`` says what may be written."""

    def parse(value: Any) -> T:
        text = cell_text(value)
        found = table.get(fold(text))
        if found is None:
            raise CellError(f"“{clip(text)}”不在可选范围内，{hint}")
        return found

    return parse


def text_cell(column: str, limit: int) -> Callable[[Any], str]:
    """Text of at most ``limit`` characters."""

    def parse(value: Any) -> str:
        text = cell_text(value)
        if len(text) > limit:
            raise CellError(f"{column}不能超过 {limit} 个字，当前 {len(text)} 个字。")
        return text

    return parse


class Coded(Protocol):
    @property
    def code(self) -> str: ...

    @property
    def name(self) -> str: ...


C = TypeVar("C", bound=Coded)


def by_name_and_code(objects: Iterable[C]) -> dict[str, C]:
    """Reference data (districts, categories…) by folded code and name, for ``choice_cell``."""
    table: dict[str, C] = {}
    for obj in objects:
        table.setdefault(fold(obj.code), obj)
        table.setdefault(fold(obj.name), obj)
    return table


# --- the page ------------------------------------------------------------------------------------


class ImportForm(forms.Form):
    """The upload: checks the file itself (size, name, type); its content is checked when read."""

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
        if (upload.size or 0) > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("文件不能超过 5 MB，请分成多个文件导入。"))
        if (upload.content_type or "").split(";")[0].strip().lower() not in ACCEPTED_TYPES:
            raise forms.ValidationError(_("文件类型不是 Excel 工作簿（.xlsx），请确认后再上传。"))
        return upload


def import_context(request: HttpRequest, run: Callable[[UploadedFile, bool], ImportReport]) -> dict[str, Any]:
    """The import page's context: the form, and after a valid upload ``run(file, import_valid_rows)``'s
    report with its first ``ERRORS_SHOWN`` errors — or the service's refusal shown on the form."""
    form = ImportForm(request.POST, request.FILES) if request.method == "POST" else ImportForm()
    report: ImportReport | None = None
    if request.method == "POST" and form.is_valid():
        try:
            report = run(form.cleaned_data["file"], form.cleaned_data["import_valid_rows"])
        except RuleError as err:
            add_rule_error(form, err)
    context: dict[str, Any] = {"form": form, "report": report, "errors_shown": ERRORS_SHOWN}
    if report is not None:
        context["errors"] = report.errors[:ERRORS_SHOWN]
    return context
