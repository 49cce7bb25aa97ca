"""The policy engine: Jianxi's rules (R-EL, R-IN, R-SUB in docs/rules.md) as pure functions.

It takes values and returns values: no database, no Django, nothing outside the standard
library and ``jianxi.core``. Refusals raise ``RuleError``; explained results carry the rule
ids that produced every figure.
"""

from __future__ import annotations

from .agreement import agreement_period_check, overlap_check, period_bounds
from .dates import (
    add_months,
    add_years,
    age_on,
    full_months_served,
    month_key,
    months_between,
)
from .eligibility import GROUP_LABELS, eligibility, subsidy_once_check
from .subsidy import subsidy_quote
from .values import (
    BEIJING_2023,
    Addon,
    Contract,
    EarlyEnd,
    Eligibility,
    MonthLine,
    PersonFacts,
    Policy,
    Quote,
    RatePoint,
    Reason,
    RemainingPeriod,
    Tier,
    early_end,
    rate_in_force,
)

__all__ = [
    "BEIJING_2023",
    "GROUP_LABELS",
    "Addon",
    "Contract",
    "EarlyEnd",
    "Eligibility",
    "MonthLine",
    "PersonFacts",
    "Policy",
    "Quote",
    "RatePoint",
    "Reason",
    "RemainingPeriod",
    "Tier",
    "add_months",
    "add_years",
    "age_on",
    "agreement_period_check",
    "early_end",
    "eligibility",
    "full_months_served",
    "month_key",
    "months_between",
    "overlap_check",
    "period_bounds",
    "rate_in_force",
    "subsidy_once_check",
    "subsidy_quote",
]
