"""Recovery (追回, R-SUB-6): orders, repayments, write-offs; barring the host stops it.

Each order says what it is: an overpayment (多发, an honest error: recovered, nothing more) or
fraud (骗取套取: the unit is barred, for a period or for good, and the case is referred — 移送 —
to another authority, recorded with whom, when and by whom).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from jianxi.accounts.duties import Duty, require
from jianxi.accounts.models import User
from jianxi.accounts.scoping import get_scoped
from jianxi.core import audit
from jianxi.core.aggregates import MoneySum
from jianxi.core.errors import Refusals, RuleError
from jianxi.core.hooks import stats_changed
from jianxi.core.money import ZERO, round_fen
from jianxi.hosts.models import Host
from jianxi.subsidies.models import (
    Claim,
    ClaimStatus,
    EntryKind,
    LedgerEntry,
    Recovery,
    RecoveryKind,
    RecoveryStatus,
    Repayment,
)


def _officer(actor: User) -> None:
    require(actor, Duty.RECOVERY)


def _referral_check(referred_to: str, referred_on: date | None, today: date) -> None:
    refusals = Refusals()
    if not referred_to.strip():
        refusals.add("referred_to", _("请填写移送机关（如公安机关）。"), field="referred_to")
    if referred_on is None:
        refusals.add("referred_on", _("请填写移送日期。"), field="referred_on")
    elif referred_on > today:
        refusals.add(
            "referred_on", _("移送日期 %(referred_on)s 尚未到来。") % {"referred_on": referred_on}, field="referred_on"
        )
    refusals.raise_any()


def recovery_create(
    *,
    actor: User,
    host_id: int,
    claim_ids: Iterable[int],
    amount: Decimal,
    reason: str,
    bar: bool = False,
    today: date,
    kind: str = "",
    bar_until: date | None = None,
    referred_to: str = "",
    referred_on: date | None = None,
) -> Recovery:
    """A recovery order for paid subsidy, of a kind (R-SUB-6).

    ``kind``: ``overpaid`` (no sanction: no bar, no referral) or ``fraud`` (the host is barred
    until ``bar_until``, or for good without it; a referral may be recorded now or later with
    ``recovery_refer``). Without ``kind``, ``bar`` says which: a bar is for fraud.
    """
    _officer(actor)
    kind = kind or (RecoveryKind.FRAUD if bar or bar_until else RecoveryKind.OVERPAID)
    if kind not in RecoveryKind.values:
        raise RuleError("kind", _("请选择追回性质：多发或骗取套取。"), field="kind")
    fraud = kind == RecoveryKind.FRAUD
    if not fraud and (bar or bar_until or referred_to.strip() or referred_on):
        raise RuleError(
            "R-SUB-6.overpaid", _("多发属非主观过错，只追回资金，不禁入单位、不移送（R-SUB-6）。"), field="kind"
        )
    refusals = Refusals()  # every field's problem in one round
    if fraud and bar_until is not None and bar_until < today:
        refusals.add("bar_until", _("禁入截止日不能早于今天。"), field="bar_until")
    if fraud and (referred_to.strip() or referred_on):
        refusals.check(_referral_check, referred_to, referred_on, today)
    if not reason.strip():
        refusals.add("reason", _("请填写追回理由。"), field="reason")
    amount = round_fen(amount)
    if amount <= 0:
        refusals.add("amount", _("追回金额须大于 0。"), field="amount")
    refusals.raise_any()
    with transaction.atomic():
        host = get_scoped(actor, Host.objects.select_for_update(), pk=host_id)
        ids = sorted(set(claim_ids))
        claims = list(Claim.objects.filter(pk__in=ids, host=host, status=ClaimStatus.PAID))
        if not claims or len(claims) != len(ids):
            raise RuleError("claims", _("请选择本单位已拨付的申报。"), field="claims")
        paid_entries = LedgerEntry.objects.filter(claim__in=claims, kind=EntryKind.PAID)
        paid = paid_entries.aggregate(s=MoneySum("amount"))["s"] or ZERO
        # Orders already made on these claims (open or settled) count against what was paid.
        earlier = Recovery.objects.filter(claims__in=claims).exclude(status=RecoveryStatus.WRITTEN_OFF).values("pk")
        ordered = Recovery.objects.filter(pk__in=earlier).aggregate(s=MoneySum("amount"))["s"] or ZERO
        if amount > paid - ordered:
            raise RuleError(
                "amount",
                _("追回金额不能超过所选申报已拨付 %(paid)s 元减去已立追回单 %(ordered)s 元。")
                % {"paid": paid, "ordered": ordered},
                field="amount",
            )
        recovery = Recovery(
            host=host,
            amount=amount,
            reason=reason.strip(),
            created_by=actor,
            kind=kind,
            bar_until=bar_until if fraud else None,
        )
        if fraud and referred_to.strip():
            recovery.referred_to, recovery.referred_on, recovery.referred_by = referred_to.strip(), referred_on, actor
        audit.save(recovery, actor=actor, reason=f"立追回单（{recovery.get_kind_display()}）")
        recovery.claims.set(claims)
        if fraud:  # in the same transaction: an order and its bar stand or fall together
            from jianxi.hosts.services import host_review

            host_review(
                actor=actor,
                host_id=host.pk,
                action="bar",
                reason=f"骗取套取见习补贴，追回：{reason.strip()}",
                until=bar_until,
                today=today,
            )
    return recovery


@transaction.atomic
def recovery_refer(*, actor: User, recovery_id: int, referred_to: str, referred_on: date, today: date) -> Recovery:
    """Record that a fraud case was referred (移送): to whom, when; the actor is who."""
    _officer(actor)
    recovery = get_scoped(actor, Recovery.objects.select_for_update(), pk=recovery_id)
    if recovery.kind != RecoveryKind.FRAUD:
        raise RuleError("R-SUB-6.overpaid", _("多发属非主观过错，不移送（R-SUB-6）。"))
    _referral_check(referred_to, referred_on, today)
    audit.change(
        recovery,
        actor=actor,
        reason=f"移送{referred_to.strip()}",
        referred_to=referred_to.strip(),
        referred_on=referred_on,
        referred_by=actor,
    )
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
        raise RuleError("recovery.closed", _("该追回单已结清或核销。"))
    amount = round_fen(amount)
    outstanding = _outstanding(recovery)
    refusals = Refusals()
    if not ZERO < amount <= outstanding:
        refusals.add(
            "amount", _("缴回金额应在 0.01 至 %(outstanding)s 元之间。") % {"outstanding": outstanding}, field="amount"
        )
    if not reference.strip():
        refusals.add("reference", _("请填写缴回凭证号。"), field="reference")
    refusals.raise_any()
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
        raise RuleError("reason", _("核销须填写理由。"), field="reason")
    recovery = get_scoped(actor, Recovery.objects.select_for_update().select_related("host__district"), pk=recovery_id)
    if recovery.status != RecoveryStatus.OPEN:
        raise RuleError("recovery.closed", _("该追回单已结清或核销。"))
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
