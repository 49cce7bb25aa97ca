"""How internships end (R-IN-3), retention (留用), certificates (R-IN-4) and follow-up (跟踪帮扶)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext

from jianxi.accounts.models import Role, User
from jianxi.accounts.scoping import get_scoped
from jianxi.core import audit
from jianxi.core.errors import Refusals, RuleError
from jianxi.core.hooks import stats_changed
from jianxi.placements.models import (
    Agreement,
    AgreementStatus,
    Attendance,
    FollowUp,
    LaterStatus,
    Outcome,
    ServiceKind,
)
from jianxi.policy.engine import add_months, months_between
from jianxi.policy.engine.dates import month_first
from jianxi.policy.selectors import work_calendar

CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I: read aloud over the phone


@dataclass(frozen=True)
class Ending:
    outcome: str
    ended_on: date
    reason: str = ""
    contract_start: date | None = None
    contract_months: int | None = None
    contract_signed: date | None = None
    insured_months: tuple[str, ...] = ()


def _new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(10))


@transaction.atomic
def agreement_end(*, actor: User, agreement_id: int, ending: Ending, today: date) -> Agreement:
    """R-IN-3: complete, terminate early with a reason, or hire early with the labour contract."""
    if getattr(actor, "role", None) != Role.HOST:
        raise RuleError("agreement.ender", gettext("见习结束情况由见习单位登记。"))
    agreement = get_scoped(actor, Agreement.objects.select_for_update().select_related("host"), pk=agreement_id)
    if agreement.status != AgreementStatus.ACTIVE:
        raise RuleError(
            "agreement.transition",
            gettext("协议当前状态为“%(status)s”，不能登记结束。") % {"status": agreement.get_status_display()},
        )
    refusals = Refusals()  # every field's problem in one round
    if ending.outcome not in Outcome.values:
        refusals.add("outcome", gettext("请选择结束方式。"), field="outcome")
    if not agreement.start <= ending.ended_on <= agreement.end:
        refusals.add(
            "ended_on",
            gettext("最后见习日应在 %(start)s 至 %(end)s 之间。") % {"start": agreement.start, "end": agreement.end},
            field="ended_on",
        )
    elif ending.ended_on > today:
        # The certificate states the end: it cannot be issued before the internship has ended.
        refusals.add("ended_on", gettext("最后见习日尚未到来，见习结束后再登记。"), field="ended_on")
    elif ending.outcome == Outcome.COMPLETED and ending.ended_on != agreement.end:
        refusals.add("ended_on", gettext("期满结束的最后见习日即协议约定结束日期。"), field="ended_on")
    elif ending.outcome in Outcome.values and ending.outcome != Outcome.COMPLETED and ending.ended_on >= agreement.end:
        refusals.add("ended_on", gettext("提前结束的最后见习日应早于协议约定结束日期。"), field="ended_on")
    if ending.outcome == Outcome.TERMINATED and not ending.reason.strip():
        refusals.add("outcome_reason", gettext("提前终止须填写原因（R-IN-3）。"), field="reason")
    if ending.outcome == Outcome.HIRED:
        if ending.contract_start is None or ending.contract_months is None:
            refusals.add(
                "contract_start",
                gettext("提前留用须填写劳动合同起始日和期限（R-IN-3、R-SUB-5）。"),
                field="contract_start",
            )
        else:
            if ending.contract_start <= ending.ended_on:
                refusals.add("contract_start", gettext("劳动合同应在最后见习日之后开始。"), field="contract_start")
            contract_end = add_months(ending.contract_start, ending.contract_months)
            allowed = set(months_between(ending.contract_start, contract_end))
            bad = [m for m in ending.insured_months if m not in allowed]
            if bad:
                refusals.add(
                    "insured_months",
                    gettext("社保月份不在劳动合同期内：%(bad)s") % {"bad": "、".join(bad)},
                    field="insured_months",
                )
        signed = ending.contract_signed
        if signed is not None and not agreement.start <= signed <= today:
            refusals.add(
                "contract_signed",
                gettext("劳动合同签订日期应在见习开始日期（%(start)s）至今天（%(today)s）之间。")
                % {"start": agreement.start, "today": today},
                field="contract_signed",
            )
    refusals.raise_any()
    _attendance_fits(agreement, ending.ended_on)
    agreement.status = AgreementStatus.ENDED
    agreement.outcome = ending.outcome
    agreement.ended_on = ending.ended_on
    agreement.outcome_reason = ending.reason.strip()
    agreement.contract_start = ending.contract_start
    agreement.contract_months = ending.contract_months
    agreement.contract_signed = ending.contract_signed if ending.outcome == Outcome.HIRED else None
    agreement.insured_months = ",".join(sorted(set(ending.insured_months)))
    if ending.outcome == Outcome.HIRED:
        agreement.retained = True  # an early hire is a retention by definition
    agreement.certificate_code = agreement.certificate_code or _new_code()
    audit.save(agreement, actor=actor, reason=f"见习结束：{agreement.get_outcome_display()}")
    stats_changed(first=agreement.ended_on, last=agreement.end, host_id=agreement.host_id)
    return agreement


def _attendance_fits(agreement: Agreement, last_day: date) -> None:
    """Attendance already recorded must still fit an internship that ends on ``last_day``."""
    first = month_first(last_day)
    if Attendance.objects.filter(agreement=agreement, month__gt=first).exists():
        raise RuleError("ended_on", gettext("最后见习日之后的月份已有考勤记录，请先核对考勤。"), field="ended_on")
    record = Attendance.objects.filter(agreement=agreement, month=first).first()
    if record is not None:
        scheduled = work_calendar([first.year]).working_days_between(max(first, agreement.start), last_day)
        if record.attended_days > scheduled:
            raise RuleError(
                "ended_on",
                gettext("%(first)s 已登记出勤 %(attended_days)s 天，超过提前结束后该月的 %(scheduled)s 个工作日。")
                % {"first": f"{first:%Y-%m}", "attended_days": record.attended_days, "scheduled": scheduled},
                field="ended_on",
            )


@transaction.atomic
def agreement_retention(*, actor: User, agreement_id: int, retained: bool) -> Agreement:
    """After the end, the host records whether it kept the intern (留用)."""
    if getattr(actor, "role", None) != Role.HOST:
        raise RuleError("agreement.retention", gettext("留用情况由见习单位登记。"))
    agreement = get_scoped(actor, Agreement.objects.select_for_update(), pk=agreement_id)
    if agreement.status != AgreementStatus.ENDED:
        raise RuleError("agreement.transition", gettext("见习结束后才能登记留用情况。"))
    if agreement.retained is retained:
        return agreement
    agreement.retained = retained
    audit.save(agreement, actor=actor, reason="登记留用" if retained else "登记未留用")
    stats_changed(first=agreement.last_day, host_id=agreement.host_id)
    return agreement


@dataclass(frozen=True)
class Retention:
    ended: int
    retained: int

    @property
    def rate(self) -> float | None:
        """Retained ÷ ended (display only; never used for money)."""
        return None if self.ended == 0 else self.retained / self.ended

    @property
    def fraction(self) -> Decimal | None:
        """Retained ÷ ended as the engine compares it with retention tiers (R-SUB-8)."""
        return None if self.ended == 0 else Decimal(self.retained) / Decimal(self.ended)


def retention_rates(agreements: QuerySet[Agreement], by: str | None = None) -> dict[Any, Retention]:
    """R-IN-3 retention rate = retained / ended, per ``by`` (e.g. "host", "host__district") or overall."""
    ended = agreements.filter(status=AgreementStatus.ENDED)
    counts = {"ended": Count("pk"), "kept": Count("pk", filter=Q(retained=True))}
    if by is None:
        row = ended.aggregate(**counts)
        return {None: Retention(row["ended"], row["kept"])}
    return {r[by]: Retention(r["ended"], r["kept"]) for r in ended.values(by).annotate(**counts).order_by(by)}


def certificate_lookup(code: str) -> Agreement | None:
    """Anyone may check a certificate (见习证明) by its verification code."""
    code = code.strip().upper()
    if not code or len(code) > 12:
        return None
    return (
        Agreement.objects.select_related("host", "person", "post")
        .filter(certificate_code=code, status=AgreementStatus.ENDED)
        .first()
    )


def follow_up_due(user: Any) -> QuerySet[Agreement]:
    """People who ended without being retained: the district's follow-up list (跟踪帮扶)."""
    from jianxi.accounts.scoping import scoped

    return (
        scoped(user, Agreement.objects.select_related("person", "host"))
        .filter(status=AgreementStatus.ENDED, retained=False)
        .annotate(services=Count("follow_ups"))
        .order_by("services", "-ended_on", "-id")
    )


@transaction.atomic
def follow_up_record(
    *, actor: User, agreement_id: int, served_on: date, kind: str, later_status: str, note: str = ""
) -> FollowUp:
    """A district officer records a service given and the person's status now."""
    if getattr(actor, "role", None) not in (Role.DISTRICT, Role.CITY):
        raise RuleError("follow_up.officer", gettext("跟踪帮扶由区人社局记录。"))
    agreement = get_scoped(actor, Agreement.objects.all(), pk=agreement_id)
    if agreement.status != AgreementStatus.ENDED or agreement.retained is not False:
        raise RuleError("follow_up.target", gettext("只对见习结束后未留用的人员记录跟踪帮扶。"))
    refusals = Refusals()
    if kind not in ServiceKind.values:
        refusals.add("kind", gettext("请选择服务内容。"), field="kind")
    if later_status not in LaterStatus.values:
        refusals.add("later_status", gettext("请选择人员现状。"), field="later_status")
    if agreement.ended_on and served_on < agreement.ended_on:
        refusals.add("served_on", gettext("服务日期不能早于见习结束日期。"), field="served_on")
    refusals.raise_any()
    follow_up = FollowUp(
        agreement=agreement, officer=actor, served_on=served_on, kind=kind, later_status=later_status, note=note.strip()
    )
    audit.save(follow_up, actor=actor)
    return follow_up
