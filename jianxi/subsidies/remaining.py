"""Remaining-period subsidy claims (剩余期限见习补贴, R-SUB-5) and their officer checklist."""

from __future__ import annotations

from datetime import date

from django.db import IntegrityError, transaction
from django.utils.translation import gettext

from jianxi.accounts.duties import Duty, require
from jianxi.accounts.models import Role, User
from jianxi.accounts.scoping import get_scoped
from jianxi.core import audit
from jianxi.core.errors import RuleError
from jianxi.hosts.models import HostStatus
from jianxi.placements.models import Agreement, AgreementStatus, Outcome
from jianxi.subsidies.models import ChecklistItem, Claim, ClaimKind, ClaimLine, ClaimStatus
from jianxi.subsidies.quoting import line_values, remaining_verdict
from jianxi.subsidies.yearclose import refuse_closed_months

# The conditions an officer checks one by one before approval (notice §四(三): 逐一核查).
CHECKLIST = {
    "R-SUB-5.contract": "已核验劳动合同原件，提前终止见习协议后签订",
    "R-SUB-5.term": "劳动合同期限在 1 年以上",
    "R-SUB-5.window": "劳动合同签订日期（或政策数据规定的其他日期）在政策实施期限内",
    "R-SUB-5.insurance": "已核验合同起始月至原协议期满月的社会保险缴费记录",
    "R-SUB-5.employed": "已核实原协议期满日仍在职（双方履行劳动合同达到原协议期限）",
}


def remaining_claim_create(*, actor: User, agreement_id: int, employed_through: date, today: date) -> Claim:
    """A host claims the rest of the original period after an early hire, once that period is over."""
    if getattr(actor, "role", None) != Role.HOST:
        raise RuleError("claim.maker", gettext("剩余期限见习补贴由见习单位申报。"))
    with transaction.atomic():
        agreement = get_scoped(
            actor, Agreement.objects.select_for_update().select_related("host__district"), pk=agreement_id
        )
        if agreement.host.status != HostStatus.APPROVED:
            raise RuleError("R-SUB-6", gettext("本单位当前状态不能申报见习补贴（R-SUB-6）。"))
        if agreement.status != AgreementStatus.ENDED or agreement.outcome != Outcome.HIRED:
            raise RuleError(
                "R-SUB-5.reason", gettext("只有提前留用（签订劳动合同）的见习可以申报剩余期限见习补贴（R-SUB-5）。")
            )
        if today <= agreement.end:
            raise RuleError(
                "R-SUB-5.claim_date",
                gettext("原见习协议期满（%(end)s）后才能申报剩余期限见习补贴（R-SUB-5）。") % {"end": agreement.end},
            )
        if not agreement.subsidy_eligible:
            raise RuleError("R-EL-6", agreement.subsidy_note or gettext("该见习不享受见习补贴（R-EL-6）。"))
        claim = audit.save(
            Claim(
                host=agreement.host,
                kind=ClaimKind.REMAINING,
                agreement=agreement,
                employed_through=employed_through,
                created_by=actor,
            ),
            actor=actor,
            reason="单位申报剩余期限见习补贴",
        )
        verdict = remaining_verdict(claim, today)
        if verdict is None or not verdict.months:
            raise RuleError("R-SUB-5", gettext("没有可申报的剩余期限。"))
        refuse_closed_months((date.fromisoformat(m.month + "-01") for m in verdict.months), today)
        lines = [
            ClaimLine(
                claim=claim,
                agreement=agreement,
                kind=ClaimKind.REMAINING,
                month=date.fromisoformat(m.month + "-01"),
                **line_values(m),
            )
            for m in verdict.months
        ]
        try:
            with transaction.atomic():
                ClaimLine.objects.bulk_create(lines)
        except IntegrityError as exc:
            raise RuleError("R-SUB-4", gettext("该见习的剩余期限已申报过，不能重复申报（R-SUB-4）。")) from exc
    return claim


@transaction.atomic
def checklist_tick(*, actor: User, claim_id: int, code: str, note: str = "") -> ChecklistItem:
    """An officer records that one condition was checked, with who and when."""
    require(actor, Duty.CLAIM_REVIEW)
    claim = get_scoped(actor, Claim.objects.select_for_update(), pk=claim_id)
    if code not in CHECKLIST:
        raise RuleError("code", gettext("未知的核查项。"), field="code")
    if claim.kind != ClaimKind.REMAINING or claim.status != ClaimStatus.SUBMITTED:
        raise RuleError("claim.transition", gettext("只有待审核的剩余期限补贴申报需要逐项核查。"))
    item, _ = ChecklistItem.objects.get_or_create(
        claim=claim, code=code, defaults={"checked_by": actor, "note": note.strip()}
    )
    return item


def checklist_missing(claim: Claim) -> list[str]:
    done = set(claim.checklist.values_list("code", flat=True))
    return [code for code in CHECKLIST if code not in done]
