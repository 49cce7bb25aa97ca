"""Uploading a university's list of graduates not yet employed: checked whole, matched to the
registry, invitations once, re-upload idempotent, scoped to the university."""

from __future__ import annotations

import io
import re
from datetime import date, datetime
from typing import Any

import pytest
from django.core import mail
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from jianxi.core.imports import SheetRow
from jianxi.core.models import Channel, Delivery, DeliveryOutcome
from jianxi.outreach.imports import (
    EDUCATION,
    EMAIL,
    GRADUATION,
    HEADERS,
    ID_NUMBER,
    MAJOR,
    NAME,
    PHONE,
    GraduateData,
    Lookups,
    graduates_import,
    parse_row,
    read_sheet,
    template_workbook,
)
from jianxi.outreach.models import Graduate, Invitation
from jianxi.youth.models import Education
from tests.factories import PersonFactory, district
from tests.outreach.conftest import ident, row, sms_to, upload, xlsx

pytestmark = pytest.mark.django_db


def errors_of(response) -> list[tuple[int, str, str]]:
    report = response.context["report"]
    return [(e.row, e.column, e.message) for e in report.errors]


def test_bad_rows_name_their_row_and_column_and_nothing_is_written(client, world, django_capture_on_commit_callbacks):
    rows = [
        row(1),
        row(2, **{ID_NUMBER: ident(2)[:17] + ("0" if ident(2)[17] != "0" else "1")}),  # wrong check character
        row(3, **{MAJOR: None, EMAIL: "not-an-address"}),
        row(4, **{EDUCATION: "幼儿园", GRADUATION: "明年夏天"}),
        row(5, **{PHONE: None, EMAIL: None}),
        row(6, **{ID_NUMBER: ident(1)}),  # the same person as row 2 of the sheet
    ]
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(client, world.university_officer, rows)
    assert response.status_code == 200
    found = errors_of(response)
    columns = {(r, c) for r, c, _ in found}
    # Excel row numbers: the header is row 1, so rows[i] is row i + 2.
    assert (3, ID_NUMBER) in columns
    assert (4, MAJOR) in columns and (4, EMAIL) in columns
    assert (5, EDUCATION) in columns and (5, GRADUATION) in columns
    assert (6, PHONE) in columns
    assert (7, ID_NUMBER) in columns
    assert all(r != 2 for r, _, _ in found)  # the good row has no error
    assert all(re.search(r"[\u4e00-\u9fff]", m) for _, _, m in found)  # in Chinese
    assert {(r, c): m for r, c, m in found}[(4, MAJOR)] == "请填写专业。"
    assert "第 2 行" in {(r, c): m for r, c, m in found}[(7, ID_NUMBER)]
    assert 'data-testid="graduates-refused"' in response.content.decode()
    assert not Graduate.objects.exists() and not Invitation.objects.exists()
    assert not mail.outbox and not Delivery.objects.exists()


def test_a_missing_column_refuses_the_file(client, world):
    headers = [h for h in HEADERS if h != MAJOR]
    response = upload(client, world.university_officer, [row(1)], headers=headers)
    assert "表头缺少以下列：专业" in response.content.decode()
    assert not Graduate.objects.exists()


def test_rows_are_matched_to_the_registry_and_the_unregistered_invited_once(
    client, world, django_capture_on_commit_callbacks
):
    registered = PersonFactory(
        id_number=ident(1), district=district("110108"), university=world.university_officer.university
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(client, world.university_officer, [row(1), row(2), row(3, **{EMAIL: None})])
    report = response.context["report"]
    assert (report.created, report.updated, report.registered, report.invited) == (3, 0, 1, 2)
    assert 'data-testid="graduates-done"' in response.content.decode()
    graduates = {g.id_number: g for g in Graduate.objects.all()}
    assert graduates[ident(1)].person == registered and graduates[ident(1)].invited_at is None
    assert {g.university_id for g in graduates.values()} == {world.university_officer.university_id}
    invited = set(Invitation.objects.values_list("graduate__id_number", flat=True))
    assert invited == {ident(2), ident(3)}
    assert Invitation.objects.filter(sent_at__isnull=False).count() == 2
    # The invitation: an e-mail where there is an address, an SMS to the mobile, with the sign-up link.
    assert [m.to for m in mail.outbox] == [["g2@example.com"]]
    signup = "https://jianxi.example.cn" + reverse("signup_youth")
    assert signup in mail.outbox[0].body
    assert len(sms_to(row(2)[PHONE])) == 1 and len(sms_to(row(3)[PHONE])) == 1
    assert signup in sms_to(row(3)[PHONE])[0]
    assert not sms_to(row(1)[PHONE])  # registered: not invited
    assert Delivery.objects.filter(topic="invitation", outcome=DeliveryOutcome.SENT).count() == 3
    assert set(Delivery.objects.filter(channel=Channel.SMS).values_list("address", flat=True)) == {
        row(2)[PHONE],
        row(3)[PHONE],
    }

    # The same list again, one major corrected: updated in place, nobody invited twice.
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        again = [row(1), row(2, **{MAJOR: "软件工程"}), row(3, **{EMAIL: None})]
        response = upload(client, world.university_officer, again)
    report = response.context["report"]
    assert (report.created, report.updated, report.invited) == (0, 1, 0)
    assert Graduate.objects.count() == 3 and Invitation.objects.count() == 2
    assert Graduate.objects.get(id_number=ident(2)).major == "软件工程"
    assert not mail.outbox and len(sms_to(row(2)[PHONE])) == 1


def test_a_person_registered_after_the_first_upload_is_matched_on_the_next(world, django_capture_on_commit_callbacks):
    officer = world.university_officer
    with django_capture_on_commit_callbacks(execute=True):
        graduates_import(actor=officer, rows=read_sheet(xlsx([row(7)])))
    person = PersonFactory(id_number=ident(7))
    with django_capture_on_commit_callbacks(execute=True):
        report = graduates_import(actor=officer, rows=read_sheet(xlsx([row(7)])))
    assert report.registered == 1 and report.updated == 1
    assert Graduate.objects.get().person == person


@pytest.mark.parametrize("who", ["district_officer", "city", "host_staff", "youth", "department_officer"])
def test_only_a_university_officer_uploads(client, world, who):
    response = upload(client, getattr(world, who), [row(1)])
    assert response.status_code == 403
    assert not Graduate.objects.exists()


def test_another_university_sees_none_of_our_graduates(client, world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        upload(client, world.university_officer, [row(1), row(2)])
    client.force_login(world.other_university_officer)
    response = client.get(reverse("outreach:graduates"))
    assert response.status_code == 200
    assert response.context["page"].paginator.count == 0
    assert "毕业生1" not in response.content.decode()
    client.force_login(world.university_officer)
    page = client.get(reverse("outreach:graduates")).content.decode()
    assert "毕业生1" in page and ident(1) not in page  # the ID number is masked


def test_the_template_downloads_and_reads_back(client, world):
    client.force_login(world.university_officer)
    response = client.get(reverse("outreach:import_template"))
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    assert [c.value for c in book["未就业毕业生"][1]] == list(HEADERS)
    assert template_workbook()[:2] == b"PK"


# --- the row validator (pure) -------------------------------------------------------------------

LOOKUPS = Lookups(today=date(2026, 11, 26))
cells = st.one_of(
    st.none(),
    st.text(max_size=30),
    st.integers(min_value=-(10**12), max_value=10**19),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 1, 1)),
    st.sampled_from(["大学本科", "硕士", "博士研究生", "大专", ident(5), "13812345678", "a@b.cn", "2026-06-30"]),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(values=st.fixed_dictionaries(dict.fromkeys(HEADERS, cells)), number=st.integers(min_value=2, max_value=5001))
def test_the_row_validator_never_raises_and_every_error_names_a_column(values: dict[str, Any], number: int):
    result = parse_row(SheetRow(number=number, values=values), LOOKUPS)
    if isinstance(result, GraduateData):
        assert result.row == number and len(result.id_number) == 18
        assert result.education in Education.values
        assert result.phone or result.email
    else:
        assert result, "a refused row names at least one problem"
        for error in result:
            assert error.row == number and error.column in HEADERS and error.message


@settings(max_examples=100, deadline=None)
@given(
    name=st.text(alphabet=st.characters(categories=["Lo"]), min_size=1, max_size=50),
    major=st.text(alphabet=st.characters(categories=["Lo"]), min_size=1, max_size=100),
    graduated=st.dates(min_value=date(2015, 1, 1), max_value=date(2027, 12, 31)),
)
def test_a_valid_row_is_accepted_as_written(name: str, major: str, graduated: date):
    values = row(1, **{NAME: name, MAJOR: major, GRADUATION: datetime(graduated.year, graduated.month, graduated.day)})
    result = parse_row(SheetRow(number=2, values=values), LOOKUPS)
    assert isinstance(result, GraduateData), result
    assert (result.name, result.major, result.graduation_date) == (name, major, graduated)
    assert result.education == Education.BACHELOR
