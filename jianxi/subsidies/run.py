"""The monthly claim run: draft claims for every host and ended month with attendance (R-SUB-4).

Set-based: one query finds every claimable internship-month; then, per chunk of hosts, one
query loads their attendance and two bulk inserts write the claims and their lines, in one
transaction per chunk. Safe to run twice (a second run finds nothing left to claim) and safe
to interrupt (a finished chunk is committed whole, an unfinished one not at all; a rerun
finishes the job).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import Exists, OuterRef

from jianxi.hosts.models import HostStatus
from jianxi.placements.models import Agreement, AgreementStatus, Attendance
from jianxi.policy import engine
from jianxi.policy.engine.dates import month_first
from jianxi.subsidies.models import Claim, ClaimKind, ClaimLine, LineStatus
from jianxi.subsidies.services import attendance_of, line_values, quote_for

CHUNK_HOSTS = 200
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class RunResult:
    claims: int
    lines: int
    skipped_chunks: int


def claimable_rows(today: date, district_id: int | None = None) -> list[tuple[int, int, date]]:
    """Every (host, agreement, month) that could be claimed today and is in no live claim: one query."""
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
    return list(ordered.values_list("agreement__host_id", "agreement_id", "month"))


def claim_run(*, today: date, progress: Progress | None = None, district_id: int | None = None) -> RunResult:
    by_host: dict[int, dict[int, list[date]]] = defaultdict(lambda: defaultdict(list))
    for host_id, agreement_id, month in claimable_rows(today, district_id):
        by_host[host_id][agreement_id].append(month)
    hosts = list(by_host)
    claims = lines = skipped = 0
    for start in range(0, len(hosts), CHUNK_HOSTS):
        chunk = hosts[start : start + CHUNK_HOSTS]
        try:
            made_claims, made_lines = _run_chunk(chunk, by_host, today)
        except IntegrityError:
            skipped += 1  # a host claimed some of these months meanwhile: the next run retries
        else:
            claims, lines = claims + made_claims, lines + made_lines
        if progress is not None:
            progress(min(start + CHUNK_HOSTS, len(hosts)), len(hosts))
    return RunResult(claims, lines, skipped)


@dataclass(frozen=True, slots=True)
class AgreementRow:
    """The fields a quote reads, loaded as plain values: no model instances in a city-scale run."""

    pk: int
    start: date
    end: date
    status: str
    ended_on: date | None
    outcome: str
    contract_start: date | None
    contract_months: int | None
    insured_months: str
    district_code: str


_ROW_FIELDS = [f for f in AgreementRow.__slots__ if f not in ("pk", "district_code")]
_LINE_COLUMNS = [
    "claim_id", "agreement_id", "kind", "month", "working_days", "scheduled_days", "attended_days",
    "rate", "city", "addons", "district", "amount", "rules", "status", "reject_reason",
]  # fmt: skip


def _run_chunk(host_ids: list[int], by_host: dict[int, dict[int, list[date]]], today: date) -> tuple[int, int]:
    agreement_ids = [agreement_id for host in host_ids for agreement_id in by_host[host]]
    agreements = {
        row[0]: AgreementRow(*row)
        for row in Agreement.objects.filter(pk__in=agreement_ids).values_list(
            "pk", *_ROW_FIELDS, "host__district__code"
        )
    }
    attendance = attendance_of(agreement_ids)
    planned: list[tuple[int, list[tuple[int, date, engine.MonthLine]]]] = []
    for host_id in host_ids:
        host_lines = []
        for agreement_id, months in by_host[host_id].items():
            agreement = agreements[agreement_id]
            quote = quote_for(
                agreement,
                attendance=attendance[agreement_id],
                as_of=today,
                district_code=agreement.district_code,
                only_months=months,
            )
            computed = {m.month: m for m in quote.months}
            for month in months:
                figures = computed.get(engine.month_key(month))
                if figures is not None:
                    host_lines.append((agreement_id, month, figures))
        if host_lines:
            planned.append((host_id, host_lines))
    with transaction.atomic():
        claims = Claim.objects.bulk_create([Claim(host_id=host_id, kind=ClaimKind.MONTHLY) for host_id, _ in planned])
        rows = [
            (claim.pk, agreement_id, ClaimKind.MONTHLY, month, *line_values(figures).values(), LineStatus.PENDING, "")
            for claim, (_, host_lines) in zip(claims, planned, strict=True)
            for agreement_id, month, figures in host_lines
        ]
        _write_lines(rows)
    return len(claims), len(rows)


def _write_lines(rows: list[tuple[Any, ...]]) -> None:
    """Hundreds of thousands of lines without a model instance each: COPY on PostgreSQL."""
    table = connection.ops.quote_name(ClaimLine._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(c) for c in _LINE_COLUMNS)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(_LINE_COLUMNS))
            cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", rows)  # noqa: S608
