"""A small year (2024) of hosts, built row by row so that every figure of the score can be counted by hand."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import time_machine

from jianxi.hosts.models import Host
from jianxi.placements.models import Agreement, AgreementStatus, Attendance, Outcome
from jianxi.posts.models import Post
from jianxi.subsidies.models import Claim, ClaimKind, ClaimLine, ClaimStatus, LineStatus, Recovery
from tests.factories import HostFactory, PersonFactory, PostFactory

YEAR = 2024
BEIJING = ZoneInfo("Asia/Shanghai")


def at(*args: int) -> datetime:
    """A moment in Beijing time."""
    return datetime(*args, tzinfo=BEIJING)


PUBLISHED = at(2024, 1, 5, 9)


def post(host: Host, headcount: int, published: datetime = PUBLISHED) -> Post:
    return PostFactory(
        host=host,
        headcount=headcount,
        published_at=published,
        recruit_start=date(2024, 1, 1),
        recruit_end=date(2024, 1, 31),
        expires_on=date(2024, 2, 29),
    )


def agreement(
    post: Post,
    *,
    start: date = date(2024, 1, 15),
    end: date = date(2024, 7, 14),
    status: str = AgreementStatus.ACTIVE,
    outcome: str = "",
    ended_on: date | None = None,
    retained: bool | None = None,
) -> Agreement:
    extra: dict[str, Any] = {}
    if outcome == Outcome.HIRED:
        extra = {"contract_start": date.fromordinal(ended_on.toordinal() + 1), "contract_months": 12}  # type: ignore[union-attr]
    return Agreement.objects.create(
        post=post,
        host=post.host,
        person=PersonFactory(district=post.host.district),
        start=start,
        end=end,
        allowance=Decimal("2500.00"),
        mentor="王老师",
        training_date=start,
        insurance_policy="PICC-2024-0001",
        status=status,
        eligibility_rule="R-EL-1",
        outcome=outcome,
        ended_on=ended_on,
        retained=retained,
        **extra,
    )


def completed(post: Post, *, retained: bool) -> Agreement:
    return agreement(
        post, status=AgreementStatus.ENDED, outcome=Outcome.COMPLETED, ended_on=date(2024, 7, 14), retained=retained
    )


def attendance(of: Agreement, month: date, *, recorded: datetime) -> Attendance:
    """An attendance month first recorded at ``recorded`` (its first history row)."""
    with time_machine.travel(recorded, tick=False):
        return Attendance.objects.create(
            agreement=of, month=month, working_days=21, scheduled_days=20, attended_days=20
        )


def claim(host: Host, lines: list[tuple[Agreement, date, str]]) -> Claim:
    made = Claim.objects.create(host=host, status=ClaimStatus.SUBMITTED)
    for of, month, status in lines:
        ClaimLine.objects.create(
            claim=made,
            agreement=of,
            kind=ClaimKind.MONTHLY,
            month=month,
            working_days=21,
            scheduled_days=20,
            attended_days=20,
            rate=Decimal("2420.00"),
            city=Decimal("2420.00"),
            addons=Decimal("0"),
            district=Decimal("0"),
            amount=Decimal("2420.00"),
            rules="R-SUB-1",
            status=status,
            reject_reason="考勤不实" if status == LineStatus.REJECTED else "",
        )
    return made


@dataclass
class Year:
    """Haidian's hosts of 2024 (see ``worked_year``)."""

    a: Host
    b: Host
    small: Host
    hosts: list[Host] = field(default_factory=list)


def worked_year(world: Any) -> Year:
    """Two eligible hosts and a small one, every figure chosen to be counted by hand.

    甲 (A): posts of 4 and 4 places; 6 interns on them: 2 completed (one retained), 1 hired early
    (retained), 1 terminated, 2 still in internship. Attendance: 4 months, 3 recorded by the
    10th of the next month. Claim lines: 5 reviewed, 1 rejected, 1 pending. Its bank account is
    also the small host's (a fraud lead).
    乙 (B): a post of 5 places; 5 interns: 3 completed (2 retained), 2 still in internship.
    Attendance: 3 months, 2 on time. One pending claim line, recovered (追回) in part.
    小 (small): 10 posts of 2 places and 4 interns (and a cancelled agreement): not eligible, and
    its large figures must not lower the others' shares.
    """
    haidian = world.our_host.district
    a = HostFactory(name="甲科技有限公司", district=haidian)
    b = HostFactory(name="乙数据有限公司", district=haidian)
    small = HostFactory(name="小微工作室", district=haidian, bank_account=a.bank_account)

    a1, a2 = post(a, 4), post(a, 4)
    a_done = completed(a1, retained=True)
    a_done2 = completed(a1, retained=False)
    a_hired = agreement(
        a1, status=AgreementStatus.ENDED, outcome=Outcome.HIRED, ended_on=date(2024, 4, 30), retained=True
    )
    a_terminated = agreement(
        a1, status=AgreementStatus.ENDED, outcome=Outcome.TERMINATED, ended_on=date(2024, 5, 31), retained=False
    )
    agreement(a2, start=date(2024, 9, 1), end=date(2025, 2, 28))
    agreement(a2, start=date(2024, 9, 1), end=date(2025, 2, 28))
    attendance(a_done, date(2024, 2, 1), recorded=at(2024, 3, 5, 10))  # on time
    attendance(a_done, date(2024, 3, 1), recorded=at(2024, 4, 10, 23, 59))  # the last minute of the 10th
    attendance(a_done, date(2024, 4, 1), recorded=at(2024, 5, 11, 0, 0))  # the first minute too late
    attendance(a_done, date(2024, 5, 1), recorded=at(2024, 6, 1, 8))  # on time
    claim(
        a,
        [
            (a_done, date(2024, 2, 1), LineStatus.APPROVED),
            (a_done, date(2024, 3, 1), LineStatus.APPROVED),
            (a_done2, date(2024, 2, 1), LineStatus.APPROVED),
            (a_hired, date(2024, 2, 1), LineStatus.APPROVED),
            (a_terminated, date(2024, 2, 1), LineStatus.REJECTED),
            (a_terminated, date(2024, 3, 1), LineStatus.PENDING),
        ],
    )

    b1 = post(b, 5)
    b_done = [completed(b1, retained=True), completed(b1, retained=True), completed(b1, retained=False)]
    agreement(b1, start=date(2024, 10, 8), end=date(2025, 4, 7))
    agreement(b1, start=date(2024, 10, 8), end=date(2025, 4, 7))
    attendance(b_done[0], date(2024, 2, 1), recorded=at(2024, 3, 1, 9))  # on time
    attendance(b_done[0], date(2024, 3, 1), recorded=at(2024, 4, 20, 9))  # late
    attendance(b_done[0], date(2024, 4, 1), recorded=at(2024, 5, 2, 9))  # on time
    b_claim = claim(b, [(b_done[1], date(2024, 2, 1), LineStatus.PENDING)])
    order = Recovery.objects.create(
        host=b, amount=Decimal("100.00"), reason="考勤不实", created_by=world.district_officer
    )
    order.claims.add(b_claim)

    small_posts = [post(small, 2) for _ in range(10)]
    for p in small_posts[:4]:
        agreement(p)
    agreement(small_posts[4], status=AgreementStatus.CANCELLED)
    return Year(a=a, b=b, small=small, hosts=[a, b, small])
