"""R-SUB-5: the remaining-period subsidy (剩余期限见习补贴) after an early hire.

The base case: an internship agreed for 2023-03-01..2023-08-31 ends on Thursday 2023-06-15
because the host signs a 24-month labour contract from Friday 2023-06-16, pays social
insurance for June..August, and the person is still employed at the end of 2023. The host
claims on 2023-09-15.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Any

from jianxi.policy.engine import (
    BEIJING_2023,
    Contract,
    EarlyEnd,
    Policy,
    Quote,
    RemainingPeriod,
    subsidy_quote,
)
from jianxi.policy.workcal import from_chinese_calendar

OFFICIAL = from_chinese_calendar(range(2019, 2027))
D = Decimal

START, END = date(2023, 3, 1), date(2023, 8, 31)
CONTRACT = Contract(
    start=date(2023, 6, 16),
    months=24,
    insured_months=frozenset({"2023-06", "2023-07", "2023-08"}),
    employed_through=date(2023, 12, 31),
)
HIRED = EarlyEnd(date=date(2023, 6, 15), reason="hired", contract=CONTRACT)


def quote(
    ended_early: EarlyEnd = HIRED,
    *,
    as_of: date = date(2023, 9, 15),
    policy: Policy = BEIJING_2023,
    start: date = START,
    end: date = END,
) -> Quote:
    return subsidy_quote(
        policy=policy,
        calendar=OFFICIAL,
        district="110105",
        start=start,
        end=end,
        attendance={},
        ended_early=ended_early,
        as_of=as_of,
    )


def remaining(
    ended_early: EarlyEnd = HIRED,
    *,
    as_of: date = date(2023, 9, 15),
    policy: Policy = BEIJING_2023,
    start: date = START,
    end: date = END,
) -> RemainingPeriod:
    result = quote(ended_early, as_of=as_of, policy=policy, start=start, end=end).remaining_period
    assert result is not None
    return result


def with_contract(**changes: Any) -> EarlyEnd:
    return replace(HIRED, contract=replace(CONTRACT, **changes))


def codes(period: RemainingPeriod) -> list[str]:
    return [reason.code for reason in period.reasons]


def test_R_SUB_5_early_hire_pays_the_rest_of_the_period() -> None:
    # June 2023 has 21 working days (端午 06-22/23 off, Sunday 06-25 worked).
    # Internship June 06-01..06-15: 11 working days → 2320 × 11 ÷ 21 = 1215.238… → 1215.24.
    # Remaining June 06-16..06-30: 10 working days (incl. Sunday 06-25) →
    # 2320 × 10 ÷ 21 = 1104.761… → 1104.76. July (21) and August (23) in full: 2320.00 each.
    q = quote()
    assert [(m.month, m.scheduled_days, m.amount) for m in q.months] == [
        ("2023-03", 23, D("2320.00")),
        ("2023-04", 20, D("2320.00")),
        ("2023-05", 21, D("2320.00")),
        ("2023-06", 11, D("1215.24")),
    ]
    period = q.remaining_period
    assert period is not None
    assert period.eligible
    assert period.reasons == ()
    assert [(m.month, m.scheduled_days, m.attended_days, m.amount) for m in period.months] == [
        ("2023-06", 10, 10, D("1104.76")),
        ("2023-07", 21, 21, D("2320.00")),
        ("2023-08", 23, 23, D("2320.00")),
    ]
    assert all(m.rules == ("R-SUB-1", "R-SUB-3", "R-SUB-5") for m in period.months)
    # 1104.76 + 2320.00 + 2320.00 = 5744.76; internship 3 × 2320.00 + 1215.24 = 8175.24.
    assert period.total == D("5744.76")
    assert q.internship_total == D("8175.24")
    assert q.total == D("13920.00")


def test_R_SUB_5_refused_when_ended_for_another_reason() -> None:
    period = remaining(replace(HIRED, reason="other"))
    assert codes(period) == ["R-SUB-5.reason"]
    assert not period.eligible
    assert period.total == D("0.00")
    # The would-be amount is still shown.
    assert sum(m.amount for m in period.months) == D("5744.76")


def test_R_SUB_5_refused_without_a_contract() -> None:
    assert codes(remaining(replace(HIRED, contract=None))) == ["R-SUB-5.contract"]


def test_R_SUB_5_refused_when_contract_shorter_than_12_months() -> None:
    period = remaining(with_contract(months=11))
    assert codes(period) == ["R-SUB-5.term"]
    assert "11 个月" in period.reasons[0].message
    assert codes(remaining(with_contract(months=12))) == []


def test_R_SUB_5_refused_when_contract_signed_after_the_policy_window() -> None:
    # Agreement 2023-10-01..2024-03-31, hired from 2024-01-02: after the 2023-12-31 window.
    contract = Contract(
        start=date(2024, 1, 2),
        months=36,
        insured_months=frozenset({"2024-01", "2024-02", "2024-03"}),
        employed_through=date(2024, 6, 30),
    )
    hired = EarlyEnd(date=date(2024, 1, 1), reason="hired", contract=contract)
    period = remaining(hired, start=date(2023, 10, 1), end=date(2024, 3, 31), as_of=date(2024, 4, 10))
    assert codes(period) == ["R-SUB-5.window"]
    assert "截至 2023-12-31" in period.reasons[0].message
    # A later policy without an end to the window pays it.
    open_window = replace(BEIJING_2023, remaining_window_end=None)
    result = quote(
        hired, start=date(2023, 10, 1), end=date(2024, 3, 31), as_of=date(2024, 4, 10), policy=open_window
    ).remaining_period
    assert result is not None
    assert result.eligible


def test_R_SUB_5_refused_when_contract_starts_before_the_window_opens() -> None:
    windowed = replace(BEIJING_2023, remaining_window_start=date(2023, 7, 1))
    period = remaining(HIRED, policy=windowed)
    assert codes(period) == ["R-SUB-5.window"]
    assert "2023-07-01 至 2023-12-31" in period.reasons[0].message


def test_R_SUB_5_refused_when_a_social_insurance_month_is_missing() -> None:
    period = remaining(with_contract(insured_months=frozenset({"2023-06", "2023-08"})))
    assert codes(period) == ["R-SUB-5.insurance"]
    assert "2023-07" in period.reasons[0].message


def test_R_SUB_5_refused_when_not_employed_through_the_original_end() -> None:
    period = remaining(with_contract(employed_through=date(2023, 8, 30)))
    assert codes(period) == ["R-SUB-5.employed"]
    assert "2023-08-30" in period.reasons[0].message
    assert codes(remaining(with_contract(employed_through=None))) == ["R-SUB-5.employed"]
    assert codes(remaining(with_contract(employed_through=END))) == []


def test_R_SUB_5_refused_when_claimed_before_the_original_end_has_passed() -> None:
    assert codes(remaining(as_of=END)) == ["R-SUB-5.claim_date"]
    assert codes(remaining(as_of=date(2023, 9, 1))) == []


def test_R_SUB_5_names_every_failed_condition() -> None:
    bad = EarlyEnd(
        date=date(2023, 6, 15),
        reason="other",
        contract=Contract(start=date(2024, 1, 1), months=6, insured_months=frozenset()),
    )
    assert codes(remaining(bad, as_of=date(2023, 7, 1))) == [
        "R-SUB-5.reason",
        "R-SUB-5.contract_start",
        "R-SUB-5.term",
        "R-SUB-5.window",
        "R-SUB-5.employed",
        "R-SUB-5.claim_date",
    ]


def test_R_SUB_5_remaining_period_runs_from_a_later_contract_start() -> None:
    # Internship ends 06-15 but the contract starts only on Monday 07-03: nothing is owed for
    # 06-16..07-02. July 2023: 21 working days, 07-03..07-31 holds 21 → 2320.00; August 2320.00.
    period = remaining(with_contract(start=date(2023, 7, 3), insured_months=frozenset({"2023-07", "2023-08"})))
    assert period.eligible
    assert [(m.month, m.scheduled_days, m.amount) for m in period.months] == [
        ("2023-07", 21, D("2320.00")),
        ("2023-08", 23, D("2320.00")),
    ]
    assert period.total == D("4640.00")


def test_R_SUB_5_is_absent_when_the_internship_ran_its_course() -> None:
    q = subsidy_quote(
        policy=BEIJING_2023,
        calendar=OFFICIAL,
        district="110105",
        start=START,
        end=END,
        attendance={},
        as_of=date(2023, 9, 15),
    )
    assert q.remaining_period is None
    assert q.total == q.internship_total == D("13920.00")
