"""R-SUB-8: other places' formulas are policy data, not code.

The policies below are shaped like Tianjin's, Shenzhen's and Gansu's. They reuse Beijing's
minimum wage (or a stated illustrative one) so that the arithmetic stays comparable with the
Beijing worked check: 2023-03-15..2023-09-14, 12 of March's 13 scheduled working days attended.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from jianxi.core.errors import RuleError
from jianxi.policy.engine import (
    BEIJING_2023,
    Addon,
    Contract,
    EarlyEnd,
    Policy,
    Quote,
    RatePoint,
    Tier,
    subsidy_quote,
)
from jianxi.policy.workcal import from_chinese_calendar

OFFICIAL = from_chinese_calendar(range(2019, 2027))
D = Decimal

TIANJIN_STYLE = replace(
    BEIJING_2023,
    percent_of_min_wage=D("80"),
    addons=(Addon("带教费", D("200")), Addon("保险费", D("10"))),
)
SHENZHEN_STYLE = replace(BEIJING_2023, cap_by_paid=True)
GANSU_STYLE = Policy(
    min_wage=(RatePoint(date(2021, 10, 1), D("1820")),),  # illustrative base standard
    retention_tiers=(
        Tier(D("0.5"), D("1200")),
        Tier(D("0.6"), D("1350")),
        Tier(D("0.7"), D("1500")),
    ),
)


def quote(
    policy: Policy,
    attendance: Mapping[str, int] | None = None,
    *,
    start: date = date(2023, 3, 15),
    end: date = date(2023, 9, 14),
    retention_rate: Decimal | None = None,
    paid_by_month: Mapping[str, Decimal] | None = None,
    ended_early: EarlyEnd | None = None,
) -> Quote:
    return subsidy_quote(
        policy=policy,
        calendar=OFFICIAL,
        district="110105",
        start=start,
        end=end,
        attendance={"2023-03": 12} if attendance is None else attendance,
        ended_early=ended_early,
        as_of=date(2023, 10, 1),
        retention_rate=retention_rate,
        paid_by_month=paid_by_month,
    )


def test_R_SUB_8_tianjin_style_percentage_and_add_ons_change_the_amount() -> None:
    # Rate 2320 × 80 % = 1856.00. March: 1856 × 12 ÷ 23 = 968.347… → 968.35;
    # add-ons (200 + 10) × 12 ÷ 23 = 109.565… → 109.57; amount 1077.92.
    march = quote(TIANJIN_STYLE).months[0]
    assert (march.rate, march.city, march.addons, march.amount) == (
        D("1856.00"),
        D("968.35"),
        D("109.57"),
        D("1077.92"),
    )
    assert march.rules == ("R-SUB-1", "R-SUB-3", "R-SUB-8.addons", "R-SUB-8.percent")
    # The same facts under Beijing's data pay 1210.43: only the data differs.
    assert quote(BEIJING_2023).months[0].amount == D("1210.43")
    # A full month: 1856.00 + 210.00 = 2066.00.
    april = quote(TIANJIN_STYLE).months[1]
    assert (april.city, april.addons, april.amount) == (D("1856.00"), D("210.00"), D("2066.00"))


def test_R_SUB_8_editing_the_percentage_changes_the_rate() -> None:
    ninety = replace(TIANJIN_STYLE, percent_of_min_wage=D("90"))
    assert quote(ninety).months[1].rate == D("2088.00")  # 2320 × 90 %


def test_R_SUB_8_shenzhen_style_cap_by_what_the_host_paid() -> None:
    paid = {
        "2023-03": D("1000.00"),
        "2023-04": D("3000.00"),
        "2023-05": D("2000.00"),
        "2023-06": D("2320.00"),
        "2023-07": D("2500.00"),
        "2023-08": D("2500.00"),
        "2023-09": D("1500.00"),
    }
    q = quote(SHENZHEN_STYLE, paid_by_month=paid)
    march, april, may, june = q.months[:4]
    # March would be 1210.43 but the host paid only 1000.00.
    assert (march.city, march.amount) == (D("1000.00"), D("1000.00"))
    assert march.rules == ("R-SUB-1", "R-SUB-3", "R-SUB-8.cap")
    assert (april.amount, april.rules) == (D("2320.00"), ("R-SUB-1", "R-SUB-3"))
    assert may.amount == D("2000.00")
    assert june.amount == D("2320.00")  # paid exactly the subsidy: the cap does not bind
    assert "R-SUB-8.cap" not in june.rules


def test_R_SUB_8_cap_needs_every_month_paid() -> None:
    with pytest.raises(RuleError) as refused:
        quote(SHENZHEN_STYLE, paid_by_month={"2023-03": D("1000.00")})
    assert refused.value.code == "R-SUB-8.cap"
    assert refused.value.field == "paid_by_month"
    assert "2023-04" in refused.value.message


@pytest.mark.parametrize(
    ("paid", "code"),
    [
        ({"2023-3": D("1")}, "paid_by_month"),
        ({"2023-10": D("1")}, "paid_by_month.month_outside"),
        ({"2023-03": D("-1")}, "paid_by_month"),
        ({"2023-03": 1000.0}, "paid_by_month"),
    ],
)
def test_R_SUB_8_paid_amounts_must_be_well_formed(paid: dict[str, Decimal], code: str) -> None:
    with pytest.raises(RuleError) as refused:
        quote(SHENZHEN_STYLE, paid_by_month=paid)
    assert refused.value.code == code


@pytest.mark.parametrize(
    ("retention", "rate"),
    [
        (None, D("1820.00")),
        (D("0.49"), D("1820.00")),
        (D("0.5"), D("1200.00")),
        (D("0.65"), D("1350.00")),
        (D("0.7"), D("1500.00")),
        (D("1"), D("1500.00")),
    ],
)
def test_R_SUB_8_gansu_style_highest_retention_tier_reached_sets_the_rate(
    retention: Decimal | None, rate: Decimal
) -> None:
    q = quote(GANSU_STYLE, retention_rate=retention)
    assert q.months[1].rate == rate
    assert q.months[1].amount == rate
    assert ("R-SUB-8.tier" in q.months[1].rules) == (rate != D("1820.00"))


def test_R_SUB_8_tier_rate_is_prorated_like_the_standard() -> None:
    # 1350 × 12 ÷ 23 = 704.347… → 704.35.
    assert quote(GANSU_STYLE, retention_rate=D("0.6")).months[0].amount == D("704.35")


def test_R_SUB_8_retention_rate_must_be_a_fraction() -> None:
    with pytest.raises(RuleError) as refused:
        quote(GANSU_STYLE, retention_rate=D("65"))
    assert refused.value.code == "retention_rate"


def test_R_SUB_8_min_months_served_zeroes_a_short_internship() -> None:
    # 2023-03-01..2023-04-20 is 1 full month: under a 3-month minimum nothing is paid.
    three_months = replace(BEIJING_2023, min_months_served=3)
    short = quote(
        three_months,
        {},
        start=date(2023, 3, 1),
        end=date(2023, 8, 31),
        ended_early=EarlyEnd(date(2023, 4, 20), "other"),
    )
    assert [(m.month, m.rate, m.amount) for m in short.months] == [
        ("2023-03", D("2320.00"), D("0.00")),
        ("2023-04", D("2320.00"), D("0.00")),
    ]
    assert all("R-SUB-8.min_months" in m.rules for m in short.months)
    assert short.total == D("0.00")
    # 2023-03-01..2023-05-31 is exactly 3 full months: paid in full, 3 × 2320.00.
    enough = quote(
        three_months,
        {},
        start=date(2023, 3, 1),
        end=date(2023, 8, 31),
        ended_early=EarlyEnd(date(2023, 5, 31), "other"),
    )
    assert enough.total == D("6960.00")


def test_R_SUB_8_calendar_day_proration() -> None:
    # March has 31 days; 03-15..03-31 is 17; 12 attended: 2320 × 12 ÷ 31 = 898.064… → 898.06.
    by_calendar = replace(BEIJING_2023, proration="calendar_days")
    march = quote(by_calendar).months[0]
    assert (march.working_days, march.scheduled_days, march.attended_days) == (31, 17, 12)
    assert march.amount == D("898.06")
    assert "R-SUB-8.proration" in march.rules
    with pytest.raises(RuleError):
        quote(by_calendar, {"2023-03": 18})


def test_R_SUB_8_no_proration_pays_a_whole_month_for_any_attendance() -> None:
    whole = replace(BEIJING_2023, proration="none")
    assert quote(whole, {"2023-03": 1}).months[0].amount == D("2320.00")
    assert quote(whole, {"2023-03": 0}).months[0].amount == D("0.00")


def test_R_SUB_8_no_proration_does_not_pay_the_hire_month_twice() -> None:
    whole = replace(BEIJING_2023, proration="none")
    contract = Contract(
        start=date(2023, 6, 16),
        months=24,
        insured_months=frozenset({"2023-06", "2023-07", "2023-08"}),
        employed_through=date(2023, 12, 31),
    )
    q = quote(
        whole,
        {},
        start=date(2023, 3, 1),
        end=date(2023, 8, 31),
        ended_early=EarlyEnd(date(2023, 6, 15), "hired", contract),
    )
    assert q.months[-1].amount == D("2320.00")  # June, as the internship's last month
    period = q.remaining_period
    assert period is not None
    assert [(m.month, m.amount) for m in period.months] == [
        ("2023-06", D("0.00")),
        ("2023-07", D("2320.00")),
        ("2023-08", D("2320.00")),
    ]


def test_policy_data_refuses_float_money_and_unknown_proration() -> None:
    with pytest.raises(TypeError):
        RatePoint(date(2023, 1, 1), 2320.0)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        replace(BEIJING_2023, proration="weekly")  # type: ignore[arg-type]
