"""Fraud leads (风险线索, R-SUB-6): patterns an officer should look at, each with the rows behind it.

(Called "signals" on the page; not Django signals, which is why the module is not named so.)

Every signal is a fixed number of queries, scoped to what the officer may see. None of them
decides anything: they are leads for an audit, shown with the data that raised them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Sum
from django.db.models.functions import Coalesce, TruncMonth

from jianxi.accounts.models import User
from jianxi.accounts.scoping import scoped
from jianxi.hosts.models import Host
from jianxi.placements.models import Agreement, AgreementStatus, Attendance
from jianxi.posts.models import Post
from jianxi.subsidies.models import ClaimKind, ClaimLine, ClaimStatus, LineStatus
from jianxi.subsidies.registry_checks import undecided
from jianxi.youth.models import Person

PHONE_SHARED_BY = 3  # one phone number on this many interns or more


@dataclass(frozen=True)
class Signal:
    code: str
    title: str
    columns: tuple[str, ...]
    rows: list[tuple[Any, ...]] = field(default_factory=list)


# A lead names a host by its name and its credit code: names are not unique (two hosts may share
# one), and the demonstration score matches leads to hosts by the code (demonstration/fraud.py).
HOST_COLUMNS = ("见习单位", "统一社会信用代码")


def _live() -> QuerySet[Agreement]:
    return Agreement.objects.exclude(status=AgreementStatus.CANCELLED).annotate(last=Coalesce("ended_on", "end"))


def overlapping_internships(user: User) -> Signal:
    """One person in two internships at once (R-EL-5 forbids it; imported or edited data may not obey)."""
    clash = _live().filter(
        person_id=OuterRef("person_id"),
        start__lte=OuterRef("last"),
        last__gte=OuterRef("start"),  # type: ignore[misc]
    )
    mine = scoped(user, _live()).filter(Exists(clash.exclude(pk=OuterRef("pk")))).select_related("person", "host")
    rows = [
        (a.person.name, a.host.name, a.host.credit_code, a.start, a.last_day)
        for a in mine.order_by("person_id", "start")
    ]
    return Signal("overlap", "同一人同时参加两个见习", ("姓名", *HOST_COLUMNS, "开始", "最后见习日"), rows)


def attendance_outside_internship(user: User) -> Signal:
    """Attendance recorded for a month the internship does not touch."""
    rows = (
        scoped(user, Attendance.objects.all())
        .annotate(last=Coalesce("agreement__ended_on", "agreement__end"), first=TruncMonth("agreement__start"))
        .filter(Q(month__gt=F("last")) | Q(month__lt=F("first")))
        .select_related("agreement__person", "agreement__host")
    )
    out = [
        (
            r.agreement.person.name,
            r.agreement.host.name,
            r.agreement.host.credit_code,
            f"{r.month:%Y-%m}",
            r.attended_days,
        )
        for r in rows
    ]
    return Signal("attendance", "见习期以外月份的考勤", ("姓名", *HOST_COLUMNS, "月份", "出勤天数"), out)


def claims_after_end(user: User) -> Signal:
    """A (non-rejected) monthly claim line for a month after the internship ended."""
    lines = (
        scoped(user, ClaimLine.objects.filter(kind=ClaimKind.MONTHLY).exclude(status=LineStatus.REJECTED))
        .annotate(last=Coalesce("agreement__ended_on", "agreement__end"))
        .filter(month__gt=F("last"))
        .select_related("agreement__person", "claim__host")
    )
    out = [
        (
            f"BT-{line.claim_id}",
            line.claim.host.name,
            line.claim.host.credit_code,
            line.agreement.person.name,
            f"{line.month:%Y-%m}",
            line.last,
            line.amount,
        )
        for line in lines
    ]
    return Signal(
        "claim_after_end",
        "见习结束后月份的补贴申报",
        ("申报", *HOST_COLUMNS, "姓名", "月份", "最后见习日", "金额"),
        out,
    )


def shared_bank_accounts(user: User) -> Signal:
    """The same bank account on two or more host units."""
    shared = (
        Host.objects.exclude(bank_account="")
        .values("bank_account")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .values("bank_account")
    )
    hosts = scoped(user, Host.objects.filter(bank_account__in=shared)).order_by("bank_account", "name")
    out = [(h.bank_account, h.name, h.credit_code) for h in hosts]
    return Signal("bank_account", "多个单位使用同一银行账号", ("银行账号", "单位名称", "统一社会信用代码"), out)


def shared_phones(user: User) -> Signal:
    """One phone number on many interns."""
    phones = Person.objects.values("phone").annotate(n=Count("pk")).filter(n__gte=PHONE_SHARED_BY).values("phone")
    persons = scoped(user, Person.objects.filter(phone__in=phones)).order_by("phone", "name")
    out = [(p.phone_masked, p.name, p.id_number_masked) for p in persons]
    return Signal("phone", f"同一手机号登记 {PHONE_SHARED_BY} 人以上", ("手机号", "姓名", "身份证号"), out)


def claims_above_headcount(user: User) -> Signal:
    """A host claiming, for one month, more interns than all its posts' headcount together."""
    claimed = (
        scoped(user, ClaimLine.objects.filter(kind=ClaimKind.MONTHLY).exclude(status=LineStatus.REJECTED))
        .values("claim__host", "month")
        .annotate(interns=Count("agreement", distinct=True))
    )
    headcount = dict(
        Post.objects.filter(host__in={row["claim__host"] for row in claimed})
        .values("host")
        .annotate(total=Sum("headcount"))
        .values_list("host", "total")
    )
    hosts = {
        pk: (name, code)
        for pk, name, code in Host.objects.filter(
            pk__in=headcount.keys() | {r["claim__host"] for r in claimed}
        ).values_list("pk", "name", "credit_code")
    }
    out = [
        (
            *hosts.get(row["claim__host"], (None, None)),
            f"{row['month']:%Y-%m}",
            row["interns"],
            headcount.get(row["claim__host"], 0),
        )
        for row in claimed
        if row["interns"] > headcount.get(row["claim__host"], 0)
    ]
    return Signal("headcount", "申报人数超过岗位招募人数", (*HOST_COLUMNS, "月份", "申报人数", "岗位人数合计"), out)


def registry_flags(user: User) -> Signal:
    """Lines awaiting review that the insurance extracts flag and no decision covers yet
    (insured elsewhere, insured by the host before, remaining months uninsured)."""
    lines = list(
        scoped(user, ClaimLine.objects.filter(claim__status=ClaimStatus.SUBMITTED))
        .exclude(status=LineStatus.REJECTED)
        .select_related("agreement__person", "agreement__host", "claim__host")
        .order_by("claim_id", "agreement_id", "month")
    )
    open_flags = undecided(lines)
    out = [
        (
            f"BT-{line.claim_id}",
            line.claim.host.name,
            line.claim.host.credit_code,
            line.agreement.person.name,
            f"{line.month:%Y-%m}",
            flag.title,
        )
        for line in lines
        for flag in open_flags.get(line.pk, [])
    ]
    return Signal(
        "registry", "比对数据风险信号（待记录核查结论）", ("申报", *HOST_COLUMNS, "姓名", "月份", "信号"), out
    )


def all_signals(user: User) -> list[Signal]:
    return [
        overlapping_internships(user),
        attendance_outside_internship(user),
        claims_after_end(user),
        shared_bank_accounts(user),
        shared_phones(user),
        claims_above_headcount(user),
        registry_flags(user),
    ]
