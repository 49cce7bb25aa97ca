"""Drafting claims (R-SUB-4): the one path from claimable internship-months to draft claims.

Both the monthly claim run (``claim_run``: every host, or a district's) and a host's "prepare
claim" (``draft_for_host``, called by ``services.claim_prepare``) go through here:

1. ``claimable_rows``: the one statement of what can be claimed — months before the current one
   with attendance, of subsidised internships under way or ended, of approved hosts, in no live
   claim line — in one query that also brings the facts each quote reads;
2. ``plan``: the engine's lines for them (quoting.py), per host, without the database; an
   internship the engine refuses is reported, the others are still drafted. Each distinct set
   of facts is quoted once per run (``Quotes``): interns share them by the thousand;
3. ``_write``: each chunk's claims (with their author and history rows) and lines in one
   transaction — on PostgreSQL as COPYs, by several connections at once while the next chunk is
   computed (docs/BENCHMARKS.md has the figures and how they came about). The columns written
   are the declared tuples ``CLAIM_COLUMNS``, ``CLAIM_HISTORY_COLUMNS`` and ``LINE_COLUMNS``
   (tests/subsidies/test_claim_run.py checks them against the models).

Safe to run twice (a second run finds nothing left to claim) and safe to interrupt (a finished
chunk is committed whole, an unfinished one not at all; a rerun finishes the job). The run's
single-run guard (one unfinished run per district, and one city-wide) is in tasks.py.
"""

from __future__ import annotations

import os
import queue
import threading
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from itertools import groupby
from operator import itemgetter
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, models, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext

from jianxi.accounts.models import User
from jianxi.core import audit
from jianxi.core.errors import RuleError
from jianxi.hosts.models import Host, HostStatus
from jianxi.placements.models import AgreementStatus, Attendance
from jianxi.policy import engine
from jianxi.policy.engine.dates import month_first
from jianxi.subsidies.models import Claim, ClaimKind, ClaimLine, ClaimStatus, LineStatus
from jianxi.subsidies.quoting import FACT_FIELDS, LINE_FIGURES, AgreementRow, InForce, line_values, quote_for
from jianxi.subsidies.yearclose import months_of, past_deadline

CHUNK_HOSTS = 500  # default of CLAIM_RUN_CHUNK_HOSTS
Progress = Callable[[int, int], None]
Counts = Callable[[int, int, int], None]
RUN_REASON = "月度申报生成任务"
PREPARE_REASON = "单位生成申报草稿"


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


_FACTS = [f"agreement__{name}" for name in FACT_FIELDS]
# A claimable row: host, agreement, month, attended days, allowance paid, the agreement's facts,
# district code.
Row = tuple[Any, ...]
_HOST, _AGREEMENT, _MONTH, _ATTENDED, _PAID = 0, 1, 2, 3, 4
_FACTS_AT, _DISTRICT = slice(5, 5 + len(_FACTS)), 5 + len(_FACTS)


def claimable_rows(
    today: date,
    *,
    district_id: int | None = None,
    host_id: int | None = None,
    agreement_ids: Iterable[int] | None = None,
    host_range: tuple[int, int] | None = None,
) -> list[Row]:
    """R-SUB-4: every internship-month that can be claimed today and is in no live claim, in one query.

    A month before the current one, with attendance recorded, of a subsidised internship under
    way or ended, of an approved host, in no monthly claim line that is not rejected, of a year
    whose claim deadline has not passed (year close). Ordered by
    host, agreement and month; each row carries what the quote of its agreement reads. Narrowed
    to a district (a district officer's run), a range of host ids (a chunk of a run), a host and
    some of its agreements (its "prepare").
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
    closed = past_deadline(today)
    if closed:  # year close: months of a year past its claim deadline are no longer claimable
        rows = rows.exclude(months_of(closed))
    if district_id is not None:
        rows = rows.filter(agreement__host__district_id=district_id)
    if host_id is not None:
        rows = rows.filter(agreement__host_id=host_id)
    if host_range is not None:
        rows = rows.filter(agreement__host__pk__range=host_range)
    if agreement_ids is not None:
        rows = rows.filter(agreement_id__in=list(agreement_ids))
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


def in_force_for(rows: Sequence[Row], today: date, host_ids: Iterable[int] | None = None) -> InForce:
    """The policy, calendars and retention rates the rows' quotes need, looked up once."""
    return InForce.of(((row[_FACTS_AT][0], row[_FACTS_AT][1]) for row in rows), today, host_ids)


def claim_run(
    *,
    operator: User,
    today: date,
    progress: Progress | None = None,
    district_id: int | None = None,
    writers: int | None = None,
    counts: Counts | None = None,
) -> RunResult:
    """Draft a claim per host for every claimable month; ``writers``: database connections to write on.

    ``operator``: the officer the run runs for, the author of every claim it drafts. Use it
    through ``tasks.claim_run_start`` / ``tasks.claim_run_now``, which take the single-run guard.

    The hosts are taken ``CLAIM_RUN_CHUNK_HOSTS`` at a time (by id), each chunk's claimable
    rows read, quoted and written before the next is read: memory is bounded by a chunk,
    whatever the size of the district or city. ``progress(done, total)`` gets the hosts done;
    ``counts(claims, lines, skipped)`` what this call has committed so far, after each chunk.

    On PostgreSQL, outside a transaction, chunks are written by ``writers`` threads on their own
    connections (default: the CPU count, at most 4), so the database works on several at once
    while this thread computes the next. Inside a transaction (the caller's, a test's) or on
    SQLite, which has a single writer, every chunk is written here, on this connection.
    """
    host_ids = list(
        Host.objects.filter(status=HostStatus.APPROVED, **({"district_id": district_id} if district_id else {}))
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    size = chunk_hosts()
    ranges = [(host_ids[i], host_ids[min(i + size, len(host_ids)) - 1]) for i in range(0, len(host_ids), size)]
    if writers is None:
        writers = min(os.cpu_count() or 1, 4)
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        writers = 0
    problems: list[Problem] = []

    quotes = Quotes()  # one quote per distinct set of facts, for the whole run
    texts: Texts = {}  # and the COPY text of each distinct engine line

    def plans() -> Iterator[tuple[int, _Prepared]]:
        for low, high in ranges:
            rows = _chunk_rows(today, district_id, (low, high))
            in_force = in_force_for(rows, today, host_ids={row[_HOST] for row in rows})
            hosts = [(host_id, list(host_rows)) for host_id, host_rows in groupby(rows, itemgetter(_HOST))]
            n_hosts = bisect_right(host_ids, high) - bisect_left(host_ids, low)
            yield n_hosts, _Prepared(plan(hosts, today, in_force, problems, quotes), operator, RUN_REASON, texts)

    outcomes = _write_in_threads(plans(), writers) if writers > 0 else ((n, _write(p)) for n, p in plans())
    claims = lines = skipped = done = 0
    for n_hosts, outcome in outcomes:
        if outcome is None:
            skipped += 1  # a host claimed some of these months meanwhile: the next run retries
        else:
            claims, lines = claims + outcome.claims, lines + outcome.lines
        done += n_hosts
        if counts is not None:
            counts(claims, lines, skipped)
        if progress is not None:
            progress(done, len(host_ids))
    return RunResult(claims, lines, skipped, tuple(problems))


def _chunk_rows(today: date, district_id: int | None, host_range: tuple[int, int]) -> list[Row]:
    """One chunk's claimable rows, read by index whatever the tables' statistics say.

    A chunk is a few thousand internship-months among millions, so its rows are found by the
    indexes: the hosts' agreements, their attendance, and each month's claim line probed by the
    lines' unique index. PostgreSQL's planner, left to itself, hashed whole tables for every
    chunk instead — a full scan of the attendance and of the claim lines per chunk, so a run's
    reads grew with chunks × table size (quadratic in the city: 34 chunks of a 100,000-internship
    run read 10 million attendance rows), and the claim lines it hashed were the very ones this
    run had just written, which the statistics taken before the run do not count. Only this
    read's own transaction is affected.
    """
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return claimable_rows(today, district_id=district_id, host_range=host_range)
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT set_config('enable_hashjoin', 'off', true), set_config('enable_mergejoin', 'off', true),"
                " set_config('enable_seqscan', 'off', true)"
            )
        return claimable_rows(today, district_id=district_id, host_range=host_range)


def chunk_hosts() -> int:
    return int(getattr(settings, "CLAIM_RUN_CHUNK_HOSTS", CHUNK_HOSTS))


def draft_for_host(*, actor: User, host_id: int, today: date, agreement_ids: Iterable[int] | None = None) -> int | None:
    """A host's "prepare claim": the run's path for one host (and some of its agreements).

    Runs in the caller's transaction, which holds the host's row lock. Returns the new claim's
    id, or None when nothing is claimable; a refusal of the engine, or a month claimed meanwhile
    (R-SUB-4), is raised as a RuleError and nothing is drafted.
    """
    rows = claimable_rows(today, host_id=host_id, agreement_ids=agreement_ids)
    if not rows:
        return None
    problems: list[Problem] = []
    planned = plan([(host_id, rows)], today, in_force_for(rows, today, host_ids=[host_id]), problems)
    if problems:
        raise RuleError(problems[0].code, problems[0].message)
    if not planned:  # every month lies outside a shortened internship: nothing to claim
        return None
    drafted = _write(_Prepared(planned, actor, PREPARE_REASON))
    if drafted is None:
        raise RuleError("R-SUB-4", gettext("部分见习月份已在其他申报中，不能重复申报（R-SUB-4）。"))
    return drafted.claim_ids[0]


@dataclass(frozen=True)
class Drafted:
    claims: int
    lines: int
    claim_ids: tuple[int, ...]


Outcome = tuple[int, Drafted | None]


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


def plan(
    hosts: Sequence[tuple[int, Sequence[Row]]],
    today: date,
    in_force: InForce,
    problems: list[Problem],
    quotes: Quotes | None = None,
) -> Planned:
    """Each host's lines, computed by the engine alone (no database); refusals go to ``problems``.

    ``quotes``: what earlier chunks of the same run quoted (a run passes one for all its chunks).
    """
    quotes = Quotes() if quotes is None else quotes
    return [
        (host_id, lines) for host_id, rows in hosts if (lines := _host_lines(rows, today, in_force, problems, quotes))
    ]


# The engine's answer for one set of facts: its lines by "YYYY-MM", or its refusal (code, message).
Answer = dict[str, engine.MonthLine] | tuple[str, str]


class Quotes:
    """The engine's answers of one run, by everything a quote reads.

    Interns of a city share their facts by the thousand — the same start and end, the same
    months attended in full, the same district and policy — and a quote is a pure function of
    those facts, so each distinct set is quoted once and its lines reused (the same line
    objects, the same figures to the fen). The key holds the facts themselves, with the policy
    and calendar by identity: a run looks them up once per chunk, and each answer keeps its
    policy and calendar alive, so an identity is never another object's while it is kept.
    """

    LIMIT = 20_000  # answers kept (about 1 KB each); past that the memo starts again

    def __init__(self) -> None:
        self.answers: dict[tuple[object, ...], tuple[Answer, object, object]] = {}

    def answer(self, months: Sequence[Row], today: date, in_force: InForce) -> Answer:
        first = months[0]
        facts = first[_FACTS_AT]
        agreement = AgreementRow(*facts)
        policy = in_force.policies[agreement.start]
        calendar = in_force.calendars[agreement.start.year, agreement.end.year]
        retention = in_force.retention.get(first[_HOST])
        recorded = tuple((row[_MONTH], row[_ATTENDED], row[_PAID]) for row in months)
        key = (facts, first[_DISTRICT], recorded, retention, today, id(policy), id(calendar))
        known = self.answers.get(key)
        if known is not None:
            return known[0]
        answer: Answer
        try:
            quote = quote_for(
                agreement,
                attendance={engine.month_key(month): days for month, days, _ in recorded},
                paid_by_month={engine.month_key(month): paid for month, _, paid in recorded if paid is not None},
                as_of=today,
                district_code=first[_DISTRICT],
                only_months=[month for month, _, _ in recorded],
                policy=policy,
                calendar=calendar,
                retention_rate=retention,
            )
        except RuleError as err:
            answer = (err.code, err.message)
        else:
            answer = {line.month: line for line in quote.months}
        if len(self.answers) >= self.LIMIT:
            self.answers.clear()
        self.answers[key] = (answer, policy, calendar)
        return answer


def _host_lines(
    rows: Sequence[Row], today: date, in_force: InForce, problems: list[Problem], quotes: Quotes
) -> list[tuple[int, date, engine.MonthLine]]:
    """The engine's line for each claimable month of one host's rows."""
    lines = []
    for agreement_id, grouped in groupby(rows, itemgetter(_AGREEMENT)):
        months = list(grouped)
        computed = quotes.answer(months, today, in_force)
        if isinstance(computed, tuple):
            problems.append(Problem(agreement_id, *computed))
            continue
        # A month outside a shortened internship has no line: it is left out of the claim.
        for row in months:
            figures = computed.get(engine.month_key(row[_MONTH]))
            if figures is not None:
                lines.append((agreement_id, row[_MONTH], figures))
    return lines


# --- the columns written, declared once ------------------------------------------------------------

# A drafted claim: what is set; every other column of the claims table is NULL or its default.
CLAIM_COLUMNS: tuple[str, ...] = (
    "id", "host_id", "kind", "status", "note", "approved_total", "created_by_id", "created_at",
)  # fmt: skip
# Its history row (django-simple-history's table): the claim as drafted, and who drafted it why.
CLAIM_HISTORY_COLUMNS: tuple[str, ...] = (
    *CLAIM_COLUMNS, "history_date", "history_change_reason", "history_type", "history_user_id",
)  # fmt: skip
# A drafted line: which month of which internship, in which claim, and the engine's figures.
LINE_KEYS: tuple[str, ...] = ("claim_id", "agreement_id", "month", "kind", "status", "reject_reason")
LINE_COLUMNS: tuple[str, ...] = (*LINE_KEYS, *LINE_FIGURES)
# The same value in every drafted line: a pending monthly line without a reason.
_LINE_FIXED = {"kind": ClaimKind.MONTHLY.value, "status": LineStatus.PENDING.value, "reject_reason": ""}


def _claim_values(claim_id: int | None, host_id: int, operator_id: int, now: datetime) -> dict[str, Any]:
    values = {
        "id": claim_id,
        "host_id": host_id,
        "kind": ClaimKind.MONTHLY.value,
        "status": ClaimStatus.DRAFT.value,
        "note": "",
        "approved_total": 0,
        "created_by_id": operator_id,
        "created_at": now,
    }
    assert tuple(values) == CLAIM_COLUMNS
    return values


def _line_row(claim_id: int, agreement_id: int, month: date, figures: engine.MonthLine) -> tuple[Any, ...]:
    given = {"claim_id": claim_id, "agreement_id": agreement_id, "month": month, **_LINE_FIXED}
    return (*(given[c] for c in LINE_KEYS), *line_values(figures).values())


class _Prepared:
    """One chunk ready for the database, made on the calling thread so writers only send it.

    On PostgreSQL the claim ids are drawn from the sequence here and the rows of the three
    tables are encoded as COPY text, so a writer thread holds the GIL for next to nothing. On
    SQLite the plan goes as it is (one writer, on the calling thread).
    """

    def __init__(self, planned: Planned, operator: User, reason: str, texts: Texts | None = None) -> None:
        self.claims, self.lines = len(planned), sum(len(host_lines) for _, host_lines in planned)
        self.planned: Planned | None = planned
        self.operator, self.reason = operator, reason
        self.claim_ids: tuple[int, ...] = ()
        self.copy_claims = self.copy_history = self.copy_lines = b""
        if connection.vendor == "postgresql" and planned:
            self.claim_ids = tuple(_claim_ids(len(planned)))
            self.copy_claims, self.copy_history, self.copy_lines = _encode(
                planned, self.claim_ids, operator.pk, reason, {} if texts is None else texts
            )
            self.planned = None


def _claim_ids(n: int) -> list[int]:
    sequence = f"pg_get_serial_sequence('{Claim._meta.db_table}', 'id')"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT nextval({sequence}) FROM generate_series(1, %s)", [n])  # noqa: S608
        return [row[0] for row in cursor.fetchall()]


def _copy_text(value: object) -> str:
    """A value in PostgreSQL's COPY text format (None is NULL)."""
    if value is None:
        return "\\N"
    text = value.isoformat() if isinstance(value, date | datetime) else str(value)
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def _copy_line(values: Iterable[object]) -> str:
    return "\t".join(_copy_text(v) for v in values) + "\n"


# Each line's key columns as COPY text, made from LINE_KEYS: the varying ones (in this order)
# are filled in per line with %, the fixed ones are written here once.
_VARYING = ("claim_id", "agreement_id", "month")
assert tuple(c for c in LINE_KEYS if c in _VARYING) == _VARYING
assert tuple(c for c in CLAIM_COLUMNS if c in ("id", "host_id")) == ("id", "host_id")
_LINE_KEYS_TEXT = "\t".join("%s" if c in _VARYING else _copy_text(_LINE_FIXED[c]) for c in LINE_KEYS)


# The COPY text of an engine line's figures, by the line's identity (kept with the line, so the
# identity is not reused while it is in here).
Texts = dict[int, tuple[engine.MonthLine, str]]
_TEXTS_KEPT = 20_000


def _encode(
    planned: Planned, claim_ids: Sequence[int], operator_id: int, reason: str, texts: Texts
) -> tuple[bytes, bytes, bytes]:
    now = timezone.now()
    # Every drafted claim differs from the others in its id and host only: their COPY text is
    # made from CLAIM_COLUMNS once, as its history row's tail (who, when, why) is.
    values = _claim_values(0, 0, operator_id, now)
    varying = ("id", "host_id")
    claim_text = "\t".join("%s" if c in varying else _copy_text(values[c]) for c in CLAIM_COLUMNS)
    history_tail = "\t".join(_copy_text(v) for v in (now, reason, "+", operator_id))
    claims, history = [], []
    for claim_id, (host_id, _) in zip(claim_ids, planned, strict=True):
        row = claim_text % (claim_id, host_id)
        claims.append(f"{row}\n")
        history.append(f"{row}\t{history_tail}\n")
    # Many lines share one engine line (the same month, days and district): encode its figures
    # once in the run.
    if len(texts) >= _TEXTS_KEPT:
        texts.clear()
    parts = []
    for claim_id, (_, host_lines) in zip(claim_ids, planned, strict=True):
        for agreement_id, month, figures in host_lines:
            known = texts.get(id(figures))
            if known is None:
                known = texts[id(figures)] = (figures, "\t".join(_copy_text(v) for v in line_values(figures).values()))
            parts.append(f"{_LINE_KEYS_TEXT % (claim_id, agreement_id, month.isoformat())}\t{known[1]}\n")
    return "".join(claims).encode(), "".join(history).encode(), "".join(parts).encode()


def _write(prepared: _Prepared) -> Drafted | None:
    """One chunk's claims and lines, in one transaction; ``None`` if a host claimed some months meanwhile."""
    own_transaction = not connection.in_atomic_block
    try:
        with transaction.atomic():
            if prepared.planned is None:
                if own_transaction:
                    _checks_by_index()
                _copy(Claim, CLAIM_COLUMNS, prepared.copy_claims)
                _copy(Claim.history.model, CLAIM_HISTORY_COLUMNS, prepared.copy_history)
                _copy(ClaimLine, LINE_COLUMNS, prepared.copy_lines)
                claim_ids = prepared.claim_ids
            else:
                claim_ids = _insert(prepared)
    except IntegrityError:
        return None
    return Drafted(prepared.claims, prepared.lines, claim_ids)


def _checks_by_index() -> None:
    """Each line's foreign-key check finds its claim by the primary key, however few claims there were.

    PostgreSQL plans that check once per connection, from the table's statistics: while the
    claims table is empty or nearly (a new deployment, the first run of a city), it would scan
    the whole table for every line, and the claims this run adds make each scan longer. Only
    this transaction's own checks are affected (it writes nothing but the COPYs).
    """
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")


def _copy(model: type[models.Model], columns: Sequence[str], data: bytes) -> None:
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    with connection.cursor() as cursor, cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
        copy.write(data)


def _insert(prepared: _Prepared) -> tuple[int, ...]:
    """The chunk through the ORM (claims, with their history rows) and one executemany (lines)."""
    assert prepared.planned is not None
    planned, now = prepared.planned, timezone.now()
    claims = audit.create_many(
        [Claim(**_claim_values(None, host_id, prepared.operator.pk, now)) for host_id, _ in planned],
        actor=prepared.operator,
        reason=prepared.reason,
    )
    rows = [
        _line_row(claim.pk, agreement_id, month, figures)
        for claim, (_, host_lines) in zip(claims, planned, strict=True)
        for agreement_id, month, figures in host_lines
    ]
    table = connection.ops.quote_name(ClaimLine._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(c) for c in LINE_COLUMNS)
    marks = ", ".join(["%s"] * len(LINE_COLUMNS))
    with connection.cursor() as cursor:
        cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", rows)  # noqa: S608
    return tuple(claim.pk for claim in claims)
