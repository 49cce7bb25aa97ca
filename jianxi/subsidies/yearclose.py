"""Year close (资金年度结算): each policy year's claim deadline, and the city's record of the close.

The deadline is policy data (``FundYear``, admin with history). From the day after it, no claim
holding a month of that year is drafted, submitted or created for a remaining period
(``R-SUB-4.closed``); the monthly run and a host's "prepare" simply no longer find those months.
Once nothing of the year waits for review or payment, the city officer records the close.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import ExtractYear
from django.utils import timezone
from django.utils.translation import gettext as _

from jianxi.accounts.duties import Duty, require
from jianxi.accounts.models import User
from jianxi.accounts.scoping import scoped
from jianxi.core import audit
from jianxi.core.errors import RuleError
from jianxi.core.money import ZERO
from jianxi.subsidies.models import Claim, ClaimLine, ClaimStatus, FundYear, LineStatus

# Claims of a year that still wait for someone: the close waits for them.
PENDING = (ClaimStatus.SUBMITTED, ClaimStatus.APPROVED, ClaimStatus.BATCHED)


def past_deadline(today: date) -> dict[int, FundYear]:
    """The years whose claim deadline is before ``today``, by year."""
    return {fy.year: fy for fy in FundYear.objects.filter(claim_deadline__lt=today)}


def months_of(years: Iterable[int], field: str = "month") -> Q:
    """A filter matching dates ``field`` in any of ``years`` (ranges, so an index on it serves)."""
    q = Q(pk__in=[])
    for year in years:
        q |= Q(**{f"{field}__gte": date(year, 1, 1), f"{field}__lt": date(year + 1, 1, 1)})
    return q


def refuse_closed_months(months: Iterable[date] | QuerySet[ClaimLine], today: date) -> None:
    """``R-SUB-4.closed``: refuse when a month (or a claim line's month) is of a year past its deadline.

    One query: for claim lines, their years are read inside it.
    """
    if isinstance(months, QuerySet):
        years: Any = months.annotate(y=ExtractYear("month")).values("y")
    else:
        years = sorted({m.year for m in months})
    closed = FundYear.objects.filter(year__in=years, claim_deadline__lt=today).order_by("year").first()
    if closed is not None:
        raise RuleError(
            "R-SUB-4.closed",
            _("%(year)s 年度见习补贴已于 %(claim_deadline)s 截止申报（资金年度结算），该年度的见习月份不能再申报。")
            % {"year": closed.year, "claim_deadline": f"{closed.claim_deadline:%Y-%m-%d}"},
        )


@dataclass(frozen=True)
class YearFigures:
    lines_approved: int
    approved: Decimal
    paid: Decimal
    pending_claims: int


def year_figures(year: int) -> YearFigures:
    """The year's months as claim lines: approved and paid, and claims still waiting (two queries)."""
    lines = ClaimLine.objects.filter(months_of([year]), status=LineStatus.APPROVED)
    totals = lines.aggregate(
        n=Count("id"),
        approved=Sum("amount"),
        paid=Sum("amount", filter=Q(claim__status=ClaimStatus.PAID)),
    )
    pending = (
        Claim.objects.filter(status__in=PENDING, lines__in=ClaimLine.objects.filter(months_of([year])))
        .distinct()
        .count()
    )
    return YearFigures(totals["n"], totals["approved"] or ZERO, totals["paid"] or ZERO, pending)


@transaction.atomic
def year_close(*, actor: User, year: int, today: date) -> FundYear:
    """Record the close of ``year``: after its deadline, with nothing of it waiting; once."""
    require(actor, Duty.YEAR_CLOSE)
    fund_year = FundYear.objects.select_for_update().filter(year=year).first()
    if fund_year is None:
        raise RuleError(
            "year_close.no_deadline", _("%(year)s 年度尚未设定申报截止日，不能结算。") % {"year": year}, field="year"
        )
    if fund_year.closed:
        raise RuleError(
            "year_close.closed",
            _("%(year)s 年度已于 %(closed_at)s 结算，不能重复结算。")
            % {"year": year, "closed_at": f"{timezone.localtime(fund_year.closed_at):%Y-%m-%d}"},
        )
    if fund_year.open_on(today):
        raise RuleError(
            "year_close.early",
            _("%(year)s 年度申报截止日为 %(claim_deadline)s，截止后方可结算。")
            % {"year": year, "claim_deadline": f"{fund_year.claim_deadline:%Y-%m-%d}"},
        )
    figures = year_figures(year)
    if figures.pending_claims:
        raise RuleError(
            "year_close.pending",
            _("%(year)s 年度尚有 %(pending_claims)s 份申报待审核或待拨付，请先办结再结算。")
            % {"year": year, "pending_claims": figures.pending_claims},
        )
    fund_year.closed_at, fund_year.closed_by = timezone.now(), actor
    fund_year.lines_approved = figures.lines_approved
    fund_year.approved, fund_year.paid = figures.approved, figures.paid
    return audit.save(fund_year, actor=actor, reason=f"{year} 年度资金结算")


@dataclass(frozen=True)
class YearRow:
    fund_year: FundYear
    open: bool  # months still claimable today
    lines_approved: int
    approved: Decimal
    paid: Decimal
    pending_claims: int


def years_for(user: User, today: date) -> list[YearRow]:
    """Every year with a deadline, and what its months came to in the user's scope (three queries).

    A closed year shows what was recorded at the close (city-wide); an open one, today's figures.
    """
    fund_years = list(FundYear.objects.select_related("closed_by").order_by("-year"))
    lines = scoped(user, ClaimLine.objects.all()).annotate(y=ExtractYear("month")).order_by()
    approved = {
        r["y"]: r
        for r in lines.filter(status=LineStatus.APPROVED)
        .values("y")
        .annotate(n=Count("id"), approved=Sum("amount"), paid=Sum("amount", filter=Q(claim__status=ClaimStatus.PAID)))
    }
    pending = {
        r["y"]: r["c"]
        for r in lines.filter(claim__status__in=PENDING).values("y").annotate(c=Count("claim", distinct=True))
    }
    rows = []
    for fy in fund_years:
        a = approved.get(fy.year, {})
        rows.append(
            YearRow(
                fy,
                fy.open_on(today),
                a.get("n", 0),
                a.get("approved") or ZERO,
                a.get("paid") or ZERO,
                pending.get(fy.year, 0),
            )
        )
    return rows
