"""The working-day calendar behind R-SUB-3: official PRC data plus officers' corrections."""

from __future__ import annotations

import calendar
from datetime import date

import chinese_calendar
import pytest

from jianxi.policy.workcal import WorkCalendar, from_chinese_calendar

OFFICIAL = from_chinese_calendar(range(2019, 2027))


def test_R_SUB_3_calendar_covers_only_years_the_package_knows() -> None:
    # chinesecalendar 1.11.0 has holiday data up to 2026; 2027 must not be guessed.
    cal = from_chinese_calendar(range(2018, 2029))
    assert cal.covered_years == frozenset(range(2018, 2027))
    assert cal.is_covered(2026)
    assert not cal.is_covered(2027)
    assert not any(d.year > 2026 for d in cal.holidays | cal.workdays)


def test_R_SUB_3_every_month_2019_to_2026_matches_the_official_calendar() -> None:
    for year in range(2019, 2027):
        for month in range(1, 13):
            last = date(year, month, calendar.monthrange(year, month)[1])
            official = chinese_calendar.get_workdays(date(year, month, 1), last)
            assert OFFICIAL.month_working_days(year, month) == official, (year, month)


def test_R_SUB_3_spring_festival_2023_counts_the_adjusted_weekend_workdays() -> None:
    # January 2023: 22 weekdays − 6 holidays on weekdays (01-02, 01-23..01-27)
    # + 2 调休 workdays (Sat 01-28, Sun 01-29) = 18. February 2023: 20 plain weekdays.
    assert OFFICIAL.working_days_in_month(2023, 1) == 18
    assert OFFICIAL.working_days_in_month(2023, 2) == 20
    assert OFFICIAL.is_working_day(date(2023, 1, 28))
    assert OFFICIAL.is_working_day(date(2023, 1, 29))
    assert not OFFICIAL.is_working_day(date(2023, 1, 23))
    assert not OFFICIAL.is_working_day(date(2023, 1, 21))  # a plain Saturday off


def test_R_SUB_3_holidays_hold_only_weekdays_and_workdays_only_weekends() -> None:
    assert all(d.weekday() < 5 for d in OFFICIAL.holidays)
    assert all(d.weekday() >= 5 for d in OFFICIAL.workdays)


def test_R_SUB_3_working_days_between_is_inclusive_and_empty_when_reversed() -> None:
    # 2023-03-15 (Wed) .. 2023-03-31 (Fri): 17 days − 4 weekend days = 13.
    assert OFFICIAL.working_days_between(date(2023, 3, 15), date(2023, 3, 31)) == 13
    assert OFFICIAL.working_days_between(date(2023, 3, 15), date(2023, 3, 15)) == 1
    assert OFFICIAL.working_days_between(date(2023, 3, 16), date(2023, 3, 15)) == 0


def test_R_SUB_3_plain_calendar_is_monday_to_friday() -> None:
    plain = WorkCalendar(covered_years=frozenset({2023}))
    assert plain.working_days_in_month(2023, 1) == 22
    assert plain.is_working_day(date(2023, 1, 2))


def test_R_SUB_3_officer_corrections_take_precedence() -> None:
    corrected = OFFICIAL.with_corrections(
        holidays_add=[date(2023, 1, 28), date(2023, 3, 20)],  # 调休 Saturday and a Monday off
        workdays_add=[date(2023, 1, 23)],  # a Spring Festival holiday worked after all
    )
    assert not corrected.is_working_day(date(2023, 1, 28))
    assert not corrected.is_working_day(date(2023, 3, 20))
    assert corrected.is_working_day(date(2023, 1, 23))
    assert corrected.working_days_in_month(2023, 1) == 18  # −1 +1
    assert corrected.working_days_in_month(2023, 3) == 22
    assert corrected.covered_years == OFFICIAL.covered_years
    # The official calendar itself is unchanged: corrections make a new value.
    assert OFFICIAL.is_working_day(date(2023, 1, 28))


def test_R_SUB_3_a_day_cannot_be_corrected_both_ways() -> None:
    with pytest.raises(ValueError, match="2023-03-20"):
        OFFICIAL.with_corrections(holidays_add=[date(2023, 3, 20)], workdays_add=[date(2023, 3, 20)])
