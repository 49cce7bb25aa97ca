"""Claims, review, payment and the ledger: where public money moves (R-SUB-1…6).

Every amount comes from the policy engine. Every write is one transaction that locks the rows
it decides on; the database constraints in models.py make a double payment impossible even if
two requests race past the checks here.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, Protocol

from django.db import IntegrityError, transaction
from django.utils import timezone
from simple_history.utils import bulk_update_with_history

from jianxi.accounts.duties import Duty, require
from jianxi.accounts.models import Role, User
from jianxi.accounts.scoping import get_scoped, scoped
from jianxi.core.aggregates import MoneySum
from jianxi.core.errors import RuleError
from jianxi.core.money import ZERO
from jianxi.hosts.models import Host, HostStatus
from jianxi.oversight.refresh import stats_changed
from jianxi.placements.attendance import attendance_lock
from jianxi.placements.models import Agreement, AgreementStatus, Attendance, Outcome
from jianxi.placements.outcomes import retention_rates
from jianxi.policy import engine
from jianxi.policy.engine.dates import month_first
from jianxi.policy.selectors import engine_policy, work_calendar
from jianxi.policy.workcal import WorkCalendar
from jianxi.subsidies.models import (
    BatchItem,
    BatchStatus,
    Claim,
    ClaimKind,
    ClaimLine,
    ClaimStatus,
    EntryKind,
    LedgerEntry,
    LineStatus,
    PaymentBatch,
)


class AgreementFacts(Protocol):
    """What a quote reads of an agreement: a model instance, or a lighter row in bulk runs."""

    @property
    def start(self) -> date: ...
    @property
    def end(self) -> date: ...
    @property
    def status(self) -> str: ...
    @property
    def ended_on(self) -> date | None: ...
    @property
    def outcome(self) -> str: ...
    @property
    def contract_start(self) -> date | None: ...
    @property
    def contract_months(self) -> int | None: ...
    @property
    def insured_months(self) -> str: ...


def _early_end(agreement: AgreementFacts, employed_through: date | None = None) -> engine.EarlyEnd | None:
    if agreement.status != AgreementStatus.ENDED or agreement.ended_on is None or agreement.ended_on >= agreement.end:
        return None
    contract = None
    if agreement.outcome == Outcome.HIRED and agreement.contract_start and agreement.contract_months:
        contract = engine.Contract(
            start=agreement.contract_start,
            months=agreement.contract_months,
            insured_months=frozenset(m for m in agreement.insured_months.split(",") if m),
            employed_through=employed_through,
        )
    reason = "hired" if agreement.outcome == Outcome.HIRED else "other"
    return engine.EarlyEnd(date=agreement.ended_on, reason=reason, contract=contract)  # type: ignore[arg-type]


def quote_for(
    agreement: AgreementFacts,
    *,
    attendance: Mapping[str, int],
    as_of: date,
    employed_through: date | None = None,
    district_code: str | None = None,
    only_months: Iterable[date] | None = None,
    policy: engine.Policy | None = None,
    calendar: WorkCalendar | None = None,
    retention_rate: Decimal | None = None,
    paid_by_month: Mapping[str, Decimal] | None = None,
) -> engine.Quote:
    """The engine's quote for an agreement, from the data in force now (``only_months``: claims).

    ``policy`` and ``calendar``: the values in force, when the caller (a claim run) has already
    looked them up for many agreements at once.
    """
    return engine.subsidy_quote(
        only_months=None if only_months is None else {engine.month_key(m) for m in only_months},
        policy=engine_policy(agreement.start) if policy is None else policy,
        calendar=work_calendar(range(agreement.start.year, agreement.end.year + 1)) if calendar is None else calendar,
        district=district_code or agreement.host.district.code,  # type: ignore[attr-defined]
        start=agreement.start,
        end=agreement.end,
        attendance=attendance,
        ended_early=_early_end(agreement, employed_through),
        as_of=as_of,
        retention_rate=retention_rate,
        paid_by_month=paid_by_month,
    )


def retention_of(*, on: date, host_ids: Iterable[int] | None = None) -> dict[int, Decimal]:
    """R-SUB-8: each host's retention rate (留用率) over its internships ended by ``on``, in one query.

    What a retention tier is reached with; a host with no ended internship has no rate (and so
    the policy's base standard).
    """
    agreements = Agreement.objects.filter(ended_on__lte=on)
    if host_ids is not None:
        agreements = agreements.filter(host_id__in=list(host_ids))
    rates = retention_rates(agreements, by="host")
    return {host: rate for host, r in rates.items() if (rate := r.fraction) is not None}


def line_values(line: engine.MonthLine) -> dict[str, Any]:
    return {
        "working_days": line.working_days,
        "scheduled_days": line.scheduled_days,
        "attended_days": line.attended_days,
        "rate": line.rate,
        "city": line.city,
        "addons": line.addons,
        "district": line.district,
        "amount": line.amount,
        "rules": " ".join(line.rules),
    }


@dataclass(frozen=True)
class Claimable:
    agreement: Agreement
    month: date


def claimable_months(*, host: Host, today: date, agreement_ids: Iterable[int] | None = None) -> list[Claimable]:
    """R-SUB-4: months with attendance, already ended, not in another claim, of subsidised agreements."""
    agreements = Agreement.objects.filter(
        host=host, subsidy_eligible=True, status__in=(AgreementStatus.ACTIVE, AgreementStatus.ENDED)
    )
    if agreement_ids is not None:
        agreements = agreements.filter(pk__in=list(agreement_ids))
    claimed = set(
        ClaimLine.objects.filter(agreement__in=agreements, kind=ClaimKind.MONTHLY)
        .exclude(status=LineStatus.REJECTED)
        .values_list("agreement_id", "month")
    )
    rows = Attendance.objects.filter(agreement__in=agreements, month__lt=month_first(today)).select_related(
        "agreement__host__district"
    )
    return [
        Claimable(r.agreement, r.month)
        for r in rows.order_by("agreement_id", "month")
        if (r.agreement_id, r.month) not in claimed
    ]


def claim_prepare(*, actor: Any, host_id: int, today: date, agreement_ids: Iterable[int] | None = None) -> Claim | None:
    """A draft claim of every claimable month of the host (monthly or quarterly: the host chooses when)."""
    role = getattr(actor, "role", None)
    if role != Role.HOST or actor.host_id != host_id:
        raise RuleError("claim.maker", "补贴由见习单位本单位申报。")
    with transaction.atomic():
        host = Host.objects.select_for_update().get(pk=host_id)
        if host.status != HostStatus.APPROVED:
            raise RuleError("R-SUB-6", "本单位当前状态不能申报见习补贴（未通过审核、暂停或禁入，R-SUB-6）。")
        items = claimable_months(host=host, today=today, agreement_ids=agreement_ids)
        if not items:
            return None
        claim = Claim.objects.create(host=host, kind=ClaimKind.MONTHLY, created_by=actor)
        _add_lines(claim, items, today)
    return claim


@dataclass
class Recorded:
    """What the attendance records of one internship say, per "YYYY-MM"."""

    attendance: dict[str, int] = field(default_factory=dict)
    paid: dict[str, Decimal] = field(default_factory=dict)  # allowance paid, where recorded (R-SUB-8 cap)


def recorded_months(agreement_ids: Iterable[int]) -> dict[int, Recorded]:
    """Attended days and allowances paid per agreement and month, in one query."""
    recorded: dict[int, Recorded] = defaultdict(Recorded)
    rows = Attendance.objects.filter(agreement_id__in=list(agreement_ids))
    for agreement_id, first, days, paid in rows.values_list("agreement_id", "month", "attended_days", "allowance_paid"):
        key = engine.month_key(first)
        recorded[agreement_id].attendance[key] = days
        if paid is not None:
            recorded[agreement_id].paid[key] = paid
    return recorded


def _add_lines(claim: Claim, items: list[Claimable], today: date) -> None:
    by_agreement: dict[int, list[Claimable]] = defaultdict(list)
    for item in items:
        by_agreement[item.agreement.pk].append(item)
    recorded = recorded_months(by_agreement)
    retention = retention_of(on=today, host_ids=[claim.host_id]).get(claim.host_id)
    lines = []
    for agreement_id, claimed in by_agreement.items():
        agreement = claimed[0].agreement
        quote = quote_for(
            agreement,
            attendance=recorded[agreement_id].attendance,
            paid_by_month=recorded[agreement_id].paid,
            as_of=today,
            only_months=[item.month for item in claimed],
            retention_rate=retention,
        )
        computed = {m.month: m for m in quote.months}
        for item in claimed:
            line = computed.get(engine.month_key(item.month))
            if line is None:  # attendance recorded outside the (possibly shortened) internship
                continue
            lines.append(
                ClaimLine(
                    claim=claim, agreement=agreement, kind=ClaimKind.MONTHLY, month=item.month, **line_values(line)
                )
            )
    try:
        with transaction.atomic():
            ClaimLine.objects.bulk_create(lines)
    except IntegrityError as exc:
        raise RuleError("R-SUB-4", "部分见习月份已在其他申报中，不能重复申报（R-SUB-4）。") from exc


@transaction.atomic
def claim_submit(*, actor: Any, claim_id: int) -> Claim:
    """The host submits a draft; its months' attendance is locked from now on."""
    claim = get_scoped(actor, Claim.objects.select_for_update(), pk=claim_id)
    if getattr(actor, "role", None) != Role.HOST:
        raise RuleError("claim.maker", "补贴由见习单位申报。")
    if claim.status == ClaimStatus.SUBMITTED:
        return claim
    if claim.status != ClaimStatus.DRAFT:
        raise RuleError("claim.transition", f"申报当前状态为“{claim.get_status_display()}”，不能提交。")
    if not claim.lines.exists():
        raise RuleError("claim.empty", "申报中没有任何见习月份。")
    if claim.host.status != HostStatus.APPROVED:
        raise RuleError("R-SUB-6", "本单位当前状态不能申报见习补贴（暂停或禁入，R-SUB-6）。")
    claim.status, claim.submitted_at = ClaimStatus.SUBMITTED, timezone.now()
    claim._history_user = actor  # type: ignore[attr-defined]
    claim.save()
    for agreement_id, months in _months_by_agreement(claim).items():
        attendance_lock(agreement_id=agreement_id, months=months)
    return claim


def _months_by_agreement(claim: Claim, *, status: str | None = None) -> dict[int, list[date]]:
    lines = claim.lines.filter(kind=ClaimKind.MONTHLY)
    if status is not None:
        lines = lines.filter(status=status)
    months: dict[int, list[date]] = defaultdict(list)
    for agreement_id, month in lines.values_list("agreement_id", "month"):
        months[agreement_id].append(month)
    return months


@dataclass(frozen=True)
class Review:
    """The officer's decision: approve everything except ``rejected`` lines (line id → reason)."""

    approve: bool
    reason: str = ""
    rejected: Mapping[int, str] | None = None


def _has_colleague(actor: Any) -> bool:
    return (
        User.objects.filter(role=Role.DISTRICT, district_id=actor.district_id, is_active=True)
        .exclude(pk=actor.pk)
        .exists()
    )


def _maker_checker(actor: Any, claim: Claim) -> None:
    """The same officer cannot both create and approve, when the district has another officer."""
    if claim.created_by_id == actor.pk and _has_colleague(actor):
        raise RuleError("claim.maker_checker", "申报由您本人创建，须由本区其他工作人员审核。")


def claim_review(*, actor: Any, claim_id: int, review: Review, today: date) -> Claim:
    """Approve (wholly or but some lines) or reject a submitted claim, recomputing every amount."""
    require(actor, Duty.CLAIM_REVIEW)
    rejected = dict(review.rejected or {})
    general = review.reason.strip()
    if (not review.approve and not general) or any(not (r.strip() or general) for r in rejected.values()):
        raise RuleError("reason", "驳回须填写理由，单位将看到该理由。", field="reason")
    with transaction.atomic():
        claim = get_scoped(actor, Claim.objects.select_for_update().select_related("host__district"), pk=claim_id)
        if claim.status != ClaimStatus.SUBMITTED:
            raise RuleError("claim.transition", f"申报当前状态为“{claim.get_status_display()}”，不能审核。")
        _maker_checker(actor, claim)
        if review.approve and claim.host.status != HostStatus.APPROVED:
            raise RuleError("R-SUB-6", "该单位已被暂停或禁入，申报只能驳回（R-SUB-6）。")
        if claim.kind == ClaimKind.REMAINING and review.approve:
            _remaining_ready(claim, today)
        lines = list(claim.lines.select_for_update().select_related("agreement__host__district"))
        unknown = set(rejected) - {line.pk for line in lines}
        if unknown:
            raise RuleError("lines", "要驳回的明细不属于该申报。", field="lines")
        total = ZERO
        recomputed = _recompute(claim, lines, today)
        for line in lines:
            if not review.approve or line.pk in rejected:
                line.status = LineStatus.REJECTED
                line.reject_reason = (rejected.get(line.pk) or review.reason).strip()
            else:
                fresh = recomputed.get((line.agreement_id, line.month))
                if fresh is None:
                    raise RuleError(
                        "claim.stale",
                        f"{line.month:%Y-%m} 按现行数据已不在见习期内，请驳回该月或核对协议。",
                        field="lines",
                    )
                for key, value in line_values(fresh).items():
                    setattr(line, key, value)
                line.status = LineStatus.APPROVED
                total += line.amount
            line._history_user = actor  # type: ignore[attr-defined]
            line.save()
        if total <= 0:  # nothing to pay: the whole claim is rejected, its months freed
            for line in lines:
                if line.status == LineStatus.APPROVED:
                    line.status, line.reject_reason = LineStatus.REJECTED, "核准金额为 0"
                    line.save(update_fields=["status", "reject_reason"])
        claim.status = ClaimStatus.APPROVED if total > 0 else ClaimStatus.REJECTED
        claim.approved_total = total
        claim.note = review.reason.strip()
        claim.reviewed_by, claim.reviewed_at = actor, timezone.now()
        claim._history_user = actor  # type: ignore[attr-defined]
        claim.save()
        if total > 0:
            LedgerEntry.entry(
                kind=EntryKind.APPROVED, host=claim.host, claim=claim, amount=total, on=today, actor=actor
            ).save()
            stats_changed(first=today, host_id=claim.host_id)
        for agreement_id, months in _months_by_agreement(claim, status=LineStatus.REJECTED).items():
            attendance_lock(agreement_id=agreement_id, months=months, locked=False)
    return claim


def _remaining_ready(claim: Claim, today: date) -> None:
    """R-SUB-5: approval needs every condition checked by an officer and the engine's yes."""
    from jianxi.subsidies.remaining import checklist_missing, remaining_verdict

    missing = checklist_missing(claim)
    if missing:
        raise RuleError("R-SUB-5.checklist", f"尚有核查项未完成：{'、'.join(missing)}（R-SUB-5）。")
    verdict = remaining_verdict(claim, today)
    if verdict is None or not verdict.eligible:
        reasons = "；".join(r.message for r in (verdict.reasons if verdict else ()))
        raise RuleError("R-SUB-5", f"不符合剩余期限见习补贴条件：{reasons}")


def _recompute(claim: Claim, lines: list[ClaimLine], today: date) -> dict[tuple[int, date], engine.MonthLine]:
    """Amounts as the data in force now gives them (rates or calendar may have been corrected)."""
    if claim.kind == ClaimKind.REMAINING:
        from jianxi.subsidies.remaining import remaining_verdict

        verdict = remaining_verdict(claim, today)
        months = verdict.months if verdict else ()
        return {(claim.agreement_id, date.fromisoformat(m.month + "-01")): m for m in months}  # type: ignore[misc]
    agreements = {line.agreement_id: line.agreement for line in lines}
    recorded = recorded_months(agreements)
    retention = retention_of(on=today, host_ids=[claim.host_id]).get(claim.host_id)
    result = {}
    claimed: dict[int, list[date]] = defaultdict(list)
    for line in lines:
        claimed[line.agreement_id].append(line.month)
    for agreement_id, agreement in agreements.items():
        quote = quote_for(
            agreement,
            attendance=recorded[agreement_id].attendance,
            paid_by_month=recorded[agreement_id].paid,
            as_of=today,
            only_months=claimed[agreement_id],
            retention_rate=retention,
        )
        for m in quote.months:
            result[(agreement_id, date.fromisoformat(m.month + "-01"))] = m
    return result


def claim_differences(claim: Claim, today: date) -> dict[int, Decimal]:
    """Per line: recomputed amount − claimed amount, where they differ (shown before approval)."""
    lines = list(claim.lines.select_related("agreement__host__district"))
    fresh = _recompute(claim, lines, today)
    out = {}
    for line in lines:
        new = fresh.get((line.agreement_id, line.month))
        if new is not None and new.amount != line.amount:
            out[line.pk] = new.amount - line.amount
    return out


# --- payment ---------------------------------------------------------------------------------------


def _district_officer(actor: Any) -> None:
    require(actor, Duty.BATCH_PAY)


@transaction.atomic
def batch_create(*, actor: Any, claim_ids: Iterable[int]) -> PaymentBatch:
    """Put approved claims of the officer's district into a new payment batch."""
    _district_officer(actor)
    ids = sorted(set(claim_ids))
    if not ids:
        raise RuleError("claims", "请选择要拨付的申报。", field="claims")
    claims = list(
        scoped(actor, Claim.objects.select_for_update(of=("self",)).select_related("host"))
        .filter(pk__in=ids)
        .order_by("pk")
    )
    if len(claims) != len(ids):
        raise RuleError("claims", "部分申报不存在或不属于本区。", field="claims")
    not_ready = [c.pk for c in claims if c.status != ClaimStatus.APPROVED]
    if not_ready:
        raise RuleError("claim.not_approved", f"只有已审核、未拨付的申报可以拨付：{not_ready}", field="claims")
    barred = sorted({c.host.name for c in claims if c.host.status != HostStatus.APPROVED})
    if barred:
        raise RuleError(
            "R-SUB-6", f"以下单位已被暂停或禁入，不能拨付：{'、'.join(barred)}（R-SUB-6）。", field="claims"
        )
    no_account = sorted({c.host.name for c in claims if not c.host.bank_account})
    if no_account:
        raise RuleError("bank_account", f"以下单位未登记银行账号：{'、'.join(no_account)}。", field="claims")
    batch = PaymentBatch.objects.create(district=actor.district, created_by=actor)
    items = [
        BatchItem(
            batch=batch,
            claim=c,
            amount=c.approved_total,
            bank_name=c.host.bank_name,
            bank_account=c.host.bank_account,
        )
        for c in claims
    ]
    try:
        with transaction.atomic():
            BatchItem.objects.bulk_create(items)
    except IntegrityError as exc:  # a racing batch took one of these claims first
        raise RuleError("claim.batched", "部分申报已在其他拨付批次中。", field="claims") from exc
    _set_status(claims, ClaimStatus.BATCHED, actor, "编入拨付批次")
    return batch


def _set_status(claims: list[Claim], status: str, actor: Any, reason: str) -> None:
    """A status change of many claims, each with its history row (who, when, why)."""
    for claim in claims:
        claim.status = status
    bulk_update_with_history(claims, Claim, ["status"], default_user=actor, default_change_reason=reason)


@transaction.atomic
def batch_mark_paid(*, actor: Any, batch_id: int, paid_on: date, reference: str) -> PaymentBatch:
    """Record the bank payment of a batch: once. A second attempt is refused, never paid twice."""
    _district_officer(actor)
    if not reference.strip():
        raise RuleError("reference", "请填写拨付凭证号。", field="reference")
    batch = get_scoped(actor, PaymentBatch.objects.select_for_update(), pk=batch_id)
    if batch.status == BatchStatus.PAID:
        raise RuleError("batch.paid", f"该批次已于 {batch.paid_on} 拨付（凭证 {batch.reference}），不能重复拨付。")
    if batch.status == BatchStatus.CANCELLED:
        raise RuleError("batch.cancelled", f"该批次已撤销（{batch.cancel_reason}），不能拨付。")
    if not timezone.localdate(batch.created_at) <= paid_on <= timezone.localdate():
        raise RuleError("paid_on", "拨付日期应在批次编制之日与今天之间。", field="paid_on")
    if batch.created_by_id == actor.pk and _has_colleague(actor):
        raise RuleError("batch.maker_checker", "拨付批次由您本人编制，须由本区其他工作人员确认拨付。")
    items = list(batch.items.select_related("claim__host__district"))
    batch.status, batch.paid_on, batch.reference = BatchStatus.PAID, paid_on, reference.strip()
    batch._history_user = actor  # type: ignore[attr-defined]
    batch.save()
    entries = [
        LedgerEntry.entry(
            kind=EntryKind.PAID,
            host=item.claim.host,
            claim=item.claim,
            amount=item.amount,
            on=paid_on,
            reference=batch.reference,
            actor=actor,
        )
        for item in items
    ]
    LedgerEntry.objects.bulk_create(entries)  # the unique (claim, "paid") index refuses a second payment
    stats_changed(first=paid_on, district_ids={item.claim.host.district_id for item in items})
    _set_status([item.claim for item in items], ClaimStatus.PAID, actor, f"已拨付（凭证 {batch.reference}）")
    return batch


@transaction.atomic
def batch_cancel(*, actor: Any, batch_id: int, reason: str) -> PaymentBatch:
    """Withdraw an unpaid batch (a wrong account, a claim to hold back): its claims are approved again.

    Paid money is never unwound here: a paid batch is refused, and money paid wrongly is
    recovered (R-SUB-6). The batch stays, with the claims it held named in its reason and history.
    """
    _district_officer(actor)
    reason = reason.strip()
    if not reason:
        raise RuleError("cancel_reason", "请填写撤销理由。", field="reason")
    batch = get_scoped(actor, PaymentBatch.objects.select_for_update(), pk=batch_id)
    if batch.status == BatchStatus.CANCELLED:
        return batch
    if batch.status == BatchStatus.PAID:
        raise RuleError(
            "batch.paid", f"该批次已于 {batch.paid_on} 拨付，不能撤销；多拨或错拨的资金请办理追回（R-SUB-6）。"
        )
    items = list(batch.items.order_by("claim_id"))
    claims = list(Claim.objects.select_for_update().filter(pk__in=[item.claim_id for item in items]).order_by("pk"))
    held = "、".join(f"BT-{item.claim_id}" for item in items)
    batch.items.all().delete()  # one batch per claim: the claims can go into a new batch
    _set_status(claims, ClaimStatus.APPROVED, actor, f"拨付批次 PC-{batch.pk} 已撤销：{reason}")
    batch.status, batch.cancel_reason = BatchStatus.CANCELLED, f"{reason}（原含 {held}）"[:500]
    batch._history_user = actor  # type: ignore[attr-defined]
    batch._change_reason = f"撤销：{reason}"  # type: ignore[attr-defined]
    batch.save()
    return batch


@transaction.atomic
def claim_discard(*, actor: Any, claim_id: int) -> None:
    """The host discards a draft: its months can be claimed again (prepared anew, or by the next run)."""
    if getattr(actor, "role", None) != Role.HOST:
        raise RuleError("claim.maker", "补贴申报草稿由见习单位本单位处理。")
    claim = get_scoped(actor, Claim.objects.select_for_update(), pk=claim_id)
    if claim.status != ClaimStatus.DRAFT:
        raise RuleError("claim.transition", f"申报当前状态为“{claim.get_status_display()}”，只有草稿可以删除。")
    files = [(a.file.storage, a.file.name) for a in claim.attachments.all()]
    claim._history_user = actor  # type: ignore[attr-defined]
    claim._change_reason = "单位删除申报草稿"  # type: ignore[attr-defined]
    claim.delete()  # lines and attachments go with it; the history keeps who deleted what

    def remove_files() -> None:  # only once the deletion is committed
        for storage, name in files:
            storage.delete(name)

    transaction.on_commit(remove_files)


def ledger_totals(entries: Any) -> dict[str, Decimal]:
    """Sums per kind over a ledger queryset, and the net paid out (paid − recovered).

    A write-off forgives a recovery debt: the money stays paid, so it does not reduce the net.
    """
    sums = {
        k: v or ZERO
        for k, v in ((row["kind"], row["total"]) for row in entries.values("kind").annotate(total=MoneySum("amount")))
    }
    totals = {kind: sums.get(kind, ZERO) for kind in EntryKind.values}
    totals["net_paid"] = totals["paid"] - totals["recovered"]
    return totals
