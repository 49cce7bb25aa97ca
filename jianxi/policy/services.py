"""Policy operations that need the database: look up the data in force, then ask the engine.

The page and the API both call these, so that a quote on the page and one over the API can
never differ.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from django.utils.translation import gettext as _

from jianxi.core.errors import RuleError
from jianxi.policy import engine
from jianxi.policy.selectors import district_by_code, engine_policy, work_calendar


def subsidy_quote(
    *,
    district_code: str,
    start: date,
    end: date,
    attendance: Mapping[str, int],
    as_of: date,
    ended_early: engine.EarlyEnd | None = None,
) -> engine.Quote:
    """R-SUB-1…5: the month-by-month subsidy of one internship under the policy in force."""
    if district_by_code(district_code) is None:
        raise RuleError(
            "district", _("未知的区划代码：%(district_code)s") % {"district_code": district_code}, field="district"
        )
    if end < start:
        raise RuleError("period.order", _("结束日期早于开始日期"), field="end")
    policy = engine_policy(start)
    # R-IN-1 first: the calendar is only built for a period that can exist (at most 12 months).
    engine.agreement_period_check(start=start, end=end, policy=policy)
    calendar = work_calendar(range(start.year, end.year + 1))
    return engine.subsidy_quote(
        policy=policy,
        calendar=calendar,
        district=district_code,
        start=start,
        end=end,
        attendance=attendance,
        ended_early=ended_early,
        as_of=as_of,
    )


def eligibility_check(*, facts: engine.PersonFacts, on: date) -> engine.Eligibility:
    """R-EL-1…4 on the date ``on`` under the policy in force then."""
    return engine.eligibility(facts=facts, on=on, policy=engine_policy(on))
