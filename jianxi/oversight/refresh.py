# ruff: noqa: S608 -- the SQL text is built from table names (_meta), enum values and fixed
# expressions; every value (dates, ids, the time zone) is a query parameter.
"""Refreshing the aggregates (统计汇总): whole months recomputed from the raw rows, set-based.

A refresh takes a run of months, for every district or for one, and in one transaction deletes
their aggregate rows and writes them again with ``INSERT … SELECT … GROUP BY`` over posts,
agreements, claim lines and the ledger. It never adds to what is there, so running it twice, or
for months nothing changed in, gives the same rows: the aggregates are a function of the raw
rows, and ``tests/oversight/test_refresh.py`` recounts them from the raw rows to prove it.

When it runs (docs/operations.md):
- ``manage.py refresh_stats`` — every month that has data, nightly (cron); ``--dirty`` only the
  cells changed since their last refresh, every few minutes.
- After a service commits a change that counts (a post published, an agreement confirmed or
  ended, retention recorded, a claim approved, a batch paid, a repayment), ``stats_changed``
  marks the district's months changed and refreshes them at once (``STATS_REFRESH_ON_CHANGE``).
  If that refresh fails, the mark stays, the dashboard says the figures are behind, and the
  next ``--dirty`` run catches up.

Concurrency: a refresh first locks the freshness stamps (``StatStamp``) of its cells in a fixed
order, so two refreshes of the same cells run one after the other and neither writes twice.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Max, Min, Q
from django.utils import timezone

from jianxi.hosts.models import Host
from jianxi.oversight.models import (
    COUNTS,
    MONEY,
    PLACEMENT_COUNTS,
    DailyStat,
    MonthlyDistrictStat,
    MonthlyStat,
    StatStamp,
    UniversityMonthlyStat,
)
from jianxi.placements.models import Agreement, AgreementStatus, Outcome
from jianxi.policy.engine import add_months
from jianxi.policy.engine.dates import month_first, month_last
from jianxi.policy.models import District
from jianxi.posts.models import Post
from jianxi.subsidies.models import ClaimLine, EntryKind, LedgerEntry, LineStatus, Recovery
from jianxi.youth.models import Person

log = logging.getLogger(__name__)

# Agreements that place someone: confirmed by both sides (pending ones may still be voided).
PLACED = (AgreementStatus.ACTIVE.value, AgreementStatus.ENDED.value)


@dataclass(frozen=True)
class Refreshed:
    first: date
    last: date
    district_id: int | None


def months(first: date, last: date) -> list[date]:
    """The first days of the months from ``first``'s to ``last``'s."""
    out, m = [], month_first(first)
    while m <= last:
        out.append(m)
        m = add_months(m, 1)
    return out


# --- SQL ---------------------------------------------------------------------------------------


def _t(model: Any) -> str:
    return connection.ops.quote_name(model._meta.db_table)


class _SQL:
    """The few expressions the two databases write differently."""

    def __init__(self) -> None:
        self.pg = connection.vendor == "postgresql"

    def month(self, expr: str) -> str:
        if self.pg:
            return f"CAST(date_trunc('month', CAST({expr} AS timestamp)) AS date)"
        return f"date({expr}, 'start of month')"

    def local_date(self, expr: str) -> str:
        """The date in the city's time zone of a timestamp (one %s: the zone's name)."""
        if self.pg:
            return f"CAST(({expr} AT TIME ZONE %s) AS date)"
        return f"django_datetime_cast_date({expr}, %s, 'UTC')"

    @staticmethod
    def fen(expr: str) -> str:
        """Yuan → integer fen. SQLite keeps decimals as floating point: rounding restores the fen."""
        return f"CAST(ROUND({expr} * 100) AS BIGINT)"

    @staticmethod
    def date(value: date) -> Any:
        return connection.ops.adapt_datefield_value(value)

    @staticmethod
    def ts(value: datetime) -> Any:
        return connection.ops.adapt_datetimefield_value(value)


def _local_midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min), timezone.get_default_timezone())


class _Facts:
    """The SELECTs whose rows, summed per cell, are the aggregates of months ``first``..``last``.

    Every SELECT names its columns as the aggregate table does and writes 0 for the measures it
    does not count; the INSERT sums them per cell.
    """

    def __init__(self, first: date, last: date, district_id: int | None) -> None:
        self.q = _SQL()
        self.first, self.end = month_first(first), month_last(last)
        self.district_id = district_id
        self.tz = settings.TIME_ZONE
        self.posts, self.hosts, self.agreements = _t(Post), _t(Host), _t(Agreement)
        self.lines, self.ledger, self.persons = _t(ClaimLine), _t(LedgerEntry), _t(Person)
        self.recovery_claims = connection.ops.quote_name(Recovery.claims.through._meta.db_table)

    # pieces -------------------------------------------------------------------------------------

    def district(self, column: str = "h.district_id") -> tuple[str, list[Any]]:
        return ("", []) if self.district_id is None else (f" AND {column} = %s", [self.district_id])

    def dates(self, column: str) -> tuple[str, list[Any]]:
        return f" AND {column} >= %s AND {column} <= %s", [self.q.date(self.first), self.q.date(self.end)]

    def published(self) -> tuple[str, list[Any]]:
        start, stop = _local_midnight(self.first), _local_midnight(self.end + timedelta(days=1))
        return (
            " AND p.published_at IS NOT NULL AND p.published_at >= %s AND p.published_at < %s",
            [self.q.ts(start), self.q.ts(stop)],
        )

    def months_cte(self) -> tuple[str, list[Any]]:
        rows, params = [], []
        for m in months(self.first, self.end):
            rows.append("(%s, %s)")
            params += [self.q.date(m), self.q.date(month_last(m))]
        return f"WITH months (m, m_end) AS (VALUES {', '.join(rows)}) ", params

    def placed(self) -> str:
        return f"a.status IN ('{PLACED[0]}', '{PLACED[1]}')"

    def of_agreements(self, extra: str = "") -> str:
        return (
            f" FROM {self.agreements} a JOIN {self.posts} p ON p.id = a.post_id "
            f"JOIN {self.hosts} h ON h.id = a.host_id{extra}"
        )

    def line_joins(self) -> str:
        """A claim line's agreement, post and host."""
        return (
            f" JOIN {self.agreements} a ON a.id = l.agreement_id JOIN {self.posts} p ON p.id = a.post_id"
            f" JOIN {self.hosts} h ON h.id = a.host_id"
        )

    def running(self, extra: str = "") -> str:
        """Agreements running on a month's last day (the months CTE), with their post and host."""
        return (
            f" FROM months mo JOIN {self.agreements} a"
            ' ON a.start <= mo.m_end AND COALESCE(a.ended_on, a."end") >= mo.m_end'
            f" JOIN {self.posts} p ON p.id = a.post_id JOIN {self.hosts} h ON h.id = a.host_id{extra}"
        )

    @staticmethod
    def select(keys: list[tuple[str, str]], measures: tuple[str, ...], values: dict[str, str], rest: str) -> str:
        columns = [f"{expr} AS {name}" for name, expr in keys] + [f"{values.get(m, '0')} AS {m}" for m in measures]
        return f"SELECT {', '.join(columns)}{rest} GROUP BY {', '.join(str(i + 1) for i in range(len(keys)))}"

    @staticmethod
    def insert(
        table: str,
        keys: tuple[str, ...],
        measures: tuple[str, ...],
        parts: list[tuple[str, list[Any]]],
        prefix: str = "",
    ) -> str:
        union = " UNION ALL ".join(sql for sql, _ in parts)
        return (
            f"{prefix}INSERT INTO {table} ({', '.join((*keys, *measures))}) "
            f"SELECT {', '.join(keys)}, {', '.join(f'SUM({m})' for m in measures)} FROM ({union}) facts "
            f"GROUP BY {', '.join(keys)}"
        )

    # the fine grain: month × district × department × category × host type ------------------------

    def monthly(self) -> tuple[str, list[Any]]:
        q = self.q
        measures = (*COUNTS, *MONEY)
        dims = [
            ("district_id", "h.district_id"),
            ("department_id", "p.department_id"),
            ("category_id", "p.category_id"),
            ("host_type", "h.host_type"),
        ]
        district_sql, district_params = self.district()
        parts: list[tuple[str, list[Any]]] = []

        where, params = self.published()
        parts.append(
            (
                self.select(
                    [("month", q.month(q.local_date("p.published_at"))), *dims],
                    measures,
                    {"posts": "COUNT(*)", "headcount": "SUM(p.headcount)"},
                    f" FROM {self.posts} p JOIN {self.hosts} h ON h.id = p.host_id WHERE 1 = 1{where}{district_sql}",
                ),
                [self.tz, *params, *district_params],
            )
        )
        where, params = self.dates("a.start")
        parts.append(
            (
                self.select(
                    [("month", q.month("a.start")), *dims],
                    measures,
                    {"placements": "COUNT(*)"},
                    f"{self.of_agreements()} WHERE {self.placed()}{where}{district_sql}",
                ),
                [*params, *district_params],
            )
        )
        parts.append(
            (
                self.select(
                    [("month", "mo.m"), *dims],
                    measures,
                    {"in_internship": "COUNT(*)"},
                    f"{self.running()} WHERE {self.placed()}{district_sql}",
                ),
                list(district_params),
            )
        )
        where, params = self.dates("a.ended_on")
        parts.append(
            (
                self.select(
                    [("month", q.month("a.ended_on")), *dims],
                    measures,
                    OUTCOMES,
                    f"{self.of_agreements()} WHERE a.status = '{AgreementStatus.ENDED.value}'{where}{district_sql}",
                ),
                [*params, *district_params],
            )
        )
        # Approved and paid: the approved lines of the claims whose ledger entry is in the month.
        # A claim's approved total is the sum of its approved lines, and a line's amount is its
        # city part, add-ons and district part: the two shares add up to the ledger exactly.
        where, params = self.dates("e.occurred_on")
        city, district = f"{q.fen('l.city')} + {q.fen('l.addons')}", q.fen("l.district")
        approved, paid = EntryKind.APPROVED.value, EntryKind.PAID.value
        parts.append(
            (
                self.select(
                    [("month", q.month("e.occurred_on")), *dims],
                    measures,
                    {
                        "approved_city": f"SUM(CASE WHEN e.kind = '{approved}' THEN {city} ELSE 0 END)",
                        "approved_district": f"SUM(CASE WHEN e.kind = '{approved}' THEN {district} ELSE 0 END)",
                        "paid_city": f"SUM(CASE WHEN e.kind = '{paid}' THEN {city} ELSE 0 END)",
                        "paid_district": f"SUM(CASE WHEN e.kind = '{paid}' THEN {district} ELSE 0 END)",
                    },
                    f" FROM {self.ledger} e JOIN {self.lines} l ON l.claim_id = e.claim_id{self.line_joins()}"
                    f" WHERE e.kind IN ('{approved}', '{paid}') AND l.status = '{LineStatus.APPROVED.value}'"
                    f"{where}{district_sql}",
                ),
                [*params, *district_params],
            )
        )
        parts.append(self.recovered(dims, measures))
        cte, cte_params = self.months_cte()
        keys = ("month", "district_id", "department_id", "category_id", "host_type")
        sql = self.insert(_t(MonthlyStat), keys, measures, parts, prefix=cte)
        return sql, [*cte_params, *(p for _, ps in parts for p in ps)]

    def recovered(self, dims: list[tuple[str, str]], measures: tuple[str, ...]) -> tuple[str, list[Any]]:
        """Repayments spread over the paid lines of the claims their recovery names.

        The ledger says how much came back and from which host, not for which month of which
        internship. Each repayment is spread over the approved lines of the recovery's claims in
        proportion to their amounts, rounded down to the fen, and what the rounding left goes to
        the largest line; each line's part is then split like the line (district share rounded
        half-up, the city share the rest). The parts add up to the repayment exactly.
        """
        q = self.q
        where, params = self.dates("e.occurred_on")
        district_sql, district_params = self.district()
        r, a = q.fen("e.amount"), q.fen("l.amount")
        dim_columns = ", ".join(f"{expr} AS {name}" for name, expr in dims)
        lines = (
            f"SELECT e.id AS entry, {q.month('e.occurred_on')} AS month, {dim_columns}, {r} AS r, {a} AS a, "
            f"{q.fen('l.district')} AS d, "
            f"CAST({r} * {a} / CAST(SUM({a}) OVER (PARTITION BY e.id) AS BIGINT) AS BIGINT) AS base, "
            "ROW_NUMBER() OVER (PARTITION BY e.id ORDER BY l.amount DESC, l.id) AS rn "
            f"FROM {self.ledger} e JOIN {self.recovery_claims} rc ON rc.recovery_id = e.recovery_id "
            f"JOIN {self.lines} l ON l.claim_id = rc.claim_id{self.line_joins()} "
            f"WHERE e.kind = '{EntryKind.RECOVERED.value}' AND l.status = '{LineStatus.APPROVED.value}'"
            f"{where}{district_sql}"
        )
        shared = (
            "SELECT y.*, y.base + CASE WHEN y.rn = 1 "
            "THEN y.r - CAST(SUM(y.base) OVER (PARTITION BY y.entry) AS BIGINT) ELSE 0 END AS part "
            f"FROM ({lines}) y"
        )
        split = (
            "SELECT x.*, CASE WHEN x.a = 0 THEN 0 ELSE (2 * x.part * x.d + x.a) / (2 * x.a) END AS dpart "
            f"FROM ({shared}) x"
        )
        sql = self.select(
            [("month", "z.month"), *((name, f"z.{name}") for name, _ in dims)],
            measures,
            {"recovered_city": "SUM(z.part - z.dpart)", "recovered_district": "SUM(z.dpart)"},
            f" FROM ({split}) z",
        )
        return sql, [*params, *district_params]

    # the daily tally of what R-TG-1 and R-TG-2 count -------------------------------------------

    def daily(self) -> tuple[str, list[Any]]:
        q = self.q
        measures = ("posts", "headcount", "placements")
        dims = [("district_id", "h.district_id"), ("department_id", "p.department_id")]
        district_sql, district_params = self.district()
        pub_where, pub_params = self.published()
        start_where, start_params = self.dates("a.start")
        parts = [
            (
                self.select(
                    [("day", q.local_date("p.published_at")), *dims],
                    measures,
                    {"posts": "COUNT(*)", "headcount": "SUM(p.headcount)"},
                    f" FROM {self.posts} p JOIN {self.hosts} h ON h.id = p.host_id"
                    f" WHERE 1 = 1{pub_where}{district_sql}",
                ),
                [self.tz, *pub_params, *district_params],
            ),
            (
                self.select(
                    [("day", "a.start"), *dims],
                    measures,
                    {"placements": "COUNT(*)"},
                    f"{self.of_agreements()} WHERE {self.placed()}{start_where}{district_sql}",
                ),
                [*start_params, *district_params],
            ),
        ]
        sql = self.insert(_t(DailyStat), ("day", "district_id", "department_id"), measures, parts)
        return sql, [p for _, ps in parts for p in ps]

    # a university's graduates ------------------------------------------------------------------

    def university(self) -> tuple[str, list[Any]]:
        q = self.q
        measures = PLACEMENT_COUNTS
        dims = [
            ("university_id", "y.university_id"),
            ("district_id", "h.district_id"),
            ("category_id", "p.category_id"),
        ]
        person = f" JOIN {self.persons} y ON y.id = a.person_id"
        graduates = "y.university_id IS NOT NULL"
        district_sql, district_params = self.district()
        start_where, start_params = self.dates("a.start")
        end_where, end_params = self.dates("a.ended_on")
        parts = [
            (
                self.select(
                    [("month", q.month("a.start")), *dims],
                    measures,
                    {"placements": "COUNT(*)"},
                    f"{self.of_agreements(person)} WHERE {graduates} AND {self.placed()}{start_where}{district_sql}",
                ),
                [*start_params, *district_params],
            ),
            (
                self.select(
                    [("month", "mo.m"), *dims],
                    measures,
                    {"in_internship": "COUNT(*)"},
                    f"{self.running(person)} WHERE {graduates} AND {self.placed()}{district_sql}",
                ),
                list(district_params),
            ),
            (
                self.select(
                    [("month", q.month("a.ended_on")), *dims],
                    measures,
                    OUTCOMES,
                    f"{self.of_agreements(person)} WHERE {graduates} "
                    f"AND a.status = '{AgreementStatus.ENDED.value}'{end_where}{district_sql}",
                ),
                [*end_params, *district_params],
            ),
        ]
        cte, cte_params = self.months_cte()
        keys = ("month", "university_id", "district_id", "category_id")
        sql = self.insert(_t(UniversityMonthlyStat), keys, measures, parts, prefix=cte)
        return sql, [*cte_params, *(p for _, ps in parts for p in ps)]

    def rollup(self) -> tuple[str, list[Any]]:
        measures = (*COUNTS, *MONEY)
        where, params = self.dates("month")
        district_sql, district_params = self.district("district_id")
        sql = (
            f"INSERT INTO {_t(MonthlyDistrictStat)} (month, district_id, department_id, {', '.join(measures)}) "
            f"SELECT month, district_id, department_id, {', '.join(f'SUM({m})' for m in measures)} "
            f"FROM {_t(MonthlyStat)} WHERE 1 = 1{where}{district_sql} GROUP BY month, district_id, department_id"
        )
        return sql, [*params, *district_params]


OUTCOMES = {
    **{o.value: f"SUM(CASE WHEN a.outcome = '{o.value}' THEN 1 ELSE 0 END)" for o in Outcome},
    "retained": "SUM(CASE WHEN a.retained THEN 1 ELSE 0 END)",
}


# --- refreshing ----------------------------------------------------------------------------------


def _cells(first: date, last: date, district_id: int | None) -> Q:
    cells = Q(month__gte=month_first(first), month__lte=month_first(last))
    return cells & Q(district_id=district_id) if district_id is not None else cells


def _lock(first: date, last: date, district_id: int | None) -> list[int]:
    """The stamps of the cells, created if new, locked in (month, district) order."""
    district_ids = (
        [district_id] if district_id is not None else list(District.objects.order_by("pk").values_list("pk", flat=True))
    )
    StatStamp.objects.bulk_create(
        [StatStamp(month=m, district_id=d) for m in months(first, last) for d in district_ids],
        ignore_conflicts=True,
    )
    stamps = (
        StatStamp.objects.select_for_update().filter(_cells(first, last, district_id)).order_by("month", "district")
    )
    return list(stamps.values_list("pk", flat=True))


def refresh(*, first: date, last: date, district_id: int | None = None) -> Refreshed:
    """Recompute the months of ``first`` to ``last`` (any days in them), for one district or all."""
    if last < first:
        raise ValueError("last before first")
    first, last = month_first(first), month_first(last)
    facts = _Facts(first, last, district_id)
    with transaction.atomic():
        stamps = _lock(first, last, district_id)
        started = timezone.now()
        cells = _cells(first, last, district_id)
        day_cells = Q(day__gte=first, day__lte=month_last(last))
        if district_id is not None:
            day_cells &= Q(district_id=district_id)
        MonthlyStat.objects.filter(cells).delete()
        MonthlyDistrictStat.objects.filter(cells).delete()
        DailyStat.objects.filter(day_cells).delete()
        UniversityMonthlyStat.objects.filter(cells).delete()
        with connection.cursor() as cursor:
            for sql, params in (facts.monthly(), facts.rollup(), facts.daily(), facts.university()):
                cursor.execute(sql, params)
        StatStamp.objects.filter(pk__in=stamps).update(refreshed_at=started)
    return Refreshed(first=first, last=last, district_id=district_id)


def data_months(today: date) -> tuple[date, date] | None:
    """The first and last month any raw row counts in (at least through December of this year)."""
    published = Post.objects.aggregate(first=Min("published_at"), last=Max("published_at"))
    placed = Agreement.objects.filter(status__in=PLACED).aggregate(first=Min("start"), last=Max("end"))
    money = LedgerEntry.objects.aggregate(first=Min("occurred_on"), last=Max("occurred_on"))
    firsts = [d for d in (placed["first"], money["first"]) if d is not None]
    lasts = [d for d in (placed["last"], money["last"]) if d is not None]
    if published["first"] is not None:
        firsts.append(timezone.localdate(published["first"]))
        lasts.append(timezone.localdate(published["last"]))
    if not firsts:
        return None
    return month_first(min(firsts)), month_first(max([*lasts, date(today.year, 12, 1)]))


def chunks(first: date, last: date, size: int) -> Iterator[tuple[date, date]]:
    ms = months(first, last)
    for i in range(0, len(ms), size):
        yield ms[i], ms[min(i + size, len(ms)) - 1]


def refresh_all(*, today: date, months_per_chunk: int = 3) -> list[Refreshed]:
    """Every month that has data, a few months per transaction; rows outside them go."""
    span = data_months(today)
    with transaction.atomic():
        outside = ~Q(month__gte=span[0], month__lte=span[1]) if span else Q()
        for model in (MonthlyStat, MonthlyDistrictStat, UniversityMonthlyStat, StatStamp):
            model.objects.filter(outside).delete()
        days = ~Q(day__gte=span[0], day__lte=month_last(span[1])) if span else Q()
        DailyStat.objects.filter(days).delete()
    if span is None:
        return []
    return [refresh(first=a, last=b) for a, b in chunks(span[0], span[1], months_per_chunk)]


def refresh_dirty() -> list[Refreshed]:
    """The cells changed since their last refresh, each district's run of months at once."""
    dirty = StatStamp.objects.filter(
        Q(changed_at__isnull=False) & (Q(refreshed_at__isnull=True) | Q(changed_at__gt=F("refreshed_at")))
    ).order_by("district_id", "month")
    by_district: dict[int, list[date]] = {}
    for district_id, month in dirty.values_list("district_id", "month"):
        by_district.setdefault(district_id, []).append(month)
    done = []
    for district_id, ms in by_district.items():
        for first, last in _runs(ms):
            done.append(refresh(first=first, last=last, district_id=district_id))
    return done


def _runs(ms: Iterable[date]) -> Iterator[tuple[date, date]]:
    """Consecutive months as (first, last) runs."""
    run: list[date] = []
    for m in sorted(ms):
        if run and m != add_months(run[-1], 1):
            yield run[0], run[-1]
            run = []
        run.append(m)
    if run:
        yield run[0], run[-1]


# --- after a change -------------------------------------------------------------------------------


def stats_changed(
    *, first: date, last: date | None = None, host_id: int | None = None, district_ids: Iterable[int] = ()
) -> None:
    """A service changed what the months ``first``..``last`` count for a host's district (or districts).

    Call it inside the service's transaction: after the commit the cells are marked changed and,
    with ``STATS_REFRESH_ON_CHANGE``, refreshed. Nothing here can fail the service.
    """
    last = last or first
    districts = sorted(set(district_ids))

    def after_commit() -> None:
        try:
            if host_id is not None:
                districts.extend(Host.objects.filter(pk=host_id).values_list("district_id", flat=True))
            for district_id in districts:
                mark_changed(first=first, last=last, district_id=district_id)
                if settings.STATS_REFRESH_ON_CHANGE:
                    refresh(first=first, last=last, district_id=district_id)
        except Exception:  # the change itself is committed; the next --dirty run catches up
            log.exception("statistics refresh after a change failed")

    transaction.on_commit(after_commit)


def mark_changed(*, first: date, last: date, district_id: int) -> None:
    StatStamp.objects.bulk_create(
        [StatStamp(month=m, district_id=district_id) for m in months(first, last)], ignore_conflicts=True
    )
    StatStamp.objects.filter(_cells(first, last, district_id)).update(changed_at=timezone.now())
