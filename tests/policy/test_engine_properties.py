"""Properties of the subsidy arithmetic that must hold for any internship, checked by hypothesis."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from jianxi.core.errors import RuleError
from jianxi.policy.engine import (
    BEIJING_2023,
    Addon,
    EarlyEnd,
    Policy,
    Quote,
    RatePoint,
    add_months,
    agreement_period_check,
    rate_in_force,
    subsidy_quote,
)
from jianxi.policy.workcal import from_chinese_calendar

OFFICIAL = from_chinese_calendar(range(2019, 2027))
ONE_DAY = timedelta(days=1)
D = Decimal

DISTRICT = "110108"
RICH = replace(
    BEIJING_2023,
    addons=(Addon("带教费", D("200")), Addon("保险费", D("10.33"))),
    district_topups={DISTRICT: (RatePoint(date(2019, 1, 1), D("333.33")),)},
)

FAST = settings(max_examples=40, deadline=None)

# Internships that start once Beijing's table has a rate and end inside the covered calendar.
starts = st.dates(min_value=date(2019, 7, 1), max_value=date(2025, 12, 31))
lengths = st.integers(min_value=3, max_value=12)


def full_period(start: date, months: int) -> date:
    return add_months(start, months) - ONE_DAY


def quote(
    start: date,
    end: date,
    attendance: dict[str, int],
    *,
    policy: Policy = BEIJING_2023,
    ended_early: EarlyEnd | None = None,
) -> Quote:
    return subsidy_quote(
        policy=policy,
        calendar=OFFICIAL,
        district=DISTRICT,
        start=start,
        end=end,
        attendance=attendance,
        ended_early=ended_early,
        as_of=date(2027, 1, 1),
    )


@st.composite
def internships(draw: st.DrawFn) -> tuple[date, date, dict[str, int]]:
    """An agreed period and some attendance for each of its months (up to the scheduled days)."""
    start = draw(starts)
    end = full_period(start, draw(lengths))
    scheduled = {m.month: m.scheduled_days for m in quote(start, end, {}).months}
    attendance = {month: draw(st.integers(min_value=0, max_value=days)) for month, days in scheduled.items()}
    return start, end, attendance


@FAST
@given(year=st.integers(min_value=2020, max_value=2025), month=st.integers(min_value=1, max_value=12))
def test_R_SUB_1_full_month_fully_attended_pays_exactly_the_rate(year: int, month: int) -> None:
    start = date(year, month, 1)
    first = quote(start, full_period(start, 3), {}).months[0]
    assert first.attended_days == first.working_days
    assert first.amount == first.rate == rate_in_force(BEIJING_2023.min_wage, start)


@FAST
@given(internship=internships())
def test_R_SUB_3_amount_never_exceeds_rate_plus_top_up_plus_add_ons(
    internship: tuple[date, date, dict[str, int]],
) -> None:
    start, end, attendance = internship
    for line in quote(start, end, attendance, policy=RICH).months:
        assert line.amount <= line.rate + D("333.33") + D("210.33")
        assert line.city <= line.rate


@FAST
@given(internship=internships(), data=st.data())
def test_R_SUB_3_fewer_attended_days_never_pay_more(
    internship: tuple[date, date, dict[str, int]], data: st.DataObject
) -> None:
    start, end, attendance = internship
    month = data.draw(st.sampled_from(sorted(attendance)))
    fewer = dict(attendance, **{month: data.draw(st.integers(0, attendance[month]))})
    more = quote(start, end, attendance, policy=RICH)
    less = quote(start, end, fewer, policy=RICH)
    assert less.total <= more.total
    for a, b in zip(less.months, more.months, strict=True):
        assert (a.city, a.addons, a.district) <= (b.city, b.addons, b.district)
        assert a.amount <= b.amount


@FAST
@given(start=starts, months=lengths, data=st.data())
def test_R_SUB_5_splitting_at_an_early_hire_keeps_the_scheduled_days(
    start: date, months: int, data: st.DataObject
) -> None:
    end = full_period(start, months)
    last_day = data.draw(st.dates(min_value=start, max_value=end - ONE_DAY))
    whole = quote(start, end, {})
    split = quote(start, end, {}, ended_early=EarlyEnd(last_day, "hired"))
    assert split.remaining_period is not None
    split_days = sum(m.scheduled_days for m in split.months) + sum(
        m.scheduled_days for m in split.remaining_period.months
    )
    assert split_days == sum(m.scheduled_days for m in whole.months)


@FAST
@given(internship=internships())
def test_R_SUB_3_every_amount_has_exactly_two_decimal_places(
    internship: tuple[date, date, dict[str, int]],
) -> None:
    start, end, attendance = internship
    q = quote(start, end, attendance, policy=RICH)
    figures = [q.total, q.internship_total]
    for line in q.months:
        figures += [line.rate, line.city, line.addons, line.district, line.amount]
    assert all(figure.as_tuple().exponent == -2 for figure in figures)


def oracle_period_end(start: date, months: int) -> date:
    """The last day of an n-month period, computed independently of ``add_months``:
    the same day of the month n months later, or that month's last day when it has no
    such day, minus one day."""
    year, month = start.year + (start.month - 1 + months) // 12, (start.month - 1 + months) % 12 + 1
    day = start.day
    while True:
        try:
            return date(year, month, day) - ONE_DAY
        except ValueError:
            day -= 1


def accepted(start: date, end: date) -> bool:
    try:
        agreement_period_check(start=start, end=end, policy=BEIJING_2023)
    except RuleError:
        return False
    return True


@settings(max_examples=150, deadline=None)
@given(start=st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 1, 1)), offset=st.integers(-5, 400))
def test_R_IN_1_accepts_exactly_3_to_12_months(start: date, offset: int) -> None:
    earliest, latest = oracle_period_end(start, 3), oracle_period_end(start, 12)
    end = start + timedelta(days=offset)
    assert accepted(start, end) == (earliest <= end <= latest)
    assert accepted(start, earliest) and accepted(start, latest)
    assert not accepted(start, earliest - ONE_DAY)
    assert not accepted(start, latest + ONE_DAY)
