"""The demonstration-unit ranking (R-TG-4): a score per host for a year, explained factor by factor.

Read-only and set-based: the figures of every host of the city come from a fixed number of
grouped queries (about a dozen, plus the fraud queries), whatever the number of hosts. The
parameters are the ``RankingPolicy`` in force for the year. docs/policy.md, "Demonstration
units", states the formula with a worked example.

For a year Y and a host:

- posts, headcount: posts first published in Y and their headcount (招募人数), each divided by
  the largest figure among the eligible hosts of the city;
- fill rate: agreements on those posts ÷ their headcount;
- completion, retention: of the internships that ended in Y, those completed or ended by an
  early hire (R-IN-3), and those retained (``placements.outcomes.retention_rates``);
- attendance: attendance months of Y first recorded by the policy's day of the following month;
- claim lines: 1 − rejected ÷ reviewed claim lines for months of Y;
- no recovery, no fraud lead: 1 when the year's subsidy had no recovery order, and when no fraud
  query names the host today; else 0.

Each normalised value (0 to 1) is rounded half-up to 4 places, each factor's points (weight ×
normalised value) half-up to 2 places, and the score is the exact sum of the points, out of 100.
A host is eligible when it is approved and had at least ``min_interns`` interns in Y (agreements
confirmed by both sides whose internship touches Y); the others are listed apart with the reason.

Ties: equal scores share a rank and the next rank skips ("1, 2, 2, 4"); among equal scores the
list is ordered by host name (Unicode order), then by host id.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime, time
from decimal import ROUND_HALF_UP, Decimal
from functools import reduce
from typing import Any

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jianxi.core.errors import RuleError
from jianxi.demonstration.fraud import fraud_leads_by_host
from jianxi.demonstration.models import RankingPolicy
from jianxi.hosts.models import Host, HostStatus
from jianxi.placements.models import Agreement, AgreementStatus, Attendance, Outcome
from jianxi.placements.outcomes import retention_rates
from jianxi.policy.engine import add_months
from jianxi.posts.models import Post
from jianxi.subsidies.models import ClaimLine, LineStatus, Recovery

NORMALISED = Decimal("0.0001")
POINTS = Decimal("0.01")
ZERO, ONE = Decimal(0), Decimal(1)
# Agreements both sides confirmed: they took a place and an intern worked under them.
CONFIRMED = (AgreementStatus.ACTIVE, AgreementStatus.ENDED)
SUCCESSFUL_OUTCOMES = (Outcome.COMPLETED, Outcome.HIRED)
FACTOR_LABELS = {
    "posts": gettext_lazy("发布岗位数"),
    "headcount": gettext_lazy("招募人数"),
    "fill_rate": gettext_lazy("岗位使用率"),
    "completion": gettext_lazy("见习完成率"),
    "retention": gettext_lazy("留用率"),
    "attendance": gettext_lazy("考勤按时填报率"),
    "claim_lines": gettext_lazy("补贴申报核准率"),
    "no_recovery": gettext_lazy("无补贴追回"),
    "no_fraud": gettext_lazy("无疑点线索"),
}


@dataclass(frozen=True)
class Factor:
    """One factor of a host's score: the figure, its value from 0 to 1, the weight and the points."""

    code: str
    label: str
    value: str  # the figure as read from the data: "7", or "3/4" for a share
    normalised: Decimal  # 0 to 1, four places
    weight: int
    points: Decimal  # weight × normalised, two places
    explanation: str


@dataclass(frozen=True)
class Entry:
    host_id: int
    host_name: str
    credit_code: str
    district_code: str
    district_name: str
    district_order: int
    interns: int
    score: Decimal | None = None  # None: not eligible
    factors: tuple[Factor, ...] = ()
    rank: int | None = None  # in the list the entry belongs to (city-wide or one district)
    reason: str = ""  # why it is not eligible


@dataclass(frozen=True)
class Ranking:
    year: int
    policy: RankingPolicy
    ranked: tuple[Entry, ...]
    not_eligible: tuple[Entry, ...]

    def in_district(self, code: str) -> Ranking:
        """The district's hosts, ranked among themselves (scores stay the city-wide ones)."""
        return replace(
            self,
            ranked=_ranks([e for e in self.ranked if e.district_code == code]),
            not_eligible=tuple(e for e in self.not_eligible if e.district_code == code),
        )

    def entry(self, host_id: int) -> Entry | None:
        return next((e for e in (*self.ranked, *self.not_eligible) if e.host_id == host_id), None)


def policy_in_force(year: int) -> RankingPolicy | None:
    """The city's scoring parameters in force for ``year``: the row of the latest year not after it."""
    return (
        RankingPolicy.objects.filter(city__code=settings.JIANXI_CITY, effective_year__lte=year)
        .order_by("-effective_year")
        .first()
    )


def ranking_policy(year: int) -> RankingPolicy:
    """``policy_in_force``, or a refusal naming what is missing."""
    policy = policy_in_force(year)
    if policy is None:
        raise RuleError(
            "ranking.no_policy",
            _("尚未设置 %(year)s 年度适用的示范单位评分参数，请市人社局在管理后台设置（R-TG-4）。") % {"year": year},
            field="year",
        )
    return policy


def host_ranking(*, year: int) -> Ranking:
    """Every host of the city with posts or interns in ``year``: ranked, or listed apart with the reason."""
    policy = ranking_policy(year)
    facts = _Facts(year=year, policy=policy)
    hosts = facts.hosts()
    leads = fraud_leads_by_host((h["pk"], h["name"], h["credit_code"]) for h in hosts)
    eligible, apart = [], []
    for host in hosts:
        entry = Entry(
            host_id=host["pk"],
            host_name=host["name"],
            credit_code=host["credit_code"],
            district_code=host["district__code"],
            district_name=host["district__name"],
            district_order=host["district__sort_order"],
            interns=facts.interns.get(host["pk"], 0),
        )
        reason = _ineligible(host["status"], entry.interns, policy)
        if reason:
            apart.append(replace(entry, reason=reason))
        else:
            eligible.append(entry)
    top_posts = max((facts.posts.get(e.host_id, {}).get("posts", 0) for e in eligible), default=0)
    top_headcount = max((facts.posts.get(e.host_id, {}).get("headcount", 0) or 0 for e in eligible), default=0)
    weights = policy.weights()
    scored = []
    for entry in eligible:
        factors = _factors(entry.host_id, facts, leads, weights, top_posts, top_headcount)
        scored.append(replace(entry, factors=factors, score=sum((f.points for f in factors), ZERO)))
    apart.sort(key=lambda e: (e.district_order, e.host_name, e.host_id))
    return Ranking(year=year, policy=policy, ranked=_ranks(scored), not_eligible=tuple(apart))


def _ranks(entries: Iterable[Entry]) -> tuple[Entry, ...]:
    """Competition ranking: equal scores share a rank, the next rank skips; ties listed by name, then id."""
    ordered = sorted(entries, key=lambda e: (-(e.score or ZERO), e.host_name, e.host_id))
    out: list[Entry] = []
    for position, entry in enumerate(ordered, start=1):
        tied = out and out[-1].score == entry.score
        out.append(replace(entry, rank=out[-1].rank if tied else position))
    return tuple(out)


def _ineligible(status: str, interns: int, policy: RankingPolicy) -> str:
    if status != HostStatus.APPROVED:
        return _("单位状态为“%(status)s”，不参加评选。") % {"status": HostStatus(status).label}
    if interns < policy.min_interns:
        return _("年内见习人数 %(n)s 人，少于参评最少人数 %(min)s 人。") % {"n": interns, "min": policy.min_interns}
    return ""


def _share(part: int, whole: int) -> Decimal:
    """part ÷ whole, at most 1, rounded half-up to four places (whole > 0)."""
    return min(Decimal(part) / Decimal(whole), ONE).quantize(NORMALISED, rounding=ROUND_HALF_UP)


def _factor(code: str, value: str, normalised: Decimal, weight: int, explanation: str) -> Factor:
    normalised = normalised.quantize(NORMALISED, rounding=ROUND_HALF_UP)
    points = (Decimal(weight) * normalised).quantize(POINTS, rounding=ROUND_HALF_UP)
    return Factor(code, str(FACTOR_LABELS[code]), value, normalised, weight, points, explanation)


def _factors(
    host_id: int,
    facts: _Facts,
    leads: dict[int, int],
    weights: dict[str, int],
    top_posts: int,
    top_headcount: int,
) -> tuple[Factor, ...]:
    posted = facts.posts.get(host_id, {})
    posts, headcount = posted.get("posts", 0), posted.get("headcount", 0) or 0
    filled = facts.filled.get(host_id, 0)
    ended = facts.ended.get(host_id, {})
    ended_n, successful = ended.get("ended", 0), ended.get("successful", 0)
    retention = facts.retention.get(host_id)
    kept = retention.retained if retention else 0
    attendance = facts.attendance.get(host_id, {})
    records, on_time = attendance.get("records", 0), attendance.get("on_time", 0)
    lines = facts.lines.get(host_id, {})
    reviewed, rejected = lines.get("reviewed", 0), lines.get("rejected", 0)
    recoveries, lead_rows = facts.recoveries.get(host_id, 0), leads.get(host_id, 0)
    none = _("无数据，按 0 计")

    def counted(code: str, figure: int, top: int, unit: str) -> Factor:
        normalised = _share(figure, top) if top else ZERO
        explanation = _("%(v)s%(u)s ÷ 全市参评单位最高 %(top)s%(u)s") % {"v": figure, "top": top, "u": unit}
        return _factor(code, str(figure), normalised, weights[code], explanation)

    def rate(code: str, part: int, whole: int, explain: Callable[[], str]) -> Factor:
        normalised = _share(part, whole) if whole else ZERO
        return _factor(code, f"{part}/{whole}", normalised, weights[code], explain() if whole else none)

    def clean(code: str, found: int, explanation: str) -> Factor:
        return _factor(code, str(found), ONE if found == 0 else ZERO, weights[code], explanation)

    return (
        counted("posts", posts, top_posts, _("个")),
        counted("headcount", headcount, top_headcount, _("人")),
        rate(
            "fill_rate",
            filled,
            headcount,
            lambda: _("年内发布岗位签订协议 %(f)s 人 ÷ 招募 %(h)s 人") % {"f": filled, "h": headcount},
        ),
        rate(
            "completion",
            successful,
            ended_n,
            lambda: _("年内结束的见习 %(e)s 人中期满或提前留用 %(s)s 人") % {"e": ended_n, "s": successful},
        ),
        rate(
            "retention",
            kept,
            ended_n,
            lambda: _("年内结束的见习 %(e)s 人中留用 %(k)s 人") % {"e": ended_n, "k": kept},
        ),
        rate(
            "attendance",
            on_time,
            records,
            lambda: (
                _("年内考勤 %(r)s 人月中次月 %(d)s 日（含）以前填报 %(o)s 人月")
                % {"r": records, "d": facts.policy.attendance_due_day, "o": on_time}
            ),
        ),
        _factor(
            "claim_lines",
            f"{reviewed - rejected}/{reviewed}",
            ONE - _share(rejected, reviewed) if reviewed else ONE,
            weights["claim_lines"],
            _("已审核申报明细 %(n)s 条中驳回 %(r)s 条") % {"n": reviewed, "r": rejected}
            if reviewed
            else _("没有已审核的申报明细，无驳回"),
        ),
        clean("no_recovery", recoveries, _("涉及年内补贴的追回 %(n)s 笔") % {"n": recoveries}),
        clean("no_fraud", lead_rows, _("当前疑点线索 %(n)s 条") % {"n": lead_rows}),
    )


class _Facts:
    """The figures of every host of the city for one year, one grouped query each."""

    def __init__(self, *, year: int, policy: RankingPolicy) -> None:
        self.year, self.policy = year, policy
        self.first, self.last = date(year, 1, 1), date(year, 12, 31)
        city = {"district__city__code": settings.JIANXI_CITY}
        self.posts_of_year = Post.objects.filter(**_under("host", city), published_at__year=year)
        self.agreements = Agreement.objects.filter(**_under("host", city))
        self.in_year = (
            self.agreements.filter(status__in=CONFIRMED, start__lte=self.last)
            .annotate(last_internship_day=Coalesce("ended_on", "end"))
            .filter(last_internship_day__gte=self.first)
        )
        self.posts = _by_host(
            self.posts_of_year.values("host").annotate(posts=Count("pk"), headcount=Sum("headcount")), "host"
        )
        self.filled = _counts(
            self.agreements.filter(status__in=CONFIRMED, post__in=self.posts_of_year).values("post__host"),
            "post__host",
        )
        self.interns = _counts(self.in_year.values("host"), "host")
        ended = self.agreements.filter(status=AgreementStatus.ENDED, ended_on__year=year)
        self.ended = _by_host(
            ended.values("host").annotate(
                ended=Count("pk"), successful=Count("pk", filter=Q(outcome__in=SUCCESSFUL_OUTCOMES))
            ),
            "host",
        )
        self.retention = retention_rates(ended, by="host")
        self.attendance = self._attendance(city)
        lines = ClaimLine.objects.filter(
            **_under("claim__host", city), month__gte=self.first, month__lte=self.last
        ).values("claim__host")
        self.lines = _by_host(
            lines.annotate(
                reviewed=Count("pk", filter=Q(status__in=(LineStatus.APPROVED, LineStatus.REJECTED))),
                rejected=Count("pk", filter=Q(status=LineStatus.REJECTED)),
            ),
            "claim__host",
        )
        recoveries = Recovery.objects.filter(
            **_under("host", city), claims__lines__month__gte=self.first, claims__lines__month__lte=self.last
        )
        self.recoveries = {
            r["host"]: r["n"] for r in recoveries.values("host").annotate(n=Count("pk", distinct=True)).order_by()
        }

    def hosts(self) -> list[dict[str, Any]]:
        """The hosts with posts published or interns in the year, with what the lists show of them."""
        active = Q(Exists(self.posts_of_year.filter(host=OuterRef("pk")))) | Q(
            Exists(self.in_year.filter(host=OuterRef("pk")))
        )
        return [
            dict(row)
            for row in Host.objects.filter(district__city__code=settings.JIANXI_CITY)
            .filter(active)
            .values("pk", "name", "credit_code", "status", "district__code", "district__name", "district__sort_order")
            .order_by("pk")
        ]

    def _attendance(self, city: dict[str, str]) -> dict[int, dict[str, int]]:
        """Attendance months of the year, and those first recorded by the due day of the next month.

        When a month was first recorded is its first history row ("+"): every writer of attendance
        (the grid, the Excel import) leaves one.
        """
        history = Attendance.history.model
        recorded = Subquery(
            history.objects.filter(id=OuterRef("pk"), history_type="+")
            .order_by("history_date")
            .values("history_date")[:1]
        )
        months = [date(self.year, m, 1) for m in range(1, 13)]
        on_time = reduce(operator.or_, (Q(month=m, recorded__lt=self._deadline(m)) for m in months))
        rows = (
            Attendance.objects.filter(**_under("agreement__host", city), month__gte=self.first, month__lte=self.last)
            .annotate(recorded=recorded)
            .values("agreement__host")
            .annotate(records=Count("pk"), on_time=Count("pk", filter=on_time))
        )
        return _by_host(rows, "agreement__host")

    def _deadline(self, month: date) -> datetime:
        """The moment after the due day of the following month, in the programme's time zone."""
        due = add_months(month, 1).replace(day=self.policy.attendance_due_day)
        day_after = date.fromordinal(due.toordinal() + 1)
        return timezone.make_aware(datetime.combine(day_after, time.min), timezone.get_default_timezone())


def _under(path: str, city: dict[str, str]) -> dict[str, str]:
    return {f"{path}__{key}": value for key, value in city.items()}


def _by_host(rows: QuerySet[Any], key: str) -> dict[int, dict[str, Any]]:
    return {row[key]: row for row in rows.order_by()}


def _counts(rows: QuerySet[Any], key: str) -> dict[int, int]:
    return {row[key]: row["n"] for row in rows.annotate(n=Count("pk")).order_by()}
