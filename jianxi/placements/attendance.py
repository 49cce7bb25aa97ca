"""Attendance (考勤): a month grid per internship, checked against the official calendar.

A month cannot record more days than were scheduled in it (R-SUB-3), nor days that have not yet
happened: a month not begun is refused, and the month under way takes at most the working days
up to today (``elapsed_days``; code ``attendance.future``, the message naming the first day to
come). Once a month is part of a submitted subsidy claim it is locked, and only a district
officer can reopen it (recorded).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Protocol

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from jianxi.accounts.duties import Duty, require
from jianxi.accounts.models import Role, User
from jianxi.accounts.scoping import get_scoped
from jianxi.core import audit
from jianxi.core.errors import RuleError
from jianxi.core.hooks import Hooks
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
    # Days that have happened: the scheduled working days up to today (all of them in a past
    # month), and the first scheduled day still to come in this month (None when none is).
    elapsed_days: int | None = None
    next_day: date | None = None

    @property
    def days_so_far(self) -> int:
        return self.scheduled_days if self.elapsed_days is None else self.elapsed_days

    @property
    def unfinished(self) -> bool:
        return self.next_day is not None


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
        first_day, last_day = max(first, agreement.start), min(last, agreement.last_day)
        elapsed, next_day = scheduled, None
        if today < last_day:  # the month (of the internship) is not over: count only days gone by
            elapsed = calendar.working_days_between(first_day, today) if today >= first_day else 0
            next_day = next(
                (
                    d
                    for d in calendar.month_working_days(first.year, first.month)
                    if today < d and first_day <= d <= last_day
                ),
                None,
            )
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
                elapsed_days=elapsed,
                next_day=next_day,
            )
        )
    return rows


MAX_ALLOWANCE = Decimal("100000")  # yuan a month: anything above is a typing error


def caps_by_paid(agreement: Agreement) -> bool:
    """Whether the policy in force for the internship caps the subsidy by the allowance paid (R-SUB-8)."""
    return engine_policy(agreement.start).cap_by_paid


def month_to_record(grid: Mapping[date, MonthRow], month: date, agreement: Agreement) -> MonthRow:
    """The grid's row of ``month``, if attendance may be recorded for it: inside the internship
    and begun. Refused with a RuleError (field ``month``) otherwise."""
    row = grid.get(month)
    key = month_key(month)
    if row is None:
        raise RuleError(
            "attendance.month_outside",
            gettext("%(key)s 不在见习期内（%(start)s 至 %(last_day)s）。")
            % {"key": key, "start": f"{agreement.start:%Y-%m-%d}", "last_day": f"{agreement.last_day:%Y-%m-%d}"},
            field="month",
        )
    if not row.open:
        raise RuleError(
            "attendance.future",
            gettext("%(key)s 尚未开始（%(first_day)s 尚未到来），不能填报考勤。")
            % {"key": key, "first_day": f"{max(month, agreement.start):%Y-%m-%d}"},
            field="month",
        )
    return row


def figures_problems(row: MonthRow, *, attended: int, paid: Decimal | None) -> list[RuleError]:
    """What is wrong with recording ``attended`` days and allowance ``paid`` for the month of
    ``row``, as the grid page and the Excel import both check it; empty when nothing is.

    Each problem names its field: ``attendance`` (R-SUB-3: no more days than scheduled; a locked
    month's days) or ``allowance_paid`` (R-SUB-8 amount; a locked month's allowance). Writing the
    values a month already holds is no change, and so allowed even when the month is locked.
    """
    key, problems = row.key, []
    if not 0 <= attended <= row.scheduled_days:
        problems.append(
            RuleError(
                "attendance",
                gettext(
                    "%(key)s 出勤 %(attended)s 天，应在 0 至 %(scheduled_days)s 天之间"
                    "（该月见习期内共 %(scheduled_days)s 个工作日，"
                    "R-SUB-3）。"
                )
                % {"key": key, "attended": attended, "scheduled_days": row.scheduled_days},
                field="attendance",
            )
        )
    elif attended > row.days_so_far and row.next_day is not None:
        problems.append(
            RuleError(
                "attendance.future",
                gettext(
                    "%(key)s 出勤 %(attended)s 天，但该月截至今天只有 %(days_so_far)s 个工作日已过去；"
                    "%(next_day)s 及以后的日子尚未到来，不能填报考勤。"
                )
                % {
                    "key": key,
                    "attended": attended,
                    "days_so_far": row.days_so_far,
                    "next_day": f"{row.next_day:%Y-%m-%d}",
                },
                field="attendance",
            )
        )
    if paid is not None and (not paid.is_finite() or not 0 <= paid <= MAX_ALLOWANCE or paid != round_fen(paid)):
        problems.append(
            RuleError(
                "allowance_paid",
                gettext(
                    "%(key)s 的实发生活费应为 0 至 %(max_allowance)s 元之间的金额，"
                    "最多两位小数（R-SUB-8），现为 %(paid)s。"
                )
                % {"key": key, "max_allowance": MAX_ALLOWANCE, "paid": paid},
                field="allowance_paid",
            )
        )
    if row.locked and row.attended_days != attended:
        problems.append(
            RuleError(
                "attendance.locked",
                gettext("%(key)s 的考勤（%(attended_days)s 天）已随补贴申报锁定，需区人社局重新开放后才能修改。")
                % {"key": key, "attended_days": row.attended_days},
                field="attendance",
            )
        )
    if row.locked and row.allowance_paid != paid:
        problems.append(
            RuleError(
                "attendance.locked",
                gettext("%(key)s 的实发生活费已随补贴申报锁定，需区人社局重新开放后才能修改。") % {"key": key},
                field="allowance_paid",
            )
        )
    return problems


@dataclass(frozen=True)
class MonthEntry:
    """One month to record, checked: the agreement, the grid's row of the month, the figures."""

    agreement: Agreement
    row: MonthRow
    attended: int
    paid: Decimal | None


@dataclass(frozen=True)
class Written:
    created: int
    updated: int
    unchanged: int


def attendance_write(
    entries: Sequence[MonthEntry],
    existing: Mapping[tuple[int, date], Attendance],
    *,
    actor: User,
    reason: str = "",
    batch_size: int | None = None,
) -> Written:
    """The one write of attendance, for the grid page and the Excel import alike.

    The caller has locked the agreements and their ``existing`` months (by (agreement, month))
    and checked every entry with ``month_to_record`` and ``figures_problems``. A month whose
    figures are as recorded is left alone; the others are created or updated in bulk, each with
    its history row (actor, reason).
    """
    new: list[Attendance] = []
    changed: list[Attendance] = []
    for entry in entries:
        current = existing.get((entry.agreement.pk, entry.row.month))
        if current is not None and (current.attended_days, current.allowance_paid) == (entry.attended, entry.paid):
            continue
        record = current or Attendance(agreement=entry.agreement, month=entry.row.month)
        record.working_days = entry.row.working_days
        record.scheduled_days = entry.row.scheduled_days
        record.attended_days = entry.attended
        record.allowance_paid = entry.paid
        (changed if current is not None else new).append(record)
    audit.create_many(new, actor=actor, reason=reason, batch_size=batch_size)
    now = timezone.now()
    for record in changed:
        record.updated_at = now  # bulk_update does not apply auto_now
    audit.update_many(
        changed,
        ["working_days", "scheduled_days", "attended_days", "allowance_paid", "updated_at"],
        actor=actor,
        reason=reason,
        batch_size=batch_size,
    )
    return Written(len(new), len(changed), len(entries) - len(new) - len(changed))


def attendance_record(
    *,
    actor: User,
    agreement_id: int,
    days: Mapping[str, int],
    today: date,
    allowances: Mapping[str, Decimal] | None = None,
) -> int:
    """The host records attended days (and, where asked, the allowance paid) for months of one
    internship; returns how many months changed."""
    allowances = allowances or {}
    if getattr(actor, "role", None) != Role.HOST:
        raise RuleError("attendance.recorder", gettext("考勤由见习单位填报。"))
    with transaction.atomic():
        agreement = get_scoped(actor, Agreement.objects.select_for_update().select_related("host"), pk=agreement_id)
        if agreement.status not in (AgreementStatus.ACTIVE, AgreementStatus.ENDED):
            raise RuleError("attendance.agreement", gettext("协议经双方确认后才能填报考勤。"))
        grid = {row.month: row for row in attendance_grid(agreement=agreement, today=today)}
        by_key = {row.key: row.month for row in grid.values()}
        existing = {
            (agreement.pk, a.month): a for a in Attendance.objects.select_for_update().filter(agreement=agreement)
        }
        entries = []
        for key in sorted(set(days) | set(allowances)):
            try:
                month = by_key.get(key) or date.fromisoformat(f"{key}-01")
            except ValueError as exc:
                raise RuleError(
                    "attendance.month_outside", gettext("%(key)s 不在见习期内。") % {"key": key}, field="attendance"
                ) from exc
            try:
                row = month_to_record(grid, month, agreement)
            except RuleError as err:
                raise RuleError(err.code, err.message, field="attendance") from err
            current = existing.get((agreement.pk, row.month))
            attended = days.get(key, current.attended_days if current is not None else None)
            if attended is None:
                raise RuleError(
                    "attendance.missing",
                    gettext("%(key)s 请先填写出勤天数，再填实发生活费。") % {"key": key},
                    field="attendance",
                )
            paid = allowances.get(key, current.allowance_paid if current is not None else None)
            problems = figures_problems(row, attended=attended, paid=paid)
            if problems:
                # The amount first, then the days, then the lock: as the page has always said it.
                order = ("allowance_paid", "attendance", "attendance.future", "attendance.locked")
                raise min(problems, key=lambda p: order.index(p.code))
            entries.append(MonthEntry(agreement, row, attended, paid))
        written = attendance_write(entries, existing, actor=actor)
    return written.created + written.updated


def attendance_lock(*, actor: User, months: Mapping[int, Iterable[date]], reason: str, locked: bool = True) -> int:
    """Lock (or unlock) months of attendance, per agreement, each change with its history row.

    Used when a subsidy claim is submitted (lock) and when months of it are rejected (unlock).
    """
    wanted = {(agreement_id, month) for agreement_id, ms in months.items() for month in ms}
    if not wanted:
        return 0
    rows = (
        Attendance.objects.select_for_update()
        .filter(agreement_id__in={a for a, _ in wanted}, month__in={m for _, m in wanted})
        .order_by("pk")
    )
    records = [r for r in rows if (r.agreement_id, r.month) in wanted]
    return audit.change_many(records, actor=actor, reason=reason, locked=locked)


class ReopenCheck(Protocol):
    """Refuses (RuleError) to reopen a month of attendance that an app above holds on to."""

    def __call__(self, *, agreement: Agreement, month: date) -> None: ...


# Registered in the AppConfig.ready() of apps above placements (core/hooks.py).
reopen_checks: Hooks[ReopenCheck] = Hooks("may a locked month of attendance be reopened")


@transaction.atomic
def attendance_reopen(*, actor: User, agreement_id: int, month: date, reason: str) -> Attendance:
    """A district officer reopens a locked month, with a reason kept in its history."""
    require(actor, Duty.ATTENDANCE_REOPEN)
    agreement = get_scoped(actor, Agreement.objects.all(), pk=agreement_id)
    if not reason.strip():
        raise RuleError("reason", gettext("重新开放须填写理由。"), field="reason")
    record = Attendance.objects.select_for_update().filter(agreement=agreement, month=month).first()
    if record is None:
        raise RuleError("attendance.missing", gettext("该月没有考勤记录。"))
    for check in reopen_checks:  # subsidies: a month with approved money stays locked (R-SUB-6)
        check(agreement=agreement, month=month)
    audit.change(record, actor=actor, reason=f"重新开放：{reason.strip()}", locked=False)
    return record
