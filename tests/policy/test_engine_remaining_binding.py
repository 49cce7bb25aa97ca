"""R-SUB-5: which date must fall in the policy period (政策实施期限截至2023年12月31日).

Policy data (``Policy.remaining_binding``) names it: the labour contract's signing date (Beijing
default; without one the contract start stands in), the contract start, or the early end.

The case: an internship agreed for 2023-10-01..2024-03-31 ends early on Friday 2023-12-29; the
host signs a 36-month labour contract that starts on Tuesday 2024-01-02 (after the period),
pays social insurance from December to March and the person is employed to 2024-06-30. The
host claims on 2024-04-10. Each date is tried on the last day of the period and the day after.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from jianxi.policy.engine import BEIJING_2023, EarlyEnd, Policy, RemainingPeriod, early_end, subsidy_quote
from jianxi.policy.workcal import from_chinese_calendar

OFFICIAL = from_chinese_calendar(range(2019, 2027))
START, END = date(2023, 10, 1), date(2024, 3, 31)
LAST_DAY_OF_PERIOD, DAY_AFTER = date(2023, 12, 31), date(2024, 1, 1)
INSURED = ("2023-12", "2024-01", "2024-02", "2024-03")


def hired(
    *, last_day: date = date(2023, 12, 29), contract_start: date = date(2024, 1, 2), signed: date | None = None
) -> EarlyEnd:
    return early_end(
        last_day,
        "hired",
        contract_start=contract_start,
        contract_months=36,
        insured_months=INSURED,
        employed_through=date(2024, 6, 30),
        contract_signed=signed,
    )


def period(ended: EarlyEnd, binding: str = "signed") -> RemainingPeriod:
    policy: Policy = replace(BEIJING_2023, remaining_binding=binding)  # type: ignore[arg-type]
    result = subsidy_quote(
        policy=policy,
        calendar=OFFICIAL,
        district="110105",
        start=START,
        end=END,
        attendance={},
        ended_early=ended,
        as_of=date(2024, 4, 10),
    ).remaining_period
    assert result is not None
    return result


def codes(result: RemainingPeriod) -> list[str]:
    return [reason.code for reason in result.reasons]


def test_beijing_binds_the_signing_date() -> None:
    assert BEIJING_2023.remaining_binding == "signed"


def test_signing_date_on_the_last_day_of_the_period_pays_and_the_day_after_does_not() -> None:
    on_time = period(hired(signed=LAST_DAY_OF_PERIOD))
    assert on_time.eligible and codes(on_time) == []
    assert (on_time.binding, on_time.binding_date) == ("signed", LAST_DAY_OF_PERIOD)
    late = period(hired(signed=DAY_AFTER))
    assert codes(late) == ["R-SUB-5.window"]
    assert late.reasons[0].message.startswith("劳动合同签订日期 2024-01-01 不在政策实施期限（截至 2023-12-31）内")


def test_without_a_signing_date_the_contract_start_stands_in() -> None:
    late = period(hired())
    assert (late.binding, late.binding_date) == ("contract_start", date(2024, 1, 2))
    assert codes(late) == ["R-SUB-5.window"]
    assert "未提供签订日期，以起始日期代替" in late.reasons[0].message
    on_time = period(hired(last_day=date(2023, 12, 29), contract_start=LAST_DAY_OF_PERIOD))
    assert on_time.eligible and on_time.binding_date == LAST_DAY_OF_PERIOD
    assert codes(period(hired(contract_start=DAY_AFTER))) == ["R-SUB-5.window"]


def test_binding_the_contract_start_ignores_the_signing_date() -> None:
    late = period(hired(signed=LAST_DAY_OF_PERIOD, contract_start=DAY_AFTER), "contract_start")
    assert (late.binding, late.binding_date) == ("contract_start", DAY_AFTER)
    assert codes(late) == ["R-SUB-5.window"]
    assert late.reasons[0].message.startswith("劳动合同起始日期 2024-01-01 不在")
    on_time = period(hired(signed=DAY_AFTER, contract_start=LAST_DAY_OF_PERIOD), "contract_start")
    assert on_time.eligible


def test_binding_the_early_end_holds_the_last_internship_day() -> None:
    on_time = period(hired(last_day=LAST_DAY_OF_PERIOD, signed=DAY_AFTER), "early_end")
    assert on_time.eligible and (on_time.binding, on_time.binding_date) == ("early_end", LAST_DAY_OF_PERIOD)
    late = period(hired(last_day=DAY_AFTER, signed=LAST_DAY_OF_PERIOD), "early_end")
    assert codes(late) == ["R-SUB-5.window"]
    assert late.reasons[0].message.startswith("提前结束见习日期（最后见习日） 2024-01-01 不在")


def test_a_window_start_is_held_against_the_binding_date_too() -> None:
    opens = replace(BEIJING_2023, remaining_window_start=date(2023, 12, 30))
    for signed, ok in ((date(2023, 12, 29), False), (date(2023, 12, 30), True)):
        result = subsidy_quote(
            policy=opens,
            calendar=OFFICIAL,
            district="110105",
            start=START,
            end=END,
            attendance={},
            ended_early=hired(signed=signed),
            as_of=date(2024, 4, 10),
        ).remaining_period
        assert result is not None and result.eligible is ok


def test_an_unknown_binding_is_refused_by_the_policy() -> None:
    try:
        replace(BEIJING_2023, remaining_binding="whenever")  # type: ignore[arg-type]
    except ValueError as err:
        assert "remaining_binding" in str(err)
    else:
        raise AssertionError("an unknown binding was accepted")


@given(
    binding=st.sampled_from(["signed", "contract_start", "early_end"]),
    offset=st.integers(min_value=-20, max_value=20),
)
def test_the_window_reason_appears_exactly_when_the_bound_date_is_after_the_period(binding: str, offset: int) -> None:
    day = LAST_DAY_OF_PERIOD + timedelta(days=offset)
    if binding == "signed":
        ended = hired(signed=day)
    elif binding == "contract_start":
        ended = hired(last_day=date(2023, 12, 10), contract_start=day)
    else:
        ended = hired(last_day=day, contract_start=date(2024, 1, 22))
    result = period(ended, binding)
    assert result.binding_date == day
    assert ("R-SUB-5.window" in codes(result)) is (day > LAST_DAY_OF_PERIOD)
