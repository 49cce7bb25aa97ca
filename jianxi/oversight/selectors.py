"""The dashboard's figures (R-TG-1, R-TG-2), read from the aggregates only, in a fixed number of queries.

``overview(user, year=…, today=…)`` answers for the user's scope (scoping.py): the city officer
sees the city, a district officer its district, a department officer its recruiting direction;
``take_up`` answers a university officer about its graduates. Whatever the data, an overview
costs the same queries: the definitions and targets, the reference lists, one read of the
monthly district rollup for this year and last, one of the fine grain for the mixes, one of the
daily tally for the current month, and the freshness stamps.

"The year so far" ends on ``today`` (31 December for a past year); "the same period last year"
runs from 1 January to the same day of last year (28 February for a 29 February), to the day:
whole months from the monthly rollup, the current month from the daily tally (docs/rules.md,
"Counting").
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.conf import settings
from django.db.models import Count, F, Max, Min, Q, Sum
from django.db.models.functions import Coalesce, ExtractYear
from django.http import Http404

from jianxi.accounts.models import Role
from jianxi.accounts.scoping import scoped
from jianxi.core.money import ZERO
from jianxi.hosts.models import HostType
from jianxi.oversight.models import (
    MONEY,
    PLACEMENT_COUNTS,
    DailyStat,
    DepartmentTarget,
    DistrictTarget,
    MonthlyDistrictStat,
    MonthlyStat,
    RetentionBase,
    StatDefinition,
    StatStamp,
    TargetMeasure,
    UniversityMonthlyStat,
)
from jianxi.placements.outcomes import Retention
from jianxi.policy.models import Department, District, PostCategory, YearlyTarget

MIN_YEAR = 2000
OUTCOME_COUNTS = ("in_internship", "completed", "terminated", "hired", "retained")


# --- definitions ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Definition:
    target_measure: str = TargetMeasure.HEADCOUNT
    completion_counts_hired: bool = True
    retention_base: str = RetentionBase.ENDED

    @property
    def counts_headcount(self) -> bool:
        return self.target_measure == TargetMeasure.HEADCOUNT


def definition_for(year: int) -> Definition:
    """The counting definitions in force for ``year`` (Beijing's defaults when none is entered)."""
    row = (
        StatDefinition.objects.filter(city__code=settings.JIANXI_CITY, from_year__lte=year)
        .order_by("-from_year")
        .first()
    )
    if row is None:
        return Definition()
    return Definition(row.target_measure, row.completion_counts_hired, row.retention_base)


# --- values --------------------------------------------------------------------------------------


def yuan(fen: int) -> Decimal:
    return (Decimal(fen) / 100).quantize(Decimal("0.01"))


def _round(value: Decimal) -> int:
    return int(value.quantize(Decimal("1"), rounding=ROUND_HALF_UP))


def _rate(part: int, whole: int) -> Decimal | None:
    """A percentage with one decimal, or None when there is nothing to divide by."""
    if whole == 0:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def same_day_last_year(day: date) -> date:
    return day.replace(year=day.year - 1, day=min(day.day, calendar.monthrange(day.year - 1, day.month)[1]))


def as_of(year: int, today: date) -> date | None:
    """The last day "the year so far" covers; None for a year not begun."""
    if year < today.year:
        return date(year, 12, 31)
    if year == today.year:
        return today
    return None


@dataclass(frozen=True)
class Money:
    approved_city: Decimal = ZERO
    approved_district: Decimal = ZERO
    paid_city: Decimal = ZERO
    paid_district: Decimal = ZERO
    recovered_city: Decimal = ZERO
    recovered_district: Decimal = ZERO

    @classmethod
    def of(cls, row: Mapping[str, Any]) -> Money:
        return cls(**{m: yuan(row.get(m) or 0) for m in MONEY})

    @property
    def approved(self) -> Decimal:
        return self.approved_city + self.approved_district

    @property
    def paid(self) -> Decimal:
        return self.paid_city + self.paid_district

    @property
    def recovered(self) -> Decimal:
        return self.recovered_city + self.recovered_district


@dataclass
class Tally:
    """Posts (post records), headcount and placements over some period."""

    post_count: int = 0
    headcount: int = 0
    placements: int = 0

    def add(self, row: Mapping[str, Any]) -> None:
        self.post_count += row.get("posts") or 0
        self.headcount += row.get("headcount") or 0
        self.placements += row.get("placements") or 0

    def posts(self, definition: Definition) -> int:
        """What R-TG-1 and R-TG-2 count as posts recruited."""
        return self.headcount if definition.counts_headcount else self.post_count


@dataclass
class DistrictRow:
    code: str
    name: str
    posts: int
    posts_last_year_same_period: int
    posts_last_year: int
    placements: int
    placements_last_year_same_period: int
    placements_last_year: int
    target: int | None = None

    @property
    def posts_below(self) -> bool:
        return self.posts < self.posts_last_year_same_period

    @property
    def placements_below(self) -> bool:
        return self.placements < self.placements_last_year_same_period

    @property
    def below_last_year(self) -> bool:
        """R-TG-2: posts or placements below the same period of last year."""
        return self.posts_below or self.placements_below


@dataclass
class DepartmentRow:
    code: str
    name: str
    target: int | None
    target_placements: int | None
    posts: int
    placements: int

    @property
    def share(self) -> Decimal | None:
        return None if not self.target else _rate(self.posts, self.target)


@dataclass
class MixRow:
    code: str
    name: str
    posts: int  # as counted (headcount or posts)
    post_count: int
    headcount: int
    placements: int


@dataclass
class MonthRow:
    month: int
    posts: int | None  # as counted, None for a month not reached
    placements: int | None
    in_internship: int | None
    cumulative: int | None
    expected: int | None
    last_year_cumulative: int
    money: Money


@dataclass
class MoneyRow:
    label: str
    money: Money


@dataclass
class Overview:
    kind: str  # city, district or department
    scope: str
    year: int
    as_of: date | None
    definition: Definition
    target: int | None
    post_count: int
    headcount: int
    posts_recruited: int  # as counted
    placements: int
    pace_expected: int | None
    projected: int | None
    pace_basis: str  # "last_year" or "linear"
    last_year_same_period: int
    last_year: int
    months: list[MonthRow]
    districts: list[DistrictRow]
    departments: list[DepartmentRow]
    categories: list[MixRow]
    host_types: list[MixRow]
    money_by_district: list[MoneyRow]
    money_total: Money
    in_internship: int
    completed: int
    terminated: int
    hired: int
    retained: int
    completion_rate: Decimal | None
    retention_rate: Decimal | None
    fresh_as_of: datetime | None
    stale: int
    refreshed: bool = True
    district: District | None = None

    @property
    def share(self) -> Decimal | None:
        return None if not self.target else _rate(self.posts_recruited, self.target)

    @property
    def behind(self) -> bool:
        return self.pace_expected is not None and self.posts_recruited < self.pace_expected


# --- the overview --------------------------------------------------------------------------------


def retention_to_date(user: Any) -> Retention:
    """R-IN-3 retention over every internship ended so far in the user's scope, from the aggregates.

    The same figure as ``placements.outcomes.retention_rates`` over the raw agreements (an ended
    internship is completed, terminated or hired early), read from a few hundred rows a district
    instead of every agreement: the district and department officers' home pages show it.
    """
    row = scoped(user, MonthlyDistrictStat.objects.all()).aggregate(
        ended=Coalesce(Sum(F("completed") + F("terminated") + F("hired")), 0), kept=Coalesce(Sum("retained"), 0)
    )
    return Retention(row["ended"], row["kept"])


def district_in_scope(user: Any, code: str) -> District | None:
    """The district ``code`` names when the user may narrow its figures to it; None for "all".

    An unknown code, or another district than a district officer's own, answers 404 (as
    ``scoping.get_scoped`` does): the dashboard page, its Excel and the overview API alike.
    """
    if not code:
        return None
    chosen = District.objects.filter(code=code).first()
    if chosen is None or (getattr(user, "role", None) == Role.DISTRICT and chosen.pk != user.district_id):
        raise Http404
    return chosen


def _freshness(year: int) -> tuple[datetime | None, int, bool]:
    """The oldest refresh of the year's cells, how many changed since, and whether any was refreshed."""
    stamps = StatStamp.objects.filter(month__year=year).aggregate(
        oldest=Min("refreshed_at"),
        newest=Max("refreshed_at"),
        stale=Count(
            "pk",
            filter=Q(changed_at__isnull=False) & (Q(refreshed_at__isnull=True) | Q(refreshed_at__lt=F("changed_at"))),
        ),
    )
    return stamps["oldest"], stamps["stale"] or 0, stamps["newest"] is not None


def _target(kind: str, user: Any, district: District | None, year: int) -> int | None:
    """The posts target of the scope: the city's (R-TG-1), the district's or the department's."""
    if kind == "city":
        rows: Any = YearlyTarget.objects.filter(city__code=settings.JIANXI_CITY, year=year)
    elif kind == "district":
        rows = DistrictTarget.objects.filter(district_id=district.pk if district else user.district_id, year=year)
    else:
        rows = DepartmentTarget.objects.filter(department_id=user.department_id, year=year)
    target: int | None = rows.values_list("posts", flat=True).first()
    return target


def overview(user: Any, *, year: int, today: date, district: District | None = None) -> Overview:
    """The year's progress for the user's scope, optionally narrowed to one district (already checked)."""
    role = str(getattr(user, "role", ""))
    kind = {Role.CITY.value: "city", Role.DISTRICT.value: "district", Role.DEPARTMENT.value: "department"}.get(role)
    if kind is None:
        raise ValueError("overview is for city, district and department officers")
    if district is not None and kind == "city":
        kind = "district"
    definition = definition_for(year)
    end = as_of(year, today)
    districts = list(District.objects.all())
    departments = list(Department.objects.all())
    categories = list(PostCategory.objects.all())
    if district is not None:
        districts = [d for d in districts if d.pk == district.pk]
    elif role == Role.DISTRICT:
        districts = [d for d in districts if d.pk == user.district_id]

    def narrow(qs: Any) -> Any:
        qs = scoped(user, qs)
        return qs.filter(district=district) if district is not None else qs

    # 1. whole months of this year and last, per district (a few hundred rows whatever the data)
    monthly = narrow(MonthlyDistrictStat.objects.filter(month__year__gte=year - 1, month__year__lte=year))
    fields = ("posts", "headcount", "placements", *OUTCOME_COUNTS, *MONEY)
    rows = list(monthly.values("month", "district_id").annotate(**{f: Sum(f) for f in fields}).order_by())
    # 1b. this year's whole months before the current one, per department
    by_department = list(
        narrow(
            MonthlyDistrictStat.objects.filter(
                month__gte=date(year, 1, 1), month__lt=(end or date(year, 1, 1)).replace(day=1)
            )
        )
        .values("department_id")
        .annotate(posts=Sum("posts"), headcount=Sum("headcount"), placements=Sum("placements"))
        .order_by()
    )
    # 2. the current month to the day, this year and last
    daily: list[dict[str, Any]] = []
    if end is not None:
        last_end = same_day_last_year(end)
        daily = list(
            narrow(
                DailyStat.objects.filter(
                    Q(day__gte=end.replace(day=1), day__lte=end)
                    | Q(day__gte=last_end.replace(day=1), day__lte=last_end)
                )
            )
            .annotate(year=ExtractYear("day"))
            .values("year", "district_id", "department_id")
            .annotate(posts=Sum("posts"), headcount=Sum("headcount"), placements=Sum("placements"))
            .order_by()
        )
    # 3. the mixes of this year so far (whole months through the current one)
    mixes = (
        list(
            narrow(MonthlyStat.objects.filter(month__year=year, month__lte=end or date(year, 1, 1)))
            .values("category_id", "host_type")
            .annotate(posts=Sum("posts"), headcount=Sum("headcount"), placements=Sum("placements"))
            .order_by()
        )
        if end is not None
        else []
    )
    # 4. targets
    target = _target(kind, user, district, year)
    department_targets = (
        {t.department_id: t for t in DepartmentTarget.objects.filter(year=year)} if kind == "city" else {}
    )
    fresh, stale, refreshed = _freshness(year)

    # --- arithmetic ----------------------------------------------------------------------------
    current_month = end.month if end is not None else 0

    def in_period(month: date, y: int) -> bool:
        return month.year == y and month.month < current_month

    this: dict[int, Tally] = defaultdict(Tally)  # per district
    same: dict[int, Tally] = defaultdict(Tally)
    whole_last: dict[int, Tally] = defaultdict(Tally)
    per_department: dict[int | None, Tally] = defaultdict(Tally)
    by_month: dict[tuple[int, int], Tally] = defaultdict(Tally)
    outcomes: dict[str, int] = defaultdict(int)
    in_internship_by_month: dict[int, int] = defaultdict(int)
    money_by_month: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    money_by_district: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for r in rows:
        m: date = r["month"]
        by_month[(m.year, m.month)].add(r)
        if m.year == year - 1:
            whole_last[r["district_id"]].add(r)
            if in_period(m, year - 1):
                same[r["district_id"]].add(r)
        elif m.year == year and m.month <= current_month:
            if m.month < current_month:
                this[r["district_id"]].add(r)
            for f in OUTCOME_COUNTS[1:]:
                outcomes[f] += r[f] or 0
            in_internship_by_month[m.month] += r["in_internship"] or 0
            for f in MONEY:
                money_by_month[m.month][f] += r[f] or 0
                money_by_district[r["district_id"]][f] += r[f] or 0
    for r in by_department:
        per_department[r["department_id"]].add(r)
    for r in daily:
        if r["year"] == year:
            this[r["district_id"]].add(r)
            per_department[r["department_id"]].add(r)
        else:
            same[r["district_id"]].add(r)

    total_this, total_same, total_last = Tally(), Tally(), Tally()
    for group, total in ((this, total_this), (same, total_same), (whole_last, total_last)):
        for t in group.values():
            total.add({"posts": t.post_count, "headcount": t.headcount, "placements": t.placements})
    actual = total_this.posts(definition)
    last_same, last_total = total_same.posts(definition), total_last.posts(definition)

    # Pace: the share of last year's posts recruited by the same day, or the share of the year gone.
    if end is None:
        fraction = Decimal(0)
        basis = "last_year" if last_total else "linear"
    elif last_total:
        fraction, basis = Decimal(last_same) / Decimal(last_total), "last_year"
    else:
        days = 366 if calendar.isleap(year) else 365
        fraction, basis = Decimal(end.timetuple().tm_yday) / Decimal(days), "linear"
    pace_expected = _round(Decimal(target) * fraction) if target is not None else None
    projected = _round(Decimal(actual) / fraction) if fraction > 0 else None

    # Per month: the counted posts, the cumulative curve, where the pace line says it should be.
    months: list[MonthRow] = []
    cumulative = last_cumulative = 0
    for n in range(1, 13):
        last_cumulative += by_month[(year - 1, n)].posts(definition)
        if basis == "last_year":
            share = Decimal(last_cumulative) / Decimal(last_total) if last_total else Decimal(0)
        else:
            month_end = date(year, n, calendar.monthrange(year, n)[1])
            share = Decimal(month_end.timetuple().tm_yday) / Decimal(366 if calendar.isleap(year) else 365)
        reached = n <= current_month
        posts = None
        if reached:
            posts = by_month[(year, n)].posts(definition) if n < current_month else None
        if reached and n == current_month:
            posts = actual - cumulative
        if posts is not None:
            cumulative += posts
        months.append(
            MonthRow(
                month=n,
                posts=posts,
                placements=by_month[(year, n)].placements if reached else None,
                in_internship=in_internship_by_month[n] if reached else None,
                cumulative=cumulative if reached else None,
                expected=_round(Decimal(target) * share) if target is not None else None,
                last_year_cumulative=last_cumulative,
                money=Money.of(money_by_month[n]),
            )
        )
    # The current month's placements to the day, as the totals count them.
    if current_month:
        earlier = sum(m.placements or 0 for m in months[: current_month - 1])
        months[current_month - 1].placements = total_this.placements - earlier

    district_rows = [
        DistrictRow(
            code=d.code,
            name=d.name,
            posts=this[d.pk].posts(definition),
            posts_last_year_same_period=same[d.pk].posts(definition),
            posts_last_year=whole_last[d.pk].posts(definition),
            placements=this[d.pk].placements,
            placements_last_year_same_period=same[d.pk].placements,
            placements_last_year=whole_last[d.pk].placements,
        )
        for d in districts
    ]
    shown_departments = departments
    if kind == "department":
        shown_departments = [d for d in departments if d.pk == user.department_id]
    department_rows = []
    for dep in shown_departments:
        goal = department_targets.get(dep.pk)
        department_rows.append(
            DepartmentRow(
                code=dep.code,
                name=dep.name,
                target=goal.posts if goal else (target if kind == "department" else None),
                target_placements=goal.placements if goal else None,
                posts=per_department[dep.pk].posts(definition),
                placements=per_department[dep.pk].placements,
            )
        )
    if kind != "department" and (per_department[None].post_count or per_department[None].placements):
        department_rows.append(
            DepartmentRow(
                code="",
                name="未指定募集部门",
                target=None,
                target_placements=None,
                posts=per_department[None].posts(definition),
                placements=per_department[None].placements,
            )
        )
    by_category: dict[int, Tally] = defaultdict(Tally)
    by_type: dict[str, Tally] = defaultdict(Tally)
    for r in mixes:
        by_category[r["category_id"]].add(r)
        by_type[r["host_type"]].add(r)
    category_rows = [
        MixRow(c.code, c.name, by_category[c.pk].posts(definition), by_category[c.pk].post_count,
               by_category[c.pk].headcount, by_category[c.pk].placements)
        for c in categories
    ]  # fmt: skip
    type_rows = [
        MixRow(str(value), str(label), by_type[value].posts(definition), by_type[value].post_count,
               by_type[value].headcount, by_type[value].placements)
        for value, label in HostType.choices
        if by_type[value].post_count or by_type[value].placements
    ]  # fmt: skip
    ended = outcomes["completed"] + outcomes["terminated"] + outcomes["hired"]
    done = outcomes["completed"] + (outcomes["hired"] if definition.completion_counts_hired else 0)
    base = ended if definition.retention_base == RetentionBase.ENDED else outcomes["completed"] + outcomes["hired"]
    money_total: dict[str, int] = defaultdict(int)
    for values in money_by_district.values():
        for f, v in values.items():
            money_total[f] += v
    scope = user.scope_label if district is None else district.name
    return Overview(
        kind=kind,
        scope=scope,
        year=year,
        as_of=end,
        definition=definition,
        target=target,
        post_count=total_this.post_count,
        headcount=total_this.headcount,
        posts_recruited=actual,
        placements=total_this.placements,
        pace_expected=pace_expected,
        projected=projected,
        pace_basis=basis,
        last_year_same_period=last_same,
        last_year=last_total,
        months=months,
        districts=district_rows,
        departments=department_rows,
        categories=category_rows,
        host_types=type_rows,
        money_by_district=[MoneyRow(d.name, Money.of(money_by_district[d.pk])) for d in districts],
        money_total=Money.of(money_total),
        in_internship=in_internship_by_month[current_month] if current_month else 0,
        completed=outcomes["completed"],
        terminated=outcomes["terminated"],
        hired=outcomes["hired"],
        retained=outcomes["retained"],
        completion_rate=_rate(done, ended),
        retention_rate=_rate(outcomes["retained"], base),
        fresh_as_of=fresh,
        stale=stale,
        refreshed=refreshed,
        district=district,
    )


# --- a university's graduates ------------------------------------------------------------------


@dataclass
class TakeUpMonth:
    month: int
    placements: int | None
    in_internship: int | None
    cumulative: int | None
    last_year_cumulative: int


@dataclass
class TakeUpRow:
    code: str
    name: str
    placements: int
    in_internship: int
    completed: int
    retained: int


@dataclass
class TakeUp:
    """A university's graduates in internships this year, whole months through the current one."""

    scope: str
    year: int
    as_of: date | None
    placements: int
    placements_last_year_same_period: int
    placements_last_year: int
    in_internship: int
    completed: int
    terminated: int
    hired: int
    retained: int
    completion_rate: Decimal | None
    retention_rate: Decimal | None
    months: list[TakeUpMonth]
    districts: list[TakeUpRow]
    categories: list[TakeUpRow]
    fresh_as_of: datetime | None
    stale: int
    refreshed: bool
    kind: str = "university"


def take_up(user: Any, *, year: int, today: date) -> TakeUp:
    definition = definition_for(year)
    end = as_of(year, today)
    current_month = end.month if end is not None else 0
    districts = list(District.objects.all())
    categories = list(PostCategory.objects.all())
    rows = list(
        scoped(user, UniversityMonthlyStat.objects.filter(month__year__gte=year - 1, month__year__lte=year))
        .values("month", "district_id", "category_id")
        .annotate(**{f: Sum(f) for f in PLACEMENT_COUNTS})
        .order_by()
    )
    fresh, stale, refreshed = _freshness(year)
    per_month: dict[tuple[int, int], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    per_district: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    per_category: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    totals: dict[str, int] = defaultdict(int)
    for r in rows:
        m: date = r["month"]
        for f in PLACEMENT_COUNTS:
            per_month[(m.year, m.month)][f] += r[f] or 0
        if m.year == year and m.month <= current_month:
            for f in PLACEMENT_COUNTS:
                if f != "in_internship":
                    totals[f] += r[f] or 0
                    per_district[r["district_id"]][f] += r[f] or 0
                    per_category[r["category_id"]][f] += r[f] or 0
            if m.month == current_month:
                per_district[r["district_id"]]["in_internship"] += r["in_internship"] or 0
                per_category[r["category_id"]]["in_internship"] += r["in_internship"] or 0
    months, cumulative, last_cumulative = [], 0, 0
    for n in range(1, 13):
        last_cumulative += per_month[(year - 1, n)]["placements"]
        reached = n <= current_month
        if reached:
            cumulative += per_month[(year, n)]["placements"]
        months.append(
            TakeUpMonth(
                month=n,
                placements=per_month[(year, n)]["placements"] if reached else None,
                in_internship=per_month[(year, n)]["in_internship"] if reached else None,
                cumulative=cumulative if reached else None,
                last_year_cumulative=last_cumulative,
            )
        )
    ended = totals["completed"] + totals["terminated"] + totals["hired"]
    done = totals["completed"] + (totals["hired"] if definition.completion_counts_hired else 0)
    base = ended if definition.retention_base == RetentionBase.ENDED else totals["completed"] + totals["hired"]

    def row(code: str, name: str, values: Mapping[str, int]) -> TakeUpRow:
        return TakeUpRow(
            code, name, values["placements"], values["in_internship"], values["completed"], values["retained"]
        )

    return TakeUp(
        scope=user.scope_label,
        year=year,
        as_of=end,
        placements=totals["placements"],
        placements_last_year_same_period=sum(
            per_month[(year - 1, n)]["placements"] for n in range(1, current_month + 1)
        ),
        placements_last_year=last_cumulative,
        in_internship=per_month[(year, current_month)]["in_internship"] if current_month else 0,
        completed=totals["completed"],
        terminated=totals["terminated"],
        hired=totals["hired"],
        retained=totals["retained"],
        completion_rate=_rate(done, ended),
        retention_rate=_rate(totals["retained"], base),
        months=months,
        districts=[row(d.code, d.name, per_district[d.pk]) for d in districts if per_district[d.pk]],
        categories=[row(c.code, c.name, per_category[c.pk]) for c in categories],
        fresh_as_of=fresh,
        stale=stale,
        refreshed=refreshed,
    )
