"""R-IN-1 (period of 3 to 12 months), R-EL-5 (no overlap) and the month arithmetic under them."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from jianxi.core.errors import RuleError
from jianxi.policy.engine import (
    BEIJING_2023,
    add_months,
    age_on,
    agreement_period_check,
    full_months_served,
    months_between,
    overlap_check,
    period_bounds,
)


def check(start: date, end: date) -> None:
    agreement_period_check(start=start, end=end, policy=BEIJING_2023)


def test_add_months_clamps_to_the_last_day_of_the_month() -> None:
    assert add_months(date(2023, 1, 31), 1) == date(2023, 2, 28)
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert add_months(date(2023, 3, 15), 12) == date(2024, 3, 15)
    assert add_months(date(2023, 11, 30), -9) == date(2023, 2, 28)


def test_R_IN_1_both_edges_pass() -> None:
    # 2023-03-15 + 3 months − 1 day = 2023-06-14; + 12 months − 1 day = 2024-03-14.
    check(date(2023, 3, 15), date(2023, 6, 14))
    check(date(2023, 3, 15), date(2024, 3, 14))
    assert period_bounds(start=date(2023, 3, 15), policy=BEIJING_2023) == (
        date(2023, 6, 14),
        date(2024, 3, 14),
    )


def test_R_IN_1_one_day_short_of_3_months_fails_and_names_the_range() -> None:
    with pytest.raises(RuleError) as refused:
        check(date(2023, 3, 15), date(2023, 6, 13))
    assert refused.value.code == "R-IN-1"
    assert refused.value.field == "end"
    assert "2023-06-14 至 2024-03-14" in refused.value.message


def test_R_IN_1_one_day_beyond_12_months_fails() -> None:
    with pytest.raises(RuleError) as refused:
        check(date(2023, 3, 15), date(2024, 3, 15))
    assert refused.value.code == "R-IN-1"


def test_R_IN_1_month_end_start_clamps_the_bounds() -> None:
    # 2023-11-30 + 3 months = 2024-02-29 (no 30 February), − 1 day = 2024-02-28.
    check(date(2023, 11, 30), date(2024, 2, 28))
    with pytest.raises(RuleError):
        check(date(2023, 11, 30), date(2024, 2, 27))
    # 2022-11-30 + 3 months = 2023-02-28 (common year), − 1 day = 2023-02-27.
    check(date(2022, 11, 30), date(2023, 2, 27))
    # 2023-01-31 + 12 months − 1 day = 2024-01-30.
    check(date(2023, 1, 31), date(2024, 1, 30))
    with pytest.raises(RuleError):
        check(date(2023, 1, 31), date(2024, 1, 31))


def test_R_IN_1_first_of_month_start_ends_on_a_month_end() -> None:
    check(date(2023, 1, 1), date(2023, 3, 31))
    check(date(2023, 1, 1), date(2023, 12, 31))


def test_R_IN_1_end_before_start_is_an_order_error() -> None:
    with pytest.raises(RuleError) as refused:
        check(date(2023, 3, 15), date(2023, 3, 14))
    assert refused.value.code == "period.order"
    assert refused.value.field == "end"


def test_R_IN_1_bounds_are_policy_data() -> None:
    six_to_nine = replace(BEIJING_2023, min_period_months=6, max_period_months=9)
    agreement_period_check(start=date(2023, 3, 15), end=date(2023, 9, 14), policy=six_to_nine)
    with pytest.raises(RuleError) as refused:
        agreement_period_check(start=date(2023, 3, 15), end=date(2023, 6, 14), policy=six_to_nine)
    assert "6 至 9 个月" in refused.value.message


def test_R_EL_5_overlapping_internship_is_refused() -> None:
    with pytest.raises(RuleError) as refused:
        overlap_check(
            start=date(2023, 6, 1),
            end=date(2023, 11, 30),
            others=[(date(2023, 1, 1), date(2023, 6, 1))],
        )
    assert refused.value.code == "R-EL-5"
    assert "2023-01-01 至 2023-06-01" in refused.value.message


def test_R_EL_5_back_to_back_internships_are_allowed() -> None:
    overlap_check(start=date(2023, 6, 1), end=date(2023, 11, 30), others=[(date(2023, 1, 1), date(2023, 5, 31))])


def test_full_months_served_counts_like_R_IN_1() -> None:
    assert full_months_served(date(2023, 3, 15), date(2023, 6, 14)) == 3
    assert full_months_served(date(2023, 3, 15), date(2023, 6, 13)) == 2
    assert full_months_served(date(2023, 3, 1), date(2023, 5, 31)) == 3
    assert full_months_served(date(2023, 3, 15), date(2023, 3, 20)) == 0


def test_months_between_lists_every_month_touched() -> None:
    assert months_between(date(2023, 11, 15), date(2024, 2, 1)) == (
        "2023-11",
        "2023-12",
        "2024-01",
        "2024-02",
    )


def test_age_is_completed_years() -> None:
    assert age_on(date(2000, 3, 15), date(2023, 3, 14)) == 22
    assert age_on(date(2000, 3, 15), date(2023, 3, 15)) == 23
    assert age_on(date(2004, 2, 29), date(2023, 2, 28)) == 18
    assert age_on(date(2004, 2, 29), date(2023, 3, 1)) == 19
