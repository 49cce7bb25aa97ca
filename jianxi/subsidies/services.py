"""Claims, review, payment and the ledger: where public money moves (R-SUB-1…6).

Every amount comes from the policy engine. Every write is one transaction that locks the rows
it decides on; the database constraints in models.py make a double payment impossible even if
two requests race past the checks here.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jianxi.accounts.duties import Duty, require
from jianxi.accounts.models import Role, User
from jianxi.accounts.scoping import get_scoped, scoped
from jianxi.core import audit
from jianxi.core.errors import RuleError
from jianxi.core.hooks import stats_changed
from jianxi.core.money import ZERO
from jianxi.hosts.models import Host, HostStatus
from jianxi.placements.attendance import attendance_lock
from jianxi.placements.models import Agreement
from jianxi.subsidies.models import (
    Attachment,
    BatchItem,
    BatchStatus,
    Claim,
    ClaimKind,
    ClaimLine,
    ClaimStatus,
    EntryKind,
    FlagDecision,
    LedgerEntry,
    LineStatus,
    PaymentBatch,
)
from jianxi.subsidies.quoting import LINE_FIGURES, line_values, recompute, remaining_verdict
from jianxi.subsidies.registry_checks import agreement_blocks, line_flags, undecided
from jianxi.subsidies.remaining import checklist_missing
from jianxi.subsidies.run import draft_for_host
from jianxi.subsidies.yearclose import refuse_closed_months


def claim_prepare(
    *, actor: User, host_id: int, today: date, agreement_ids: Iterable[int] | None = None
) -> Claim | None:
    """A draft claim of every claimable month of the host (monthly or quarterly: the host chooses when).

    The monthly run's path for one host (run.draft_for_host): the same rule of what is
    claimable, the same engine lines, the same write, with the host's staff as the author.
    """
    if actor.role != Role.HOST or actor.host_id != host_id:
        raise RuleError("claim.maker", _("补贴由见习单位本单位申报。"))
    with transaction.atomic():
        host = Host.objects.select_for_update().get(pk=host_id)
        if host.status != HostStatus.APPROVED:
            raise RuleError("R-SUB-6", _("本单位当前状态不能申报见习补贴（未通过审核、暂停或禁入，R-SUB-6）。"))
        claim_id = draft_for_host(actor=actor, host_id=host.pk, today=today, agreement_ids=agreement_ids)
    return None if claim_id is None else Claim.objects.get(pk=claim_id)


@transaction.atomic
def claim_submit(*, actor: User, claim_id: int) -> Claim:
    """The host submits a draft; its months' attendance is locked from now on."""
    claim = get_scoped(actor, Claim.objects.select_for_update(), pk=claim_id)
    if getattr(actor, "role", None) != Role.HOST:
        raise RuleError("claim.maker", _("补贴由见习单位申报。"))
    if claim.status == ClaimStatus.SUBMITTED:
        return claim
    if claim.status != ClaimStatus.DRAFT:
        raise RuleError(
            "claim.transition",
            _("申报当前状态为“%(status)s”，不能提交。") % {"status": claim.get_status_display()},
        )
    if not claim.lines.exists():
        raise RuleError("claim.empty", _("申报中没有任何见习月份。"))
    if claim.host.status != HostStatus.APPROVED:
        raise RuleError("R-SUB-6", _("本单位当前状态不能申报见习补贴（暂停或禁入，R-SUB-6）。"))
    refuse_closed_months(claim.lines.all(), timezone.localdate())
    claim.status, claim.submitted_at = ClaimStatus.SUBMITTED, timezone.now()
    audit.save(claim, actor=actor)
    attendance_lock(actor=actor, months=_months_by_agreement(claim), reason=f"随补贴申报 BT-{claim.pk} 提交锁定")
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


def _colleagues(actor: User) -> set[int]:
    """The other active officers of the actor's district."""
    if actor.district_id is None:
        return set()
    officers = User.objects.filter(role=Role.DISTRICT, district_id=actor.district_id, is_active=True)
    return set(officers.exclude(pk=actor.pk).values_list("pk", flat=True))


def claim_review(*, actor: User, claim_id: int, review: Review, today: date) -> Claim:
    """Approve (wholly or but some lines) or reject a submitted claim, recomputing every amount."""
    require(actor, Duty.CLAIM_REVIEW)
    rejected = dict(review.rejected or {})
    general = review.reason.strip()
    if (not review.approve and not general) or any(not (r.strip() or general) for r in rejected.values()):
        raise RuleError("reason", _("驳回须填写理由，单位将看到该理由。"), field="reason")
    with transaction.atomic():
        claim = get_scoped(actor, Claim.objects.select_for_update().select_related("host__district"), pk=claim_id)
        if claim.status != ClaimStatus.SUBMITTED:
            raise RuleError(
                "claim.transition",
                _("申报当前状态为“%(status)s”，不能审核。") % {"status": claim.get_status_display()},
            )
        if review.approve and claim.host.status != HostStatus.APPROVED:
            raise RuleError("R-SUB-6", _("该单位已被暂停或禁入，申报只能驳回（R-SUB-6）。"))
        if claim.kind == ClaimKind.REMAINING and review.approve:
            _remaining_ready(claim, today)
        lines = list(claim.lines.select_for_update().select_related("agreement__host__district"))
        unknown = set(rejected) - {line.pk for line in lines}
        if unknown:
            raise RuleError("lines", _("要驳回的明细不属于该申报。"), field="lines")
        if review.approve:
            _registry_clear([line for line in lines if line.pk not in rejected])
        total = ZERO
        recomputed = recompute(claim, lines, today)
        for line in lines:
            if not review.approve or line.pk in rejected:
                line.status = LineStatus.REJECTED
                line.reject_reason = (rejected.get(line.pk) or review.reason).strip()
            else:
                fresh = recomputed.get((line.agreement_id, line.month))
                if fresh is None:
                    raise RuleError(
                        "claim.stale",
                        _("%(month)s 按现行数据已不在见习期内，请驳回该月或核对协议。")
                        % {"month": f"{line.month:%Y-%m}"},
                        field="lines",
                    )
                for key, value in line_values(fresh).items():
                    setattr(line, key, value)
                line.status = LineStatus.APPROVED
                total += line.amount
        if total <= 0:  # nothing to pay: the whole claim is rejected, its months freed
            for line in lines:
                if line.status == LineStatus.APPROVED:
                    line.status, line.reject_reason = LineStatus.REJECTED, "核准金额为 0"
        audit.update_many(lines, ["status", "reject_reason", *LINE_FIGURES], actor=actor, reason="审核")
        claim.status = ClaimStatus.APPROVED if total > 0 else ClaimStatus.REJECTED
        claim.approved_total = total
        claim.note = review.reason.strip()
        claim.reviewed_by, claim.reviewed_at = actor, timezone.now()
        audit.save(claim, actor=actor)
        if total > 0:
            LedgerEntry.entry(
                kind=EntryKind.APPROVED, host=claim.host, claim=claim, amount=total, on=today, actor=actor
            ).save()
            stats_changed(first=today, host_id=claim.host_id)
        attendance_lock(
            actor=actor,
            months=_months_by_agreement(claim, status=LineStatus.REJECTED),
            reason=f"补贴申报 BT-{claim.pk} 驳回，解锁",
            locked=False,
        )
    return claim


def _registry_clear(approving: list[ClaimLine]) -> None:
    """The registry's word on the lines to approve (R-EL-7, signals from 比对数据): an internship
    resting on a contradicted fact is not subsidised — its lines can only be rejected; a flagged
    line needs the officer's recorded decision first."""
    if not approving:
        return
    # Read apart from the locked rows: the person and host are not locked by a review.
    approving = list(
        ClaimLine.objects.filter(pk__in=[line.pk for line in approving])
        .select_related("agreement__person", "agreement__host")
        .order_by("agreement_id", "month", "pk")
    )
    blocks = agreement_blocks([line.agreement for line in approving])
    for line in approving:
        reasons = blocks.get(line.agreement_id)
        if reasons:
            raise RuleError(
                "R-EL-7",
                _("%(name)s %(month)s：%(message)s。请驳回该项。")
                % {"name": line.agreement.person.name, "month": f"{line.month:%Y-%m}", "message": reasons[0].message},
                field="lines",
            )
    open_flags = undecided(approving)
    if open_flags:
        line = next(line for line in approving if line.pk in open_flags)
        titles = "、".join(f.title for f in open_flags[line.pk])
        raise RuleError(
            "signal.undecided",
            _(
                "%(name)s %(month)s 有风险信号（%(titles)s），"
                "须先记录核查结论才能核准，或驳回该项（共 %(count)s 项待记录）。"
            )
            % {
                "name": line.agreement.person.name,
                "month": f"{line.month:%Y-%m}",
                "titles": titles,
                "count": len(open_flags),
            },
            field="lines",
        )


@transaction.atomic
def flag_decide(*, actor: User, claim_id: int, line_id: int, note: str) -> FlagDecision:
    """The reviewing officer records a decision on a flagged line's signals (who, when, what)."""
    require(actor, Duty.CLAIM_REVIEW)
    note = note.strip()
    if not note:
        raise RuleError("note", _("请填写核查结论。"), field="note")
    claim = get_scoped(actor, Claim.objects.select_for_update(), pk=claim_id)
    if claim.status != ClaimStatus.SUBMITTED:
        raise RuleError(
            "claim.transition",
            _("申报当前状态为“%(status)s”，不能记录核查结论。") % {"status": claim.get_status_display()},
        )
    line = claim.lines.select_related("agreement__person", "agreement__host").filter(pk=line_id).first()
    if line is None:
        raise RuleError("lines", _("该明细不属于该申报。"), field="lines")
    flags = line_flags([line]).get(line.pk, [])
    if not flags:
        raise RuleError("signal.none", _("该明细没有风险信号，无须记录核查结论。"))
    codes = ",".join(sorted({f.code for f in flags}))
    return FlagDecision.objects.create(line=line, codes=codes, note=note[:500], decided_by=actor)


def _remaining_ready(claim: Claim, today: date) -> None:
    """R-SUB-5: approval needs every condition checked by an officer and the engine's yes."""
    missing = checklist_missing(claim)
    if missing:
        raise RuleError(
            "R-SUB-5.checklist", _("尚有核查项未完成：%(missing)s（R-SUB-5）。") % {"missing": "、".join(missing)}
        )
    verdict = remaining_verdict(claim, today)
    if verdict is None or not verdict.eligible:
        reasons = "；".join(r.message for r in (verdict.reasons if verdict else ()))
        raise RuleError("R-SUB-5", _("不符合剩余期限见习补贴条件：%(reasons)s") % {"reasons": reasons})


def attendance_settled_check(*, agreement: Agreement, month: date) -> None:
    """A month of attendance behind approved money is not reopened: changing it would need a
    recovery (追回, R-SUB-6). Registered with placements' reopen checks in SubsidiesConfig.ready()."""
    settled = ClaimLine.objects.filter(agreement=agreement, month=month, status=LineStatus.APPROVED)
    if settled.exists():
        raise RuleError("attendance.settled", _("该月补贴已核准，不能重新开放考勤；如有错误请办理追回（R-SUB-6）。"))


# --- payment ---------------------------------------------------------------------------------------


def _district_officer(actor: User) -> None:
    require(actor, Duty.BATCH_PAY)


@transaction.atomic
def batch_create(*, actor: User, claim_ids: Iterable[int]) -> PaymentBatch:
    """Put approved claims of the officer's district into a new payment batch."""
    _district_officer(actor)
    ids = sorted(set(claim_ids))
    if not ids:
        raise RuleError("claims", _("请选择要拨付的申报。"), field="claims")
    claims = list(
        scoped(actor, Claim.objects.select_for_update(of=("self",)).select_related("host"))
        .filter(pk__in=ids)
        .order_by("pk")
    )
    if len(claims) != len(ids):
        raise RuleError("claims", _("部分申报不存在或不属于本区。"), field="claims")
    not_ready = [c.pk for c in claims if c.status != ClaimStatus.APPROVED]
    if not_ready:
        raise RuleError(
            "claim.not_approved",
            _("只有已审核、未拨付的申报可以拨付：%(not_ready)s") % {"not_ready": not_ready},
            field="claims",
        )
    barred = sorted({c.host.name for c in claims if c.host.status != HostStatus.APPROVED})
    if barred:
        raise RuleError(
            "R-SUB-6",
            _("以下单位已被暂停或禁入，不能拨付：%(barred)s（R-SUB-6）。") % {"barred": "、".join(barred)},
            field="claims",
        )
    no_account = sorted({c.host.name for c in claims if not c.host.bank_account})
    if no_account:
        raise RuleError(
            "bank_account",
            _("以下单位未登记银行账号：%(no_account)s。") % {"no_account": "、".join(no_account)},
            field="claims",
        )
    _payable_by_another(actor, {c.reviewed_by_id for c in claims})
    if actor.district is None:  # a district officer has a district (user_scope_matches_role)
        raise RuleError("duty.batch.pay", _("拨付由区人社局办理。"))
    batch = audit.save(PaymentBatch(district=actor.district, created_by=actor), actor=actor, reason="编制拨付批次")
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
        raise RuleError("claim.batched", _("部分申报已在其他拨付批次中。"), field="claims") from exc
    _set_status(claims, ClaimStatus.BATCHED, actor, "编入拨付批次")
    return batch


def _payable_by_another(actor: User, approvers: set[int | None]) -> None:
    """Maker-checker (职责分离): where the district has another officer, a batch is marked paid by
    an officer who neither made it nor approved a claim in it. A batch nobody could then pay is
    refused when it is made, not found out at payment."""
    colleagues = _colleagues(actor)
    if colleagues and not colleagues - approvers:
        raise RuleError(
            "batch.maker_checker",
            _(
                "本区没有既未审核这些申报、也未编制本批次的其他工作人员来确认拨付：请由审核人编制批次，"
                "或将不同审核人的申报分批编制。"
            ),
            field="claims",
        )


def _set_status(claims: list[Claim], status: str, actor: User, reason: str) -> None:
    """A status change of many claims, each with its history row (who, when, why)."""
    for claim in claims:
        claim.status = status
    audit.update_many(claims, ["status"], actor=actor, reason=reason)


@transaction.atomic
def batch_mark_paid(*, actor: User, batch_id: int, paid_on: date, reference: str) -> PaymentBatch:
    """Record the bank payment of a batch: once. A second attempt is refused, never paid twice."""
    _district_officer(actor)
    if not reference.strip():
        raise RuleError("reference", _("请填写拨付凭证号。"), field="reference")
    batch = get_scoped(actor, PaymentBatch.objects.select_for_update(), pk=batch_id)
    if batch.status == BatchStatus.PAID:
        raise RuleError(
            "batch.paid",
            _("该批次已于 %(paid_on)s 拨付（凭证 %(reference)s），不能重复拨付。")
            % {"paid_on": batch.paid_on, "reference": batch.reference},
        )
    if batch.status == BatchStatus.CANCELLED:
        raise RuleError(
            "batch.cancelled",
            _("该批次已撤销（%(cancel_reason)s），不能拨付。") % {"cancel_reason": batch.cancel_reason},
        )
    if not timezone.localdate(batch.created_at) <= paid_on <= timezone.localdate():
        raise RuleError("paid_on", _("拨付日期应在批次编制之日与今天之间。"), field="paid_on")
    items = list(batch.items.select_related("claim__host__district"))
    colleagues = _colleagues(actor)
    if colleagues and batch.created_by_id == actor.pk:
        raise RuleError("batch.maker_checker", _("拨付批次由您本人编制，须由本区其他工作人员确认拨付。"))
    if colleagues and any(item.claim.reviewed_by_id == actor.pk for item in items):
        raise RuleError("batch.maker_checker", _("批次中有您本人审核通过的申报，须由本区其他工作人员确认拨付。"))
    batch.status, batch.paid_on, batch.reference = BatchStatus.PAID, paid_on, reference.strip()
    audit.save(batch, actor=actor)
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
def batch_cancel(*, actor: User, batch_id: int, reason: str) -> PaymentBatch:
    """Withdraw an unpaid batch (a wrong account, a claim to hold back): its claims are approved again.

    Paid money is never unwound here: a paid batch is refused, and money paid wrongly is
    recovered (R-SUB-6). The batch stays, with the claims it held named in its reason and history.
    """
    _district_officer(actor)
    reason = reason.strip()
    if not reason:
        raise RuleError("cancel_reason", _("请填写撤销理由。"), field="reason")
    batch = get_scoped(actor, PaymentBatch.objects.select_for_update(), pk=batch_id)
    if batch.status == BatchStatus.CANCELLED:
        return batch
    if batch.status == BatchStatus.PAID:
        raise RuleError(
            "batch.paid",
            _("该批次已于 %(paid_on)s 拨付，不能撤销；多拨或错拨的资金请办理追回（R-SUB-6）。")
            % {"paid_on": batch.paid_on},
        )
    items = list(batch.items.order_by("claim_id"))
    claims = list(Claim.objects.select_for_update().filter(pk__in=[item.claim_id for item in items]).order_by("pk"))
    held = "、".join(f"BT-{item.claim_id}" for item in items)
    batch.items.all().delete()  # one batch per claim: the claims can go into a new batch
    _set_status(claims, ClaimStatus.APPROVED, actor, f"拨付批次 PC-{batch.pk} 已撤销：{reason}")
    batch.status, batch.cancel_reason = BatchStatus.CANCELLED, f"{reason}（原含 {held}）"[:500]
    audit.save(batch, actor=actor, reason=f"撤销：{reason}")
    return batch


MAX_ATTACHMENTS = 20


@transaction.atomic
def attachment_add(*, actor: User, claim_id: int, upload: UploadedFile, content_type: str) -> Attachment:
    """The host adds a supporting file (合同、社保缴费记录…) to a claim not yet reviewed.

    Under the claim's row lock, so two uploads at once cannot pass the limit together, and a
    claim being reviewed or discarded meanwhile is seen in its new state. ``content_type``: the
    type the upload form sniffed from the file's bytes.
    """
    require(actor, Duty.CLAIM_PREPARE)
    claim = get_scoped(actor, Claim.objects.select_for_update(), pk=claim_id)
    if claim.status not in (ClaimStatus.DRAFT, ClaimStatus.SUBMITTED):
        raise RuleError("claim.transition", _("该申报已审核，不能再上传材料。"))
    if claim.attachments.count() >= MAX_ATTACHMENTS:
        raise RuleError(
            "attachments.full",
            _("每份申报最多上传 %(max_attachments)s 个材料文件。") % {"max_attachments": MAX_ATTACHMENTS},
        )
    name = (upload.name or "")[:200]
    return Attachment.objects.create(
        claim=claim, file=upload, name=name, content_type=content_type, size=upload.size or 0
    )


@transaction.atomic
def claim_discard(*, actor: User, claim_id: int) -> None:
    """The host discards a draft: its months can be claimed again (prepared anew, or by the next run)."""
    if getattr(actor, "role", None) != Role.HOST:
        raise RuleError("claim.maker", _("补贴申报草稿由见习单位本单位处理。"))
    claim = get_scoped(actor, Claim.objects.select_for_update(), pk=claim_id)
    if claim.status != ClaimStatus.DRAFT:
        raise RuleError(
            "claim.transition",
            _("申报当前状态为“%(status)s”，只有草稿可以删除。") % {"status": claim.get_status_display()},
        )
    files = [(a.file.storage, a.file.name) for a in claim.attachments.all()]
    audit.delete(
        claim, actor=actor, reason="单位删除申报草稿"
    )  # lines and attachments go with it; the history keeps who deleted what

    def remove_files() -> None:  # only once the deletion is committed
        for storage, name in files:
            storage.delete(name)

    transaction.on_commit(remove_files)
