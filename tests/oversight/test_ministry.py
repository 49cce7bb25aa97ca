"""The monthly statistics report to the ministry (issue #10 item 6), on the hand-worked programme.

April 2024 (conftest): in Haidian no post is first published in April, 2 posts with a headcount
of 5 in January–April (P1 for 3 in January, P2 for 2 on 1 February Beijing time); no new intern
in April, 4 since January (A1 Jan, A2 and A3 Feb, A4 Mar; the pending and cancelled ones never
count); at the end of April A2 (last day 30 April) and A4 (hired only in May) are in internship;
A2 completed on 30 April and was retained; the claim was paid on 2 April: city 1000.00 + 2420.00
+ 10.00 = 3430.00, district 300.00 + 300.00 = 600.00. Chaoyang: P3 for 1 in February.
"""

from __future__ import annotations

import io
import re
import zipfile
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse
from openpyxl import load_workbook

from jianxi.oversight import ministry, refresh
from jianxi.policy.models import District
from tests.factories import PostFactory

pytestmark = pytest.mark.django_db

TODAY = date(2024, 6, 15)
APRIL = date(2024, 4, 1)


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(datetime(2024, 6, 15, 9, 0, tzinfo=UTC), tick=False):
        yield


@pytest.fixture
def counted(world, programme):
    refresh.refresh_all(today=TODAY)
    return programme


def sheet_rows(data: bytes) -> dict[str, list]:
    """The report's district rows by name (code and name, then the figures)."""
    ws = load_workbook(io.BytesIO(data)).active
    rows = list(ws.iter_rows(min_row=4, values_only=True))
    return {row[1]: list(row) for row in rows if row[1]}


def test_the_figures_of_a_month_by_district_are_the_hand_worked_ones(world, counted):
    found = ministry.report(world.city, month=APRIL)
    haidian = next(r for r in found.rows if r.code == "110108")
    assert haidian.month == {
        "posts": 0,
        "headcount": 0,
        "placements": 0,
        "completed": 1,
        "retained": 1,
        "paid_city": 343000,
        "paid_district": 60000,
    }
    assert haidian.year == {
        "posts": 2,
        "headcount": 5,
        "placements": 4,
        "completed": 1,
        "retained": 1,
        "paid_city": 343000,
        "paid_district": 60000,
    }
    assert haidian.in_internship == 2
    chaoyang = next(r for r in found.rows if r.code == "110105")
    assert (chaoyang.year["posts"], chaoyang.year["headcount"], chaoyang.in_internship) == (1, 1, 0)
    assert len(found.rows) == District.objects.count()  # every district, with or without data
    assert found.total.year["posts"] == 3 and found.total.year["headcount"] == 6
    assert found.total.paid(found.total.month) == Decimal("4030.00")


def test_march_counts_the_new_intern_and_the_months_end(world, counted):
    haidian = next(r for r in ministry.report(world.city, month=date(2024, 3, 1)).rows if r.code == "110108")
    # A4 starts 1 March; at 31 March A1, A2 and A4 run (A3 ended 10 March, terminated: not completed).
    assert (haidian.month["placements"], haidian.year["placements"], haidian.in_internship) == (1, 4, 3)
    assert (haidian.month["completed"], haidian.month["paid_city"]) == (0, 0)


def test_the_download_is_the_report_as_excel(client, world, counted):
    client.force_login(world.city)
    response = client.get(reverse("oversight:ministry"), {"month": "2024-04"})
    assert response.status_code == 200
    assert "filename*=UTF-8''" in response["Content-Disposition"]
    rows = sheet_rows(response.content)
    headers = ministry.HEADERS
    haidian = dict(zip(headers, rows["海淀区"], strict=True))
    assert haidian["新募集岗位数（本年累计）"] == 2
    assert haidian["新募集岗位人数（本年累计）"] == 5
    assert haidian["新增见习人数（本年累计）"] == 4
    assert haidian["月末在岗见习人数"] == 2
    assert haidian["见习期满人数（本月）"] == 1
    assert haidian["留用人数（本月）"] == 1
    assert Decimal(str(haidian["拨付见习补贴（本月，元）"])) == Decimal("4030.00")
    assert Decimal(str(haidian["其中市级（本月，元）"])) == Decimal("3430.00")
    assert Decimal(str(haidian["其中区级（本月，元）"])) == Decimal("600.00")
    assert rows["合计"][headers.index("新募集岗位人数（本年累计）")] == 6


def _normalised(data: bytes) -> list[tuple[str, bytes]]:
    """Each entry of the archive with the generation time blanked out (the only moment in it)."""
    archive = zipfile.ZipFile(io.BytesIO(data))
    stamp = re.compile(rb"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}Z?")
    return [(i.filename, stamp.sub(b"<time>", archive.read(i.filename))) for i in archive.infolist()]


def test_the_same_data_gives_the_same_file(world, counted):
    found = ministry.report(world.city, month=APRIL)
    at = datetime(2024, 6, 15, 9, 0, tzinfo=UTC)
    first = ministry.workbook(found, generated_at=at)
    with time_machine.travel(datetime(2024, 6, 15, 9, 0, 7, tzinfo=UTC), tick=False):  # the clock moved on
        again = ministry.workbook(ministry.report(world.city, month=APRIL), generated_at=at)
    assert first == again  # byte for byte
    later = ministry.workbook(found, generated_at=datetime(2024, 7, 1, 2, 3, 4, tzinfo=UTC))
    assert later != first
    assert _normalised(later) == _normalised(first)


def test_a_change_in_the_data_changes_the_file(world, counted):
    at = datetime(2024, 6, 15, 9, 0, tzinfo=UTC)
    before = ministry.workbook(ministry.report(world.city, month=APRIL), generated_at=at)
    PostFactory(host=world.other_host, headcount=4, published_at=datetime(2024, 4, 3, 2, 0, tzinfo=UTC))
    with time_machine.travel(datetime(2024, 6, 15, 9, 5, tzinfo=UTC), tick=False):  # after the refresh
        refresh.mark_changed(first=APRIL, last=APRIL, district_id=world.other_host.district_id)
        after_found = ministry.report(world.city, month=APRIL)  # refreshes the changed cell first
    chaoyang = next(r for r in after_found.rows if r.code == "110105")
    assert (chaoyang.month["posts"], chaoyang.month["headcount"]) == (1, 4)
    assert _normalised(ministry.workbook(after_found, generated_at=at)) != _normalised(before)


def test_a_district_officer_reports_its_own_district_only(client, world, counted):
    client.force_login(world.district_officer)
    rows = sheet_rows(client.get(reverse("oversight:ministry"), {"month": "2024-04"}).content)
    assert set(rows) == {"海淀区", "合计"}
    assert rows["合计"][ministry.HEADERS.index("新募集岗位人数（本年累计）")] == 5


@pytest.mark.parametrize("who", ["host_staff", "youth", "department_officer", "university_officer", "finance"])
def test_other_roles_cannot_download_the_report(client, world, who):
    client.force_login(getattr(world, who))
    assert client.get(reverse("oversight:ministry"), {"month": "2024-04"}).status_code == 403


@pytest.mark.parametrize("month", ["2024-13", "abcd", "2024-7-1", "2024-07", "1999-12", "2024-04\u00a0"])
def test_a_bad_or_future_month_is_refused_with_a_message(client, world, month):
    client.force_login(world.city)
    response = client.get(reverse("oversight:ministry"), {"month": month})
    assert response.status_code == 400
    assert "月份格式应为 YYYY-MM" in response.content.decode()


def test_the_page_without_a_month_offers_last_month(client, world):
    client.force_login(world.city)
    page = client.get(reverse("oversight:ministry"))
    assert page.status_code == 200 and 'value="2024-05"' in page.content.decode()


def test_the_command_writes_the_same_report(world, counted, tmp_path):
    out = tmp_path / "report.xlsx"
    call_command("ministry_report", "--operator", world.city.username, "--month", "2024-04", "--out", str(out))
    assert sheet_rows(out.read_bytes())["海淀区"][ministry.HEADERS.index("月末在岗见习人数")] == 2
