"""What every Excel (.xlsx) bulk import shares: the posts, youth registry and attendance imports.

Each import is three steps, so that the checking can be read and tested without a database:

* reading: ``read_xlsx`` turns an upload into ``SheetRow``s (the cell values under each Chinese
  header of a ``SheetLayout``) or refuses the whole file with an ``ImportFileError`` — never
  trusting it: it streams the sheet (``jianxi.core.xlsx_reader``) within the limits below, each
  checked before the work it bounds, and refuses a missing column, a file without data, too many
  rows;
* checking one row: a ``RowChecker`` collects *all* of a row's ``RowError``s, the cell parsers
  below (text, integers, money, dates, 是/否, a choice from a table) raising ``CellError`` with the
  message a clerk reads; ``check_rows`` runs a module's ``parse_row`` over the file;
* the write, with its lookups, scoping and locks, is each module's own.

The upload form (``ImportForm``) and ``ImportKind`` — what the shared pages and jobs
(``jianxi.core.import_jobs``, ``jianxi.core.views_import``) need to know of one import — are
here too, so that every import page refuses the same files with the same words.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, fields
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import IO, Any, Protocol, TypeVar

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from jianxi.core.errors import RuleError
from jianxi.core.excel import XLSX
from jianxi.core.validators import ResidentId, parse_mobile, parse_resident_id
from jianxi.core.xlsx_reader import CalamineRows, ReadLimits, SheetRows, Workbook
from jianxi.core.xlsx_reader import ImportFileError as ImportFileError

T = TypeVar("T")

# --- the limits of one upload ---------------------------------------------------------------------
# Every import (posts, youth registry, attendance) reads its file within these limits, checked
# before the work they bound starts (see jianxi.core.xlsx_reader for the order). They allow the
# largest legitimate file: 5,000 rows of a template (14 columns) with post descriptions of a few
# hundred characters is about 10 MB unpacked; docs/operations.md explains each figure and
# docs/BENCHMARKS.md measures the worst file they let through.
MAX_ROWS = 5000  # data rows per file
MAX_UPLOAD_BYTES = 5 * 1024 * 1024  # the upload as sent
MAX_UNPACKED_BYTES = 20 * 1024 * 1024  # every part of the zip together, as declared
MAX_COMPRESSION_RATIO = 100  # unpacked ÷ packed of a part over 1 MB: real sheets stay far below
MAX_PARTS = 1000  # files inside the zip: a workbook has a few dozen
MAX_SHEET_ROWS = 10_000  # rows of the sheet read, blank ones included: 5,000 data rows and as many blank
MAX_COLUMNS = 60  # the templates have at most 14; exports may carry extra columns, ignored
MAX_CELL_CHARS = 10_000  # above every column's own limit (岗位职责 5,000), which gives a row error
MAX_SHARED_STRINGS = 100_000  # distinct texts in the file: 5,000 rows of 20 distinct texts
LIMITS = ReadLimits(
    unpacked_bytes=MAX_UNPACKED_BYTES,
    compression_ratio=MAX_COMPRESSION_RATIO,
    parts=MAX_PARTS,
    sheet_rows=MAX_SHEET_ROWS,
    columns=MAX_COLUMNS,
    cell_chars=MAX_CELL_CHARS,
    shared_strings=MAX_SHARED_STRINGS,
)

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


R = TypeVar("R", bound="ImportReport")


@dataclass(kw_only=True)
class ImportReport:
    """What an import did; a module adds its own counts.

    A report kept with its job (``to_json``) keeps the first ``ERRORS_SHOWN`` errors — all the
    page lists — and the totals of all of them, so that a background import's page reads the
    same as a synchronous one's.
    """

    total_rows: int
    errors: list[RowError] = field(default_factory=list)
    created: int = 0
    errors_total: int | None = None  # set on a kept report whose ``errors`` may be cut short
    error_rows_total: int | None = None

    @property
    def error_count(self) -> int:
        return len(self.errors) if self.errors_total is None else self.errors_total

    @property
    def error_rows(self) -> int:
        return len({e.row for e in self.errors}) if self.error_rows_total is None else self.error_rows_total

    def to_json(self) -> dict[str, Any]:
        data = {f.name: getattr(self, f.name) for f in fields(self)}
        data["errors"] = [[e.row, e.column, e.message] for e in self.errors[:ERRORS_SHOWN]]
        data["errors_total"], data["error_rows_total"] = self.error_count, self.error_rows
        return data

    @classmethod
    def from_json(cls: type[R], data: Mapping[str, Any]) -> R:
        names = {f.name for f in fields(cls)}
        values = {name: value for name, value in data.items() if name in names}
        values["errors"] = [RowError(row=row, column=col, message=message) for row, col, message in data["errors"]]
        return cls(**values)


@dataclass(frozen=True)
class ImportKind:
    """One kind of import as the shared machinery (pages, jobs) runs it.

    ``authorise`` refuses (RuleError) an actor who may not import, before the file is read;
    ``read`` turns the upload into rows; ``run`` is the module's one write. ``page`` is the
    import page's URL name; the page of one job is ``page + "_job"``.
    """

    name: str  # stored on the job: jianxi.core.import_jobs.KINDS names the module that defines it
    layout: SheetLayout
    authorise: Callable[[Any], object]
    read: Callable[[bytes], list[SheetRow]]
    run: Callable[..., ImportReport]  # run(actor=, rows=, import_valid_rows=)
    report_type: type[ImportReport]
    page: str
    reports_progress: bool = False  # run() takes progress=, called with the rows checked so far

    @property
    def job_page(self) -> str:
        return self.page + "_job"


@dataclass(frozen=True)
class SheetLayout:
    """The sheet an import reads: its title, its columns and the word for one row in messages."""

    title: str  # the sheet read when the file has one so named, else the first sheet
    headers: tuple[str, ...]
    noun: str  # 岗位, 人员, 考勤: "每个文件最多导入 5000 行岗位"
    optional: frozenset[str] = frozenset()  # columns the file may lack
    # The limits of one upload of this sheet; the youth registry has larger ones (a national
    # export of 100,000 persons) and reads them with python-calamine (``fast``).
    limits: ReadLimits = field(default_factory=lambda: LIMITS)
    max_upload_bytes: int = MAX_UPLOAD_BYTES
    max_rows: int = MAX_ROWS
    fast: bool = False


# --- reading the file ----------------------------------------------------------------------------


def normalise_header(value: Any) -> str:
    text = "" if value is None else str(value)
    text = text.replace("(", "（").replace(")", "）").replace("*", "")
    return re.sub(r"\s+", "", text)


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def upload_bytes(source: IO[bytes] | bytes, limit: int = MAX_UPLOAD_BYTES) -> bytes:
    """The upload's content, refused past ``limit`` bytes without reading further."""
    if isinstance(source, bytes | bytearray):
        data = bytes(source)
    else:
        source.seek(0)
        data = source.read(limit + 1)
    if len(data) > limit:
        raise ImportFileError(
            gettext("文件不能超过 %(limit)s MB，请分成多个文件导入。") % {"limit": limit // (1024 * 1024)}
        )
    return data


UNREADABLE = gettext_noop("读取 Excel 文件时出错，文件可能已损坏。请在 Excel 中另存为 .xlsx 后重新上传。")


def inspect_xlsx(source: IO[bytes] | bytes, layout: SheetLayout) -> Workbook:
    """The upload opened, refused if its zip (parts, unpacked size, compression ratio) or what it
    declares (the sheet's range, the number of shared strings) is past the limits — in
    milliseconds whatever the file's size: only the zip's directory and the first bytes of
    those parts are read."""
    try:
        book = Workbook(upload_bytes(source, layout.max_upload_bytes), layout.limits)
        book.check_declared(layout.title)
    except ImportFileError:
        raise
    except Exception as exc:  # a malformed part (XML, zip CRC, encoding…): the file is unreadable
        raise ImportFileError(gettext(UNREADABLE)) from exc
    return book


def read_xlsx(source: IO[bytes] | bytes, layout: SheetLayout, *, max_rows: int | None = None) -> list[SheetRow]:
    """The non-blank data rows of ``layout``'s sheet (by its title, else the first sheet).

    Refuses the file (``ImportFileError``, naming the limit) as soon as it meets one of the
    limits above; memory stays bounded by them, whatever the file declares. A ``fast`` layout
    is parsed by python-calamine once the same checks have passed (``CalamineRows``).
    """
    book = inspect_xlsx(source, layout)
    max_rows = layout.max_rows if max_rows is None else max_rows
    try:
        part = book.sheet_part(layout.title)
        lines = CalamineRows(book, part) if layout.fast else book.rows(part, book.shared_strings())
        return _rows_of(lines, layout, max_rows)
    except ImportFileError:
        raise
    except Exception as exc:
        raise ImportFileError(gettext(UNREADABLE)) from exc


def _rows_of(lines: SheetRows | CalamineRows, layout: SheetLayout, max_rows: int) -> list[SheetRow]:
    first = next(lines, None)
    if first is None or first[0] != 1:
        raise ImportFileError(gettext("工作表是空的（第 1 行应为表头）。请使用下载的模板填写。"))
    positions: dict[str, int] = {}
    for index, value in sorted(first[1].items()):
        positions.setdefault(normalise_header(value), index)
    missing = [h for h in layout.headers if h not in positions and h not in layout.optional]
    if missing:
        raise ImportFileError(
            gettext("表头缺少以下列：%(missing)s。请使用下载的模板，不要修改第 1 行的列名。")
            % {"missing": "、".join(missing)}
        )
    wanted = [(h, positions[h]) for h in layout.headers if h in positions]
    lines.keep = {i for _, i in wanted}
    rows: list[SheetRow] = []
    if isinstance(lines, CalamineRows):  # the same rows, picked by position: no dict per line
        for number, values in lines.records(wanted):
            if all(is_blank(v) for v in values.values()):
                continue
            if len(rows) == max_rows:
                raise ImportFileError(
                    gettext("每个文件最多导入 %(max_rows)s 行%(noun)s，请分成多个文件导入。")
                    % {"max_rows": max_rows, "noun": layout.noun}
                )
            rows.append(SheetRow(number=number, values=values))
        lines = iter(())  # type: ignore[assignment]
    for number, line in lines:
        values = {h: line.get(i) for h, i in wanted}
        if all(is_blank(v) for v in values.values()):
            continue
        if len(rows) == max_rows:
            raise ImportFileError(
                gettext("每个文件最多导入 %(max_rows)s 行%(noun)s，请分成多个文件导入。")
                % {"max_rows": max_rows, "noun": layout.noun}
            )
        rows.append(SheetRow(number=number, values=values))
    if not rows:
        raise ImportFileError(gettext("表头下没有填写任何%(noun)s。") % {"noun": layout.noun})
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


def resident_id_cell(today: date) -> Callable[[Any], ResidentId]:
    """A 公民身份号码, checked as ``parse_resident_id`` does; a number Excel turned into a float
    (scientific notation) gets a hint to format the column as text."""

    def parse(value: Any) -> ResidentId:
        try:
            return parse_resident_id(cell_text(value), today=today)
        except RuleError as err:
            numeric = isinstance(value, int | float) and not isinstance(value, bool)
            hint = "（该列请设置为文本格式，以免 Excel 把长数字改写为科学计数法）" if numeric else ""
            raise CellError(err.message + hint) from None

    return parse


def mobile_cell(value: Any) -> str:
    """A mainland mobile number, checked as ``parse_mobile`` does."""
    try:
        return parse_mobile(cell_text(value))
    except RuleError as err:
        raise CellError(err.message) from None


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

    def __init__(self, *args: Any, layout: SheetLayout | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.max_bytes = layout.max_upload_bytes if layout else MAX_UPLOAD_BYTES
        if layout is not None and (layout.max_upload_bytes, layout.max_rows) != (MAX_UPLOAD_BYTES, MAX_ROWS):
            self.fields["file"].help_text = _("请使用下载的模板填写，文件不超过 %(mb)s MB，最多 %(rows)s 行。") % {
                "mb": layout.max_upload_bytes // (1024 * 1024),
                "rows": layout.max_rows,
            }

    def clean_file(self) -> UploadedFile:
        upload: UploadedFile = self.cleaned_data["file"]
        name = (upload.name or "").lower()
        if name.endswith(".xls") or name.endswith(".csv"):
            raise forms.ValidationError(_("不支持该格式：请在 Excel 中“另存为” .xlsx 格式（Excel 工作簿）后再上传。"))
        if not name.endswith(".xlsx"):
            raise forms.ValidationError(_("请上传 .xlsx 格式的 Excel 文件（可先下载模板）。"))
        if (upload.size or 0) > self.max_bytes:
            if self.max_bytes == MAX_UPLOAD_BYTES:
                raise forms.ValidationError(_("文件不能超过 5 MB，请分成多个文件导入。"))
            raise forms.ValidationError(
                _("文件不能超过 %(mb)s MB，请分成多个文件导入。") % {"mb": self.max_bytes // (1024 * 1024)}
            )
        if (upload.content_type or "").split(";")[0].strip().lower() not in ACCEPTED_TYPES:
            raise forms.ValidationError(_("文件类型不是 Excel 工作簿（.xlsx），请确认后再上传。"))
        return upload
