"""Claims ask the engine for some months only: same figures, and no wait for next year's calendar."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jianxi.core.errors import RuleError
from jianxi.policy import engine
from jianxi.policy.engine import add_months
from jianxi.policy.workcal import from_chinese_calendar
from tests.policy.test_engine_properties import DISTRICT, RICH, internships

CAL_2026 = from_chinese_calendar([2026])  # 2027 is not covered by the calendar package


def quote(**kw):
    return engine.subsidy_quote(
        policy=engine.BEIJING_2023,
        calendar=CAL_2026,
        district="110108",
        start=date(2026, 8, 15),
        end=date(2027, 2, 14),
        attendance={"2026-09": 20},
        as_of=date(2026, 11, 26),
        **kw,
    )


def test_R_SUB_3_a_year_not_covered_refuses_the_whole_quote():
    with pytest.raises(RuleError) as err:
        quote()
    assert err.value.code == "R-SUB-3.calendar"


def test_R_SUB_4_months_of_a_covered_year_can_be_claimed_before_next_years_calendar_exists():
    part = quote(only_months={"2026-08", "2026-09", "2026-10"})
    assert [m.month for m in part.months] == ["2026-08", "2026-09", "2026-10"]
    assert part.remaining_period is None and part.internship_total == sum(m.amount for m in part.months)
    with pytest.raises(RuleError):
        quote(only_months={"2027-01"})


def test_only_months_gives_the_same_figures_as_the_whole_quote():
    covered = from_chinese_calendar([2023, 2024])
    common = {
        "policy": engine.BEIJING_2023,
        "calendar": covered,
        "district": "110108",
        "start": date(2023, 3, 15),
        "end": date(2024, 3, 14),
        "attendance": {"2023-03": 12, "2023-09": 18},
        "as_of": date(2024, 4, 1),
    }
    whole = {m.month: m for m in engine.subsidy_quote(**common).months}
    part = engine.subsidy_quote(**common, only_months={"2023-03", "2023-09", "2024-02"}).months
    assert all(m == whole[m.month] for m in part) and len(part) == 3


# --- the same figures whatever was asked before (the engine keeps computed lines) ---------------

OFFICIAL = from_chinese_calendar(range(2019, 2027))


@settings(max_examples=60, deadline=None)
@given(
    internship=internships(),
    picks=st.sets(st.integers(min_value=-2, max_value=14), max_size=6),
    ended_after=st.integers(min_value=0, max_value=11) | st.none(),
)
def test_R_SUB_4_only_months_gives_the_whole_quotes_line_for_every_month_asked_inside_the_period(
    internship, picks, ended_after
):
    start, end, attendance = internship
    early = None
    if ended_after is not None and add_months(start, ended_after) < end:
        early = engine.EarlyEnd(date=add_months(start, ended_after), reason="other")
        attendance = {k: v for k, v in attendance.items() if k <= engine.month_key(early.date)}
        attendance.pop(engine.month_key(early.date), None)  # that month is shorter now: fully attended
    common = {
        "policy": RICH,
        "calendar": OFFICIAL,
        "district": DISTRICT,
        "start": start,
        "end": end,
        "attendance": attendance,
        "ended_early": early,
        "as_of": date(2027, 1, 1),
    }
    whole = {m.month: m for m in engine.subsidy_quote(**common).months}
    asked = {engine.month_key(add_months(start.replace(day=1), n)) for n in picks}  # some before or after
    part = engine.subsidy_quote(**common, only_months=asked)
    assert [m.month for m in part.months] == sorted(asked & whole.keys())
    assert all(m == whole[m.month] for m in part.months)
    assert part.internship_total == sum((m.amount for m in part.months), Decimal("0.00"))


def test_policies_that_differ_only_in_their_rates_or_top_ups_never_share_computed_lines():
    def march(policy):
        return engine.subsidy_quote(
            policy=policy,
            calendar=OFFICIAL,
            district=DISTRICT,
            start=date(2024, 1, 1),
            end=date(2024, 6, 30),
            attendance={},
            as_of=date(2024, 7, 1),
            only_months={"2024-03"},
        ).months[0]

    beijing = march(engine.BEIJING_2023)
    higher = march(replace(engine.BEIJING_2023, min_wage=(engine.RatePoint(date(2019, 1, 1), Decimal("3000")),)))
    topped = march(replace(engine.BEIJING_2023, district_topups={DISTRICT: RICH.district_topups[DISTRICT]}))
    assert (beijing.city, beijing.district) == (Decimal("2420.00"), Decimal("0.00"))
    assert higher.city == Decimal("3000.00")
    assert (topped.city, topped.district) == (Decimal("2420.00"), Decimal("333.33"))
    assert march(engine.BEIJING_2023) == beijing  # asked again after the others
