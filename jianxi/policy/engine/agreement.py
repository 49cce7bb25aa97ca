"""Checks on an agreement's dates: R-IN-1 (period length) and R-EL-5 (no overlap)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from jianxi.core.errors import RuleError
from jianxi.core.i18n import gettext as _

from .dates import ONE_DAY, add_months
from .values import Policy


def period_bounds(*, start: date, policy: Policy) -> tuple[date, date]:
    """The earliest and latest end date R-IN-1 allows for an agreement starting on ``start``.

    A period of n months ends the day before the same day n months later
    (2023-03-15 + 3 months − 1 day = 2023-06-14).
    """
    return (
        add_months(start, policy.min_period_months) - ONE_DAY,
        add_months(start, policy.max_period_months) - ONE_DAY,
    )


def agreement_period_check(*, start: date, end: date, policy: Policy) -> None:
    """R-IN-1: the agreed period lasts between min and max months, both inclusive."""
    if end < start:
        raise RuleError(
            "period.order", _("结束日期 %(end)s 早于开始日期 %(start)s") % {"end": end, "start": start}, field="end"
        )
    earliest, latest = period_bounds(start=start, policy=policy)
    if not earliest <= end <= latest:
        raise RuleError(
            "R-IN-1",
            _(
                "见习期限应为 %(min_period_months)s 至 %(max_period_months)s 个月："
                "开始日期为 %(start)s 的协议，结束日期应在 %(earliest)s 至 %(latest)s 之间（含），"
                "现为 %(end)s（R-IN-1）"
            )
            % {
                "min_period_months": policy.min_period_months,
                "max_period_months": policy.max_period_months,
                "start": start,
                "earliest": earliest,
                "latest": latest,
                "end": end,
            },
            field="end",
        )


def overlap_check(*, start: date, end: date, others: Iterable[tuple[date, date]]) -> None:
    """R-EL-5: a person has at most one internship at a time.

    ``others`` are the person's other internships as ``(first day, last day)``; pass the
    actual last day for one that ended early.
    """
    for other_start, other_end in sorted(others):
        if start <= other_end and other_start <= end:
            raise RuleError(
                "R-EL-5",
                _("与已有见习（%(other_start)s 至 %(other_end)s）时间重叠，同一时间只能参加一个见习（R-EL-5）")
                % {"other_start": other_start, "other_end": other_end},
                field="start",
            )
