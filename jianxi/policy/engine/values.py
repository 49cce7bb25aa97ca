"""The engine's value types: policy data going in, facts going in, explained results coming out.

All frozen dataclasses. The database layer builds ``Policy`` objects from admin-edited rows;
nothing here knows where the values came from.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from itertools import pairwise
from types import MappingProxyType
from typing import Literal, get_args

Group = Literal[
    "college_graduate",
    "secondary_vocational_graduate",
    "technician_graduate",
    "unemployed_youth",
    "rural_labour",
]
GROUPS: tuple[str, ...] = get_args(Group)

Proration = Literal["working_days", "calendar_days", "none"]
PRORATIONS: tuple[str, ...] = get_args(Proration)

EarlyEndReason = Literal["hired", "other"]
EARLY_END_REASONS: tuple[str, ...] = get_args(EarlyEndReason)

# R-SUB-5: which date must fall in the policy period (政策实施期限) for the remaining-period
# subsidy: the labour contract's signing date, its start, or the internship's early end.
RemainingBinding = Literal["signed", "contract_start", "early_end"]
REMAINING_BINDINGS: tuple[str, ...] = get_args(RemainingBinding)


def _require_money(value: object, what: str) -> None:
    # A float here would already have lost the fen; refuse it at the door.
    if not isinstance(value, Decimal):
        raise TypeError(f"{what} must be Decimal, not {type(value).__name__}")
    if not value.is_finite() or value < 0:
        raise ValueError(f"{what} must be a finite amount >= 0, not {value}")


# --- policy data -----------------------------------------------------------------------------


@dataclass(frozen=True)
class RatePoint:
    """One row of a dated table: ``amount`` (yuan a month) in force from ``effective``."""

    effective: date
    amount: Decimal

    def __post_init__(self) -> None:
        _require_money(self.amount, "RatePoint.amount")


def _sorted_series(series: tuple[RatePoint, ...], what: str) -> tuple[RatePoint, ...]:
    ordered = tuple(sorted(series, key=lambda point: point.effective))
    for earlier, later in pairwise(ordered):
        if earlier.effective == later.effective:
            raise ValueError(f"{what}: two rates in force from {later.effective}")
    return ordered


def rate_in_force(series: tuple[RatePoint, ...], on: date) -> Decimal | None:
    """The amount of the latest point effective on or before ``on``; ``None`` before the first."""
    found: Decimal | None = None
    for point in series:  # Policy keeps series sorted by date
        if point.effective > on:
            break
        found = point.amount
    return found


@dataclass(frozen=True)
class Tier:
    """R-SUB-8: a monthly standard for hosts whose retention rate reaches ``min_retention``."""

    min_retention: Decimal  # a fraction: Decimal("0.5") is 50 %
    amount: Decimal

    def __post_init__(self) -> None:
        _require_money(self.amount, "Tier.amount")
        if not isinstance(self.min_retention, Decimal) or not (0 <= self.min_retention <= 1):
            raise ValueError(f"Tier.min_retention must be a Decimal fraction in [0, 1], not {self.min_retention!r}")


@dataclass(frozen=True)
class Addon:
    """R-SUB-8: a fixed monthly add-on, prorated like the standard (Tianjin 带教费 200)."""

    name: str
    amount: Decimal

    def __post_init__(self) -> None:
        _require_money(self.amount, f"Addon {self.name!r} amount")


def _no_topups() -> Mapping[str, tuple[RatePoint, ...]]:
    return MappingProxyType({})


@dataclass(frozen=True)
class Policy:
    """A city's (or the nation's) subsidy formula and eligibility switches.

    Series are stored sorted by date whatever order they were given in, so two policies built
    from the same rows compare equal.
    """

    min_wage: tuple[RatePoint, ...]
    percent_of_min_wage: Decimal = Decimal(100)
    cap_by_paid: bool = False
    addons: tuple[Addon, ...] = ()
    retention_tiers: tuple[Tier, ...] = ()
    # hash=False: a mapping cannot be hashed, and the other fields identify a policy well enough.
    district_topups: Mapping[str, tuple[RatePoint, ...]] = field(default_factory=_no_topups, hash=False)
    min_months_served: int = 0
    proration: Proration = "working_days"
    remaining_window_start: date | None = None
    remaining_window_end: date | None = date(2023, 12, 31)
    remaining_min_contract_months: int = 12
    remaining_binding: RemainingBinding = "signed"
    vocational_requires_origin: bool = True
    rural_requires_hukou_and_age: bool = True
    graduation_window_years: int = 2
    youth_min_age: int = 16
    youth_max_age: int = 24
    min_period_months: int = 3
    max_period_months: int = 12
    subsidy_once: bool = True

    def __post_init__(self) -> None:
        if not self.min_wage:
            raise ValueError("Policy.min_wage needs at least one rate")
        if not isinstance(self.percent_of_min_wage, Decimal) or self.percent_of_min_wage < 0:
            raise ValueError("Policy.percent_of_min_wage must be a Decimal >= 0")
        if self.proration not in PRORATIONS:
            raise ValueError(f"Policy.proration must be one of {PRORATIONS}, not {self.proration!r}")
        if self.remaining_binding not in REMAINING_BINDINGS:
            raise ValueError(
                f"Policy.remaining_binding must be one of {REMAINING_BINDINGS}, not {self.remaining_binding!r}"
            )
        if not (0 < self.min_period_months <= self.max_period_months):
            raise ValueError("Policy needs 0 < min_period_months <= max_period_months")
        if self.youth_min_age > self.youth_max_age:
            raise ValueError("Policy needs youth_min_age <= youth_max_age")
        tiers = sorted(self.retention_tiers, key=lambda tier: tier.min_retention)
        if len({tier.min_retention for tier in tiers}) != len(tiers):
            raise ValueError("Policy.retention_tiers: two tiers with the same min_retention")
        topups = MappingProxyType(
            {
                district: _sorted_series(tuple(series), f"district top-up {district}")
                for district, series in self.district_topups.items()
            }
        )
        # Frozen: normalising the stored values needs object.__setattr__.
        object.__setattr__(self, "min_wage", _sorted_series(tuple(self.min_wage), "min_wage"))
        object.__setattr__(self, "retention_tiers", tuple(tiers))
        object.__setattr__(self, "addons", tuple(self.addons))
        object.__setattr__(self, "district_topups", topups)


def _points(*rows: tuple[str, str]) -> tuple[RatePoint, ...]:
    return tuple(RatePoint(date.fromisoformat(day), Decimal(amount)) for day, amount in rows)


# Beijing, 京人社毕发〔2023〕21号: 100 % of the minimum wage, no cap, no add-ons, no tiers.
BEIJING_2023 = Policy(
    min_wage=_points(
        ("2019-07-01", "2200"),
        ("2021-08-01", "2320"),
        ("2023-09-01", "2420"),
        ("2025-09-01", "2540"),
    )
)


# --- facts -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class PersonFacts:
    """What eligibility (R-EL-1..4) is decided on, as of the agreement's start date."""

    birth_date: date
    group: Group
    beijing_origin: bool = False  # 北京生源
    beijing_hukou: bool = False  # 本市户籍
    graduation_date: date | None = None
    employed: bool = False
    registered_unemployed: bool = False  # 登记失业
    transfer_registered: bool = False  # 转移就业登记


@dataclass(frozen=True)
class Contract:
    """The labour contract (劳动合同) that makes an early end a hire (R-SUB-5)."""

    start: date
    months: int
    insured_months: frozenset[str] = frozenset()  # "YYYY-MM" months with social insurance paid
    employed_through: date | None = None  # last day the contract is known to have been performed
    signed: date | None = None  # the day it was signed (签订日期), where known


@dataclass(frozen=True)
class EarlyEnd:
    """An internship ended before its agreed end; ``date`` is the last internship day."""

    date: date
    reason: EarlyEndReason
    contract: Contract | None = None


def early_end(
    last_day: date,
    reason: EarlyEndReason,
    *,
    contract_start: date | None = None,
    contract_months: int | None = None,
    insured_months: Iterable[str] = (),
    employed_through: date | None = None,
    contract_signed: date | None = None,
) -> EarlyEnd:
    """The facts of an internship that ended early, and of its contract where one is known (both
    its start and its length): the one place they are built, from a quote form, the API or an
    agreement."""
    contract = None
    if contract_start is not None and contract_months is not None:
        contract = Contract(
            start=contract_start,
            months=contract_months,
            insured_months=frozenset(insured_months),
            employed_through=employed_through,
            signed=contract_signed,
        )
    return EarlyEnd(date=last_day, reason=reason, contract=contract)


# --- results ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Reason:
    """One failed condition: a stable code and a Chinese sentence naming the fact."""

    code: str
    message: str


@dataclass(frozen=True)
class Eligibility:
    eligible: bool
    rule: str  # the R-EL rule of the person's group
    reasons: tuple[Reason, ...]  # every failed condition; empty when eligible


@dataclass(frozen=True)
class MonthLine:
    """One calendar month of subsidy, with the rules that produced its figures.

    Under ``proration="calendar_days"`` the three day counts are calendar days (the divisor
    is then the days of the month); otherwise they are working days.
    """

    month: str  # "YYYY-MM"
    working_days: int
    scheduled_days: int
    attended_days: int
    rate: Decimal  # the monthly standard applied, 2 dp
    city: Decimal
    addons: Decimal
    district: Decimal
    amount: Decimal  # city + addons + district
    rules: tuple[str, ...]


@dataclass(frozen=True)
class RemainingPeriod:
    """R-SUB-5: what the rest of the original period would pay, and whether it may be paid."""

    eligible: bool
    months: tuple[MonthLine, ...]  # always computed, so a page can show the would-be amount
    total: Decimal  # 0.00 unless eligible
    reasons: tuple[Reason, ...]
    # The date held against the policy period and what it is (R-SUB-5.window): the signing
    # date, the contract start (also standing in for a signing date not given) or the early end.
    binding: str = ""
    binding_date: date | None = None


@dataclass(frozen=True)
class Quote:
    months: tuple[MonthLine, ...]
    internship_total: Decimal
    remaining_period: RemainingPeriod | None
    total: Decimal
