"""Claims ask the engine for some months only: same figures, and no wait for next year's calendar."""

from __future__ import annotations

from datetime import date

import pytest

from jianxi.core.errors import RuleError
from jianxi.policy import engine
from jianxi.policy.workcal import from_chinese_calendar

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
