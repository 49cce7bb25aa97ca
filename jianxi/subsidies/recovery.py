"""Recovery (追回, R-SUB-6): orders, repayments, write-offs; barring the host stops it."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from django.db import transaction

from jianxi.accounts.duties import Duty, require
from jianxi.accounts.models import User
from jianxi.accounts.scoping import get_scoped
from jianxi.core import audit
from jianxi.core.aggregates import MoneySum
from jianxi.core.errors import RuleError
from jianxi.core.hooks import stats_changed
from jianxi.core.money import ZERO, round_fen
from jianxi.hosts.models import Host
from jianxi.subsidies.models import Claim, ClaimStatus, EntryKind, LedgerEntry, Recovery, RecoveryStatus, Repayment


def _officer(actor: User) -> None:
    require(actor, Duty.RECOVERY)


def recovery_create(
    *, actor: User, host_id: int, claim_ids: Iterable[int], amount: Decimal, reason: str, bar: bool, today: date
) -> Recovery:
    """A recovery order for paid subsidy; optionally bars the host (no new posts or claims)."""
    _officer(actor)
    if not reason.strip():
        raise RuleError("reason", "请填写追回理由。", field="reason")
    amount = round_fen(amount)
    if amount <= 0:
        raise RuleError("amount", "追回金额须大于 0。", field="amount")
    with transaction.atomic():
        host = get_scoped(actor, Host.objects.select_for_update(), pk=host_id)
        ids = sorted(set(claim_ids))
        claims = list(Claim.objects.filter(pk__in=ids, host=host, status=ClaimStatus.PAID))
        if not claims or len(claims) != len(ids):
            raise RuleError("claims", "请选择本单位已拨付的申报。", field="claims")
        paid_entries = LedgerEntry.objects.filter(claim__in=claims, kind=EntryKind.PAID)
        paid = paid_entries.aggregate(s=MoneySum("amount"))["s"] or ZERO
        # Orders already made on these claims (open or settled) count against what was paid.
        earlier = Recovery.objects.filter(claims__in=claims).exclude(status=RecoveryStatus.WRITTEN_OFF).values("pk")
        ordered = Recovery.objects.filter(pk__in=earlier).aggregate(s=MoneySum("amount"))["s"] or ZERO
        if amount > paid - ordered:
            raise RuleError(
                "amount",
                f"追回金额不能超过所选申报已拨付 {paid} 元减去已立追回单 {ordered} 元。",
                field="amount",
            )
        recovery = Recovery(host=host, amount=amount, reason=reason.strip(), created_by=actor)
        audit.save(recovery, actor=actor, reason="立追回单")
        recovery.claims.set(claims)
        if bar:  # in the same transaction: an order and its bar stand or fall together
            from jianxi.hosts.services import host_review

            host_review(actor=actor, host_id=host.pk, action="bar", reason=f"追回见习补贴：{reason.strip()}")
    return recovery


def _outstanding(recovery: Recovery) -> Decimal:
    repaid = recovery.repayments.aggregate(s=MoneySum("amount"))["s"] or ZERO
    return Decimal(recovery.amount - repaid)


@transaction.atomic
def repayment_record(*, actor: User, recovery_id: int, amount: Decimal, paid_on: date, reference: str) -> Repayment:
    """Money coming back: a repayment, and a "recovered" ledger entry."""
    _officer(actor)
    recovery = get_scoped(actor, Recovery.objects.select_for_update().select_related("host__district"), pk=recovery_id)
    if recovery.status != RecoveryStatus.OPEN:
        raise RuleError("recovery.closed", "该追回单已结清或核销。")
    amount = round_fen(amount)
    outstanding = _outstanding(recovery)
    if not ZERO < amount <= outstanding:
        raise RuleError("amount", f"缴回金额应在 0.01 至 {outstanding} 元之间。", field="amount")
    if not reference.strip():
        raise RuleError("reference", "请填写缴回凭证号。", field="reference")
    repayment = Repayment.objects.create(
        recovery=recovery, amount=amount, paid_on=paid_on, reference=reference.strip(), recorded_by=actor
    )
    LedgerEntry.entry(
        kind=EntryKind.RECOVERED,
        host=recovery.host,
        recovery=recovery,
        amount=amount,
        on=paid_on,
        reference=repayment.reference,
        actor=actor,
    ).save()
    stats_changed(first=paid_on, host_id=recovery.host_id)
    if amount == outstanding:
        recovery.status = RecoveryStatus.SETTLED
        audit.save(recovery, actor=actor)
    return repayment


@transaction.atomic
def recovery_write_off(*, actor: User, recovery_id: int, reason: str, today: date) -> Recovery:
    """What cannot be recovered is written off, on the ledger, with a reason."""
    _officer(actor)
    if not reason.strip():
        raise RuleError("reason", "核销须填写理由。", field="reason")
    recovery = get_scoped(actor, Recovery.objects.select_for_update().select_related("host__district"), pk=recovery_id)
    if recovery.status != RecoveryStatus.OPEN:
        raise RuleError("recovery.closed", "该追回单已结清或核销。")
    outstanding = _outstanding(recovery)
    LedgerEntry.entry(
        kind=EntryKind.WRITTEN_OFF,
        host=recovery.host,
        recovery=recovery,
        amount=outstanding,
        on=today,
        reference=reason.strip()[:100],
        actor=actor,
    ).save()
    recovery.status = RecoveryStatus.WRITTEN_OFF
    audit.save(recovery, actor=actor, reason=f"核销：{reason.strip()}")
    return recovery
