"""Bulk import of posts from Excel (见习岗位批量导入): template, row checks, scoping, the write, the page."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook

from jianxi.core.errors import RuleError
from jianxi.core.excel import XLSX
from jianxi.exchange.models import OutboxMessage
from jianxi.hosts.models import Host, HostStatus
from jianxi.policy.models import Department, District, PostCategory
from jianxi.posts import imports, search
from jianxi.posts.imports import (
    ALLOWANCE,
    CATEGORY,
    CREDIT_CODE,
    DEPARTMENT,
    DESCRIPTION,
    DISTRICT,
    EDUCATION,
    EXPIRES_ON,
    HEADCOUNT,
    HEADERS,
    MAJORS,
    MONTHS,
    RECRUIT_END,
    RECRUIT_START,
    TITLE,
    ImportFileError,
    Lookups,
    ParsedRow,
    RowError,
    SheetRow,
    parse_row,
    posts_import,
    read_sheet,
)
from jianxi.posts.models import EducationLevel, Post, PostStatus
from jianxi.posts.selectors import PostQuery, posts_public
from tests.factories import HostFactory, UserFactory

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 26)


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(datetime(2026, 11, 26, 10, 0), tick=False):
        yield


@pytest.fixture(autouse=True)
def _eager_imports(settings):
    settings.IMPORT_TASKS_EAGER = True  # a large file's background job runs in the request: no thread outlives a test


# --- building workbooks in memory ----------------------------------------------------------------


def good(**changes: Any) -> dict[str, Any]:
    """A valid row for our host (Haidian), keyed by the Chinese header."""
    row: dict[str, Any] = {
        CREDIT_CODE: "",
        TITLE: "数据分析见习生",
        CATEGORY: "技术技能类",
        DESCRIPTION: "协助整理业务数据，制作月度统计报表。",
        EDUCATION: "大学本科",
        MAJORS: "统计学",
        HEADCOUNT: 3,
        MONTHS: 6,
        ALLOWANCE: 3000,
        DISTRICT: "海淀区",
        DEPARTMENT: "",
        RECRUIT_START: datetime(2026, 12, 1),
        RECRUIT_END: "2027-01-31",
        EXPIRES_ON: datetime(2027, 3, 1),
    }
    row.update(changes)
    return row


def xlsx(rows: list[dict[str, Any]], headers: tuple[str, ...] | list[str] = HEADERS) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "见习岗位"
    ws.append(list(headers))
    for row in rows:
        ws.append([row.get(h) for h in headers])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def run(actor, rows: list[dict[str, Any]], *, valid_only: bool = False) -> imports.ImportReport:
    return posts_import(actor=actor, rows=read_sheet(xlsx(rows)), import_valid_rows=valid_only, today=TODAY)


def upload(client, user, content: bytes, *, name: str = "岗位.xlsx", valid_only: bool = False, content_type=None):
    client.force_login(user)
    data: dict[str, Any] = {"file": SimpleUploadedFile(name, content, content_type=content_type or XLSX)}
    if valid_only:
        data["import_valid_rows"] = "on"
    return client.post(reverse("posts:import"), data)


def thousand_rows(credit_code: str = "") -> list[dict[str, Any]]:
    """1,000 data rows (Excel rows 2–1001), all valid except Excel rows 57, 402 and 999."""
    rows = [good(**{CREDIT_CODE: credit_code, TITLE: f"量子测绘见习岗{n}"}) for n in range(2, 1002)]
    rows[57 - 2][MONTHS] = 2
    rows[402 - 2][CATEGORY] = "魔法类"
    rows[999 - 2][RECRUIT_START] = "2027-02-01"  # after the end date 2027-01-31
    return rows


def pure_lookups(**changes: Any) -> Lookups:
    """Reference data as unsaved objects: parse_row runs without a database."""
    haidian = District(code="110108", name="海淀区")
    host = Host(credit_code="91110100000000001X", name="测试单位", status=HostStatus.APPROVED, district=haidian)
    technical = PostCategory(code="technical", name="技术技能类")
    values: dict[str, Any] = {
        "categories": {"技术技能类": technical, "technical": technical},
        "districts": {"海淀区": haidian, "110108": haidian},
        "departments": {},
        "hosts": {host.credit_code: host},
        "own_host": host,
        "today": TODAY,
    }
    values.update(changes)
    return Lookups(**values)


# --- the template --------------------------------------------------------------------------------


def example_row(wb) -> list[Any]:
    """The example row of the template's instructions sheet: the row after the headers' copy."""
    rows = [list(r) for r in wb["填写说明"].iter_rows(values_only=True)]
    return rows[rows.index(list(HEADERS)) + 1]


def with_row(template: bytes, values: list[Any]) -> bytes:
    wb = load_workbook(io.BytesIO(template))
    wb["见习岗位"].append(values)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def test_template_has_chinese_headers_and_instructions_with_the_example_off_the_data_sheet(client, world):
    client.force_login(world.host_staff)
    response = client.get(reverse("posts:import_template"))
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    wb = load_workbook(io.BytesIO(response.content), read_only=True)
    assert wb.sheetnames == ["见习岗位", "填写说明"]
    assert [list(r) for r in wb["见习岗位"].iter_rows(values_only=True)] == [list(HEADERS)]  # nothing to import
    example = example_row(wb)
    assert example[0] == world.our_host.credit_code and example[1] == "数据分析见习生"  # names the host itself
    instructions = "\n".join(str(v) for row in wb["填写说明"].iter_rows(values_only=True) for v in row if v)
    for expected in ["技术技能类", "电商平台类", "大学本科", "不限", "海淀区（110108）", "BDA", "科技部门", "R-IN-1"]:
        assert expected in instructions
    assert "不会被导入" in instructions


@pytest.mark.parametrize("who", ["host_staff", "district_officer", "city"])
def test_the_unchanged_template_imports_nothing_and_says_the_file_has_no_data_rows(client, world, who):
    user = getattr(world, who)
    client.force_login(user)
    template = client.get(reverse("posts:import_template")).content
    response = upload(client, user, template)
    assert response.status_code == 200 and response.context["report"] is None
    assert "表头下没有填写任何岗位" in response.content.decode()
    assert not Post.objects.exists()


def test_the_example_copied_onto_the_data_sheet_imports_as_one_draft(client, world):
    client.force_login(world.host_staff)
    template = client.get(reverse("posts:import_template")).content
    example = example_row(load_workbook(io.BytesIO(template)))
    response = upload(client, world.host_staff, with_row(template, example))
    assert response.status_code == 200
    assert response.context["report"].created == 1 and response.context["report"].errors == []
    post = Post.objects.get()
    assert (post.host, post.status, post.allowance) == (world.our_host, PostStatus.DRAFT, Decimal("3000.00"))
    assert post.department == world.our_host.department


def test_template_round_trip_for_a_district_officer_once_the_credit_code_is_filled(client, world):
    client.force_login(world.district_officer)
    template = client.get(reverse("posts:import_template")).content
    example = example_row(load_workbook(io.BytesIO(template)))
    assert example[0] in (None, "")
    response = upload(client, world.district_officer, with_row(template, [world.our_host.credit_code, *example[1:]]))
    assert response.context["report"].created == 1
    assert Post.objects.get().status == PostStatus.PUBLISHED


# --- 1,000 rows, 3 bad ---------------------------------------------------------------------------


def test_a_1000_row_file_with_3_bad_rows_reports_exactly_those_rows_and_imports_nothing(world):
    report = run(world.host_staff, thousand_rows())
    assert report.total_rows == 1000 and report.created == 0
    assert [(e.row, e.column) for e in report.errors] == [(57, MONTHS), (402, CATEGORY), (999, RECRUIT_END)]
    assert "R-IN-1" in report.errors[0].message
    assert "魔法类" in report.errors[1].message
    assert report.errors[2].message == "招募截止日期不能早于开始日期。"
    assert not Post.objects.exists()


def test_the_same_file_with_import_valid_rows_creates_997_published_searchable_posts(world):
    report = run(world.district_officer, thousand_rows(world.our_host.credit_code), valid_only=True)
    assert (report.created, report.error_rows) == (997, 3)
    assert Post.objects.filter(status=PostStatus.PUBLISHED).count() == 997
    found = posts_public(query=PostQuery(q="量子测绘"), today=TODAY)
    assert found.count() == 997
    assert not found.filter(title__in=["量子测绘见习岗57", "量子测绘见习岗402", "量子测绘见习岗999"]).exists()


def test_the_corrected_whole_file_uploaded_again_creates_only_the_3_corrected_posts(world):
    rows = thousand_rows(world.our_host.credit_code)
    run(world.district_officer, rows, valid_only=True)
    rows[57 - 2][MONTHS], rows[402 - 2][CATEGORY], rows[999 - 2][RECRUIT_START] = 6, "技术技能类", "2026-12-01"
    again = run(world.district_officer, rows)
    assert (again.created, again.errors, len(again.already_imported)) == (3, [], 997)
    assert 57 not in again.already_imported and again.already_imported[:2] == [2, 3]
    assert Post.objects.count() == 1000


def test_an_officers_import_tells_the_host_what_was_published_for_it(world, django_capture_on_commit_callbacks):
    from jianxi.core.models import Notification

    rows = [good(**{CREDIT_CODE: world.our_host.credit_code, TITLE: f"档案岗{n}"}) for n in range(3)]
    with django_capture_on_commit_callbacks(execute=True):
        run(world.district_officer, rows)
    notice = Notification.objects.get(user=world.host_staff)
    assert "区人社局为您的单位批量导入并发布了 3 个见习岗位" in notice.message
    assert not Notification.objects.filter(user=world.other_host_staff).exists()


def test_the_1000_row_file_runs_in_the_background_and_its_page_lists_the_3_rows(client, world):
    upload_response = upload(client, world.host_staff, xlsx(thousand_rows()))
    assert upload_response.status_code == 302
    response = client.get(upload_response["Location"])
    assert response.status_code == 200 and response.context["job"].background
    table = response.content.decode().split('data-testid="import-errors"')[1]
    assert [e.row for e in response.context["errors"]] == [57, 402, 999]
    assert "见习期限（月）" in table and "魔法类" in table
    assert "本次未导入任何岗位" in response.content.decode()
    assert not Post.objects.exists()


def test_import_runs_a_constant_number_of_queries_apart_from_insert_batches(world):
    def queries(n: int) -> int:
        rows = [good(**{CREDIT_CODE: world.our_host.credit_code, TITLE: f"岗位{n}-{i}"}) for i in range(n)]
        sheet = read_sheet(xlsx(rows))
        with CaptureQueriesContext(connection) as ctx:
            report = posts_import(actor=world.district_officer, rows=sheet, import_valid_rows=False, today=TODAY)
        assert report.created == n
        return len(ctx.captured_queries)

    def batches(n: int) -> int:
        # SQLite binds at most 999 parameters per statement, so Django splits big inserts.
        total = 0
        # The posts, their history rows and their messages to the ministry's zone (jianxi/exchange).
        for model in (Post, Post.history.model, OutboxMessage):
            fields = [f for f in model._meta.concrete_fields if not f.primary_key]
            size = min(imports.BATCH_SIZE, connection.ops.bulk_batch_size(fields, [None] * n))
            total += -(-n // size)
        return total

    small, large = queries(10), queries(200)
    assert large - small == batches(200) - batches(10)
    assert small <= 14  # 12, and the outbox of jianxi/exchange: the posts with their last sequence, the insert


# --- row checks ----------------------------------------------------------------------------------


def test_a_row_with_several_problems_lists_all_of_them(world):
    bad = good(
        **{TITLE: "", HEADCOUNT: "三个", MONTHS: 13, ALLOWANCE: "-5", DISTRICT: "火星区", EXPIRES_ON: "2027/13/01"}
    )
    report = run(world.host_staff, [good(), bad])
    assert {e.row for e in report.errors} == {3}
    assert [e.column for e in report.errors] == [TITLE, HEADCOUNT, MONTHS, ALLOWANCE, DISTRICT, EXPIRES_ON]
    assert report.created == 0 and not Post.objects.exists()


@pytest.mark.parametrize("months", [2, 13, 0, "十二"])
def test_R_IN_1_months_outside_3_to_12_is_a_row_error(world, months):
    report = run(world.host_staff, [good(**{MONTHS: months})])
    assert [(e.row, e.column) for e in report.errors] == [(2, MONTHS)]
    assert "R-IN-1" in report.errors[0].message


@pytest.mark.parametrize("headcount", [0, 1000, 2.5, "2.5", "五"])
def test_headcount_must_be_a_whole_number_from_1_to_999(world, headcount):
    report = run(world.host_staff, [good(**{HEADCOUNT: headcount})])
    assert [e.column for e in report.errors] == [HEADCOUNT]


def test_every_required_column_left_empty_is_reported(world):
    required = [TITLE, CATEGORY, DESCRIPTION, EDUCATION, HEADCOUNT, MONTHS, ALLOWANCE, DISTRICT]
    required += [RECRUIT_START, RECRUIT_END, EXPIRES_ON]
    report = run(world.host_staff, [good(**dict.fromkeys(required)) | {MAJORS: "统计学"}])
    assert [e.column for e in report.errors] == required
    assert all(e.message.startswith("请填写") for e in report.errors)


def test_allowance_from_a_float_cell_is_the_exact_decimal(world):
    run(world.host_staff, [good(**{ALLOWANCE: 3000.5})])
    assert Post.objects.get().allowance == Decimal("3000.50")


@pytest.mark.parametrize(("text", "expected"), [("3000.55", "3000.55"), (" 2540 ", "2540.00"), ("0", "0.00")])
def test_allowance_from_a_text_cell_is_read_with_decimal(world, text, expected):
    run(world.host_staff, [good(**{ALLOWANCE: text})])
    assert Post.objects.get().allowance == Decimal(expected)


@pytest.mark.parametrize("allowance", [3000.555, "3000.001", "-1", "3千", "100000.01"])
def test_allowance_with_more_than_two_decimals_negative_or_not_a_number_is_refused(world, allowance):
    report = run(world.host_staff, [good(**{ALLOWANCE: allowance})])
    assert [e.column for e in report.errors] == [ALLOWANCE]


def test_dates_accept_excel_dates_and_text_dates(world):
    run(
        world.host_staff,
        [good(**{RECRUIT_START: "2026-12-01", RECRUIT_END: datetime(2027, 1, 31), EXPIRES_ON: "2027年3月1日"})],
    )
    post = Post.objects.get()
    assert (post.recruit_start, post.recruit_end, post.expires_on) == (
        date(2026, 12, 1),
        date(2027, 1, 31),
        date(2027, 3, 1),
    )


@pytest.mark.parametrize("value", ["2027-02-30", "明年", 46000, "2027.1"])
def test_a_bad_date_is_a_row_error(world, value):
    report = run(world.host_staff, [good(**{RECRUIT_END: value})])
    assert [e.column for e in report.errors] == [RECRUIT_END]


def test_expiry_before_the_recruiting_end_or_in_the_past_is_refused(world):
    report = run(
        world.host_staff,
        [
            good(**{EXPIRES_ON: "2027-01-30"}),
            good(**{RECRUIT_START: "2026-10-01", RECRUIT_END: "2026-10-31", EXPIRES_ON: "2026-11-25"}),
        ],
    )
    assert [(e.row, e.column, e.message) for e in report.errors] == [
        (2, EXPIRES_ON, "岗位有效期不能早于招募截止日期。"),
        (3, EXPIRES_ON, "岗位有效期已过。"),
    ]


def test_lookups_accept_names_or_codes_and_department_defaults_to_the_hosts(world):
    rows = [
        good(**{DISTRICT: "BDA", CATEGORY: "management", EDUCATION: "不限"}),
        good(**{DISTRICT: "110105", DEPARTMENT: "商务部门", EDUCATION: "中专"}),
        good(**{DISTRICT: " 朝阳区 ", DEPARTMENT: "commerce", EDUCATION: "硕士研究生"}),
    ]
    report = run(world.host_staff, rows)
    assert report.errors == [] and report.created == 3
    first, second, third = Post.objects.order_by("pk")
    assert (first.district.code, first.category.code, first.education) == ("BDA", "management", EducationLevel.ANY)
    assert first.department == world.our_host.department == Department.objects.get(code="science")
    assert (second.district.code, second.department.code, second.education) == ("110105", "commerce", 1)
    assert (third.district.name, third.department.code, third.education) == (
        "朝阳区",
        "commerce",
        EducationLevel.MASTER,
    )


def test_unknown_lookups_name_what_was_written(world):
    report = run(world.host_staff, [good(**{EDUCATION: "小学", DEPARTMENT: "宣传部门"})])
    assert [(e.column, "小学" in e.message or "宣传部门" in e.message) for e in report.errors] == [
        (EDUCATION, True),
        (DEPARTMENT, True),
    ]


def test_text_longer_than_the_post_allows_is_refused(world):
    report = run(world.host_staff, [good(**{TITLE: "岗" * 101, MAJORS: "学" * 201, DESCRIPTION: "职" * 5001})])
    assert [e.column for e in report.errors] == [TITLE, DESCRIPTION, MAJORS]


def test_blank_rows_are_skipped_and_errors_name_the_excel_row(world):
    rows = [good(), {}, {TITLE: "   "}, good(**{MONTHS: 1})]
    sheet = read_sheet(xlsx(rows))
    assert [r.number for r in sheet] == [2, 5]
    report = posts_import(actor=world.host_staff, rows=sheet, import_valid_rows=True, today=TODAY)
    assert report.total_rows == 2 and report.created == 1
    assert [e.row for e in report.errors] == [5]


def test_columns_may_come_in_any_order_with_extra_columns_and_half_width_brackets(world):
    headers = [h.replace("（", "(").replace("）", ")") for h in reversed(HEADERS)] + ["备注"]
    row = {h.replace("（", "(").replace("）", ")"): v for h, v in good().items()} | {"备注": "无"}
    report = posts_import(
        actor=world.host_staff, rows=read_sheet(xlsx([row], headers=headers)), import_valid_rows=False, today=TODAY
    )
    assert report.created == 1


# --- pure parsing, for any input -----------------------------------------------------------------


def test_parse_row_needs_no_database():
    result = parse_row(SheetRow(number=2, values=good()), pure_lookups())
    assert isinstance(result, ParsedRow) and result.data.headcount == 3 and result.data.allowance == Decimal("3000.00")


NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)", re.ASCII)


@settings(max_examples=200, deadline=None)
@given(st.text().filter(lambda s: not NUMBER.fullmatch(s.replace("\x00", "").strip())))
def test_any_non_numeric_headcount_text_is_a_row_error_never_an_exception(text):
    result = parse_row(SheetRow(number=7, values=good(**{HEADCOUNT: text})), pure_lookups())
    assert isinstance(result, list)
    assert [(e.row, e.column) for e in result] == [(7, HEADCOUNT)]


cell_values = st.one_of(
    st.none(),
    st.text(max_size=40),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.datetimes(min_value=datetime(1900, 1, 1)),
    st.dates(),
)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.sampled_from(HEADERS), cell_values))
def test_any_cell_values_give_a_post_or_row_errors_never_an_exception(changes):
    result = parse_row(SheetRow(number=3, values=good(**changes)), pure_lookups())
    if isinstance(result, list):
        assert result and all(isinstance(e, RowError) and e.row == 3 and e.message for e in result)
    else:
        assert 1 <= result.data.headcount <= 999 and 3 <= result.data.months <= 12
        assert result.data.allowance == result.data.allowance.quantize(Decimal("0.01")) >= 0


# --- who may import what -------------------------------------------------------------------------


def test_a_host_may_leave_the_credit_code_empty_or_give_its_own(world):
    report = run(world.host_staff, [good(), good(**{CREDIT_CODE: world.our_host.credit_code.lower()})])
    assert report.created == 2 and set(Post.objects.values_list("host", flat=True)) == {world.our_host.pk}


def test_a_host_importing_for_another_hosts_credit_code_gets_a_row_error(world):
    report = run(world.host_staff, [good(), good(**{CREDIT_CODE: world.other_host.credit_code})])
    assert [(e.row, e.column) for e in report.errors] == [(3, CREDIT_CODE)]
    assert "本单位" in report.errors[0].message
    assert not Post.objects.exists()


def test_a_district_officer_importing_for_another_districts_host_gets_a_row_error(world):
    rows = [good(**{CREDIT_CODE: world.our_host.credit_code}), good(**{CREDIT_CODE: world.other_host.credit_code})]
    report = run(world.district_officer, rows)
    assert [(e.row, e.column, e.message) for e in report.errors] == [
        (3, CREDIT_CODE, "未找到该统一社会信用代码对应的本区见习单位。")
    ]
    assert not Post.objects.exists()


def test_an_officer_must_name_a_valid_credit_code(world):
    rows = [good(), good(**{CREDIT_CODE: "91110100000000000"}), good(**{CREDIT_CODE: 9.1110100000000001e17})]
    report = run(world.city, rows)
    assert [(e.row, e.column) for e in report.errors] == [(2, CREDIT_CODE), (3, CREDIT_CODE), (4, CREDIT_CODE)]
    assert "18位" in report.errors[1].message and "文本格式" in report.errors[2].message


@pytest.mark.parametrize("status", [HostStatus.PENDING, HostStatus.SUSPENDED, HostStatus.BARRED])
def test_an_officer_imports_only_for_approved_hosts(world, status):
    pending = HostFactory(status=status)
    report = run(world.district_officer, [good(**{CREDIT_CODE: pending.credit_code})])
    assert [e.column for e in report.errors] == [CREDIT_CODE] and "审核通过" in report.errors[0].message


def test_the_city_officer_imports_for_any_districts_approved_host(world):
    rows = [good(**{CREDIT_CODE: world.our_host.credit_code}), good(**{CREDIT_CODE: world.other_host.credit_code})]
    report = run(world.city, rows)
    assert report.created == 2
    assert set(Post.objects.values_list("status_reason", flat=True)) == {"市人社局批量导入"}


def test_officer_imported_posts_are_published_and_host_imported_posts_are_drafts(world):
    run(world.host_staff, [good(**{TITLE: "单位导入岗"})])
    run(world.district_officer, [good(**{CREDIT_CODE: world.our_host.credit_code, TITLE: "区局导入岗"})])
    draft, published = Post.objects.get(title="单位导入岗"), Post.objects.get(title="区局导入岗")
    assert (draft.status, draft.published_at, draft.status_reason) == (PostStatus.DRAFT, None, "")
    assert (published.status, published.status_reason) == (PostStatus.PUBLISHED, "区人社局批量导入")
    assert published.published_at is not None
    found = {p.title for p in posts_public(query=PostQuery(q="导入岗"), today=TODAY)}
    assert found == {"区局导入岗"}  # a draft is not public until the district reviews it


def test_R_SUB_6_a_barred_host_is_refused_the_whole_import(client, world):
    world.our_host.status = HostStatus.BARRED
    world.our_host.save()
    with pytest.raises(RuleError) as refused:
        run(world.host_staff, [good()])
    assert refused.value.code == "R-SUB-6"
    response = upload(client, world.host_staff, xlsx([good()]))
    assert "R-SUB-6" in response.content.decode() and response.context["report"] is None
    assert not Post.objects.exists()


@pytest.mark.parametrize("status", [HostStatus.PENDING, HostStatus.RETURNED, HostStatus.SUSPENDED])
def test_a_host_not_yet_approved_is_refused_the_whole_import_before_its_file_is_read(client, world, status):
    world.our_host.status = status
    world.our_host.save()
    with pytest.raises(RuleError) as refused:
        run(world.host_staff, [good()])
    assert refused.value.code == "import.host_not_approved"
    response = upload(client, world.host_staff, b"not even a workbook")
    page = response.content.decode()
    assert "审核通过后才能批量导入岗位" in page and "不是有效的 Excel" not in page
    assert response.context["report"] is None and not Post.objects.exists()


def test_host_status_is_checked_again_inside_the_transaction(world, monkeypatch):
    real = imports.import_lookups

    def lookups_then_barred(**kwargs):
        found = real(**kwargs)
        Host.objects.filter(pk=world.our_host.pk).update(status=HostStatus.SUSPENDED)
        return found

    monkeypatch.setattr(imports, "import_lookups", lookups_then_barred)
    with pytest.raises(RuleError):
        run(world.district_officer, [good(**{CREDIT_CODE: world.our_host.credit_code})])
    assert not Post.objects.exists()


@pytest.mark.parametrize("who", ["youth", "university_officer", "department_officer"])
@pytest.mark.parametrize("url", ["posts:import", "posts:import_template"])
def test_other_roles_get_403(client, world, who, url):
    client.force_login(getattr(world, who))
    assert client.get(reverse(url)).status_code == 403
    if url == "posts:import":
        response = client.post(reverse(url), {"file": SimpleUploadedFile("a.xlsx", xlsx([good()]))})
        assert response.status_code == 403 and not Post.objects.exists()


def test_the_service_refuses_other_roles_too(world):
    with pytest.raises(RuleError):
        run(world.department_officer, [good()])


def test_anonymous_users_are_sent_to_log_in(client):
    response = client.get(reverse("posts:import"))
    assert response.status_code == 302 and "login" in response["Location"]


def test_a_host_staff_account_without_a_host_is_refused(world):
    loner = UserFactory(username="loner", role="host")
    with pytest.raises(RuleError):
        run(loner, [good()])


# --- the write -----------------------------------------------------------------------------------


def test_history_rows_carry_the_actor_and_the_reason(world):
    run(world.district_officer, [good(**{CREDIT_CODE: world.our_host.credit_code}) for _ in range(3)])
    history = Post.history.all()
    assert history.count() == 3
    assert {(h.history_user_id, h.history_type, h.history_change_reason) for h in history} == {
        (world.district_officer.pk, "+", "批量导入")
    }


def test_search_document_is_computed_like_a_saved_post(world):
    run(world.host_staff, [good()])
    post = Post.objects.get()
    expected = search.document(post.title, post.majors, post.category.name, world.our_host.name, post.description)
    assert post.search_document == expected


# --- the file ------------------------------------------------------------------------------------


def test_missing_column_is_a_clear_message_and_nothing_is_created(client, world):
    headers = [h for h in HEADERS if h not in (MONTHS, ALLOWANCE)]
    response = upload(client, world.host_staff, xlsx([good()], headers=headers))
    page = response.content.decode()
    assert "表头缺少以下列：见习期限（月）、生活费（元/月）" in page
    assert response.context["report"] is None and not Post.objects.exists()


@pytest.mark.parametrize(
    ("content", "name", "content_type", "message"),
    [
        (b"PK\x03\x04 this is not really a zip", "岗位.xlsx", None, "不是有效的 Excel"),
        (b"\xd0\xcf\x11\xe0 old excel", "岗位.xls", "application/vnd.ms-excel", "另存为"),
        (b"a,b,c\n", "岗位.csv", "text/csv", "另存为"),
        (b"hello", "岗位.txt", "text/plain", ".xlsx"),
        (None, "岗位.xlsx", "text/html", "不是 Excel 工作簿"),
    ],
)
def test_a_wrong_or_corrupt_file_gets_a_clear_message_and_nothing_is_created(
    client, world, content, name, content_type, message
):
    response = upload(client, world.host_staff, content or xlsx([good()]), name=name, content_type=content_type)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert response.context["report"] is None and not Post.objects.exists()


def test_a_zip_that_is_not_a_workbook_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "not a workbook")
    with pytest.raises(ImportFileError) as refused:
        read_sheet(buffer.getvalue())
    assert "无法读取" in refused.value.message


def test_an_upload_over_5_mb_is_refused(client, world):
    response = upload(client, world.host_staff, b"0" * (imports.MAX_UPLOAD_BYTES + 1))
    assert "5 MB" in response.content.decode() and not Post.objects.exists()


def test_an_empty_sheet_or_a_header_without_rows_is_refused():
    with pytest.raises(ImportFileError, match="空"):
        read_sheet(xlsx([], headers=[]))
    with pytest.raises(ImportFileError, match="没有填写任何岗位"):
        read_sheet(xlsx([{}, {}]))


def test_more_than_5000_rows_is_refused(monkeypatch):
    monkeypatch.setattr(imports, "MAX_ROWS", 5)
    assert len(read_sheet(xlsx([good()] * 5))) == 5
    with pytest.raises(ImportFileError, match="最多导入 5 行"):
        read_sheet(xlsx([good()] * 6))


def test_the_real_5000_row_limit(world):
    with pytest.raises(ImportFileError, match="5000"):
        read_sheet(xlsx([good()] * 5001))


# --- the page ------------------------------------------------------------------------------------


def test_the_page_shows_the_form_and_the_template_link(client, world):
    client.force_login(world.district_officer)
    page = client.get(reverse("posts:import")).content.decode()
    assert 'enctype="multipart/form-data"' in page and 'type="file"' in page
    assert "仅导入无误的行" in page and reverse("posts:import_template") in page


def test_the_page_reports_rows_read_created_and_errors_sorted_by_row(client, world):
    rows = [good(), good(**{MONTHS: 20, HEADCOUNT: 0}), good(), good(**{CATEGORY: "未知类"})]
    response = upload(client, world.host_staff, xlsx(rows), valid_only=True)
    report = response.context["report"]
    assert (report.total_rows, report.created) == (4, 2)
    assert [(e.row, e.column) for e in response.context["errors"]] == [(3, HEADCOUNT), (3, MONTHS), (5, CATEGORY)]
    page = response.content.decode()
    assert "共读取 4 行，导入 2 个岗位。" in page and "草稿" in page
    assert response.context["form"]["import_valid_rows"].value() is True  # the choice survives for a re-upload


def test_a_large_upload_spooled_to_a_temporary_file_is_read_too(client, world, settings):
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 0  # Django writes the upload to a temporary file
    response = upload(client, world.host_staff, xlsx([good(), good()]))
    assert response.context["report"].created == 2


def test_a_post_without_a_file_asks_for_one(client, world):
    client.force_login(world.host_staff)
    response = client.post(reverse("posts:import"), {})
    assert response.status_code == 200 and response.context["form"].errors["file"]
    assert not Post.objects.exists()


def test_after_importing_the_valid_rows_the_page_says_the_whole_file_can_go_again(client, world):
    response = upload(client, world.host_staff, xlsx([good(), good(**{MONTHS: 1})]), valid_only=True)
    assert "可以重新上传整个文件，已导入的岗位不会重复导入" in response.content.decode()
    again = upload(client, world.host_staff, xlsx([good(), good(**{HEADCOUNT: 9})]), valid_only=True)
    assert "1 行与单位已有岗位完全相同" in again.content.decode() and again.context["report"].created == 1


def test_an_officers_import_through_the_page_says_the_posts_are_published(client, world):
    response = upload(client, world.district_officer, xlsx([good(**{CREDIT_CODE: world.our_host.credit_code})]))
    assert "导入的岗位已发布" in response.content.decode()
    assert Post.objects.get().district == District.objects.get(code="110108")
