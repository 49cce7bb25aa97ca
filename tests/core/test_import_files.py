"""An upload cannot tie up the server: every limit of jianxi/core/imports.py refuses the file before
the work it bounds, with a Chinese message naming the limit, and nothing is imported.

The hostile files are built part by part (bench/xlsx_files.py, the benchmark's own), so that
they can declare what no spreadsheet program would. The worst files the limits allow are read.
"""

from __future__ import annotations

import io
from datetime import datetime, time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from bench import xlsx_files as build
from jianxi.core import imports as limits
from jianxi.core.excel import XLSX
from jianxi.core.imports import ImportFileError
from jianxi.core.models import ImportJob, ImportStage
from jianxi.posts.imports import HEADERS, read_sheet
from jianxi.posts.models import Post

pytestmark = pytest.mark.django_db


def refusal(data: bytes) -> str:
    with pytest.raises(ImportFileError) as refused:
        read_sheet(data)
    return refused.value.message


def upload(client, user, content: bytes):
    client.force_login(user)
    file = SimpleUploadedFile("岗位.xlsx", content, content_type=XLSX)
    return client.post(reverse("posts:import"), {"file": file})


def one_row(*cells: str, number: int = 2) -> str:
    return build.row(number, cells)


def sheet(*rows: str, dimension: str | None = None) -> bytes:
    return build.xlsx(build.sheet_xml([build.header_row(HEADERS), *rows], dimension=dimension))


# --- the zip, before anything is unpacked ---------------------------------------------------------


def test_a_small_file_that_unpacks_past_the_limit_is_refused_from_the_zip_directory_alone(client, world):
    # The attacker's kind of file: a few hundred KB, tens of MB unpacked (under the old 100 MB cap),
    # every row a post whose description is 5,000 characters long: it was read, checked and
    # segmented for search row after row, for over a minute.
    bomb = build.old_attack(HEADERS, ["", "岗位", "技术技能类", None, "大学本科"], long_column=4)
    assert len(bomb) < 1024 * 1024 and build.unpacked_size(bomb) > 70 * 1024 * 1024
    message = refusal(bomb)
    assert "超过 20 MB 的上限" in message and "解压后" in message
    response = upload(client, world.district_officer, bomb)
    assert "超过 20 MB 的上限" in response.content.decode() and response.context["report"] is None
    assert not Post.objects.exists()
    job = ImportJob.objects.get()
    assert (job.stage, job.finished_at is not None, job.file) == (ImportStage.REFUSED, True, b"")


def declaring(data: bytes, name: str, size: int) -> bytes:
    """``data`` with the zip's central directory declaring ``size`` unpacked bytes for ``name``."""
    out = bytearray(data)
    at = out.find(b"PK\x01\x02")
    while at != -1:
        length = int.from_bytes(out[at + 28 : at + 30], "little")
        if out[at + 46 : at + 46 + length] == name.encode():
            out[at + 24 : at + 28] = size.to_bytes(4, "little")
        at = out.find(b"PK\x01\x02", at + 4)
    return bytes(out)


def test_a_zip_whose_declared_size_is_past_the_limit_is_refused_without_unpacking_it():
    # The sheet holds a few bytes that are not even XML: read, it is refused as unreadable.
    garbage = build.xlsx([b"not xml at all"])
    assert "无法读取" in refusal(garbage) or "读取 Excel 文件时出错" in refusal(garbage)
    # Declaring 200 MB, it is refused for its size: only the zip's directory was read.
    bomb = declaring(garbage, "xl/worksheets/sheet1.xml", 200 * 1024 * 1024)
    assert build.unpacked_size(bomb) > 200 * 1024 * 1024
    assert "超过 20 MB 的上限" in refusal(bomb)


def test_a_part_that_compresses_a_hundred_times_is_refused_even_under_the_size_limit():
    bomb = build.ratio_bomb(HEADERS, unpacked=5 * 1024 * 1024)
    assert build.unpacked_size(bomb) < limits.MAX_UNPACKED_BYTES and build.largest_ratio(bomb) > 100
    message = refusal(bomb)
    assert "压缩比异常" in message and "上限 100 倍" in message


def test_a_zip_of_thousands_of_parts_is_refused():
    extra = [(f"xl/media/image{n}.bin", b"x") for n in range(limits.MAX_PARTS)]
    data = build.xlsx(build.sheet_xml([build.header_row(HEADERS)]), extra=extra)
    assert "超过 1000 个部件（上限）" in refusal(data)


# --- what the parts declare, from their first bytes -----------------------------------------------


def test_a_sheet_declaring_more_rows_than_the_limit_is_refused_before_it_is_read():
    message = refusal(sheet(dimension="A1:N10001"))
    assert "第 10001 行" in message and "超过 10000 行（含空行）的上限" in message
    assert "10000 行" in refusal(sheet(dimension="A1:XFD1048576"))


def test_a_sheet_declaring_more_columns_than_the_limit_is_refused_before_it_is_read():
    assert "超过 60 列的上限" in refusal(sheet(dimension="A1:BI2"))
    assert read_sheet(sheet(one_row(build.text_cell(2, 2, "岗位")), dimension="A1:BH2"))  # 60 columns: read


def test_a_shared_string_table_declaring_more_texts_than_the_limit_is_refused_before_it_is_read():
    message = refusal(build.declared_strings(HEADERS, limits.MAX_SHARED_STRINGS + 1))
    assert "超过 100000 条（共享字符串上限）" in message


def test_a_shared_string_table_with_a_false_small_count_is_refused_while_read():
    strings = build.shared_xml((f"t{n}" for n in range(limits.MAX_SHARED_STRINGS + 1)), declared=1)
    data = build.xlsx(build.sheet_xml([build.header_row(HEADERS)]), shared=strings)
    assert "共享字符串上限" in refusal(data)


# --- the sheet, as it is read ----------------------------------------------------------------------


def test_more_rows_than_the_limit_are_refused_even_when_the_range_is_not_declared():
    blank_rows = (build.row(n, [build.number_cell(20, n, 1)]) for n in range(2, limits.MAX_SHEET_ROWS + 2))
    message = refusal(build.xlsx(build.sheet_xml([build.header_row(HEADERS), *blank_rows])))
    assert "工作表超过 10000 行（含空行）的上限" in message


def test_a_cell_past_the_column_limit_is_refused_naming_the_limit_and_the_column():
    message = refusal(sheet(one_row(build.text_cell(2, 2, "岗位"), build.number_cell(61, 2, 1))))
    assert "超过 60 列的上限" in message and "BI 列" in message


@pytest.mark.parametrize("shared", [False, True])
def test_a_cell_longer_than_the_limit_is_refused_naming_the_limit_and_the_cell(shared):
    text = "见" * (limits.MAX_CELL_CHARS + 1)
    if shared:
        strings = build.shared_xml([text])
        data = build.xlsx(
            build.sheet_xml([build.header_row(HEADERS), one_row(build.shared_cell(4, 2, 0))]), shared=strings
        )
    else:
        data = sheet(one_row(build.text_cell(4, 2, text)))
    message = refusal(data)
    assert "第 2 行 D 列的内容超过 10000 个字" in message and "单元格上限" in message


def test_a_cell_at_the_limit_reaches_the_rows_own_check(world):
    from jianxi.posts.imports import posts_import

    rows = read_sheet(sheet(one_row(build.text_cell(4, 2, "见" * limits.MAX_CELL_CHARS))))
    report = posts_import(actor=world.host_staff, rows=rows, import_valid_rows=False)
    described = [e.message for e in report.errors if e.column == "岗位职责"]
    assert described == ["岗位职责不能超过 5000 个字，当前 10000 个字。"]


def test_more_data_rows_than_the_limit_are_refused():
    rows = (one_row(build.text_cell(2, n, f"岗位{n}"), number=n) for n in range(2, limits.MAX_ROWS + 3))
    message = refusal(build.xlsx(build.sheet_xml([build.header_row(HEADERS), *rows])))
    assert "每个文件最多导入 5000 行岗位" in message


def test_a_document_type_declaration_is_refused_so_no_entity_expands():
    assert "无法读取" in refusal(build.entity_expansion(HEADERS))


# --- the worst files the limits allow are read ----------------------------------------------------


def test_the_benchmarks_worst_allowed_files_are_read():
    most_cells = build.worst_cells(
        HEADERS,
        sheet_rows=limits.MAX_SHEET_ROWS,
        columns=limits.MAX_COLUMNS,
        data_rows=limits.MAX_ROWS,
        budget=limits.MAX_UNPACKED_BYTES,
    )
    assert len(read_sheet(most_cells)) == limits.MAX_ROWS
    most_strings = build.worst_shared_strings(HEADERS, strings=limits.MAX_SHARED_STRINGS, rows=limits.MAX_ROWS)
    rows = read_sheet(most_strings)
    assert len(rows) == limits.MAX_ROWS and rows[-1].values[HEADERS[0]].startswith("文字")


# --- what a spreadsheet writes is read as openpyxl reads it ---------------------------------------


def test_values_are_read_as_a_spreadsheet_holds_them():
    rich = "<si><r><t>数据</t></r><r><rPr><b/></rPr><t>分析</t></r><rPh><t>フリガナ</t></rPh></si>"
    shared = [f'<?xml version="1.0"?><sst xmlns="{build.MAIN}" count="1" uniqueCount="1">{rich}</sst>'.encode()]
    cells = [
        build.shared_cell(2, 2, 0),  # rich text, its phonetic guide left out
        build.text_cell(3, 2, "技术技能类"),  # an inline string
        build.number_cell(7, 2, 3),  # an integer
        build.number_cell(9, 2, 3000.5),  # a float
        build.number_cell(12, 2, 46357, date=True),  # a date by its number format
        '<c r="M2" t="str"><f>TEXT(L2,"yyyy-mm-dd")</f><v>2026-12-01</v></c>',  # a formula's cached text
        '<c r="N2" s="1"><v>0.5</v></c>',  # a time of day
    ]
    data = build.xlsx(build.sheet_xml([build.header_row(HEADERS), one_row(*cells)]), shared=shared)
    values = read_sheet(data)[0].values
    assert values[HEADERS[1]] == "数据分析" and values[HEADERS[2]] == "技术技能类"
    assert values[HEADERS[6]] == 3 and isinstance(values[HEADERS[6]], int) and values[HEADERS[8]] == 3000.5
    assert values[HEADERS[11]] == datetime(2026, 12, 1)
    assert values[HEADERS[12]] == "2026-12-01" and values[HEADERS[13]] == time(12, 0)


def test_the_1904_date_system_and_prefixed_element_names_are_read():
    prefixed = (
        f'<?xml version="1.0"?><x:worksheet xmlns:x="{build.MAIN}"><x:sheetData>'
        + build.header_row(HEADERS).replace("<row", "<x:row").replace("</row>", "</x:row>")
        + '<x:row r="2"><x:c r="B2" t="inlineStr"><x:is><x:t>岗位</x:t></x:is></x:c>'
        + '<x:c r="L2" s="1"><x:v>44895</x:v></x:c></x:row></x:sheetData></x:worksheet>'
    )
    data = build.xlsx([prefixed.encode()], date1904=True)
    values = read_sheet(data)[0].values
    assert values[HEADERS[1]] == "岗位" and values[HEADERS[11]] == datetime(2026, 12, 1)


def test_a_workbook_saved_by_openpyxl_is_read_like_before():
    wb = Workbook()
    ws = wb.active
    ws.title = "说明"
    data_ws = wb.create_sheet("见习岗位")
    data_ws.append(list(HEADERS))
    data_ws.append(["", "岗位", None, None, None, None, 2, None, 2999.99, None, None, datetime(2026, 12, 1)])
    buffer = io.BytesIO()
    wb.save(buffer)
    values = read_sheet(buffer.getvalue())[0].values  # the sheet named 见习岗位, not the first one
    assert (values[HEADERS[1]], values[HEADERS[6]], values[HEADERS[8]]) == ("岗位", 2, 2999.99)
    assert values[HEADERS[11]] == datetime(2026, 12, 1)
