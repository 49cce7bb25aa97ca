"""Hand-built .xlsx uploads: the worst files the import limits allow, and hostile ones they refuse.

Written part by part (no openpyxl), so that a file can say what a spreadsheet program never
would: a false range or string count, a part that unpacks hundreds of times larger than it is
packed, a cell far past the last column. The benchmark (``python -m bench --only imports``)
times them; the tests (tests/core/test_import_files.py) check that the worst allowed files are
allowed and the hostile ones refused. Nothing here imports Django: the limits are arguments.
"""

from __future__ import annotations

import io
import random
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from xml.sax.saxutils import escape

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/sharedStrings.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
    '<Override PartName="/xl/styles.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
    "</Types>"
)
ROOT_RELS = (
    f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{PKG}">'
    f'<Relationship Id="rId1" Type="{REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
WORKBOOK_RELS = (
    f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{PKG}">'
    f'<Relationship Id="rId1" Type="{REL}/worksheet" Target="worksheets/sheet1.xml"/>'
    f'<Relationship Id="rId2" Type="{REL}/sharedStrings" Target="sharedStrings.xml"/>'
    f'<Relationship Id="rId3" Type="{REL}/styles" Target="styles.xml"/></Relationships>'
)
# Style 0: general; style 1: a date (built-in number format 14, yyyy-mm-dd as Excel shows it).
STYLES = (
    f'<?xml version="1.0" encoding="UTF-8"?><styleSheet xmlns="{MAIN}">'
    '<cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="14" applyNumberFormat="1"/></cellXfs></styleSheet>'
)
WORDS = (
    "协助", "整理", "业务", "数据", "制作", "月度", "统计", "报表", "参与", "可视化", "工作", "负责",
    "客户", "沟通", "市场", "调研", "撰写", "文案", "软件", "开发", "测试", "维护", "系统", "文档",
    "行政", "管理", "人力", "资源", "招聘", "培训", "财务", "会计", "核算", "档案", "物流", "仓储",
    "电商", "运营", "新媒体", "编辑", "视频", "剪辑", "设计", "机械", "电气", "自动化", "实验", "记录",
    "分析", "样品", "检测", "项目", "进度", "跟踪", "会议", "纪要", "采购", "合同", "审核",
)  # fmt: skip


def column_letter(index: int) -> str:
    letters = ""
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def text_cell(column: int, row: int, text: str) -> str:
    return f'<c r="{column_letter(column)}{row}" t="inlineStr"><is><t>{escape(text)}</t></is></c>'


def shared_cell(column: int, row: int, index: int) -> str:
    return f'<c r="{column_letter(column)}{row}" t="s"><v>{index}</v></c>'


def number_cell(column: int, row: int, value: float | int, *, date: bool = False) -> str:
    style = ' s="1"' if date else ""
    return f'<c r="{column_letter(column)}{row}"{style}><v>{value}</v></c>'


def row(number: int, cells: Iterable[str]) -> str:
    return f'<row r="{number}">{"".join(cells)}</row>'


def sheet_xml(rows: Iterable[str], *, dimension: str | None = None) -> Iterator[bytes]:
    head = f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{MAIN}">'
    if dimension:
        head += f'<dimension ref="{dimension}"/>'
    yield (head + "<sheetData>").encode()
    batch: list[str] = []
    for line in rows:
        batch.append(line)
        if len(batch) == 500:
            yield "".join(batch).encode()
            batch.clear()
    yield ("".join(batch) + "</sheetData></worksheet>").encode()


def shared_xml(strings: Iterable[str], *, declared: int | None = None) -> Iterator[bytes]:
    counts = "" if declared is None else f' count="{declared}" uniqueCount="{declared}"'
    yield f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{MAIN}"{counts}>'.encode()
    batch: list[str] = []
    for text in strings:
        batch.append(f"<si><t>{escape(text)}</t></si>")
        if len(batch) == 1000:
            yield "".join(batch).encode()
            batch.clear()
    yield ("".join(batch) + "</sst>").encode()


def xlsx(
    sheet: Iterable[bytes],
    *,
    shared: Iterable[bytes] | None = None,
    title: str = "见习岗位",
    date1904: bool = False,
    extra: Sequence[tuple[str, bytes]] = (),
) -> bytes:
    """A workbook of one sheet named ``title`` from its parts' XML (streamed into the zip)."""
    pr = '<workbookPr date1904="1"/>' if date1904 else ""
    workbook = (
        f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{MAIN}" xmlns:r="{REL}">{pr}'
        f'<sheets><sheet name="{escape(title)}" sheetId="1" r:id="rId1"/></sheets></workbook>'
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", ROOT_RELS)
        archive.writestr("xl/workbook.xml", workbook)
        archive.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        archive.writestr("xl/styles.xml", STYLES)
        for name, part in (("xl/worksheets/sheet1.xml", sheet), ("xl/sharedStrings.xml", shared or shared_xml([]))):
            with archive.open(name, "w", force_zip64=True) as stream:
                for chunk in part:
                    stream.write(chunk)
        for name, content in extra:
            archive.writestr(name, content)
    return buffer.getvalue()


def header_row(headers: Sequence[str]) -> str:
    return row(1, (text_cell(i, 1, h) for i, h in enumerate(headers, start=1)))


def unpacked_size(data: bytes) -> int:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return sum(info.file_size for info in archive.infolist())


def largest_ratio(data: bytes) -> float:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return max(info.file_size / max(info.compress_size, 1) for info in archive.infolist())


# --- the worst files the limits allow -------------------------------------------------------------


def worst_cells(headers: Sequence[str], *, sheet_rows: int, columns: int, data_rows: int, budget: int) -> bytes:
    """As many cells as the limits allow: every row of the sheet to the row limit, every column to
    the column limit, the first ``data_rows`` rows under the headers, the others in the extra
    columns only (blank for the import, but read); random digits keep the ratio honest. Stops
    before ``budget`` unpacked bytes."""
    rng = random.Random(7)  # noqa: S311 - reproducible filler, not a secret
    width = len(headers)

    def rows() -> Iterator[str]:
        size = 0
        for number in range(2, sheet_rows + 1):
            first = 1 if number <= data_rows + 1 else width + 1
            line = row(number, (number_cell(c, number, rng.randrange(10)) for c in range(first, columns + 1)))
            size += len(line)
            if size > budget:
                return
            yield line

    return xlsx(sheet_xml([header_row(headers), *rows()]))


def worst_text(
    headers: Sequence[str], values: Sequence[object], *, long_column: int, rows: int, limit: int, chars: int = 5000
) -> bytes:
    """``rows`` valid rows (``values``, with ``long_column`` a distinct text of the shared-string
    table, at most ``chars`` characters), the texts as long as fits in ``limit`` unpacked bytes."""

    def build(budget: int) -> bytes:
        rng = random.Random(11)  # noqa: S311 - reproducible filler, not a secret
        per_row = budget // rows

        def text(n: int) -> str:
            words: list[str] = [f"岗位{n}："]
            size = len(words[0].encode())
            while size < per_row:
                words.append(rng.choice(WORDS))
                size += len(words[-1].encode())
            return "".join(words)[: chars - 1] + "。"

        def cells(number: int) -> Iterator[str]:
            for column, value in enumerate(values, start=1):
                if column == long_column:
                    yield shared_cell(column, number, number - 2)
                elif isinstance(value, int | float):
                    yield number_cell(column, number, value)
                elif value:
                    yield text_cell(column, number, f"{value}{number}" if column == 2 else str(value))

        sheet = sheet_xml([header_row(headers), *(row(n, cells(n)) for n in range(2, rows + 2))])
        return xlsx(sheet, shared=shared_xml(text(n) for n in range(rows)))

    budget = limit // 2
    for _ in range(4):  # the sheet's own size is known once built: grow the texts into the rest
        data = build(budget)
        spare = limit - unpacked_size(data)
        if 0 <= spare < limit // 100:
            return data
        budget += spare - limit // 200
    return data


def worst_shared_strings(headers: Sequence[str], *, strings: int, rows: int) -> bytes:
    """``strings`` distinct short texts in the shared-string table, each used once by a cell of
    ``rows`` rows (as many columns as that takes)."""
    per_row = -(-strings // rows)

    def lines() -> Iterator[str]:
        index = 0
        for number in range(2, rows + 2):
            cells = []
            for column in range(1, per_row + 1):
                if index < strings:
                    cells.append(shared_cell(column, number, index))
                    index += 1
            yield row(number, cells)

    shared = shared_xml((f"文字{n:06d}" for n in range(strings)), declared=strings)
    return xlsx(sheet_xml([header_row(headers), *lines()]), shared=shared)


# --- hostile files ---------------------------------------------------------------------------------


def old_attack(
    headers: Sequence[str], values: Sequence[object], *, long_column: int, rows: int = 5000, chars: int = 5000
) -> bytes:
    """The kind of file that kept a request busy for over a minute (the attacker's: 235 KB that
    unpacked to 94 MB, under the old 100 MB cap): ``rows`` valid rows (``values``), each with a
    ``long_column`` text of ``chars`` characters (a post's longest description) of repeated
    words that compress away — about 320 KB, 73 MB unpacked."""
    filler = ("见习岗位职责" * chars)[: chars - 8]

    def cells(number: int) -> Iterator[str]:
        for column, value in enumerate(values, start=1):
            if column == long_column:
                yield text_cell(column, number, f"{number:06d}：{filler}")
            elif isinstance(value, int | float):
                yield number_cell(column, number, value)
            elif value:
                yield text_cell(column, number, f"{value}{number}" if column == 2 else str(value))

    return xlsx(sheet_xml([header_row(headers), *(row(n, cells(n)) for n in range(2, rows + 2))]))


def ratio_bomb(headers: Sequence[str], *, unpacked: int) -> bytes:
    """Under the size limit, but one part unpacks hundreds of times larger than it is packed."""
    filler = "见" * 2000
    count = unpacked // (len(filler.encode()) + 60)
    lines = (row(n, [text_cell(1, n, filler)]) for n in range(2, count + 2))
    return xlsx(sheet_xml([header_row(headers), *lines]))


def declared_range(headers: Sequence[str], ref: str) -> bytes:
    """A small sheet that declares a range far larger than it holds."""
    return xlsx(sheet_xml([header_row(headers)], dimension=ref))


def declared_strings(headers: Sequence[str], declared: int) -> bytes:
    """A shared-string table that declares more texts than the limit (it holds a few)."""
    return xlsx(sheet_xml([header_row(headers)]), shared=shared_xml(["a", "b"], declared=declared))


def entity_expansion(headers: Sequence[str]) -> bytes:
    """The "billion laughs": a DTD whose entities expand exponentially."""
    dtd = '<!DOCTYPE sst [<!ENTITY a "aaaaaaaaaa">' + "".join(
        f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(8)
    )
    shared = [f'<?xml version="1.0" encoding="UTF-8"?>{dtd}]><sst xmlns="{MAIN}"><si><t>&i;</t></si></sst>'.encode()]
    return xlsx(sheet_xml([header_row(headers)]), shared=shared)
