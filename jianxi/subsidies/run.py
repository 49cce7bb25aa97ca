"""The monthly claim run: draft claims for every host and ended month with attendance (R-SUB-4).

Set-based: one query finds every claimable internship-month together with the facts its quote
reads; the policy and calendar are looked up once for the whole run; then, per chunk of hosts,
the engine computes the lines, and the claims and their lines are written in one transaction
per chunk (on PostgreSQL as two COPYs, by several connections at once while the next chunk is
computed; docs/BENCHMARKS.md has the figures and how they came about). Safe to run twice
(a second run finds nothing left to claim) and safe to interrupt (a finished chunk is committed
whole, an unfinished one not at all; a rerun finishes the job).
"""

from __future__ import annotations

import os
import queue
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from itertools import groupby
from operator import itemgetter
from typing import Any

from django.db import IntegrityError, connection, models, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from jianxi.core.errors import RuleError
from jianxi.hosts.models import HostStatus
from jianxi.placements.models import AgreementStatus, Attendance
from jianxi.policy import engine
from jianxi.policy.engine.dates import month_first
from jianxi.policy.selectors import engine_policy, work_calendar
from jianxi.policy.workcal import WorkCalendar
from jianxi.subsidies.models import Claim, ClaimKind, ClaimLine, ClaimStatus, LineStatus
from jianxi.subsidies.services import line_values, quote_for, retention_of

CHUNK_HOSTS = 500
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Problem:
    """An internship the engine refused to quote (say, attendance beyond a corrected calendar)."""

    agreement_id: int
    code: str
    message: str


@dataclass(frozen=True)
class RunResult:
    claims: int
    lines: int
    skipped_chunks: int
    # One refusal does not stop a city's run: the others are drafted, these are reported.
    problems: tuple[Problem, ...] = ()


@dataclass(frozen=True, slots=True)
class AgreementRow:
    """The fields a quote reads, loaded as plain values: no model instances in a city-scale run."""

    start: date
    end: date
    status: str
    ended_on: date | None
    outcome: str
    contract_start: date | None
    contract_months: int | None
    insured_months: str


_FACTS = [f"agreement__{name}" for name in AgreementRow.__slots__]
# A claimable row: host, agreement, month, attended days, allowance paid, the agreement's facts,
# district code.
Row = tuple[Any, ...]
_HOST, _AGREEMENT, _MONTH, _ATTENDED, _PAID = 0, 1, 2, 3, 4
_FACTS_AT, _DISTRICT = slice(5, 5 + len(_FACTS)), 5 + len(_FACTS)


def claimable_rows(today: date, district_id: int | None = None) -> list[Row]:
    """Every internship-month that could be claimed today and is in no live claim: one query.

    Ordered by host, agreement and month; each row carries what the quote of its agreement reads.
    """
    claimed = ClaimLine.objects.filter(
        agreement_id=OuterRef("agreement_id"), month=OuterRef("month"), kind=ClaimKind.MONTHLY
    ).exclude(status=LineStatus.REJECTED)
    rows = Attendance.objects.filter(
        month__lt=month_first(today),
        agreement__subsidy_eligible=True,
        agreement__status__in=(AgreementStatus.ACTIVE, AgreementStatus.ENDED),
        agreement__host__status=HostStatus.APPROVED,
    ).exclude(Exists(claimed))
    if district_id is not None:  # a district officer's run covers that district only
        rows = rows.filter(agreement__host__district_id=district_id)
    ordered = rows.order_by("agreement__host_id", "agreement_id", "month")
    return list(
        ordered.values_list(
            "agreement__host_id",
            "agreement_id",
            "month",
            "attended_days",
            "allowance_paid",
            *_FACTS,
            "agreement__host__district__code",
        )
    )


@dataclass(frozen=True)
class _InForce:
    """The policy and calendar of every agreement of the run, looked up before any computing.

    One lookup per distinct start date and span of years, and one version of the policy data
    for the whole run; afterwards the engine's work needs no database.
    """

    policies: dict[date, engine.Policy]
    calendars: dict[tuple[int, int], WorkCalendar]
    retention: dict[int, Decimal]  # per host, for retention tiers (R-SUB-8)

    @classmethod
    def of(cls, rows: list[Row], today: date) -> _InForce:
        starts = {row[_FACTS_AT][0] for row in rows}
        spans = {(row[_FACTS_AT][0].year, row[_FACTS_AT][1].year) for row in rows}
        policies = {start: engine_policy(start) for start in starts}
        tiered = any(policy.retention_tiers for policy in policies.values())
        return cls(
            policies=policies,
            calendars={(first, last): work_calendar(range(first, last + 1)) for first, last in spans},
            retention=retention_of(on=today) if tiered else {},
        )


def claim_run(
    *, today: date, progress: Progress | None = None, district_id: int | None = None, writers: int | None = None
) -> RunResult:
    """Draft a claim per host for every claimable month; ``writers``: database connections to write on.

    On PostgreSQL, outside a transaction, chunks are written by ``writers`` threads on their own
    connections (default: the CPU count, at most 4), so the database works on several at once
    while this thread computes the next. Inside a transaction (the caller's, a test's) or on
    SQLite, which has a single writer, every chunk is written here, on this connection.
    """
    rows = claimable_rows(today, district_id)
    in_force = _InForce.of(rows, today)
    hosts = [(host_id, list(host_rows)) for host_id, host_rows in groupby(rows, itemgetter(_HOST))]
    chunks = [hosts[start : start + CHUNK_HOSTS] for start in range(0, len(hosts), CHUNK_HOSTS)]
    if writers is None:
        writers = min(os.cpu_count() or 1, 4)
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        writers = 0
    problems: list[Problem] = []
    plans = ((len(chunk), _Prepared(_plan(chunk, today, in_force, problems))) for chunk in chunks)
    outcomes = _write_in_threads(plans, writers) if writers > 0 else ((n, _write(planned)) for n, planned in plans)
    claims = lines = skipped = done = 0
    for n_hosts, outcome in outcomes:
        if outcome is None:
            skipped += 1  # a host claimed some of these months meanwhile: the next run retries
        else:
            claims, lines = claims + outcome[0], lines + outcome[1]
        done += n_hosts
        if progress is not None:
            progress(done, len(hosts))
    return RunResult(claims, lines, skipped, tuple(problems))


Outcome = tuple[int, tuple[int, int] | None]


def _write_in_threads(plans: Iterator[tuple[int, _Prepared]], writers: int) -> Iterator[Outcome]:
    """Write each chunk on one of ``writers`` threads; yield the outcomes here, as they come."""
    todo: queue.Queue[tuple[int, _Prepared] | None] = queue.Queue(maxsize=writers)
    finished: queue.Queue[Outcome | BaseException] = queue.Queue()

    def work() -> None:
        try:
            while (job := todo.get()) is not None:
                try:
                    finished.put((job[0], _write(job[1])))
                except BaseException as exc:  # handed to the calling thread, which raises it
                    finished.put(exc)
        finally:
            connection.close()  # this thread's own connection

    threads = [threading.Thread(target=work, name=f"claim-run-writer-{n}", daemon=True) for n in range(writers)]
    for thread in threads:
        thread.start()
    sent = received = 0
    try:
        for job in plans:
            todo.put(job)
            sent += 1
            while not finished.empty():
                received += 1
                yield _outcome(finished.get())
        while received < sent:
            received += 1
            yield _outcome(finished.get())
    finally:
        for _ in threads:
            todo.put(None)
        for thread in threads:
            thread.join()


def _outcome(item: Outcome | BaseException) -> Outcome:
    if isinstance(item, BaseException):
        raise item
    return item


Planned = list[tuple[int, list[tuple[int, date, engine.MonthLine]]]]


def _plan(hosts: list[tuple[int, list[Row]]], today: date, in_force: _InForce, problems: list[Problem]) -> Planned:
    """Each host's lines, computed by the engine alone (no database); refusals go to ``problems``."""
    return [(host_id, lines) for host_id, rows in hosts if (lines := _host_lines(rows, today, in_force, problems))]


def _host_lines(
    rows: Sequence[Row], today: date, in_force: _InForce, problems: list[Problem]
) -> list[tuple[int, date, engine.MonthLine]]:
    """The engine's line for each claimable month of one host's rows."""
    lines = []
    for agreement_id, grouped in groupby(rows, itemgetter(_AGREEMENT)):
        months = list(grouped)
        agreement = AgreementRow(*months[0][_FACTS_AT])
        try:
            quote = quote_for(
                agreement,
                attendance={engine.month_key(row[_MONTH]): row[_ATTENDED] for row in months},
                paid_by_month={engine.month_key(row[_MONTH]): row[_PAID] for row in months if row[_PAID] is not None},
                as_of=today,
                district_code=months[0][_DISTRICT],
                only_months=[row[_MONTH] for row in months],
                policy=in_force.policies[agreement.start],
                calendar=in_force.calendars[agreement.start.year, agreement.end.year],
                retention_rate=in_force.retention.get(months[0][_HOST]),
            )
        except RuleError as err:
            problems.append(Problem(agreement_id, err.code, err.message))
            continue
        # A month outside a shortened internship has no line: it is left out of the claim.
        computed = {line.month: line for line in quote.months}
        for row in months:
            figures = computed.get(engine.month_key(row[_MONTH]))
            if figures is not None:
                lines.append((agreement_id, row[_MONTH], figures))
    return lines


class _Prepared:
    """One chunk ready for the database, made on the calling thread so writers only send it.

    On PostgreSQL the claim ids are drawn from the sequence here and both tables' rows are
    encoded as COPY text, so a writer thread holds the GIL for next to nothing. On SQLite the
    plan goes as it is (one writer, on the calling thread).
    """

    def __init__(self, planned: Planned) -> None:
        self.claims, self.lines = len(planned), sum(len(host_lines) for _, host_lines in planned)
        self.planned: Planned | None = planned
        self.copy_claims = self.copy_lines = b""
        if connection.vendor == "postgresql" and planned:
            self.copy_claims, self.copy_lines = _encode(planned, _claim_ids(len(planned)))
            self.planned = None


def _claim_ids(n: int) -> list[int]:
    sequence = f"pg_get_serial_sequence('{Claim._meta.db_table}', 'id')"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT nextval({sequence}) FROM generate_series(1, %s)", [n])  # noqa: S608
        return [row[0] for row in cursor.fetchall()]


_CLAIM_COLUMNS = ["id", "host_id", "kind", "status", "note", "approved_total", "created_at"]
_LINE_COLUMNS = [
    "claim_id", "agreement_id", "month", "kind", "status", "reject_reason", "working_days", "scheduled_days",
    "attended_days", "rate", "city", "addons", "district", "amount", "rules",
]  # fmt: skip


def _copy_text(value: str) -> str:
    """A text value in PostgreSQL's COPY text format."""
    return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def _encode(planned: Planned, claim_ids: list[int]) -> tuple[bytes, bytes]:
    now = timezone.now().isoformat()
    claims = "".join(
        f"{claim_id}\t{host_id}\t{ClaimKind.MONTHLY.value}\t{ClaimStatus.DRAFT.value}\t\t0\t{now}\n"
        for claim_id, (host_id, _) in zip(claim_ids, planned, strict=True)
    )
    # Many lines share one engine line (the same month, days and district): encode its figures once.
    figures_text: dict[int, str] = {}
    kind, status, parts = ClaimKind.MONTHLY.value, LineStatus.PENDING.value, []
    for claim_id, (_, host_lines) in zip(claim_ids, planned, strict=True):
        for agreement_id, month, figures in host_lines:
            text = figures_text.get(id(figures))
            if text is None:
                values = line_values(figures)
                values["rules"] = _copy_text(values["rules"])
                text = figures_text[id(figures)] = "\t".join(str(v) for v in values.values())
            parts.append(f"{claim_id}\t{agreement_id}\t{month.isoformat()}\t{kind}\t{status}\t\t{text}\n")
    return claims.encode(), "".join(parts).encode()


def _write(prepared: _Prepared) -> tuple[int, int] | None:
    """One chunk's claims and lines, in one transaction; ``None`` if a host claimed some months meanwhile."""
    own_transaction = not connection.in_atomic_block
    try:
        with transaction.atomic():
            if prepared.planned is None:
                if own_transaction:
                    _checks_by_index()
                _copy(Claim, _CLAIM_COLUMNS, prepared.copy_claims)
                _copy(ClaimLine, _LINE_COLUMNS, prepared.copy_lines)
            else:
                _insert(prepared.planned)
    except IntegrityError:
        return None
    return prepared.claims, prepared.lines


def _checks_by_index() -> None:
    """Each line's foreign-key check finds its claim by the primary key, however few claims there were.

    PostgreSQL plans that check once per connection, from the table's statistics: while the
    claims table is empty or nearly (a new deployment, the first run of a city), it would scan
    the whole table for every line, and the claims this run adds make each scan longer. Only
    this transaction's own checks are affected (it writes nothing but the two COPYs).
    """
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")


def _copy(model: type[models.Model], columns: list[str], data: bytes) -> None:
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    with connection.cursor() as cursor, cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
        copy.write(data)


def _insert(planned: Planned) -> None:
    claims = Claim.objects.bulk_create([Claim(host_id=host_id, kind=ClaimKind.MONTHLY) for host_id, _ in planned])
    rows = [
        (claim.pk, agreement_id, month, ClaimKind.MONTHLY, LineStatus.PENDING, "", *line_values(figures).values())
        for claim, (_, host_lines) in zip(claims, planned, strict=True)
        for agreement_id, month, figures in host_lines
    ]
    table = connection.ops.quote_name(ClaimLine._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(c) for c in _LINE_COLUMNS)
    marks = ", ".join(["%s"] * len(_LINE_COLUMNS))
    with connection.cursor() as cursor:
        cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", rows)  # noqa: S608
