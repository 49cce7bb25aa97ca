"""Attendance only for days that have happened (issue #12, item 7).

The internship runs 2026-12-01..2027-05-31. On Wednesday 2027-03-10 eight working days of March
have happened (1–5 and 8–10 March); the ninth, Thursday 2027-03-11, has not. The grid page, the
service and the Excel import refuse a ninth day (``attendance.future``, naming 2027-03-11) until
the 11th; a month not begun is refused naming its first day. Times are Beijing time.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from jianxi.core.errors import RuleError
from jianxi.placements.attendance import attendance_grid, attendance_record
from jianxi.placements.models import Attendance
from tests.placements.test_attendance_import import interns, line, run

pytestmark = pytest.mark.django_db

BEIJING = ZoneInfo("Asia/Shanghai")
LAST_MINUTE_OF_10_MARCH = datetime(2027, 3, 10, 23, 59, tzinfo=BEIJING)
FIRST_MINUTE_OF_11_MARCH = datetime(2027, 3, 11, 0, 0, tzinfo=BEIJING)


@pytest.fixture
def agreement(world):
    return interns(world, 1)[0]


def record(world, agreement, days: dict[str, int]) -> int:
    return attendance_record(actor=world.host_staff, agreement_id=agreement.pk, days=days, today=timezone.localdate())


def test_the_grid_counts_the_working_days_gone_by(agreement):
    march = {row.key: row for row in attendance_grid(agreement=agreement, today=date(2027, 3, 10))}["2027-03"]
    assert (march.scheduled_days, march.days_so_far, march.next_day) == (23, 8, date(2027, 3, 11))
    assert march.unfinished
    ended = {row.key: row for row in attendance_grid(agreement=agreement, today=date(2027, 3, 31))}["2027-03"]
    assert (ended.days_so_far, ended.next_day, ended.unfinished) == (23, None, False)


def test_today_counts_and_tomorrow_is_refused_naming_the_day(world, agreement):
    with time_machine.travel(LAST_MINUTE_OF_10_MARCH, tick=False):
        assert record(world, agreement, {"2027-03": 8}) == 1
        with pytest.raises(RuleError) as err:
            record(world, agreement, {"2027-03": 9})
    assert (err.value.code, err.value.field) == ("attendance.future", "attendance")
    assert "2027-03-11 及以后的日子尚未到来" in err.value.message and "8 个工作日" in err.value.message
    assert Attendance.objects.get().attended_days == 8
    with time_machine.travel(FIRST_MINUTE_OF_11_MARCH, tick=False):
        assert record(world, agreement, {"2027-03": 9}) == 1
        with pytest.raises(RuleError) as err:
            record(world, agreement, {"2027-03": 10})
    assert "2027-03-12" in err.value.message


def test_a_month_not_begun_is_refused_naming_its_first_day(world, agreement):
    with time_machine.travel(datetime(2027, 3, 31, 23, 59, tzinfo=BEIJING), tick=False):
        with pytest.raises(RuleError) as err:
            record(world, agreement, {"2027-04": 0})
        assert err.value.code == "attendance.future" and "2027-04-01 尚未到来" in err.value.message
        assert record(world, agreement, {"2027-03": 23}) == 1  # the month just over, in full
    with time_machine.travel(datetime(2027, 4, 1, 0, 0, tzinfo=BEIJING), tick=False):
        assert record(world, agreement, {"2027-04": 1}) == 1
        with pytest.raises(RuleError) as err:
            record(world, agreement, {"2027-04": 2})
        assert "2027-04-02" in err.value.message


def test_the_last_internship_day_is_a_whole_month_on_that_day(world, agreement):
    with time_machine.travel(datetime(2027, 5, 31, 9, 0, tzinfo=BEIJING), tick=False):
        may = {row.key: row for row in attendance_grid(agreement=agreement, today=timezone.localdate())}["2027-05"]
        assert may.days_so_far == may.scheduled_days and not may.unfinished
        assert record(world, agreement, {"2027-05": may.scheduled_days}) == 1


def test_the_import_refuses_future_days_row_by_row(world, agreement):
    report = run(
        world.host_staff,
        [line(agreement, "2027-02", 10), line(agreement, "2027-03", 9), line(agreement, "2027-04", 1)],
        today=date(2027, 3, 10),
    )
    assert report.created == 0
    messages = {error.row: error.message for error in report.errors}
    assert "2027-03-11 及以后的日子尚未到来" in messages[3]
    assert "2027-04-01 尚未到来" in messages[4]
    assert 2 not in messages
    report = run(world.host_staff, [line(agreement, "2027-03", 8)], today=date(2027, 3, 10))
    assert (report.created, report.errors) == (1, [])
    report = run(world.host_staff, [line(agreement, "2027-03", 9)], today=date(2027, 3, 11))
    assert (report.updated, report.errors) == (1, [])


def test_the_grid_page_says_how_far_and_refuses_beyond(client, world, agreement):
    with time_machine.travel(datetime(2027, 3, 10, 10, 0, tzinfo=BEIJING), tick=False):
        client.force_login(world.host_staff)
        url = reverse("placements:attendance", args=[agreement.pk])
        page = client.get(url).content.decode()
        assert 'name="att-2027-03"' in page and 'max="8"' in page and 'data-testid="so-far-2027-03"' in page
        response = client.post(url, {"att-2027-03": "9"}, follow=True)
        assert "2027-03-11 及以后的日子尚未到来" in response.content.decode()
        assert not Attendance.objects.exists()
        client.post(url, {"att-2027-03": "8"})
        assert Attendance.objects.get().attended_days == 8
