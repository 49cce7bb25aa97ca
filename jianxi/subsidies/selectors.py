"""Reads of the subsidy pages and their Excel exports: every query they make, scoped here.

Views parse input, call one of these (or a service) and render; nothing here writes.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import Case, Count, Exists, IntegerField, OuterRef, Q, QuerySet, Value, When

from jianxi.accounts.models import User
from jianxi.accounts.scoping import get_scoped, scoped
from jianxi.core.aggregates import MoneySum
from jianxi.core.money import ZERO
from jianxi.hosts.models import Host
from jianxi.placements.models import Agreement, AgreementStatus, Attendance, Outcome
from jianxi.policy import engine
from jianxi.subsidies import remaining
from jianxi.subsidies.models import (
    Attachment,
    BatchItem,
    BatchStatus,
    Claim,
    ClaimKind,
    ClaimLine,
    ClaimRun,
    ClaimStatus,
    EntryKind,
    FlagDecision,
    LedgerEntry,
    LineStatus,
    PaymentBatch,
    Recovery,
    RecoveryKind,
    RecoveryStatus,
    Repayment,
)
from jianxi.subsidies.quoting import recompute, remaining_verdict
from jianxi.subsidies.registry_checks import agreement_blocks, line_flags
from jianxi.subsidies.run import claimable_rows

Row = tuple[Any, ...]

# --- what the pages are about ----------------------------------------------------------------------


def host_for(user: User, pk: int | None) -> Host:
    """A host unit the user may see (404 otherwise), with its district."""
    return get_scoped(user, Host.objects.select_related("district"), pk=pk)


def agreement_for(user: User, pk: int) -> Agreement:
    """An agreement the user may see (404 otherwise), with its intern and host."""
    return get_scoped(user, Agreement.objects.select_related("person", "host"), pk=pk)


# --- claims ----------------------------------------------------------------------------------------


def claims_for(user: User, *, status: str = "", kind: str = "", q: str = "") -> QuerySet[Claim]:
    """The host's own claims, or the officer's queue: submitted first, then newest."""
    qs = scoped(
        user,
        Claim.objects.select_related("host", "agreement__person").annotate(
            line_count=Count("lines"), claimed=MoneySum("lines__amount")
        ),
    )
    if status in ClaimStatus.values:
        qs = qs.filter(status=status)
    if kind in ClaimKind.values:
        qs = qs.filter(kind=kind)
    if q:
        qs = qs.filter(host__name__icontains=q)
    queue = Case(When(status=ClaimStatus.SUBMITTED, then=Value(0)), default=Value(1), output_field=IntegerField())
    return qs.annotate(queue=queue).order_by("queue", "-created_at", "-id")


CLAIM_HEADERS = ["申报编号", "见习单位", "类型", "状态", "明细条数", "申报金额", "核准金额", "申报时间", "审核时间"]


def claim_rows(claims: Iterable[Any]) -> Iterator[Row]:
    for c in claims:
        yield (
            f"BT-{c.pk}",
            c.host.name,
            c.get_kind_display(),
            c.get_status_display(),
            c.line_count,
            c.claimed or ZERO,
            c.approved_total,
            c.submitted_at,
            c.reviewed_at,
        )


def remaining_eligible(user: User, today: date) -> QuerySet[Agreement]:
    """Early hires whose original period is over and whose remaining period is not yet claimed."""
    claimed = Claim.objects.filter(agreement=OuterRef("pk"), kind=ClaimKind.REMAINING).exclude(
        status=ClaimStatus.REJECTED
    )
    return (
        scoped(user, Agreement.objects.select_related("person"))
        .filter(status=AgreementStatus.ENDED, outcome=Outcome.HIRED, subsidy_eligible=True, end__lt=today)
        .exclude(Exists(claimed))
        .order_by("-end", "-id")
    )


@dataclass(frozen=True)
class Claimable:
    """The claimable months of one internship, as the "prepare claim" page lists them."""

    agreement: Agreement
    person: str
    months: list[date]


def claimable_for_host(host: Host, today: date) -> list[Claimable]:
    """What the host could claim today, by internship: the claim drafting's own rule (run.py)."""
    months: dict[int, list[date]] = defaultdict(list)
    for row in claimable_rows(today, host_id=host.pk):
        months[row[1]].append(row[2])
    agreements = Agreement.objects.filter(pk__in=months).select_related("person").in_bulk()
    return [Claimable(agreements[pk], agreements[pk].person.name, ms) for pk, ms in months.items()]


def claim_for(user: User, pk: int) -> Claim:
    """A claim the user may see (404 otherwise), with what its page shows of it."""
    related = Claim.objects.select_related("host__district", "agreement__person", "created_by", "reviewed_by")
    return get_scoped(user, related, pk=pk)


def claim_differences(claim: Claim, today: date) -> dict[int, Decimal]:
    """Per line: recomputed amount − claimed amount, where they differ (shown before approval)."""
    lines = list(claim.lines.select_related("agreement__host__district"))
    fresh = recompute(claim, lines, today)
    out = {}
    for line in lines:
        new = fresh.get((line.agreement_id, line.month))
        if new is not None and new.amount != line.amount:
            out[line.pk] = new.amount - line.amount
    return out


@dataclass(frozen=True)
class ClaimPage:
    lines: list[ClaimLine]
    totals: dict[str, Decimal]
    materials: list[dict[str, Any]]  # per internship: its months, each with whether it is locked
    attachments: list[Attachment]
    checklist: list[tuple[str, str, Any]] | None = None  # R-SUB-5: (code, text, ticked item or None)
    verdict: engine.RemainingPeriod | None = None
    blocks: dict[int, list[engine.Reason]] = field(default_factory=dict)  # R-EL-7, by agreement
    flags: dict[int, list[Any]] = field(default_factory=dict)  # registry signals, by line
    decisions: dict[int, list[FlagDecision]] = field(default_factory=dict)  # by line


def claim_page(claim: Claim, today: date) -> ClaimPage:
    lines = list(claim.lines.select_related("agreement__person", "agreement__host"))
    agreements: dict[int, Agreement] = {}
    months: dict[int, list[date]] = defaultdict(list)
    for line in lines:
        agreements[line.agreement_id] = line.agreement
        months[line.agreement_id].append(line.month)
    locked = set(
        Attendance.objects.filter(agreement_id__in=agreements, locked=True).values_list("agreement_id", "month")
    )
    materials = [
        {"agreement": agreement, "months": [(m, (agreement.pk, m) in locked) for m in months[agreement.pk]]}
        for agreement in agreements.values()
    ]
    totals = {
        key: sum((getattr(line, key) for line in lines), ZERO) for key in ("city", "district", "addons", "amount")
    }
    totals["approved"] = sum((line.amount for line in lines if line.status == LineStatus.APPROVED), ZERO)
    decisions: dict[int, list[FlagDecision]] = defaultdict(list)
    for decision in FlagDecision.objects.filter(line__claim=claim).select_related("decided_by"):
        decisions[decision.line_id].append(decision)
    page = ClaimPage(
        lines,
        totals,
        materials,
        list(claim.attachments.all()),
        blocks={pk: found for pk, found in agreement_blocks(list(agreements.values())).items() if found},
        flags={pk: found for pk, found in line_flags(lines).items() if found},
        decisions=dict(decisions),
    )
    if claim.kind == ClaimKind.REMAINING:
        ticked = {item.code: item for item in claim.checklist.select_related("checked_by")}
        checklist = [(code, text, ticked.get(code)) for code, text in remaining.CHECKLIST.items()]
        return ClaimPage(**{**page.__dict__, "checklist": checklist, "verdict": remaining_verdict(claim, today)})
    return page


def attachment_of(claim: Claim, attachment_id: int) -> Attachment | None:
    return claim.attachments.filter(pk=attachment_id).first()


# --- payment ---------------------------------------------------------------------------------------


def payable_claims(user: User, q: str = "") -> QuerySet[Claim]:
    """Approved claims of the officer's district, to put into a new batch."""
    qs = scoped(user, Claim.objects.select_related("host").filter(status=ClaimStatus.APPROVED))
    if q:
        qs = qs.filter(host__name__icontains=q)
    return qs.order_by("reviewed_at", "pk")


def batches_for(user: User, status: str = "") -> QuerySet[PaymentBatch]:
    qs = scoped(
        user,
        PaymentBatch.objects.select_related("district", "created_by")
        .annotate(item_count=Count("items"), total=MoneySum("items__amount"))
        .order_by("-created_at", "-id"),
    )
    return qs.filter(status=status) if status in BatchStatus.values else qs


BATCH_HEADERS = ["批次", "区", "状态", "笔数", "金额", "创建时间", "拨付日期", "拨付凭证号"]


def batch_rows(batches: Iterable[Any]) -> Iterator[Row]:
    for b in batches:
        yield (
            f"PC-{b.pk}",
            b.district.name,
            b.get_status_display(),
            b.item_count,
            b.total or ZERO,
            b.created_at,
            b.paid_on,
            b.reference,
        )


def batch_for(user: User, pk: int) -> PaymentBatch:
    return get_scoped(user, PaymentBatch.objects.select_related("district", "created_by"), pk=pk)


def batch_items(batch: PaymentBatch) -> list[BatchItem]:
    return list(batch.items.select_related("claim__host").order_by("claim__host__name", "claim_id"))


BANK_FILE_HEADERS = ["见习单位", "开户银行", "银行账号", "金额", "附言"]


def bank_file_rows(batch: PaymentBatch) -> list[Row]:
    """The bank's payment file: the account frozen into each item when the batch was made."""
    return [
        (item.claim.host.name, item.bank_name, item.bank_account, item.amount, f"BT-{item.claim_id}")
        for item in batch_items(batch)
    ]


# --- ledger and statement --------------------------------------------------------------------------


def ledger_for(user: User, *, year: int, kind: str = "", q: str = "") -> QuerySet[LedgerEntry]:
    entries = scoped(user, LedgerEntry.objects.select_related("host", "district", "actor", "recovery")).filter(
        year=year
    )
    if kind in EntryKind.values:
        entries = entries.filter(kind=kind)
    if q:
        entries = entries.filter(host__name__icontains=q)
    return entries


def ledger_totals(entries: QuerySet[LedgerEntry]) -> dict[str, Decimal]:
    """Sums per kind over a ledger queryset, and the net paid out (paid − recovered).

    A write-off forgives a recovery debt: the money stays paid, so it does not reduce the net.
    """
    totals = dict.fromkeys(EntryKind.values, ZERO)
    # Recovered and written-off money also by what the recovery was (R-SUB-6): overpaid, fraud.
    for kind in (EntryKind.RECOVERED, EntryKind.WRITTEN_OFF):
        for what in RecoveryKind.values:
            totals[f"{kind}_{what}"] = ZERO
    rows = entries.order_by().values("kind", "recovery__kind").annotate(total=MoneySum("amount"))
    for row in rows:
        amount = row["total"] or ZERO
        totals[row["kind"]] += amount
        if row["recovery__kind"]:
            totals[f"{row['kind']}_{row['recovery__kind']}"] += amount
    totals["net_paid"] = totals["paid"] - totals["recovered"]
    return totals


LEDGER_HEADERS = ["日期", "区", "见习单位", "类型", "申报", "追回单", "追回性质", "金额", "凭证号"]


def ledger_rows(entries: QuerySet[LedgerEntry]) -> Iterator[Row]:
    for e in entries.order_by("occurred_on", "id"):
        yield (
            e.occurred_on,
            e.district.name,
            e.host.name,
            e.get_kind_display(),
            f"BT-{e.claim_id}" if e.claim_id else "",
            f"ZH-{e.recovery_id}" if e.recovery_id else "",
            e.recovery.get_kind_display() if e.recovery is not None else "",
            e.amount,
            e.reference,
        )


@dataclass(frozen=True)
class Statement:
    """年度见习补贴结算单: a host's claims and money of one year."""

    rows: Sequence[Claim]
    claimed: Decimal
    totals: dict[str, Decimal]
    recoveries: Sequence[Recovery] = ()  # the host's recovery orders of the year, each with its kind


def statement(host: Host, year: int) -> Statement:
    totals = ledger_totals(LedgerEntry.objects.filter(host=host, year=year))
    in_ledger = LedgerEntry.objects.filter(host=host, year=year, claim__isnull=False).values("claim")
    rows = list(
        Claim.objects.filter(host=host)
        .filter(Q(created_at__year=year) | Q(pk__in=in_ledger))
        .annotate(claimed=MoneySum("lines__amount"))
        .order_by("created_at", "pk")
    )
    claimed = sum((c.claimed or ZERO for c in rows), ZERO)
    in_year = LedgerEntry.objects.filter(host=host, year=year, recovery__isnull=False).values("recovery")
    recoveries = list(
        Recovery.objects.filter(host=host)
        .filter(Q(created_at__year=year) | Q(pk__in=in_year))
        .annotate(repaid=MoneySum("repayments__amount"))
        .order_by("created_at", "pk")
    )
    return Statement(rows, claimed, totals, recoveries)


# --- recoveries ------------------------------------------------------------------------------------


def recoveries_for(user: User, *, status: str = "", q: str = "") -> QuerySet[Recovery]:
    qs = (
        scoped(user, Recovery.objects.select_related("host"))
        .annotate(repaid=MoneySum("repayments__amount"))
        .order_by("-created_at", "-id")
    )
    if status in RecoveryStatus.values:
        qs = qs.filter(status=status)
    if q:
        qs = qs.filter(host__name__icontains=q)
    return qs


RECOVERY_HEADERS = [
    "追回单", "见习单位", "追回性质", "追回金额", "已缴回", "状态", "理由", "禁入", "移送机关", "移送日期", "创建时间",
]  # fmt: skip


def bar_text(recovery: Recovery) -> str:
    """The bar a recovery brought, in words: none for an overpayment (R-SUB-6)."""
    if recovery.kind != RecoveryKind.FRAUD:
        return "不禁入"
    return f"禁入至 {recovery.bar_until}" if recovery.bar_until else "永久禁入"


def recovery_rows(recoveries: Iterable[Any]) -> Iterator[Row]:
    for r in recoveries:
        yield (
            f"ZH-{r.pk}",
            r.host.name,
            r.get_kind_display(),
            r.amount,
            r.repaid or ZERO,
            r.get_status_display(),
            r.reason,
            bar_text(r),
            r.referred_to,
            r.referred_on,
            r.created_at,
        )


def paid_claims(host: Host) -> list[Claim]:
    """The host's paid claims a recovery order can name (the latest 200)."""
    return list(
        Claim.objects.filter(host=host, status=ClaimStatus.PAID).select_related("batch_item").order_by("-pk")[:200]
    )


def recovery_for(user: User, pk: int) -> Recovery:
    return get_scoped(user, Recovery.objects.select_related("host", "created_by", "referred_by"), pk=pk)


@dataclass(frozen=True)
class RecoveryPage:
    claims: list[Claim]
    repayments: list[Repayment]
    repaid: Decimal
    outstanding: Decimal


def recovery_page(recovery: Recovery) -> RecoveryPage:
    repayments = list(recovery.repayments.select_related("recorded_by").order_by("paid_on", "pk"))
    repaid = sum((r.amount for r in repayments), ZERO)
    claims = list(recovery.claims.order_by("pk"))
    return RecoveryPage(claims, repayments, repaid, Decimal(recovery.amount) - repaid)


# --- the monthly claim run -------------------------------------------------------------------------


def runs_for(user: User) -> list[ClaimRun]:
    """The latest runs the officer may see (their district's; the city officer, all)."""
    return list(scoped(user, ClaimRun.objects.select_related("started_by"))[:20])


def run_for(user: User, pk: int) -> ClaimRun:
    return get_scoped(user, ClaimRun.objects.select_related("started_by"), pk=pk)
