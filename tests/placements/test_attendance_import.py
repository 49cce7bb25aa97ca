"""Bulk import of attendance (考勤批量导入): template, row checks, R-SUB-3, locks, scoping, the page."""

from __future__ import annotations

import io
import time
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import URLResolver, include, path, reverse
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook

from jianxi.core.errors import RuleError
from jianxi.core.excel import XLSX
from jianxi.placements import imports, views_import
from jianxi.placements.attendance import MonthRow, attendance_grid
from jianxi.placements.imports import (
    AGREEMENT,
    ATTENDED,
    HEADERS,
    MONTH,
    NAME,
    UNKNOWN_AGREEMENT,
    ImportFileError,
    Lookups,
    ParsedRow,
    RowError,
    SheetRow,
    attendance_import,
    parse_row,
    read_sheet,
)
from jianxi.placements.models import Agreement, AgreementStatus, Attendance
from jianxi.policy.selectors import work_calendar
from jianxi.youth.models import Person
from tests.factories import PersonFactory, PostFactory, UserFactory, district


def _urlpatterns() -> list[Any]:
    """The project's routes, with the two import routes until jianxi/placements/urls.py lists them."""
    from jianxi import urls as root
    from jianxi.placements import urls as placements_urls

    if any(getattr(p, "name", None) == "attendance_import" for p in placements_urls.urlpatterns):
        return list(root.urlpatterns)
    routes = [
        *placements_urls.urlpatterns,
        path("attendance/import/", views_import.import_attendance, name="attendance_import"),
        path(
            "attendance/import/template.xlsx",
            views_import.import_attendance_template,
            name="attendance_import_template",
        ),
    ]
    return [
        path("placements/", include((routes, "placements")))
        if isinstance(p, URLResolver) and p.namespace == "placements"
        else p
        for p in root.urlpatterns
    ]


urlpatterns = _urlpatterns()
pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]

START, END = date(2026, 12, 1), date(2027, 5, 31)  # the internship of test_after's ``active``
TODAY = date(2027, 5, 10)  # December 2026 to May 2027 have begun
MONTHS = ["2026-12", "2027-01", "2027-02", "2027-03", "2027-04"]


@pytest.fixture(autouse=True)
def _frozen():
    # Sessions expire across a jump of months: every test logs its client in inside this block.
    with time_machine.travel(datetime(2027, 5, 10, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai")), tick=False):
        yield


@pytest.fixture(autouse=True)
def _eager_imports(settings):
    settings.IMPORT_TASKS_EAGER = True  # a large file's background job runs in the request: no thread outlives a test


# --- data --------------------------------------------------------------------------------------


def interns(world, n: int, *, host=None, status: str = AgreementStatus.ACTIVE) -> list[Agreement]:
    """``n`` agreements of one post, built set-based (the placement services are tested elsewhere)."""
    host = host or world.our_host
    post = PostFactory(host=host, headcount=n)
    persons = Person.objects.bulk_create(PersonFactory.build_batch(n, district=district("110108")))
    return Agreement.objects.bulk_create(
        Agreement(
            post=post,
            host=host,
            person=person,
            start=START,
            end=END,
            allowance=Decimal("3000.00"),
            mentor="王老师",
            training_date=date(2026, 11, 30),
            insurance_policy="PICC-2026-0001",
            eligibility_rule="R-EL-1",
            status=status,
        )
        for person in persons
    )


@pytest.fixture
def agreement(world) -> Agreement:
    return interns(world, 1)[0]


def line(agreement: Agreement, month: Any, attended: Any, **changes: Any) -> dict[str, Any]:
    row = {AGREEMENT: f"JX-{agreement.pk}", NAME: agreement.person.name, MONTH: month, ATTENDED: attended}
    row.update(changes)
    return row


def xlsx(rows: list[dict[str, Any]], headers: tuple[str, ...] | list[str] = HEADERS) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "考勤"
    ws.append(list(headers))
    for row in rows:
        ws.append([row.get(h) for h in headers])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def run(actor, rows: list[dict[str, Any]], *, valid_only: bool = False, today: date = TODAY) -> imports.ImportReport:
    return attendance_import(actor=actor, rows=read_sheet(xlsx(rows)), import_valid_rows=valid_only, today=today)


def upload(client, user, content: bytes, *, valid_only: bool = False):
    client.force_login(user)
    data: dict[str, Any] = {"file": SimpleUploadedFile("考勤.xlsx", content, content_type=XLSX)}
    if valid_only:
        data["import_valid_rows"] = "on"
    return client.post(reverse("placements:attendance_import"), data)


def grid(agreement: Agreement, today: date = TODAY) -> dict[str, MonthRow]:
    return {row.key: row for row in attendance_grid(agreement=agreement, today=today)}


def three_hundred_rows(agreements: list[Agreement]) -> list[dict[str, Any]]:
    """60 interns × 5 months (Excel rows 2–301), all valid except Excel rows 42, 152 and 279."""
    rows = [line(a, month, 10 + i % 5) for i, a in enumerate(agreements) for month in MONTHS]
    rows[42 - 2][ATTENDED] = 25  # no month has 25 working days
    rows[152 - 2][MONTH] = "2027-08"  # after the internship ends
    rows[279 - 2][NAME] = "冒名顶替"
    return rows


# --- 300 rows, 3 bad -----------------------------------------------------------------------------


def test_a_300_row_file_with_3_bad_rows_reports_exactly_those_rows_and_imports_nothing(world):
    agreements = interns(world, 60)
    report = run(world.host_staff, three_hundred_rows(agreements))
    assert (report.total_rows, report.created, report.updated) == (300, 0, 0)
    assert [(e.row, e.column) for e in report.errors] == [(42, ATTENDED), (152, MONTH), (279, NAME)]
    assert "R-SUB-3" in report.errors[0].message
    assert "2027-08 不在见习期内" in report.errors[1].message
    assert "冒名顶替" not in report.errors[2].message and agreements[55].person.name in report.errors[2].message
    assert not Attendance.objects.exists()


def test_with_import_valid_rows_the_297_others_are_recorded_with_the_calendars_days(world):
    agreements = interns(world, 60)
    started = time.perf_counter()
    report = run(world.host_staff, three_hundred_rows(agreements), valid_only=True)
    elapsed = time.perf_counter() - started
    assert (report.created, report.updated, report.error_rows) == (297, 0, 3)
    assert Attendance.objects.count() == 297
    expected = grid(agreements[0])
    for record in Attendance.objects.filter(agreement=agreements[0]):
        row = expected[f"{record.month:%Y-%m}"]
        assert (record.working_days, record.scheduled_days, record.attended_days) == (
            row.working_days,
            row.scheduled_days,
            10,
        )
    assert not Attendance.objects.filter(agreement=agreements[8], month=date(2026, 12, 1)).exists()  # Excel row 42
    assert elapsed < 10, f"300-row import took {elapsed:.1f}s"


def test_the_300_row_file_through_the_page_lists_the_3_rows(client, world):
    response = upload(client, world.host_staff, xlsx(three_hundred_rows(interns(world, 60))))
    assert response.status_code == 200
    assert [e.row for e in response.context["errors"]] == [42, 152, 279]
    page = response.content.decode()
    assert "本次未导入任何考勤" in page and "R-SUB-3" in page.split('data-testid="import-errors"')[1]
    assert not Attendance.objects.exists()


def test_a_file_over_the_background_threshold_is_imported_in_the_background_with_the_same_report(
    client, world, settings
):
    settings.IMPORT_BACKGROUND_ROWS = 100
    response = upload(client, world.host_staff, xlsx(three_hundred_rows(interns(world, 60))), valid_only=True)
    assert response.status_code == 302
    job_page = client.get(response["Location"])
    assert job_page.context["job"].background and [e.row for e in job_page.context["errors"]] == [42, 152, 279]
    page = job_page.content.decode()
    assert "新增 297 个月" in page and "R-SUB-3" in page.split('data-testid="import-errors"')[1]
    assert Attendance.objects.count() == 297


def test_queries_grow_with_the_agreements_named_not_with_the_rows(world):
    work_calendar([2026, 2027])  # the calendar is memoised per process: warm it for a fair count
    sets = iter([interns(world, 3), interns(world, 3), interns(world, 6)])

    def queries(months: list[str], agreements: list[Agreement]) -> int:
        rows = [line(a, m, 5) for a in agreements for m in months]
        sheet = read_sheet(xlsx(rows))
        with CaptureQueriesContext(connection) as ctx:
            report = attendance_import(actor=world.host_staff, rows=sheet, import_valid_rows=False, today=TODAY)
        assert report.created == len(rows) and not report.errors
        return len(ctx.captured_queries)

    one_month, five_months = queries(MONTHS[:1], next(sets)), queries(MONTHS, next(sets))
    assert one_month == five_months <= 12
    assert queries(MONTHS[:1], next(sets)) - one_month == 3  # each agreement's grid: one query


# --- R-SUB-3 and the grid's other rules ----------------------------------------------------------


def test_R_SUB_3_a_month_cannot_claim_more_days_than_scheduled(world, agreement):
    december = grid(agreement)["2026-12"]
    report = run(world.host_staff, [line(agreement, "2026-12", december.scheduled_days + 1)])
    assert [(e.row, e.column) for e in report.errors] == [(2, ATTENDED)]
    assert f"应在 0 至 {december.scheduled_days} 天之间" in report.errors[0].message
    assert run(world.host_staff, [line(agreement, "2026-12", december.scheduled_days)]).created == 1


def test_a_partial_month_is_checked_against_its_scheduled_days_not_the_whole_month(world, agreement):
    Agreement.objects.filter(pk=agreement.pk).update(start=date(2026, 12, 16))
    agreement.refresh_from_db()
    december = grid(agreement)["2026-12"]
    assert december.scheduled_days < december.working_days
    report = run(world.host_staff, [line(agreement, "2026-12", december.working_days)])
    assert [e.column for e in report.errors] == [ATTENDED]
    run(world.host_staff, [line(agreement, "2026-12", december.scheduled_days)])
    record = Attendance.objects.get()
    assert (record.working_days, record.scheduled_days) == (december.working_days, december.scheduled_days)


def test_months_outside_the_internship_or_not_yet_begun_are_row_errors(world, agreement):
    report = run(
        world.host_staff,
        [line(agreement, "2026-11", 1), line(agreement, "2027-06", 1), line(agreement, "2027-04", 1)],
        today=date(2027, 3, 10),
    )
    assert [(e.row, e.column) for e in report.errors] == [(2, MONTH), (3, MONTH), (4, MONTH)]
    assert "不在见习期内" in report.errors[0].message and "不在见习期内" in report.errors[1].message
    assert report.errors[2].message == "2027-04 尚未开始（2027-04-01 尚未到来），不能填报考勤。"


def test_an_ended_internship_takes_attendance_up_to_its_last_day(world, agreement):
    Agreement.objects.filter(pk=agreement.pk).update(status=AgreementStatus.ENDED, ended_on=date(2027, 2, 10))
    report = run(world.host_staff, [line(agreement, "2027-02", 6), line(agreement, "2027-03", 1)], valid_only=True)
    assert report.created == 1 and [(e.row, e.column) for e in report.errors] == [(3, MONTH)]
    assert (
        Attendance.objects.get().scheduled_days
        == grid(Agreement.objects.get(pk=agreement.pk))["2027-02"].scheduled_days
    )


@pytest.mark.parametrize("status", [AgreementStatus.PENDING, AgreementStatus.CANCELLED])
def test_an_agreement_not_in_force_takes_no_attendance(world, status):
    pending = interns(world, 1, status=status)[0]
    report = run(world.host_staff, [line(pending, "2026-12", 10)])
    assert [e.column for e in report.errors] == [AGREEMENT] and "经双方确认后" in report.errors[0].message
    assert not Attendance.objects.exists()


def test_a_locked_month_is_refused_but_its_recorded_value_is_no_change(world, agreement):
    Attendance.objects.create(
        agreement=agreement, month=date(2026, 12, 1), working_days=23, scheduled_days=23, attended_days=20, locked=True
    )
    report = run(world.host_staff, [line(agreement, "2026-12", 22), line(agreement, "2027-01", 15)])
    assert [(e.row, e.column) for e in report.errors] == [(2, ATTENDED)]
    assert "锁定" in report.errors[0].message and report.created == 0
    assert Attendance.objects.get().attended_days == 20
    report = run(world.host_staff, [line(agreement, "2026-12", 20), line(agreement, "2027-01", 15)])
    assert (report.errors, report.unchanged, report.created) == ([], 1, 1)


def test_the_same_agreement_and_month_twice_is_an_error_on_the_later_rows(world, agreement):
    rows = [
        line(agreement, "2026-12", 10),
        line(agreement, datetime(2026, 12, 15), 11),
        line(agreement, "2026年12月", 12),
    ]
    report = run(world.host_staff, rows, valid_only=True)
    assert [(e.row, e.column, e.message) for e in report.errors] == [
        (3, MONTH, "与第 2 行重复：同一协议的同一月份只能填写一行。"),
        (4, MONTH, "与第 2 行重复：同一协议的同一月份只能填写一行。"),
    ]
    assert Attendance.objects.get().attended_days == 10


def test_a_row_with_several_problems_lists_all_of_them_in_column_order(world, agreement):
    report = run(world.host_staff, [line(agreement, "2027-13", "二十", **{NAME: "别人"})])
    assert [e.column for e in report.errors] == [NAME, MONTH, ATTENDED]


# --- reading the cells ---------------------------------------------------------------------------


@pytest.mark.parametrize("number", ["JX-{pk}", "jx-{pk}", "JX{pk}", " JX－{pk} ", "{pk}", "int", "float"])
def test_the_agreement_id_is_read_as_on_the_agreement_page_or_as_a_number(world, agreement, number):
    value = {"int": agreement.pk, "float": float(agreement.pk)}.get(number, number.format(pk=agreement.pk))
    report = run(world.host_staff, [line(agreement, "2026-12", 10, **{AGREEMENT: value})])
    assert report.errors == [] and report.created == 1


@pytest.mark.parametrize("value", ["ABC", "JX-", "12a", 1.5, -3, True])
def test_an_agreement_id_that_is_not_one_is_a_row_error(world, agreement, value):
    report = run(world.host_staff, [line(agreement, "2026-12", 10, **{AGREEMENT: value})])
    assert [e.column for e in report.errors] == [AGREEMENT] and "JX-12" in report.errors[0].message


@pytest.mark.parametrize(
    "month", ["2027-01", "2027/1", "2027.01", "2027年1月", "2027-01-31", datetime(2027, 1, 20), date(2027, 1, 1)]
)
def test_the_month_is_text_yyyy_mm_or_an_excel_date_taken_as_its_month(world, agreement, month):
    report = run(world.host_staff, [line(agreement, month, 10)])
    assert report.errors == [] and Attendance.objects.get().month == date(2027, 1, 1)


@pytest.mark.parametrize("month", ["2027-13", "2027-02-30", "一月", 2027.01, 202701, "27-01"])
def test_a_month_that_is_not_one_is_a_row_error(world, agreement, month):
    report = run(world.host_staff, [line(agreement, month, 10)])
    assert [e.column for e in report.errors] == [MONTH]


@pytest.mark.parametrize("attended", [-1, 2.5, "二十", 32, "10天"])
def test_attended_days_must_be_a_whole_number_of_days(world, agreement, attended):
    report = run(world.host_staff, [line(agreement, "2026-12", attended)])
    assert [e.column for e in report.errors] == [ATTENDED]


def test_attended_days_from_a_float_or_text_cell(world, agreement):
    report = run(world.host_staff, [line(agreement, "2026-12", 20.0), line(agreement, "2027-01", " 0 ")])
    assert report.created == 2
    assert sorted(Attendance.objects.values_list("attended_days", flat=True)) == [0, 20]


def test_rows_without_attended_days_are_skipped_not_errors(world, agreement):
    report = run(world.host_staff, [line(agreement, "2026-12", None), line(agreement, "2027-01", 10)])
    assert (report.total_rows, report.skipped_rows, report.created, report.errors) == (2, [2], 1, [])


def test_the_name_must_be_the_agreements_person_whitespace_aside(world, agreement):
    spaced = " ".join(agreement.person.name)
    assert run(world.host_staff, [line(agreement, "2026-12", 10, **{NAME: spaced})]).created == 1
    report = run(world.host_staff, [line(agreement, "2027-01", 10, **{NAME: ""})])
    assert [e.column for e in report.errors] == [NAME]


# --- pure parsing, for any input -----------------------------------------------------------------


def pure_lookups() -> Lookups:
    """An agreement and its grid as unsaved values: parse_row runs without a database."""
    agreement = Agreement(pk=12, person=Person(name="张三"), status=AgreementStatus.ACTIVE, start=START, end=END)
    rows = [
        MonthRow(date(2026, 12, 1), "2026-12", 23, 23, None, locked=False, open=True),
        MonthRow(date(2027, 1, 1), "2027-01", 21, 21, 18, locked=True, open=True),
        MonthRow(date(2027, 2, 1), "2027-02", 16, 16, None, locked=False, open=False),
    ]
    return Lookups(agreements={12: agreement}, grids={12: {r.month: r for r in rows}})


def test_parse_row_needs_no_database():
    result = parse_row(SheetRow(2, {AGREEMENT: "JX-12", NAME: "张三", MONTH: "2026-12", ATTENDED: 20}), pure_lookups())
    assert isinstance(result, ParsedRow) and (result.agreement.pk, result.month.key, result.attended) == (
        12,
        "2026-12",
        20,
    )


cell_values = st.one_of(
    st.none(),
    st.text(max_size=30),
    st.sampled_from(["JX-12", "12", "张三", "2026-12", "2027-01", "2027-02", "2027-05", "23", "18"]),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.decimals(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.datetimes(min_value=datetime(1900, 1, 1)),
    st.dates(),
)


@settings(max_examples=400, deadline=None)
@given(st.fixed_dictionaries(dict.fromkeys(HEADERS, cell_values)))
def test_any_cell_values_give_a_month_to_record_or_row_errors_never_an_exception(values):
    result = parse_row(SheetRow(number=3, values=values), pure_lookups(), {})
    if isinstance(result, list):
        assert result and all(isinstance(e, RowError) and e.row == 3 and e.message for e in result)
    else:
        assert result.month.open and 0 <= result.attended <= result.month.scheduled_days
        assert not result.month.locked or result.attended == result.month.attended_days


# --- who may import what -------------------------------------------------------------------------


def test_another_hosts_agreement_gets_the_same_error_as_an_unknown_id(world, agreement):
    theirs = interns(world, 1, host=world.other_host)[0]
    rows = [
        line(agreement, "2026-12", 10),
        line(theirs, "2026-12", 10),
        line(agreement, "2027-01", 10, **{AGREEMENT: "JX-999999"}),
    ]
    report = run(world.host_staff, rows)
    assert [(e.row, e.column, e.message) for e in report.errors] == [
        (3, AGREEMENT, UNKNOWN_AGREEMENT),
        (4, AGREEMENT, UNKNOWN_AGREEMENT),
    ]
    assert not Attendance.objects.exists()


@pytest.mark.parametrize(
    "who", ["youth", "district_officer", "city", "department_officer", "university_officer", "other_host_staff"]
)
def test_the_service_records_only_for_the_hosts_own_agreements(world, agreement, who):
    actor = getattr(world, who)
    if who == "other_host_staff":
        assert run(actor, [line(agreement, "2026-12", 10)]).errors[0].message == UNKNOWN_AGREEMENT
    else:
        with pytest.raises(RuleError):
            run(actor, [line(agreement, "2026-12", 10)])
    assert not Attendance.objects.exists()


@pytest.mark.parametrize("who", ["youth", "district_officer", "city", "department_officer", "university_officer"])
@pytest.mark.parametrize("url", ["placements:attendance_import", "placements:attendance_import_template"])
def test_other_roles_get_403(client, world, agreement, who, url):
    client.force_login(getattr(world, who))
    assert client.get(reverse(url)).status_code == 403
    if url == "placements:attendance_import":
        content = xlsx([line(agreement, "2026-12", 10)])
        response = client.post(reverse(url), {"file": SimpleUploadedFile("a.xlsx", content)})
        assert response.status_code == 403 and not Attendance.objects.exists()


@pytest.mark.parametrize("url", ["placements:attendance_import", "placements:attendance_import_template"])
def test_anonymous_users_are_sent_to_log_in(client, url):
    response = client.get(reverse(url))
    assert response.status_code == 302 and "login" in response["Location"]


def test_a_host_staff_account_without_a_host_is_refused(world, agreement):
    with pytest.raises(RuleError):
        run(UserFactory(username="loner", role="host"), [line(agreement, "2026-12", 10)])


# --- the write -----------------------------------------------------------------------------------


def test_history_rows_carry_the_actor_for_new_and_changed_months_and_unchanged_ones_are_skipped(world, agreement):
    run(world.host_staff, [line(agreement, "2026-12", 20), line(agreement, "2027-01", 15)])
    before = Attendance.objects.get(month=date(2027, 1, 1)).updated_at
    with time_machine.travel(datetime(2027, 5, 11, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai")), tick=False):
        report = run(world.host_staff, [line(agreement, "2026-12", 21), line(agreement, "2027-01", 15)])
    assert (report.created, report.updated, report.unchanged) == (0, 1, 1)
    december, january = Attendance.objects.order_by("month")
    assert (december.attended_days, january.attended_days) == (21, 15)
    assert december.updated_at > before and january.updated_at == before
    history = Attendance.history.order_by("history_id")
    assert [(h.month, h.history_type, h.attended_days) for h in history] == [
        (date(2026, 12, 1), "+", 20),
        (date(2027, 1, 1), "+", 15),
        (date(2026, 12, 1), "~", 21),
    ]
    assert {(h.history_user_id, h.history_change_reason) for h in history} == {(world.host_staff.pk, "批量导入")}


# --- the template --------------------------------------------------------------------------------


def test_the_template_lists_each_begun_month_still_to_fill_in_with_the_working_days(client, world):
    ours = interns(world, 2)
    Attendance.objects.create(
        agreement=ours[0], month=date(2026, 12, 1), working_days=23, scheduled_days=23, attended_days=20
    )
    interns(world, 1, status=AgreementStatus.PENDING)
    interns(world, 1, host=world.other_host)
    client.force_login(world.host_staff)
    response = client.get(reverse("placements:attendance_import_template"))
    assert response.status_code == 200 and response["Content-Type"] == XLSX
    wb = load_workbook(io.BytesIO(response.content), read_only=True)
    assert wb.sheetnames == ["考勤", "填写说明"]
    rows = list(wb["考勤"].iter_rows(values_only=True))
    assert list(rows[0]) == list(HEADERS)
    begun = [*MONTHS, "2027-05"]
    expected = [(f"JX-{a.pk}", a.person.name, m) for a in ours for m in begun if (a, m) != (ours[0], "2026-12")]
    assert [tuple(r[:3]) for r in rows[1:]] == expected
    assert all(r[3:] in ((), (None,)) for r in rows[1:])  # 出勤天数 is for the clerk to fill in
    help_rows = [tuple(r) for r in wb["填写说明"].iter_rows(values_only=True)]
    january = grid(ours[1])["2027-01"]
    assert (f"JX-{ours[1].pk}", ours[1].person.name, "2027-01", january.working_days, january.scheduled_days) in [
        r[:5] for r in help_rows
    ]
    assert (f"JX-{ours[0].pk}", ours[0].person.name, "2026-12", 23, 23, 20, "已填报") in [r[:7] for r in help_rows]
    assert "R-SUB-3" in "\n".join(str(v) for r in help_rows for v in r if v)


def test_template_round_trip_fills_in_the_prefilled_rows_and_imports_them(client, world):
    ours = interns(world, 3)
    client.force_login(world.host_staff)
    wb = load_workbook(io.BytesIO(client.get(reverse("placements:attendance_import_template")).content))
    ws = wb["考勤"]
    so_far = grid(ours[0])["2027-05"].days_so_far  # May is under way: only the days gone by (issue #12)
    assert 0 < so_far < 12
    for month, days in ws.iter_rows(min_row=2, min_col=3, max_col=4):
        days.value = so_far if month.value == "2027-05" else 12
    buffer = io.BytesIO()
    wb.save(buffer)
    response = upload(client, world.host_staff, buffer.getvalue())
    report = response.context["report"]
    assert (report.created, report.errors) == (3 * 6, [])
    assert "新增 18 个月" in response.content.decode()
    for a in ours:
        expected = grid(a)
        for record in Attendance.objects.filter(agreement=a):
            row = expected[f"{record.month:%Y-%m}"]
            assert (record.working_days, record.scheduled_days, record.attended_days) == (
                row.working_days,
                row.scheduled_days,
                so_far if record.month == date(2027, 5, 1) else 12,
            )
    again = client.get(reverse("placements:attendance_import_template")).content
    assert list(load_workbook(io.BytesIO(again), read_only=True)["考勤"].iter_rows(min_row=2)) == []


def test_the_unchanged_template_imports_nothing_and_says_the_file_has_no_data_rows(client, world):
    interns(world, 1)
    client.force_login(world.host_staff)
    template = client.get(reverse("placements:attendance_import_template")).content
    response = upload(client, world.host_staff, template)
    assert response.status_code == 200 and response.context["report"] is None
    assert "文件中没有填写出勤天数的行（共 6 行，出勤天数均为空），未导入任何考勤" in response.content.decode()
    assert not Attendance.objects.exists()


def test_a_template_without_interns_to_fill_in_is_refused_as_empty(client, world):
    client.force_login(world.host_staff)
    template = client.get(reverse("placements:attendance_import_template")).content
    response = upload(client, world.host_staff, template)
    assert "表头下没有填写任何考勤" in response.content.decode() and not Attendance.objects.exists()


def test_the_templates_example_lives_on_the_instructions_sheet(client, world):
    interns(world, 1)
    client.force_login(world.host_staff)
    wb = load_workbook(io.BytesIO(client.get(reverse("placements:attendance_import_template")).content))
    rows = [list(r) for r in wb["填写说明"].iter_rows(values_only=True)]
    marker = next(i for i, row in enumerate(rows) if row[0] == "示例")
    assert "不会被导入" in rows[marker][2]
    example = rows[marker + 2]
    assert example[:4] == ["JX-12", "张三", "2026-11", 20]
    assert all(row[3] is None for row in wb["考勤"].iter_rows(min_row=2, values_only=True))


# --- the file and the page -----------------------------------------------------------------------


def test_the_page_shows_the_form_and_the_template_link(client, world):
    client.force_login(world.host_staff)
    page = client.get(reverse("placements:attendance_import")).content.decode()
    assert 'enctype="multipart/form-data"' in page and "仅导入无误的行" in page
    assert reverse("placements:attendance_import_template") in page


def test_a_missing_column_is_a_clear_message_and_nothing_is_recorded(client, world, agreement):
    response = upload(client, world.host_staff, xlsx([line(agreement, "2026-12", 10)], headers=[AGREEMENT, MONTH]))
    assert "表头缺少以下列：姓名、出勤天数" in response.content.decode()
    assert response.context["report"] is None and not Attendance.objects.exists()


def test_a_corrupt_file_or_an_empty_sheet_is_refused():
    with pytest.raises(ImportFileError, match="不是有效的 Excel"):
        read_sheet(b"PK\x03\x04 not a zip")
    with pytest.raises(ImportFileError, match="没有填写任何考勤"):
        read_sheet(xlsx([{}, {}]))


def test_the_sheet_named_kaoqin_is_read_whatever_its_position(world, agreement):
    wb = Workbook()
    wb.active.title = "说明"
    ws = wb.create_sheet("考勤")
    row = line(agreement, "2026-12", 10)
    ws.append(list(reversed(list(row))))
    ws.append(list(reversed(list(row.values()))))
    buffer = io.BytesIO()
    wb.save(buffer)
    rows = read_sheet(buffer.getvalue())
    assert rows[0].values[AGREEMENT] == f"JX-{agreement.pk}" and rows[0].values[ATTENDED] == 10


def test_after_importing_the_valid_rows_the_page_says_so(client, world, agreement):
    rows = [line(agreement, "2026-12", 10), line(agreement, "2026-12", 11)]
    response = upload(client, world.host_staff, xlsx(rows), valid_only=True)
    page = response.content.decode()
    assert "新增 1 个月" in page and "无误的行已经导入" in page
    assert response.context["form"]["import_valid_rows"].value() is True
