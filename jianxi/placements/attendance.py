"""Attendance (考勤): a month grid per internship, checked against the official calendar.

A month cannot record more days than were scheduled in it (R-SUB-3); once a month is part of a
submitted subsidy claim it is locked, and only a district officer can reopen it (recorded).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import transaction

from jianxi.accounts.duties import Duty, require
from jianxi.accounts.models import Role
from jianxi.accounts.scoping import get_scoped
from jianxi.core.errors import RuleError
from jianxi.core.money import round_fen
from jianxi.placements.models import Agreement, AgreementStatus, Attendance
from jianxi.policy.engine import add_months, month_key
from jianxi.policy.engine.dates import month_first, month_last
from jianxi.policy.selectors import engine_policy, work_calendar


@dataclass(frozen=True)
class MonthRow:
    """One row of the grid: the calendar's figures and what is recorded."""

    month: date
    key: str
    working_days: int
    scheduled_days: int
    attended_days: int | None
    locked: bool
    open: bool  # the month has begun, so attendance may be recorded
    covered: bool = True  # the official calendar knows the year (else the day counts are a guess)
    allowance_paid: Decimal | None = None  # 实发生活费, where the policy caps the subsidy by it (R-SUB-8)


def months_of(agreement: Agreement) -> list[date]:
    """First days of the calendar months the internship touches."""
    months, first = [], month_first(agreement.start)
    while first <= agreement.last_day:
        months.append(first)
        first = add_months(first, 1)
    return months


def attendance_grid(*, agreement: Agreement, today: date) -> list[MonthRow]:
    """Every month of the internship with working and scheduled days, in two queries."""
    months = months_of(agreement)
    calendar = work_calendar(range(agreement.start.year, agreement.last_day.year + 1))
    recorded = {a.month: a for a in Attendance.objects.filter(agreement=agreement)}
    rows = []
    for first in months:
        last = month_last(first)
        scheduled = calendar.working_days_between(max(first, agreement.start), min(last, agreement.last_day))
        row = recorded.get(first)
        rows.append(
            MonthRow(
                month=first,
                key=month_key(first),
                working_days=calendar.working_days_in_month(first.year, first.month),
                scheduled_days=scheduled,
                attended_days=row.attended_days if row else None,
                locked=bool(row and row.locked),
                open=first <= today,
                covered=calendar.is_covered(first.year),
                allowance_paid=row.allowance_paid if row else None,
            )
        )
    return rows


MAX_ALLOWANCE = Decimal("100000")  # yuan a month: anything above is a typing error


def caps_by_paid(agreement: Agreement) -> bool:
    """Whether the policy in force for the internship caps the subsidy by the allowance paid (R-SUB-8)."""
    return engine_policy(agreement.start).cap_by_paid


def attendance_record(
    *,
    actor: Any,
    agreement_id: int,
    days: Mapping[str, int],
    today: date,
    allowances: Mapping[str, Decimal] | None = None,
) -> int:
    """The host records attended days (and, where asked, the allowance paid) for months of one
    internship; returns how many months changed."""
    allowances = allowances or {}
    if getattr(actor, "role", None) != Role.HOST:
        raise RuleError("attendance.recorder", "考勤由见习单位填报。")
    with transaction.atomic():
        agreement = get_scoped(actor, Agreement.objects.select_for_update().select_related("host"), pk=agreement_id)
        if agreement.status not in (AgreementStatus.ACTIVE, AgreementStatus.ENDED):
            raise RuleError("attendance.agreement", "协议经双方确认后才能填报考勤。")
        grid = {row.key: row for row in attendance_grid(agreement=agreement, today=today)}
        existing = {a.month: a for a in Attendance.objects.select_for_update().filter(agreement=agreement)}
        changed = 0
        for key in sorted(set(days) | set(allowances)):
            row = grid.get(key)
            if row is None:
                raise RuleError("attendance.month_outside", f"{key} 不在见习期内。", field="attendance")
            if not row.open:
                raise RuleError("attendance.future", f"{key} 尚未开始，不能填报考勤。", field="attendance")
            current = existing.get(row.month)
            attended = days.get(key, current.attended_days if current is not None else None)
            if attended is None:
                raise RuleError("attendance.missing", f"{key} 请先填写出勤天数，再填实发生活费。", field="attendance")
            paid = allowances.get(key, current.allowance_paid if current is not None else None)
            if paid is not None and (not paid.is_finite() or not 0 <= paid <= MAX_ALLOWANCE or paid != round_fen(paid)):
                raise RuleError(
                    "allowance_paid",
                    f"{key} 的实发生活费应为 0 至 {MAX_ALLOWANCE} 元之间的金额，最多两位小数（R-SUB-8），现为 {paid}。",
                    field="allowance_paid",
                )
            if not 0 <= attended <= row.scheduled_days:
                raise RuleError(
                    "attendance",
                    f"{key} 出勤 {attended} 天，应在 0 至 {row.scheduled_days} 天之间"
                    f"（该月见习期内共 {row.scheduled_days} 个工作日，R-SUB-3）。",
                    field="attendance",
                )
            if current is not None and (current.attended_days, current.allowance_paid) == (attended, paid):
                continue
            if current is not None and current.locked:
                raise RuleError("attendance.locked", f"{key} 的考勤已随补贴申报锁定，需区人社局重新开放后才能修改。")
            record = current or Attendance(agreement=agreement, month=row.month)
            record.working_days, record.scheduled_days, record.attended_days = (
                row.working_days,
                row.scheduled_days,
                attended,
            )
            record.allowance_paid = paid
            record._history_user = actor  # type: ignore[attr-defined]
            record.save()
            changed += 1
    return changed


def attendance_lock(*, agreement_id: int, months: list[date], locked: bool = True) -> int:
    """Lock (or unlock) months of attendance; used when a subsidy claim is submitted."""
    return Attendance.objects.filter(agreement_id=agreement_id, month__in=months).update(locked=locked)


@transaction.atomic
def attendance_reopen(*, actor: Any, agreement_id: int, month: date, reason: str) -> Attendance:
    """A district officer reopens a locked month, with a reason kept in its history."""
    require(actor, Duty.ATTENDANCE_REOPEN)
    agreement = get_scoped(actor, Agreement.objects.all(), pk=agreement_id)
    if not reason.strip():
        raise RuleError("reason", "重新开放须填写理由。", field="reason")
    record = Attendance.objects.select_for_update().filter(agreement=agreement, month=month).first()
    if record is None:
        raise RuleError("attendance.missing", "该月没有考勤记录。")
    from jianxi.subsidies.models import ClaimLine, LineStatus

    settled = ClaimLine.objects.filter(agreement=agreement, month=month, status=LineStatus.APPROVED)
    if settled.exists():
        # Changing the attendance behind approved money would need a recovery (追回), not a reopen.
        raise RuleError("attendance.settled", "该月补贴已核准，不能重新开放考勤；如有错误请办理追回（R-SUB-6）。")
    if record.locked:
        record.locked = False
        record._history_user = actor  # type: ignore[attr-defined]
        record._change_reason = f"重新开放：{reason.strip()}"  # type: ignore[attr-defined]
        record.save()
    return record
