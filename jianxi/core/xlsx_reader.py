"""A streaming, bounded reader of one worksheet of an uploaded .xlsx file.

An upload is untrusted: a 200 KB file can unpack to hundreds of megabytes, declare a million
rows, hold a single cell of a million characters or a shared-string table bigger than the
sheet. openpyxl would build all of that in memory before the import saw the first row, so the
imports read the file themselves, with every limit (``ReadLimits``, set in
``jianxi.core.imports``) checked as early as the file allows:

1. the zip's central directory, before anything is unpacked: the number of parts, their total
   unpacked size and each large part's compression ratio (Python's zip reader never unpacks
   more than a part declares, so the declared sizes bound the work that follows);
2. the worksheet's declared range (``<dimension ref="A1:N5001">``), read from its first bytes;
3. the shared-string table (``<sst uniqueCount>``), refused on its declared count and counted
   again while it is read, so a false count gains nothing;
4. the sheet itself, parsed with expat as it is unpacked, one row at a time: a row past the
   sheet's row limit, a cell past the column limit or longer than the cell limit stops the
   read at once.

Only what the imports use is read: the cell values of one worksheet (shared and inline
strings, numbers, booleans, errors and cached formula results), dates by the cell's number
format as openpyxl reads them. Documents with a DTD are refused (no entity expansion at all).
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from operator import itemgetter
from typing import IO, Any
from xml.parsers import expat

from django.utils.translation import gettext, gettext_noop
from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format, is_timedelta_format
from openpyxl.utils.cell import get_column_letter
from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900, from_excel, from_ISO8601

from jianxi.core.errors import RuleError

CHUNK = 64 * 1024
RATIO_CHECKED_FROM = 1024 * 1024  # a small part may compress very well without harm
_REF = re.compile(r"\$?([A-Za-z]{1,3})\$?(\d{1,7})")  # a cell reference, as in <dimension ref>
_REL_TYPE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
_LETTERS = {c: i for i, c in enumerate("ABCDEFGHIJKLMNOPQRSTUVWXYZ", start=1)}
_COLUMNS = {get_column_letter(i): i for i in range(1, 16385)}  # A … XFD
_DIGITS = "0123456789"


class ImportFileError(RuleError):
    """The file as a whole cannot be read: nothing is imported."""

    def __init__(self, message: str) -> None:
        super().__init__("import.file", message, field="file")


@dataclass(frozen=True)
class ReadLimits:
    """What one upload may hold; each refusal names the limit it met."""

    unpacked_bytes: int  # all parts together, as the zip declares them
    compression_ratio: int  # unpacked ÷ packed, for a part over 1 MB unpacked
    parts: int  # files inside the zip
    sheet_rows: int  # rows of the sheet, blank ones included (the header is row 1)
    columns: int  # the last column a cell may be in
    cell_chars: int  # characters of one cell
    shared_strings: int  # distinct texts of the shared-string table


CORRUPT = gettext_noop("文件不是有效的 Excel（.xlsx）文件，可能已损坏。请用下载的模板填写后另存为 .xlsx 再上传。")
UNREADABLE = gettext_noop("无法读取该 Excel 文件，可能已损坏或不是 .xlsx 格式。请用下载的模板填写后再上传。")


def _mb(size: int) -> str:
    return f"{size / (1024 * 1024):g}"


def column_index(letters: str) -> int:
    index = 0
    for char in letters.upper():
        index = index * 26 + _LETTERS[char]
    return index


def _local(name: str) -> str:
    """An element's or attribute's name without its namespace (expat gives "uri name")."""
    return name.rpartition(" ")[2].rpartition(":")[2]


def _attr(attrs: dict[str, str], name: str) -> str | None:
    for key, value in attrs.items():
        if _local(key) == name:
            return value
    return None


class _Stop(Exception):
    """Ends a parse early once what was wanted has been seen."""


def _parser(
    start: Callable[..., None],
    end: Callable[..., None] | None,
    text: Callable[[str], None] | None,
    *,
    namespaces: bool = True,
) -> Any:
    parser = expat.ParserCreate(namespace_separator=" ") if namespaces else expat.ParserCreate()
    parser.buffer_text = True
    parser.buffer_size = CHUNK

    def no_dtd(*_: Any) -> None:
        raise ImportFileError(gettext(UNREADABLE))

    parser.StartDoctypeDeclHandler = no_dtd
    parser.EntityDeclHandler = no_dtd
    parser.StartElementHandler = start
    if end is not None:
        parser.EndElementHandler = end
    if text is not None:
        parser.CharacterDataHandler = text
    return parser


def _feed(parser: Any, stream: IO[bytes]) -> None:
    """Parse ``stream`` as it is unpacked, a chunk at a time."""
    while True:
        chunk = stream.read(CHUNK)
        parser.Parse(chunk, not chunk)
        if not chunk:
            return


class Workbook:
    """An opened upload: its zip checked against the limits, then its workbook, relations and
    styles read (small parts, and bounded by the unpacked limit whatever they claim)."""

    def __init__(self, data: bytes, limits: ReadLimits) -> None:
        self.limits = limits
        try:
            self.zip = zipfile.ZipFile(io.BytesIO(data))
            infos = self.zip.infolist()
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
            raise ImportFileError(gettext(CORRUPT)) from exc
        self._check_parts(infos)
        self.sizes = {info.filename: info.file_size for info in infos}
        self.unpacked = sum(self.sizes.values())
        try:
            self._read_structure()
        except ImportFileError:
            raise
        except (zipfile.BadZipFile, OSError, ValueError, EOFError, KeyError, expat.ExpatError) as exc:
            raise ImportFileError(gettext(UNREADABLE)) from exc

    def _check_parts(self, infos: list[zipfile.ZipInfo]) -> None:
        limits = self.limits
        if len(infos) > limits.parts:
            raise ImportFileError(
                gettext(
                    "文件包含超过 %(parts)s 个部件（上限），不是正常的 Excel 工作簿，"
                    "未导入任何数据。请在 Excel 中另存为 .xlsx 后重新上传。"
                )
                % {"parts": limits.parts}
            )
        unpacked = sum(info.file_size for info in infos)
        if unpacked > limits.unpacked_bytes:
            raise ImportFileError(
                gettext(
                    "文件解压后为 %(unpacked)s MB，超过 %(unpacked_bytes)s MB 的上限，"
                    "无法读取。请删除多余的工作表、图片或空行，或分成多个文件导入。"
                )
                % {"unpacked": f"{unpacked / (1024 * 1024):.1f}", "unpacked_bytes": _mb(limits.unpacked_bytes)}
            )
        for info in infos:
            ratio = info.file_size / max(info.compress_size, 1)
            if info.file_size > RATIO_CHECKED_FROM and ratio > limits.compression_ratio:
                raise ImportFileError(
                    gettext(
                        "文件的压缩比异常（其中一部分解压后是压缩前的 %(ratio)s 倍，"
                        "上限 %(compression_ratio)s 倍），不是正常的 Excel 文件，"
                        "未导入任何数据。请在 Excel 中另存为 .xlsx 后重新上传。"
                    )
                    % {"ratio": f"{ratio:.0f}", "compression_ratio": limits.compression_ratio}
                )

    # --- structure: workbook, relations, styles ---------------------------------------------------

    def _xml(self, name: str, start: Callable[..., None], end: Callable[..., None] | None = None) -> None:
        parser = _parser(start, end, None)
        with self.zip.open(name) as stream:
            _feed(parser, stream)

    def _rels(self, part: str) -> dict[str, tuple[str, str]]:
        """The relations of ``part``: id → (type, target part name)."""
        folder, base = posixpath.split(part)
        name = posixpath.join(folder, "_rels", base + ".rels")
        found: dict[str, tuple[str, str]] = {}
        if name not in self.sizes:
            return found

        def start(tag: str, attrs: dict[str, str]) -> None:
            if _local(tag) == "Relationship" and attrs.get("TargetMode") != "External":
                target = attrs.get("Target", "")
                path = target.lstrip("/") if target.startswith("/") else posixpath.join(folder, target)
                found[attrs.get("Id", "")] = (attrs.get("Type", ""), posixpath.normpath(path))

        self._xml(name, start)
        return found

    def _read_structure(self) -> None:
        main = next(
            (target for kind, target in self._rels("").values() if kind.endswith("/officeDocument")),
            "xl/workbook.xml",
        )
        rels = self._rels(main)
        self.sheets: list[tuple[str, str]] = []  # (title, part) of each worksheet, in order
        self.epoch = CALENDAR_WINDOWS_1900

        def start(tag: str, attrs: dict[str, str]) -> None:
            name = _local(tag)
            if name == "workbookPr" and attrs.get("date1904", "").lower() in ("1", "true"):
                self.epoch = CALENDAR_MAC_1904
            elif name == "sheet":
                kind, target = rels.get(_attr(attrs, "id") or "", ("", ""))
                if kind == _REL_TYPE + "worksheet" and target in self.sizes:
                    self.sheets.append((attrs.get("name", ""), target))

        self._xml(main, start)
        by_type = dict(rels.values())
        self.shared_part = by_type.get(_REL_TYPE + "sharedStrings")
        styles = by_type.get(_REL_TYPE + "styles")
        self.date_styles: set[int] = set()
        self.timedelta_styles: set[int] = set()
        if styles is not None and styles in self.sizes:
            self._read_styles(styles)

    def _read_styles(self, part: str) -> None:
        custom: dict[int, str] = {}
        xf_formats: list[int] = []
        inside = [False]

        def start(tag: str, attrs: dict[str, str]) -> None:
            name = _local(tag)
            if name == "numFmt":
                custom[_int(attrs.get("numFmtId"))] = attrs.get("formatCode", "")
            elif name == "cellXfs":
                inside[0] = True
            elif name == "xf" and inside[0]:
                xf_formats.append(_int(attrs.get("numFmtId")))

        def end(tag: str) -> None:
            if _local(tag) == "cellXfs":
                inside[0] = False

        self._xml(part, start, end)
        for index, number in enumerate(xf_formats):
            fmt = custom.get(number, BUILTIN_FORMATS.get(number))
            if is_date_format(fmt):
                self.date_styles.add(index)
            if is_timedelta_format(fmt):
                self.timedelta_styles.add(index)

    # --- the sheet --------------------------------------------------------------------------------

    def sheet_part(self, title: str) -> str:
        if not self.sheets:
            raise ImportFileError(gettext("文件中没有工作表。请使用下载的模板。"))
        return next((part for name, part in self.sheets if name == title), self.sheets[0][1])

    def check_declared(self, title: str) -> str:
        """Refuse what the file declares past the limits: its sheet's range, its number of
        shared strings — from the first bytes of those parts. The sheet's part name."""
        part = self.sheet_part(title)
        self.check_dimension(part)
        self.check_declared_strings()
        return part

    def check_declared_strings(self) -> None:
        if self.shared_part is None or self.shared_part not in self.sizes:
            return

        def start(tag: str, attrs: dict[str, str]) -> None:
            if _local(tag) == "sst":
                if _int(attrs.get("uniqueCount") or attrs.get("count")) > self.limits.shared_strings:
                    _too_many_strings(self.limits.shared_strings)
                raise _Stop

        parser = _parser(start, None, None)
        with self.zip.open(self.shared_part) as stream:
            try:
                _feed(parser, stream)
            except _Stop:
                return

    def check_dimension(self, part: str) -> None:
        """Refuse a sheet whose declared range is past the limits, from its first bytes."""
        limits = self.limits

        def start(tag: str, attrs: dict[str, str]) -> None:
            name = _local(tag)
            if name == "dimension":
                last = _REF.fullmatch((attrs.get("ref") or "").rpartition(":")[2])
                if last is not None:
                    rows, columns = int(last.group(2)), column_index(last.group(1))
                    if rows > limits.sheet_rows:
                        raise ImportFileError(
                            gettext(
                                "工作表的范围到第 %(rows)s 行，超过 %(sheet_rows)s 行（含空行）的上限。"
                                "请删除多余的行（包括只设置了格式的空行）后再上传。"
                            )
                            % {"rows": rows, "sheet_rows": limits.sheet_rows}
                        )
                    if columns > limits.columns:
                        raise ImportFileError(_too_wide(limits.columns, get_column_letter(min(columns, 18278))))
                raise _Stop
            if name == "sheetData":
                raise _Stop

        parser = _parser(start, None, None)
        with self.zip.open(part) as stream:
            try:
                _feed(parser, stream)
            except _Stop:
                return

    def shared_strings(self) -> list[str]:
        if self.shared_part is None or self.shared_part not in self.sizes:
            return []
        limits = self.limits
        strings: list[str] = []
        text: list[str] = []
        depth = {"si": 0, "t": 0, "rPh": 0}

        def start(tag: str, attrs: dict[str, str]) -> None:
            name = _local(tag)
            if name == "sst" and _int(attrs.get("uniqueCount") or attrs.get("count")) > limits.shared_strings:
                _too_many_strings(limits.shared_strings)
            if name in depth:
                depth[name] += 1
            if name == "si":
                if len(strings) == limits.shared_strings:  # the declared count may be false
                    _too_many_strings(limits.shared_strings)
                text.clear()

        def end(tag: str) -> None:
            name = _local(tag)
            if name in depth:
                depth[name] -= 1
            if name == "si":
                strings.append("".join(text).replace("x005F_", ""))

        def chars(data: str) -> None:
            if depth["t"] and depth["si"] and not depth["rPh"]:
                text.append(data)

        parser = _parser(start, end, chars)
        with self.zip.open(self.shared_part) as stream:
            _feed(parser, stream)
        return strings

    def rows(self, part: str, strings: list[str]) -> SheetRows:
        """The rows of the sheet, read as they are iterated."""
        return SheetRows(self, part, strings)


class SheetRows:
    """Each row of a sheet that has a cell with a value: (row number, {column: value}).

    Set ``keep`` to the columns wanted once the header row is read: the cells of other columns
    are then skipped (still counted against the column limit) without their text being kept.
    """

    def __init__(self, book: Workbook, part: str, strings: list[str]) -> None:
        self.reader = _SheetReader(book, strings)
        self._rows = self._read(book, part)

    @property
    def keep(self) -> set[int] | None:
        return self.reader.keep

    @keep.setter
    def keep(self, columns: set[int] | None) -> None:
        self.reader.keep = columns

    def __iter__(self) -> Iterator[tuple[int, dict[int, Any]]]:
        return self._rows

    def __next__(self) -> tuple[int, dict[int, Any]]:
        return next(self._rows)

    def _read(self, book: Workbook, part: str) -> Iterator[tuple[int, dict[int, Any]]]:
        reader = self.reader
        parser = _parser(reader.start, reader.end, reader.chars, namespaces=False)
        with book.zip.open(part) as stream:
            while True:
                chunk = stream.read(CHUNK)
                parser.Parse(chunk, not chunk)
                yield from reader.done
                reader.done.clear()
                if not chunk:
                    return


def _int(value: str | None) -> int:
    try:
        return int(value or 0) if len(value or "") < 12 else 0
    except ValueError:
        return 0


def _too_many_strings(limit: int) -> None:
    raise ImportFileError(
        gettext(
            "文件中不同的文字内容超过 %(limit)s 条（共享字符串上限），无法读取。"
            "请分成多个文件导入，或删除多余的工作表后再上传。"
        )
        % {"limit": limit}
    )


def _too_wide(limit: int, column: str) -> str:
    return (
        f"工作表超过 {limit} 列的上限（有内容或格式到第 {column} 列）。请删除多余的列后再上传，"
        "或把需要导入的列复制到新的工作表。"
    )


class _SheetReader:
    """The expat callbacks of one worksheet: rows are collected in ``done`` as they end.

    Called for every element of a sheet that may hold a million of them, so they are kept
    lean: raw tag names (a prefix, rare, is cut off), and no text kept for a cell outside
    ``keep`` (the columns the import reads, once the header row has named them).
    """

    def __init__(self, book: Workbook, strings: list[str]) -> None:
        self.limits = book.limits
        self.epoch = book.epoch
        self.date_styles = {str(i) for i in book.date_styles}
        self.timedelta_styles = {str(i) for i in book.timedelta_styles}
        self.strings = strings
        self.keep: set[int] | None = None  # None: every column (the header row)
        self.done: list[tuple[int, dict[int, Any]]] = []
        self.row_number = 0
        self.cells: dict[int, Any] = {}
        self.column = 0
        self.keeping = False
        self.kind = "n"
        self.style: str | None = None
        self.text: list[str] = []
        self.length = 0
        self.capture = False  # inside <v>, or inside <is><t> (not phonetic <rPh>), of a kept cell
        self.in_phonetic = False

    def start(self, tag: str, attrs: dict[str, str]) -> None:
        if ":" in tag:
            tag = tag.rpartition(":")[2]
        if tag == "c":
            ref = attrs.get("r")
            column = _COLUMNS.get(ref.rstrip(_DIGITS).upper(), 0) if ref else 0
            self.column = column = column or self.column + 1
            if column > self.limits.columns:
                raise ImportFileError(_too_wide(self.limits.columns, get_column_letter(min(column, 16384))))
            self.keeping = keeping = self.keep is None or column in self.keep
            if keeping:
                self.kind = attrs.get("t", "n")
                self.style = attrs.get("s")
                self.text = []
                self.length = 0
        elif tag == "v" or tag == "t":
            self.capture = self.keeping and not self.in_phonetic
        elif tag == "row":
            number = _int(attrs.get("r"))
            self.row_number = number if number > self.row_number else self.row_number + 1
            if self.row_number > self.limits.sheet_rows:
                raise ImportFileError(
                    gettext("工作表超过 %(sheet_rows)s 行（含空行）的上限。请删除多余的空行后再上传。")
                    % {"sheet_rows": self.limits.sheet_rows}
                )
            self.cells = {}
            self.column = 0
        elif tag == "rPh":
            self.in_phonetic = True

    def chars(self, data: str) -> None:
        if self.capture:
            self.length += len(data)
            if self.length > self.limits.cell_chars:
                self._too_long()
            self.text.append(data)

    def _too_long(self) -> None:
        raise ImportFileError(
            gettext(
                "第 %(row_number)s 行 %(column)s 列的内容超过 %(cell_chars)s 个字（单元格上限），"
                "无法读取。请检查该单元格后再上传。"
            )
            % {
                "row_number": self.row_number,
                "column": get_column_letter(self.column),
                "cell_chars": self.limits.cell_chars,
            }
        )

    def end(self, tag: str) -> None:
        if ":" in tag:
            tag = tag.rpartition(":")[2]
        if tag == "c":
            if self.keeping:
                value = self._value()
                if value is not None and value != "":
                    self.cells[self.column] = value
        elif tag == "v" or tag == "t":
            self.capture = False
        elif tag == "row":
            if self.cells:
                self.done.append((self.row_number, self.cells))
        elif tag == "rPh":
            self.in_phonetic = False

    def _value(self) -> Any:
        text = "".join(self.text)
        kind = self.kind
        if kind == "inlineStr":
            return text
        if text == "":
            return None
        if kind == "n":
            return self._number(text)
        if kind == "s":
            index = int(text) if text.isdigit() and len(text) < 12 else -1
            if not 0 <= index < len(self.strings):
                raise ImportFileError(gettext(UNREADABLE))
            value = self.strings[index]
            if len(value) > self.limits.cell_chars:
                self._too_long()
            return value
        if kind == "b":
            return text.strip() in ("1", "true")
        if kind == "d":
            try:
                return from_ISO8601(text)
            except ValueError:
                return text
        return text  # "str" (a formula's cached text), "e" (an error such as #N/A)

    def _number(self, text: str) -> Any:
        try:
            number: int | float = float(text) if "." in text or "E" in text or "e" in text else int(text)
        except ValueError:
            return text  # not a number after all: the row's checks say what is wrong
        if self.style is not None and self.style in self.date_styles:
            try:
                value: datetime | time | timedelta = from_excel(
                    number, self.epoch, timedelta=self.style in self.timedelta_styles
                )
            except (OverflowError, ValueError):
                return "#VALUE!"
            return value
        return number


# --- the fast reader: python-calamine, behind the same checks ---------------------------------------

# The parts calamine needs to read one sheet: the package's relations and content types, the
# workbook, its relations, styles (number formats: dates) and shared strings, and the sheet.
_CALAMINE_PARTS = ("[Content_Types].xml", "_rels/.rels")


class CalamineRows:
    """The rows of one sheet read by python-calamine (Rust), as ``SheetRows`` gives them.

    Safe as the streaming reader is, by construction: ``Workbook`` has already checked the zip's
    directory (parts, declared unpacked size, compression ratio) and what the sheet and the
    shared strings declare, and refused any DTD in the parts' prologs. Calamine is then not
    given the upload: it is given a new zip, *stored* (not compressed), of the few parts it
    needs, each unpacked here by Python's zip reader — which never yields more than a part
    declares and checks its CRC. So calamine inflates nothing, and the bytes it parses are at
    most the unpacked limit, whatever the upload's compressed streams hold. The parsed range's
    height and width, and each kept cell's length, are then checked against the limits before
    any row is handed on.
    """

    def __init__(self, book: Workbook, part: str) -> None:
        import python_calamine

        self.book = book
        self.keep: set[int] | None = None
        wanted = {*_CALAMINE_PARTS, part, posixpath.join("xl", "_rels", "workbook.xml.rels")}
        wanted |= {name for name in book.sizes if name.endswith(("workbook.xml", "styles.xml", "sharedStrings.xml"))}
        wanted |= {name for name in book.sizes if name.startswith("xl/_rels/") or name.startswith("xl/worksheets/")}
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as stored:
            for name in sorted(wanted & set(book.sizes)):
                if name.startswith("xl/worksheets/") and name != part:
                    stored.writestr(name, _EMPTY_SHEET)  # another sheet: never unpacked
                else:
                    content = book.zip.read(name)
                    if name == book.shared_part and len(_SHARED_ITEM.findall(content)) > book.limits.shared_strings:
                        _too_many_strings(book.limits.shared_strings)  # the declared count was false
                    stored.writestr(name, content)
        title = next((t for t, p in book.sheets if p == part), "")
        buffer.seek(0)
        try:
            sheet = python_calamine.CalamineWorkbook.from_filelike(buffer).get_sheet_by_name(title)
        except Exception as exc:  # calamine's own refusal of a malformed part
            raise ImportFileError(gettext(UNREADABLE)) from exc
        limits = book.limits
        first_row, first_column = sheet.start or (0, 0)
        last_row, last_column = sheet.end or (0, 0)
        if last_row + 1 > limits.sheet_rows:
            raise ImportFileError(
                gettext(
                    "工作表有 %(last_row)s 行，超过 %(sheet_rows)s 行（含空行）的上限。"
                    "请删除多余的行（包括只设置了格式的空行）后再上传。"
                )
                % {"last_row": last_row + 1, "sheet_rows": limits.sheet_rows}
            )
        if last_column + 1 > limits.columns:
            raise ImportFileError(_too_wide(limits.columns, get_column_letter(min(last_column + 1, 18278))))
        self.sheet, self.first_row, self.first_column = sheet, first_row, first_column
        self._numbered = enumerate(sheet.iter_rows(), start=first_row + 1)  # shared: rows are read once
        self._rows = self._read()

    def __iter__(self) -> Iterator[tuple[int, dict[int, Any]]]:
        return self._rows

    def __next__(self) -> tuple[int, dict[int, Any]]:
        return next(self._rows)

    def records(self, wanted: list[tuple[str, int]]) -> Iterator[tuple[int, dict[str, Any]]]:
        """The rows after those already read, as {header: value} for the ``wanted`` (header,
        column) pairs — a blank cell is "" (as ``is_blank`` and ``cell_text`` read it)."""
        cell_chars = self.book.limits.cell_chars
        offset = self.first_column + 1
        width = self.sheet.width
        inside = [(h, c - offset) for h, c in wanted if 0 <= c - offset < width]
        outside = {h: "" for h, c in wanted if not 0 <= c - offset < width}
        names = [h for h, _ in inside]
        if not inside:
            return
        pick = itemgetter(*(i for _, i in inside))
        single = len(inside) == 1
        for number, line in self._numbered:
            picked = (pick(line),) if single else pick(line)
            for value in picked:
                if value.__class__ is str and len(value) > cell_chars:
                    column = next(c for h, c in wanted if h == names[picked.index(value)])
                    raise ImportFileError(
                        gettext(
                            "第 %(number)s 行 %(column)s 列的内容超过 %(cell_chars)s 个字（单元格上限），"
                            "无法读取。请检查该单元格后再上传。"
                        )
                        % {"number": number, "column": get_column_letter(column), "cell_chars": cell_chars}
                    )
            values = dict(zip(names, picked, strict=True))
            if outside:
                values.update(outside)
            yield number, values

    def _read(self) -> Iterator[tuple[int, dict[int, Any]]]:
        cell_chars = self.book.limits.cell_chars
        offset = self.first_column + 1  # a value's index in the row → its column number
        for number, values in self._numbered:
            keep = self.keep
            if keep is None:
                cells = {i + offset: v for i, v in enumerate(values) if v != ""}
            else:
                cells = {}
                for column in keep:
                    index = column - offset
                    if 0 <= index < len(values) and (value := values[index]) != "":
                        cells[column] = value
            for column, value in cells.items():
                if isinstance(value, str) and len(value) > cell_chars:
                    raise ImportFileError(
                        gettext(
                            "第 %(number)s 行 %(column)s 列的内容超过 %(cell_chars)s 个字（单元格上限），"
                            "无法读取。请检查该单元格后再上传。"
                        )
                        % {"number": number, "column": get_column_letter(column), "cell_chars": cell_chars}
                    )
            if cells:
                yield number, cells


_SHARED_ITEM = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?si[\s/>]")
_EMPTY_SHEET = (
    b'<?xml version="1.0" encoding="UTF-8"?><worksheet '
    b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData/></worksheet>'
)
