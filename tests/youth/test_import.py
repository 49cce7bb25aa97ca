"""Bulk import of the youth registry (实名制信息数据库导入): one ID number, one person; row-by-row report."""

from __future__ import annotations

import io
from datetime import date, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import include, path, reverse
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook

from jianxi import urls as site_urls
from jianxi.core import audit
from jianxi.core.errors import RuleError
from jianxi.core.excel import XLSX
from jianxi.core.validators import parse_mobile, parse_resident_id, resident_id_check_char
from jianxi.policy.models import District, University
from jianxi.youth import imports, views_import
from jianxi.youth import urls as youth_urls
from jianxi.youth.imports import (
    DISTRICT,
    EDUCATION,
    EMPLOYED,
    GRADUATION,
    GROUP,
    HEADERS,
    HUKOU,
    ID_NUMBER,
    MAJOR,
    NAME,
    ORIGIN,
    PHONE,
    SCHOOL,
    TRANSFER,
    UNEMPLOYED,
    ImportFileError,
    Lookups,
    ParsedRow,
    RowError,
    SheetRow,
    check_rows,
    first_rows_by_id,
    parse_row,
    persons_import,
    read_sheet,
)
from jianxi.youth.models import Education, Group, Person
from tests.factories import PersonFactory, district

# The page tests need the two import routes. Until jianxi/youth/urls.py has them, this module is a
# URLconf of the whole site whose youth namespace also routes the import; once it has them, this
# URLconf is the site's own.
IMPORT_ROUTES = [
    path("import/", views_import.import_persons, name="import"),
    path("import/template.xlsx", views_import.import_template, name="import_template"),
]
if {"import", "import_template"} <= {getattr(p, "name", None) for p in youth_urls.urlpatterns}:
    urlpatterns = list(site_urls.urlpatterns)
else:
    urlpatterns = [
        path("youth/", include((list(youth_urls.urlpatterns) + IMPORT_ROUTES, "youth")))
        if getattr(p, "namespace", None) == "youth"
        else p
        for p in site_urls.urlpatterns
    ]

pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]

TODAY = date(2026, 11, 26)


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(datetime(2026, 11, 26, 10, 0), tick=False):
        yield


@pytest.fixture(autouse=True)
def _eager_imports(settings):
    settings.IMPORT_TASKS_EAGER = True  # a large file's background job runs in the request: no thread outlives a test


# --- building workbooks in memory ----------------------------------------------------------------


def ident(n: int) -> str:
    """A valid ID number, distinct for every n below 36,000 (and from the factories' persons)."""
    body = f"110108{date(2000, 1, 1) + timedelta(days=n // 1000):%Y%m%d}{n % 1000:03d}"
    return body + resident_id_check_char(body)


def corrupt(number: str) -> str:
    """The same number with a wrong check character."""
    return number[:17] + ("0" if number[17] != "0" else "1")


def good(n: int = 1, **changes: Any) -> dict[str, Any]:
    """A valid row for a Haidian college graduate, keyed by the Chinese header."""
    row: dict[str, Any] = {
        NAME: f"青年{n}",
        ID_NUMBER: ident(n),
        PHONE: "13800000000",
        GROUP: "高校毕业生",
        EDUCATION: "大学本科",
        SCHOOL: "北京大学",
        MAJOR: "统计学",
        GRADUATION: datetime(2026, 6, 30),
        ORIGIN: "是",
        HUKOU: "是",
        EMPLOYED: "否",
        UNEMPLOYED: "",
        TRANSFER: None,
        DISTRICT: "",
    }
    row.update(changes)
    return row


def xlsx(rows: list[dict[str, Any]], headers: tuple[str, ...] | list[str] = HEADERS, title: str = "见习人员") -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = title
    ws.append(list(headers))
    for row in rows:
        ws.append([row.get(h) for h in headers])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def run(actor, rows: list[dict[str, Any]], *, valid_only: bool = False, **kwargs: Any) -> imports.ImportReport:
    return persons_import(actor=actor, rows=read_sheet(xlsx(rows, **kwargs)), import_valid_rows=valid_only, today=TODAY)


def upload(client, user, content: bytes, *, name: str = "人员.xlsx", valid_only: bool = False, content_type=None):
    client.force_login(user)
    data: dict[str, Any] = {"file": SimpleUploadedFile(name, content, content_type=content_type or XLSX)}
    if valid_only:
        data["import_valid_rows"] = "on"
    return client.post(reverse("youth:import"), data)


def thousand_rows(registered_id: str) -> list[dict[str, Any]]:
    """1,000 data rows (Excel rows 2–1001), all valid except Excel rows 57, 402 and 999."""
    rows = [good(n) for n in range(2, 1002)]
    rows[57 - 2][ID_NUMBER] = corrupt(ident(57))
    rows[402 - 2][GRADUATION] = None  # a college graduate (R-EL-1) without a graduation date
    rows[999 - 2][ID_NUMBER] = registered_id
    return rows


def checksum_message(number: str) -> str:
    with pytest.raises(RuleError) as refused:
        parse_resident_id(number, today=TODAY)
    assert refused.value.code == "id_number.checksum"
    return refused.value.message


def pure_lookups(**changes: Any) -> Lookups:
    """Reference data as unsaved objects: parse_row runs without a database."""
    haidian, chaoyang = District(code="110108", name="海淀区"), District(code="110105", name="朝阳区")
    values: dict[str, Any] = {
        "districts": {"海淀区": haidian, "110108": haidian, "朝阳区": chaoyang, "110105": chaoyang},
        "universities": {"北京大学": University(code="10001", name="北京大学")},
        "registered": frozenset(),
        "first_rows": {},
        "today": TODAY,
        "own_district": haidian,
    }
    values.update(changes)
    return Lookups(**values)


def x_ident() -> str:
    """A valid ID number whose check character is X."""
    return next(ident(n) for n in range(100, 2000) if ident(n).endswith("X"))


# --- 1,000 rows, 3 bad ---------------------------------------------------------------------------


def test_a_1000_row_file_with_3_bad_rows_reports_exactly_those_rows_and_imports_nothing(world):
    before = Person.objects.count()
    report = run(world.district_officer, thousand_rows(world.other_person.id_number))
    assert (report.total_rows, report.created, report.error_rows) == (1000, 0, 3)
    assert [(e.row, e.column, e.message) for e in report.errors] == [
        (57, ID_NUMBER, checksum_message(corrupt(ident(57)))),
        (402, GRADUATION, "人员类别为“高校毕业生”时请填写毕业日期（R-EL-1：毕业 2 年内）。"),
        (999, ID_NUMBER, "该身份证号已登记，不会重复导入或合并。"),
    ]
    assert Person.objects.count() == before


def test_the_same_file_with_import_valid_rows_registers_997_persons_in_the_district(world):
    report = run(world.district_officer, thousand_rows(world.our_person.id_number), valid_only=True)
    assert (report.created, report.error_rows) == (997, 3)
    imported = Person.objects.filter(name__startswith="青年", user=None).exclude(pk=world.our_person.pk)
    assert imported.count() == 997
    assert set(imported.values_list("district__code", flat=True)) == {"110108"}
    assert not imported.filter(name__in=["青年57", "青年402", "青年999"]).exists()


def test_the_1000_row_file_runs_in_the_background_and_its_page_lists_the_3_rows(client, world):
    before = Person.objects.count()
    upload_response = upload(client, world.district_officer, xlsx(thousand_rows(world.our_person.id_number)))
    assert upload_response.status_code == 302
    response = client.get(upload_response["Location"])
    assert response.status_code == 200 and response.context["job"].background
    page = response.content.decode()
    table = page.split('data-testid="import-errors"')[1]
    assert [e.row for e in response.context["errors"]] == [57, 402, 999]
    assert "校验码" in table and "R-EL-1" in table and "该身份证号已登记" in table
    assert "共读取 1000 行，导入 0 人。" in page and "本次未导入任何人员" in page
    assert Person.objects.count() == before


def test_the_1000_row_file_through_the_page_with_import_valid_rows_registers_997(client, world):
    before = Person.objects.count()
    rows = thousand_rows(world.our_person.id_number)
    response = upload(client, world.district_officer, xlsx(rows), valid_only=True)
    page = client.get(response["Location"]).content.decode()
    assert "共读取 1000 行，导入 997 人。" in page and "其中 3 行有误" in page and "请只上传这些行" in page
    assert Person.objects.count() == before + 997
    small = upload(client, world.district_officer, xlsx([good(5000), good(5001, **{NAME: ""})]), valid_only=True)
    assert small.context["form"]["import_valid_rows"].value() is True  # the choice survives a re-upload


def test_import_runs_a_constant_number_of_queries_apart_from_insert_batches(world):
    def queries(start: int, n: int) -> int:
        sheet = read_sheet(xlsx([good(i) for i in range(start, start + n)]))
        with CaptureQueriesContext(connection) as ctx:
            report = persons_import(actor=world.district_officer, rows=sheet, import_valid_rows=False, today=TODAY)
        assert report.created == n
        return len(ctx.captured_queries)

    def batches(n: int) -> int:
        # On PostgreSQL the persons and their history rows go in with one COPY each, whatever n;
        # elsewhere SQLite binds at most 999 parameters per statement, so Django splits big inserts.
        if connection.vendor == "postgresql":
            return 0
        total = 0
        for model in (Person, Person.history.model):
            fields = [f for f in model._meta.concrete_fields if not f.primary_key]
            size = min(audit.FALLBACK_BATCH, connection.ops.bulk_batch_size(fields, [None] * n))
            total += -(-n // size)
        return total

    small, large = queries(1000, 10), queries(2000, 200)
    assert large - small == batches(200) - batches(10)
    assert small <= 10


# --- one ID number, one person -------------------------------------------------------------------


def test_an_id_number_already_registered_is_refused_not_merged(world):
    ours, theirs = world.our_person, world.other_person
    rows = [
        good(1, **{ID_NUMBER: ours.id_number, NAME: "改名", PHONE: "13911112222"}),
        good(2, **{ID_NUMBER: f" {theirs.id_number.lower()} "}),  # another district's person: same answer
        good(3),
    ]
    report = run(world.district_officer, rows, valid_only=True)
    assert [(e.row, e.column, e.message) for e in report.errors] == [
        (2, ID_NUMBER, "该身份证号已登记，不会重复导入或合并。"),
        (3, ID_NUMBER, "该身份证号已登记，不会重复导入或合并。"),
    ]
    assert report.created == 1
    ours.refresh_from_db()
    assert (ours.name, ours.phone, ours.user) == (world.our_person.name, "13800000000", world.youth)
    assert Person.objects.filter(id_number=ours.id_number).count() == 1


def test_the_same_id_number_twice_in_a_file_is_an_error_on_every_later_occurrence(world):
    x = x_ident()
    rows = [
        good(1),
        good(2),
        good(3, **{ID_NUMBER: ident(1)}),
        good(4, **{ID_NUMBER: x}),
        good(5, **{ID_NUMBER: x.lower()}),
    ]
    rows.append(good(6, **{ID_NUMBER: ident(1)}))
    report = run(world.district_officer, rows)
    assert [(e.row, e.column, e.message) for e in report.errors] == [
        (4, ID_NUMBER, "与第 2 行的身份证号相同：同一身份证号只能导入一次，本行不会导入。"),
        (6, ID_NUMBER, "与第 5 行的身份证号相同：同一身份证号只能导入一次，本行不会导入。"),
        (7, ID_NUMBER, "与第 2 行的身份证号相同：同一身份证号只能导入一次，本行不会导入。"),
    ]
    assert report.created == 0 and not Person.objects.filter(user=None).exists()
    report = run(world.district_officer, rows, valid_only=True)
    assert report.created == 3
    assert set(Person.objects.filter(user=None).values_list("name", flat=True)) == {"青年1", "青年2", "青年4"}


def test_a_later_duplicate_of_a_faulty_first_row_is_still_refused(world):
    rows = [good(1, **{PHONE: "12345"}), good(2, **{ID_NUMBER: ident(1)})]
    report = run(world.district_officer, rows, valid_only=True)
    assert [(e.row, e.column) for e in report.errors] == [(2, PHONE), (3, ID_NUMBER)]
    assert report.created == 0  # which of the two rows is right is the clerk's call, not ours


def test_an_id_number_registered_while_the_file_is_checked_refuses_the_whole_import(world, monkeypatch):
    real = imports.import_lookups

    def lookups_then_registered(**kwargs):
        found = real(**kwargs)
        PersonFactory(id_number=ident(2), name="本人注册")  # e.g. the person signs up meanwhile
        return found

    monkeypatch.setattr(imports, "import_lookups", lookups_then_registered)
    with pytest.raises(RuleError) as refused:
        run(world.district_officer, [good(1), good(2), good(3)])
    assert refused.value.code == "import.id_number_taken"
    assert not Person.objects.filter(user=None).exclude(id_number=ident(2)).exists()
    assert Person.objects.get(id_number=ident(2)).name == "本人注册"
    assert not Person.history.filter(history_user=world.district_officer).exists()


# --- row checks ----------------------------------------------------------------------------------


def test_a_checksum_corrupted_id_number_gets_the_validators_message(world):
    bad = corrupt(ident(1))
    report = run(world.district_officer, [good(1, **{ID_NUMBER: bad})])
    assert [(e.row, e.column, e.message) for e in report.errors] == [(2, ID_NUMBER, checksum_message(bad))]
    assert "校验码" in report.errors[0].message


@pytest.mark.parametrize(
    ("value", "code"),
    [("11010820000101001", "id_number.length"), ("1101082000010100AX", "id_number.format"),
     ("110108202712310011", "id_number.birth_date")],
)  # fmt: skip
def test_other_id_number_errors_carry_the_validators_message(world, value, code):
    with pytest.raises(RuleError) as refused:
        parse_resident_id(value, today=TODAY)
    assert refused.value.code == code
    report = run(world.district_officer, [good(**{ID_NUMBER: value})])
    assert [(e.column, e.message) for e in report.errors] == [(ID_NUMBER, refused.value.message)]


def test_an_id_number_mangled_by_excel_into_a_number_says_to_format_the_column_as_text(world):
    report = run(world.district_officer, [good(**{ID_NUMBER: float(ident(1))})])
    assert [e.column for e in report.errors] == [ID_NUMBER] and "文本格式" in report.errors[0].message


def test_birth_date_comes_from_the_id_number_and_x_is_upper_cased(world):
    x = x_ident()
    run(world.district_officer, [good(**{ID_NUMBER: x.lower()})])
    person = Person.objects.get(id_number=x)
    assert person.birth_date == parse_resident_id(x).birth_date == date(2000, 1, 1)


@pytest.mark.parametrize("phone", ["1380000000", "+8613800000000", "138-0000-0000", "23800000000"])
def test_a_bad_mobile_number_gets_the_validators_message(world, phone):
    with pytest.raises(RuleError) as refused:
        parse_mobile(phone)
    report = run(world.district_officer, [good(**{PHONE: phone})])
    assert [(e.column, e.message) for e in report.errors] == [(PHONE, refused.value.message)]


def test_a_mobile_number_in_a_number_cell_is_read(world):
    run(world.district_officer, [good(**{PHONE: 13912345678})])
    assert Person.objects.get(user=None).phone == "13912345678"


@pytest.mark.parametrize(
    ("group", "rule"),
    [("高校毕业生", "R-EL-1"), ("中专毕业生", "R-EL-2"), ("技工院校毕业生", "R-EL-2")],
)
def test_a_graduate_group_without_a_graduation_date_is_a_row_error(world, group, rule):
    report = run(world.district_officer, [good(**{GROUP: group, GRADUATION: None})])
    assert [(e.row, e.column) for e in report.errors] == [(2, GRADUATION)]
    assert group in report.errors[0].message and rule in report.errors[0].message


@pytest.mark.parametrize(
    ("group", "value"), [("登记失业青年", Group.UNEMPLOYED_YOUTH), ("农村转移就业劳动力", Group.RURAL_LABOUR)]
)
def test_other_groups_may_leave_the_graduation_date_empty(world, group, value):
    report = run(world.district_officer, [good(**{GROUP: group, GRADUATION: "", SCHOOL: "", EDUCATION: ""})])
    assert report.errors == []
    person = Person.objects.get(user=None)
    assert (person.group, person.graduation_date, person.education) == (value, None, "")


def test_a_graduation_date_before_birth_or_unreadable_is_a_row_error(world):
    rows = [
        good(1, **{GRADUATION: "1999-07-01"}),
        good(2, **{GRADUATION: "明年"}),
        good(3, **{GRADUATION: "2026-02-30"}),
    ]
    report = run(world.district_officer, rows)
    assert [(e.row, e.column) for e in report.errors] == [(2, GRADUATION), (3, GRADUATION), (4, GRADUATION)]
    assert "出生日期" in report.errors[0].message


def test_dates_accept_excel_dates_and_text_dates(world):
    rows = [
        good(1, **{GRADUATION: "2026-07-01"}),
        good(2, **{GRADUATION: "2026年6月30日"}),
        good(3, **{GRADUATION: date(2025, 7, 1)}),
    ]
    run(world.district_officer, rows)
    assert sorted(Person.objects.filter(user=None).values_list("graduation_date", flat=True)) == [
        date(2025, 7, 1),
        date(2026, 6, 30),
        date(2026, 7, 1),
    ]


def test_groups_and_education_by_label_code_or_short_name(world):
    rows = [
        good(1, **{GROUP: " 中专毕业生 ", EDUCATION: "中专"}),
        good(2, **{GROUP: "technician_graduate", EDUCATION: "本科"}),
        good(3, **{GROUP: "高校毕业生", EDUCATION: "硕士研究生"}),
    ]
    assert run(world.district_officer, rows).errors == []
    got = dict(Person.objects.filter(user=None).values_list("name", "education"))
    assert got == {"青年1": Education.SECONDARY_VOCATIONAL, "青年2": Education.BACHELOR, "青年3": Education.MASTER}


def test_unknown_group_and_education_name_what_was_written(world):
    report = run(world.district_officer, [good(**{GROUP: "退役军人", EDUCATION: "小学"})])
    assert [(e.column, "退役军人" in e.message or "小学" in e.message) for e in report.errors] == [
        (GROUP, True),
        (EDUCATION, True),
    ]


def test_yes_no_columns(world):
    rows = [
        good(1, **{ORIGIN: "否", HUKOU: True, EMPLOYED: "", UNEMPLOYED: "是", TRANSFER: False}),
        good(2, **{ORIGIN: "是", HUKOU: "否", EMPLOYED: "是", UNEMPLOYED: None, TRANSFER: "是"}),
    ]
    assert run(world.district_officer, rows).errors == []
    fields = ("beijing_origin", "beijing_hukou", "employed", "registered_unemployed", "transfer_registered")
    got = {p["name"]: tuple(p[f] for f in fields) for p in Person.objects.filter(user=None).values("name", *fields)}
    assert got == {"青年1": (False, True, False, True, False), "青年2": (True, False, True, False, True)}


def test_yes_no_required_or_not_understood_is_a_row_error(world):
    report = run(world.district_officer, [good(**{ORIGIN: "", HUKOU: "Y", EMPLOYED: "可能"})])
    assert [e.column for e in report.errors] == [ORIGIN, HUKOU, EMPLOYED]
    assert report.errors[0].message == "请填写北京生源。" and "“是”或“否”" in report.errors[1].message


def test_a_school_that_is_a_university_links_the_university(world):
    rows = [good(1, **{SCHOOL: " 清华大学 "}), good(2, **{SCHOOL: "外省某大学"}), good(3, **{SCHOOL: ""})]
    run(world.district_officer, rows)
    got = {p.name: (p.school, p.university) for p in Person.objects.filter(user=None)}
    assert got == {
        "青年1": ("清华大学", University.objects.get(name="清华大学")),
        "青年2": ("外省某大学", None),
        "青年3": ("", None),
    }


def test_a_row_with_several_problems_lists_all_of_them(world):
    bad = good(
        1,
        **{NAME: "", ID_NUMBER: corrupt(ident(1)), PHONE: "123", GROUP: "", MAJOR: "专" * 101, GRADUATION: "x"},
        **{HUKOU: "也许", DISTRICT: "火星区"},
    )
    report = run(world.district_officer, [good(2), bad])
    assert {e.row for e in report.errors} == {3}
    assert [e.column for e in report.errors] == [NAME, ID_NUMBER, PHONE, GROUP, MAJOR, GRADUATION, HUKOU, DISTRICT]
    assert report.created == 0 and not Person.objects.filter(user=None).exists()


def test_text_longer_than_the_registry_allows_is_refused(world):
    report = run(world.district_officer, [good(**{NAME: "名" * 51, SCHOOL: "校" * 101, MAJOR: "专" * 101})])
    assert [e.column for e in report.errors] == [NAME, SCHOOL, MAJOR]


# --- who imports into which district -------------------------------------------------------------


def test_a_district_officer_may_leave_the_district_empty_or_name_its_own(world):
    rows = [good(1), good(2, **{DISTRICT: "海淀区"}), good(3, **{DISTRICT: "110108"})]
    report = run(world.district_officer, rows)
    assert report.created == 3
    assert set(Person.objects.filter(user=None).values_list("district__code", flat=True)) == {"110108"}


def test_a_district_officer_file_without_the_district_column_registers_in_its_district(world):
    headers = [h for h in HEADERS if h != DISTRICT]
    report = run(world.district_officer, [good(1), good(2)], headers=headers)
    assert report.created == 2 and {p.district for p in Person.objects.filter(user=None)} == {district("110108")}


def test_a_district_officer_naming_another_district_gets_a_row_error(world):
    rows = [good(1), good(2, **{DISTRICT: "朝阳区"}), good(3, **{DISTRICT: "110105"}), good(4, **{DISTRICT: "火星区"})]
    report = run(world.district_officer, rows)
    assert [(e.row, e.column) for e in report.errors] == [(3, DISTRICT), (4, DISTRICT), (5, DISTRICT)]
    assert report.errors[0].message == "只能导入本区（海淀区）登记的人员：登记区请留空或填写“海淀区”。"
    assert "火星区" in report.errors[2].message
    assert not Person.objects.filter(user=None).exists()


def test_the_city_officer_names_each_rows_district_by_name_or_code(world):
    rows = [good(1, **{DISTRICT: "朝阳区"}), good(2, **{DISTRICT: "110108"}), good(3, **{DISTRICT: "BDA"})]
    report = run(world.city, rows)
    assert report.errors == [] and report.created == 3
    got = dict(Person.objects.filter(user=None).values_list("name", "district__code"))
    assert got == {"青年1": "110105", "青年2": "110108", "青年3": "BDA"}


def test_the_city_officer_without_a_district_gets_a_row_error_per_row(world):
    report = run(world.city, [good(1, **{DISTRICT: "朝阳区"}), good(2)])
    assert [(e.row, e.column, e.message) for e in report.errors] == [
        (3, DISTRICT, "市人社局导入时请填写登记区（区名或区划代码）。")
    ]
    headers = [h for h in HEADERS if h != DISTRICT]
    report = run(world.city, [good(1), good(2)], headers=headers)
    assert [(e.row, e.column) for e in report.errors] == [(2, DISTRICT), (3, DISTRICT)]
    assert not Person.objects.filter(user=None).exists()


@pytest.mark.parametrize("who", ["youth", "host_staff", "university_officer", "department_officer"])
@pytest.mark.parametrize("url", ["youth:import", "youth:import_template"])
def test_other_roles_get_403(client, world, who, url):
    client.force_login(getattr(world, who))
    assert client.get(reverse(url)).status_code == 403
    if url == "youth:import":
        response = client.post(reverse(url), {"file": SimpleUploadedFile("a.xlsx", xlsx([good()]))})
        assert response.status_code == 403 and not Person.objects.filter(user=None).exists()


@pytest.mark.parametrize("who", ["youth", "host_staff", "university_officer", "department_officer"])
def test_the_service_refuses_other_roles_too(world, who):
    with pytest.raises(RuleError) as refused:
        run(getattr(world, who), [good()])
    assert refused.value.code == "import.role"


def test_anonymous_users_are_sent_to_log_in(client):
    response = client.get(reverse("youth:import"))
    assert response.status_code == 302 and "login" in response["Location"]


# --- the write -----------------------------------------------------------------------------------


def test_imported_persons_have_no_account_and_history_rows_carry_the_actor(world):
    run(world.district_officer, [good(1), good(2), good(3)])
    imported = Person.objects.filter(id_number__in=[ident(1), ident(2), ident(3)])
    assert imported.count() == 3 and not imported.exclude(user=None).exists()
    history = Person.history.filter(id_number__in=[ident(1), ident(2), ident(3)])
    assert {(h.history_user_id, h.history_type, h.history_change_reason) for h in history} == {
        (world.district_officer.pk, "+", "批量导入")
    }
    assert history.count() == 3


def test_imported_persons_are_in_the_district_officers_youth_list(client, world):
    run(world.district_officer, [good(1, **{NAME: "导入甲"}), good(2, **{NAME: "导入乙"})])
    client.force_login(world.district_officer)
    page = client.get(reverse("youth:list")).content.decode()
    assert "导入甲" in page and "导入乙" in page and ident(1) not in page  # listed masked
    client.force_login(world.other_district_officer)
    assert "导入甲" not in client.get(reverse("youth:list")).content.decode()


# --- pure parsing, for any input -----------------------------------------------------------------


def test_parse_row_needs_no_database():
    result = parse_row(SheetRow(number=2, values=good()), pure_lookups())
    assert isinstance(result, ParsedRow)
    assert (result.data.id_number, result.data.birth_date) == (ident(1), date(2000, 1, 1))
    assert result.data.university is not None and result.data.district.code == "110108"


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
@given(st.dictionaries(st.sampled_from(HEADERS), cell_values), st.booleans())
def test_any_cell_values_give_a_person_or_row_errors_never_an_exception(changes, as_city):
    lookups = pure_lookups(own_district=None) if as_city else pure_lookups()
    result = parse_row(SheetRow(number=3, values=good(**changes)), lookups)
    if isinstance(result, list):
        assert result and all(
            isinstance(e, RowError) and e.row == 3 and e.column in HEADERS and e.message for e in result
        )
    else:
        data = result.data
        assert parse_resident_id(data.id_number, today=TODAY).birth_date == data.birth_date
        assert parse_mobile(data.phone) == data.phone and data.group in Group.values
        assert len(data.name) <= 50 and len(data.school) <= 100 and len(data.major) <= 100
        assert data.graduation_date is not None or data.group not in imports.GRADUATE_RULES


id_cells = st.one_of(st.sampled_from([ident(1), ident(2), x_ident(), x_ident().lower(), corrupt(ident(3))]), st.text())


@settings(max_examples=200, deadline=None)
@given(st.lists(st.fixed_dictionaries({ID_NUMBER: id_cells}, optional={NAME: st.text(), PHONE: st.text()}), max_size=8))
def test_any_file_gives_rows_or_errors_and_never_two_persons_with_one_id_number(changes):
    rows = [SheetRow(number=i + 2, values=good(i, **c)) for i, c in enumerate(changes)]
    valid, errors = check_rows(rows, pure_lookups(first_rows=first_rows_by_id(rows), registered=frozenset({ident(2)})))
    numbers = [p.data.id_number for p in valid]
    assert len(numbers) == len(set(numbers)) and ident(2) not in numbers
    assert {p.row for p in valid}.isdisjoint({e.row for e in errors})
    assert len(valid) + len({e.row for e in errors}) == len(rows)


# --- the file ------------------------------------------------------------------------------------


def test_missing_columns_are_a_clear_message_and_nothing_is_created(client, world):
    headers = [h for h in HEADERS if h not in (PHONE, HUKOU)]
    response = upload(client, world.district_officer, xlsx([good()], headers=headers))
    assert "表头缺少以下列：手机号码、本市户籍" in response.content.decode()
    assert response.context["report"] is None and not Person.objects.filter(user=None).exists()


def test_columns_may_come_in_any_order_with_extra_columns_marks_and_another_sheet_name(world):
    headers = [f"*{h}" if h in (NAME, ID_NUMBER) else h for h in reversed(HEADERS)] + ["备注"]
    row = {(f"*{h}" if h in (NAME, ID_NUMBER) else h): v for h, v in good().items()} | {"备注": "无"}
    report = run(world.district_officer, [row], headers=headers, title="Sheet1")
    assert report.created == 1


def test_blank_rows_are_skipped_and_errors_name_the_excel_row(world):
    rows = [good(1), {}, {NAME: "   "}, good(2, **{PHONE: "1"})]
    sheet = read_sheet(xlsx(rows))
    assert [r.number for r in sheet] == [2, 5]
    report = persons_import(actor=world.district_officer, rows=sheet, import_valid_rows=True, today=TODAY)
    assert (report.total_rows, report.created, [e.row for e in report.errors]) == (2, 1, [5])


@pytest.mark.parametrize(
    ("content", "name", "content_type", "message"),
    [
        (b"PK\x03\x04 this is not really a zip", "人员.xlsx", None, "不是有效的 Excel"),
        (b"\xd0\xcf\x11\xe0 old excel", "人员.xls", "application/vnd.ms-excel", "另存为"),
        (b"a,b,c\n", "人员.csv", "text/csv", "另存为"),
        (b"hello", "人员.txt", "text/plain", ".xlsx"),
        (None, "人员.xlsx", "text/html", "不是 Excel 工作簿"),
    ],
)
def test_a_wrong_or_corrupt_file_gets_a_clear_message_and_nothing_is_created(
    client, world, content, name, content_type, message
):
    response = upload(client, world.district_officer, content or xlsx([good()]), name=name, content_type=content_type)
    assert response.status_code == 200 and message in response.content.decode()
    assert response.context["report"] is None and not Person.objects.filter(user=None).exists()


def test_an_upload_over_12_mb_is_refused(client, world):
    response = upload(client, world.district_officer, b"0" * (imports.MAX_UPLOAD_BYTES + 1))
    assert "12 MB" in response.content.decode() and not Person.objects.filter(user=None).exists()


def test_an_empty_sheet_or_a_header_without_rows_is_refused():
    with pytest.raises(ImportFileError, match="空"):
        read_sheet(xlsx([], headers=[]))
    with pytest.raises(ImportFileError, match="没有填写任何人员"):
        read_sheet(xlsx([{}, {}]))


def test_more_than_the_row_limit_is_refused(monkeypatch):
    monkeypatch.setattr(imports, "MAX_ROWS", 5)
    assert len(read_sheet(xlsx([good()] * 5))) == 5
    with pytest.raises(ImportFileError, match="最多导入 5 行"):
        read_sheet(xlsx([good()] * 6))


# --- the template and the page -------------------------------------------------------------------


@pytest.mark.parametrize("who", ["district_officer", "city"])
def test_template_has_chinese_headers_text_id_column_and_instructions(client, world, who):
    client.force_login(getattr(world, who))
    response = client.get(reverse("youth:import_template"))
    assert response.status_code == 200 and response["Content-Type"] == XLSX
    assert "attachment" in response["Content-Disposition"]
    wb = load_workbook(io.BytesIO(response.content))
    assert wb.sheetnames == ["见习人员", "填写说明"]
    ws = wb["见习人员"]
    assert [list(r) for r in ws.iter_rows(values_only=True)] == [list(HEADERS)]  # no row to import by mistake
    assert ws.column_dimensions["B"].number_format == "@" and ws.column_dimensions["C"].number_format == "@"
    instructions = "\n".join(str(v) for row in wb["填写说明"].iter_rows(values_only=True) for v in row if v)
    expected = ["高校毕业生", "农村转移就业劳动力", "大学本科", "高中及以下", "海淀区（110108）", "BDA", "北京大学"]
    for text in [*expected, "R-EL-1", "仅导入无误的行", imports.EXAMPLE_ID_NUMBER, "不会重复导入或合并"]:
        assert text in instructions


def test_the_unchanged_template_imports_nothing_and_a_filled_one_imports_its_rows(client, world):
    client.force_login(world.district_officer)
    template = client.get(reverse("youth:import_template")).content
    response = upload(client, world.district_officer, template)
    assert "表头下没有填写任何人员" in response.content.decode()
    wb = load_workbook(io.BytesIO(template))
    ws = wb["见习人员"]
    ws.append([good(1).get(h) for h in HEADERS])
    buffer = io.BytesIO()
    wb.save(buffer)
    response = upload(client, world.district_officer, buffer.getvalue())
    assert response.context["report"].created == 1 and response.context["report"].errors == []
    assert "导入的人员已登记" in response.content.decode()
    assert Person.objects.get(id_number=ident(1)).district == district("110108")


def test_the_page_shows_the_form_and_the_template_link(client, world):
    client.force_login(world.city)
    page = client.get(reverse("youth:import")).content.decode()
    assert 'enctype="multipart/form-data"' in page and 'type="file"' in page
    assert "仅导入无误的行" in page and reverse("youth:import_template") in page
    assert "登记区" in page


def test_a_post_without_a_file_asks_for_one(client, world):
    client.force_login(world.district_officer)
    response = client.post(reverse("youth:import"), {})
    assert response.status_code == 200 and response.context["form"].errors["file"]


def test_a_concurrent_registration_shows_on_the_page_as_a_message(client, world, monkeypatch):
    def refuse(**kwargs):
        raise RuleError("import.id_number_taken", imports.ID_TAKEN_MEANWHILE, field="file")

    monkeypatch.setattr(imports, "persons_import", refuse)
    response = upload(client, world.district_officer, xlsx([good()]))
    assert imports.ID_TAKEN_MEANWHILE in response.content.decode() and response.context["report"] is None
