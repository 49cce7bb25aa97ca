"""Beijing's subsidy month by month: R-SUB-1 (standard), R-SUB-2 (district top-up), R-SUB-3
(proration by working days). Each worked example shows the arithmetic a clerk can redo."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from jianxi.core.errors import RuleError
from jianxi.policy.engine import (
    BEIJING_2023,
    EarlyEnd,
    MonthLine,
    Policy,
    Quote,
    RatePoint,
    subsidy_quote,
)
from jianxi.policy.workcal import WorkCalendar, from_chinese_calendar

OFFICIAL = from_chinese_calendar(range(2019, 2027))
D = Decimal


def quote(
    start: date,
    end: date,
    attendance: Mapping[str, int] | None = None,
    *,
    policy: Policy = BEIJING_2023,
    calendar: WorkCalendar = OFFICIAL,
    district: str = "110105",
    ended_early: EarlyEnd | None = None,
) -> Quote:
    return subsidy_quote(
        policy=policy,
        calendar=calendar,
        district=district,
        start=start,
        end=end,
        attendance=attendance or {},
        ended_early=ended_early,
        as_of=date(2026, 1, 1),
    )


def line(q: Quote, month: str) -> MonthLine:
    return next(m for m in q.months if m.month == month)


def test_R_SUB_3_partial_first_month_prorated_by_working_days() -> None:
    # March 2023 has 23 working days; 03-15..03-31 holds 13 of them; 12 attended.
    # 2320 × 12 ÷ 23 = 1210.434… → 1210.43.
    q = quote(date(2023, 3, 15), date(2023, 9, 14), {"2023-03": 12})
    march = q.months[0]
    assert march == MonthLine(
        month="2023-03",
        working_days=23,
        scheduled_days=13,
        attended_days=12,
        rate=D("2320.00"),
        city=D("1210.43"),
        addons=D("0.00"),
        district=D("0.00"),
        amount=D("1210.43"),
        rules=("R-SUB-1", "R-SUB-3"),
    )


def test_R_SUB_1_full_months_pay_the_minimum_wage() -> None:
    # April..August 2023 fully attended: 2320.00 each.
    q = quote(date(2023, 3, 15), date(2023, 9, 14), {"2023-03": 12})
    assert [m.month for m in q.months] == [
        "2023-03",
        "2023-04",
        "2023-05",
        "2023-06",
        "2023-07",
        "2023-08",
        "2023-09",
    ]
    for month in ("2023-04", "2023-05", "2023-06", "2023-07", "2023-08"):
        assert line(q, month).amount == D("2320.00")
        assert line(q, month).attended_days == line(q, month).working_days


def test_R_SUB_1_partial_last_month_uses_the_rate_in_force_on_its_first_day() -> None:
    # September 2023: 20 working days (09-29 is 中秋); 09-01..09-14 holds 10.
    # The 2023-09-01 minimum wage applies: 2420 × 10 ÷ 20 = 1210.00.
    q = quote(date(2023, 3, 15), date(2023, 9, 14), {"2023-03": 12})
    september = line(q, "2023-09")
    assert (september.working_days, september.scheduled_days) == (20, 10)
    assert september.rate == D("2420.00")
    assert september.amount == D("1210.00")
    # Total: 1210.43 + 5 × 2320.00 + 1210.00 = 14020.43.
    assert q.internship_total == D("14020.43")
    assert q.remaining_period is None
    assert q.total == D("14020.43")


def test_R_SUB_1_internship_across_the_2023_09_01_wage_change() -> None:
    # 2023-08-15..2023-11-14. August: 23 working days, 08-15..08-31 holds 13, rate 2320:
    # 2320 × 13 ÷ 23 = 1311.304… → 1311.30. September and October full at 2420.
    # November: 22 working days, 11-01..11-14 holds 10: 2420 × 10 ÷ 22 = 1100.00.
    q = quote(date(2023, 8, 15), date(2023, 11, 14))
    assert [(m.month, m.rate, m.amount) for m in q.months] == [
        ("2023-08", D("2320.00"), D("1311.30")),
        ("2023-09", D("2420.00"), D("2420.00")),
        ("2023-10", D("2420.00"), D("2420.00")),
        ("2023-11", D("2420.00"), D("1100.00")),
    ]
    assert q.total == D("7251.30")


def test_R_SUB_1_a_mid_month_rate_change_applies_from_the_next_month_started() -> None:
    # A hypothetical rate that changes on the 15th: a month whose first internship day is
    # before the change keeps the old rate all month; one starting after it takes the new.
    mid_month = replace(
        BEIJING_2023,
        min_wage=(RatePoint(date(2021, 8, 1), D("2320")), RatePoint(date(2023, 9, 15), D("2500"))),
    )
    q = quote(date(2023, 9, 1), date(2023, 11, 30), policy=mid_month)
    assert [m.rate for m in q.months] == [D("2320.00"), D("2500.00"), D("2500.00")]
    late_start = quote(date(2023, 9, 20), date(2023, 12, 19), policy=mid_month)
    assert late_start.months[0].rate == D("2500.00")


def test_R_SUB_3_spring_festival_months_use_the_official_calendar() -> None:
    # January 2023: 18 working days (incl. 调休 Sat 01-28 and Sun 01-29); 15 attended:
    # 2320 × 15 ÷ 18 = 1933.333… → 1933.33. February: 20 working days, all attended: 2320.00.
    q = quote(date(2023, 1, 1), date(2023, 3, 31), {"2023-01": 15})
    january, february, march = q.months
    assert (january.working_days, january.scheduled_days, january.amount) == (18, 18, D("1933.33"))
    assert (february.working_days, february.amount) == (20, D("2320.00"))
    assert march.amount == D("2320.00")


def test_R_SUB_3_adjusted_saturday_workday_is_counted() -> None:
    # May 2023: 23 weekdays − 3 holidays (05-01..05-03) + 调休 Saturday 05-06 = 21.
    # From Saturday 05-06: 05-06 + 18 weekdays = 19 scheduled; all attended:
    # 2320 × 19 ÷ 21 = 2099.047… → 2099.05. Without the Saturday it would be 18.
    q = quote(date(2023, 5, 6), date(2023, 8, 5))
    may = q.months[0]
    assert (may.working_days, may.scheduled_days, may.attended_days) == (21, 19, 19)
    assert may.amount == D("2099.05")


def test_R_SUB_3_zero_attendance_pays_nothing_that_month() -> None:
    q = quote(date(2023, 3, 1), date(2023, 5, 31), {"2023-04": 0})
    april = line(q, "2023-04")
    assert (april.attended_days, april.city, april.amount) == (0, D("0.00"), D("0.00"))
    assert april.rules == ("R-SUB-1", "R-SUB-3")
    assert q.total == D("4640.00")


def test_R_SUB_3_officer_correction_changes_the_divisor() -> None:
    # An officer marks Monday 2023-03-20 a day off: March has 22 working days, and 03-15..03-31
    # holds 12 of them. 12 attended: 2320 × 12 ÷ 22 = 1265.454… → 1265.45.
    corrected = OFFICIAL.with_corrections(holidays_add=[date(2023, 3, 20)])
    q = quote(date(2023, 3, 15), date(2023, 9, 14), {"2023-03": 12}, calendar=corrected)
    march = q.months[0]
    assert (march.working_days, march.scheduled_days, march.amount) == (22, 12, D("1265.45"))


def test_R_SUB_3_rounds_half_up_to_the_fen() -> None:
    # A hand-made calendar with 8 working days in a month makes 1/8 exact: with a rate of
    # 1000.04, 1 day is 125.005 → 125.01 (half-up, where banker's rounding would give 125.00).
    cal = WorkCalendar(covered_years=frozenset({2023})).with_corrections(
        holidays_add=[date(2023, 3, d) for d in range(1, 32) if date(2023, 3, d).weekday() < 5][8:]
    )
    odd = replace(BEIJING_2023, min_wage=(RatePoint(date(2019, 1, 1), D("1000.04")),))
    q = quote(date(2023, 3, 1), date(2023, 5, 31), {"2023-03": 1}, policy=odd, calendar=cal)
    assert q.months[0].working_days == 8
    assert q.months[0].amount == D("125.01")


def test_R_SUB_2_district_top_up_is_its_own_prorated_line() -> None:
    # Haidian (110108) adds 500 a month from 2023-01-01. March as in the worked check:
    # city 1210.43; district 500 × 12 ÷ 23 = 260.869… → 260.87; amount 1471.30.
    haidian = replace(BEIJING_2023, district_topups={"110108": (RatePoint(date(2023, 1, 1), D("500")),)})
    q = quote(date(2023, 3, 15), date(2023, 9, 14), {"2023-03": 12}, policy=haidian, district="110108")
    march = q.months[0]
    assert (march.city, march.district, march.amount) == (D("1210.43"), D("260.87"), D("1471.30"))
    assert march.rules == ("R-SUB-1", "R-SUB-2", "R-SUB-3")
    assert line(q, "2023-04").district == D("500.00")


def test_R_SUB_2_other_district_gets_no_top_up() -> None:
    haidian = replace(BEIJING_2023, district_topups={"110108": (RatePoint(date(2023, 1, 1), D("500")),)})
    q = quote(date(2023, 3, 15), date(2023, 9, 14), {"2023-03": 12}, policy=haidian, district="110105")
    assert all(m.district == D("0.00") and "R-SUB-2" not in m.rules for m in q.months)


def test_R_SUB_2_top_up_starts_with_the_month_it_is_in_force() -> None:
    later = replace(BEIJING_2023, district_topups={"110108": (RatePoint(date(2023, 5, 1), D("300")),)})
    q = quote(date(2023, 3, 1), date(2023, 5, 31), policy=later, district="110108")
    assert [m.district for m in q.months] == [D("0.00"), D("0.00"), D("300.00")]


def test_R_SUB_1_no_rate_before_the_first_minimum_wage() -> None:
    # Beijing's table starts on 2019-07-01.
    with pytest.raises(RuleError) as refused:
        quote(date(2019, 3, 1), date(2019, 8, 31))
    assert refused.value.code == "R-SUB-1.no_rate"
    assert "2019-03-01" in refused.value.message


def test_R_SUB_3_refuses_a_year_the_calendar_does_not_cover() -> None:
    with pytest.raises(RuleError) as refused:
        quote(date(2026, 10, 1), date(2027, 3, 31))
    assert refused.value.code == "R-SUB-3.calendar"
    assert "2027" in refused.value.message


def test_R_IN_1_is_checked_before_quoting() -> None:
    with pytest.raises(RuleError) as refused:
        quote(date(2023, 3, 15), date(2023, 5, 31))
    assert refused.value.code == "R-IN-1"
    with pytest.raises(RuleError) as refused:
        quote(date(2023, 3, 15), date(2023, 3, 1))
    assert refused.value.code == "period.order"


@pytest.mark.parametrize(
    ("attendance", "code"),
    [
        ({"2023-3": 5}, "attendance"),
        ({"March": 5}, "attendance"),
        ({"2023-13": 5}, "attendance"),
        ({"2023-10": 5}, "attendance.month_outside"),
        ({"2023-02": 5}, "attendance.month_outside"),
        ({"2023-03": -1}, "attendance"),
        ({"2023-03": 14}, "attendance"),
        ({"2023-03": True}, "attendance"),
    ],
)
def test_R_SUB_3_attendance_must_fit_the_months_and_their_days(attendance: dict[str, int], code: str) -> None:
    with pytest.raises(RuleError) as refused:
        quote(date(2023, 3, 15), date(2023, 9, 14), attendance)
    assert refused.value.code == code
    assert refused.value.field == "attendance"


def test_R_SUB_3_attendance_cannot_exceed_the_scheduled_days() -> None:
    with pytest.raises(RuleError) as refused:
        quote(date(2023, 3, 15), date(2023, 9, 14), {"2023-03": 14})
    assert "0 至 13" in refused.value.message


def test_R_IN_3_attendance_after_an_early_end_is_outside_the_internship() -> None:
    with pytest.raises(RuleError) as refused:
        quote(
            date(2023, 3, 1),
            date(2023, 8, 31),
            {"2023-07": 10},
            ended_early=EarlyEnd(date=date(2023, 6, 15), reason="other"),
        )
    assert refused.value.code == "attendance.month_outside"


@pytest.mark.parametrize("last_day", [date(2023, 2, 28), date(2023, 8, 31), date(2023, 9, 30)])
def test_R_IN_3_early_end_must_fall_inside_the_period(last_day: date) -> None:
    with pytest.raises(RuleError) as refused:
        quote(date(2023, 3, 1), date(2023, 8, 31), ended_early=EarlyEnd(date=last_day, reason="other"))
    assert refused.value.code == "ended_early.date"
    assert refused.value.field == "ended_early.date"


def test_R_IN_3_early_end_without_hire_pays_the_internship_only() -> None:
    # Ended on its first day: March 2023 has 23 working days, 03-01 is one of them:
    # 2320 × 1 ÷ 23 = 100.869… → 100.87.
    q = quote(date(2023, 3, 1), date(2023, 8, 31), ended_early=EarlyEnd(date(2023, 3, 1), "other"))
    assert [(m.month, m.amount) for m in q.months] == [("2023-03", D("100.87"))]
    assert q.remaining_period is not None
    assert not q.remaining_period.eligible
    assert q.total == q.internship_total == D("100.87")
