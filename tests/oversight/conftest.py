"""A small programme whose statistics are worked out by hand in the tests.

Haidian (110108): our host (科技部门, 科技型企业) publishes a 技术技能类 post P1 for 3 at 23:30 on
31 January 2024 and a 管理类 post P2 for 2 half an hour later — already 1 February in Beijing,
still 31 January in UTC. Chaoyang (110105): the other host (商务部门, 电商平台) publishes one
电商平台类 post for 1 on 10 February. A draft post for 5 is never published.

Agreements at our host (start → last day, outcome):
  A1 P1 15 Jan → running until 14 Apr (北京大学 graduate)
  A2 P1  1 Feb → 30 Apr, completed, retained (北京大学 graduate)
  A3 P1 20 Feb → 10 Mar, terminated early, not retained (清华大学 graduate)
  A4 P2  1 Mar → 15 May, hired early (no university)
  A5 P1 pending (not confirmed); A6 P1 cancelled: neither counts.

Money: one claim of our host with lines A1 January (市级 1000.00 + 区级 300.00), A4 March
(市级 2420.00 + 加发 10.00 + 区级 300.00) and A2 February (500.75, rejected); approved 5 March
(4030.00), paid 2 April; a recovery of 1000.00 on it, of which 333.33 is repaid on 20 May.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest

from jianxi.placements.models import Agreement, AgreementStatus, Outcome
from jianxi.policy.models import PostCategory
from jianxi.posts.models import PostStatus
from jianxi.subsidies.models import (
    Claim,
    ClaimLine,
    ClaimStatus,
    EntryKind,
    LedgerEntry,
    LineStatus,
    Recovery,
    RecoveryStatus,
)
from tests.factories import PersonFactory, PostFactory, district, university


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def agreement(world: Any, post: Any, start: date, end: date, **fields: Any) -> Agreement:
    values = {
        "post": post,
        "host": post.host,
        "person": fields.pop("person", None) or PersonFactory(district=district("110108")),
        "start": start,
        "end": end,
        "allowance": Decimal("3000.00"),
        "mentor": "王老师",
        "training_date": start,
        "insurance_policy": "PICC-2024-0001",
        "status": AgreementStatus.ACTIVE,
        "eligibility_rule": "R-EL-1",
    }
    values.update(fields)
    return Agreement.objects.create(**values)


@dataclass
class Programme:
    p1: Any
    p2: Any
    p3: Any
    a1: Agreement
    a2: Agreement
    a3: Agreement
    a4: Agreement
    claim: Claim


def line(claim: Claim, agreement: Agreement, month: date, city: str, addons: str, district_part: str, status: str):
    amount = Decimal(city) + Decimal(addons) + Decimal(district_part)
    return ClaimLine.objects.create(
        claim=claim,
        agreement=agreement,
        kind="monthly",
        month=month,
        working_days=21,
        scheduled_days=21,
        attended_days=21,
        rate=Decimal(city),
        city=Decimal(city),
        addons=Decimal(addons),
        district=Decimal(district_part),
        amount=amount,
        rules="R-SUB-1",
        status=status,
    )


@pytest.fixture
def programme(world) -> Programme:
    technical = PostCategory.objects.get(code="technical")
    management = PostCategory.objects.get(code="management")
    ecommerce = PostCategory.objects.get(code="ecommerce")
    world.our_host.host_type = "tech_enterprise"
    world.our_host.save()
    world.other_host.host_type = "ecommerce"
    world.other_host.save()
    p1 = PostFactory(host=world.our_host, category=technical, headcount=3, published_at=utc(2024, 1, 31, 15, 30))
    p2 = PostFactory(host=world.our_host, category=management, headcount=2, published_at=utc(2024, 1, 31, 16, 30))
    p3 = PostFactory(host=world.other_host, category=ecommerce, headcount=1, published_at=utc(2024, 2, 10, 2, 0))
    PostFactory(host=world.our_host, headcount=5, status=PostStatus.DRAFT, published_at=None)
    pku, thu = university("10001"), university("10003")
    a1 = agreement(world, p1, date(2024, 1, 15), date(2024, 4, 14), person=PersonFactory(university=pku))
    a2 = agreement(
        world,
        p1,
        date(2024, 2, 1),
        date(2024, 4, 30),
        person=PersonFactory(university=pku),
        status=AgreementStatus.ENDED,
        outcome=Outcome.COMPLETED,
        ended_on=date(2024, 4, 30),
        retained=True,
    )
    a3 = agreement(
        world,
        p1,
        date(2024, 2, 20),
        date(2024, 8, 19),
        person=PersonFactory(university=thu),
        status=AgreementStatus.ENDED,
        outcome=Outcome.TERMINATED,
        ended_on=date(2024, 3, 10),
        retained=False,
    )
    a4 = agreement(
        world,
        p2,
        date(2024, 3, 1),
        date(2024, 8, 31),
        status=AgreementStatus.ENDED,
        outcome=Outcome.HIRED,
        ended_on=date(2024, 5, 15),
        retained=True,
    )
    agreement(world, p1, date(2024, 1, 10), date(2024, 4, 9), status=AgreementStatus.PENDING)
    agreement(world, p1, date(2024, 1, 10), date(2024, 4, 9), status=AgreementStatus.CANCELLED)

    claim = Claim.objects.create(host=world.our_host, status=ClaimStatus.PAID, approved_total=Decimal("4030.00"))
    line(claim, a1, date(2024, 1, 1), "1000.00", "0.00", "300.00", LineStatus.APPROVED)
    line(claim, a4, date(2024, 3, 1), "2420.00", "10.00", "300.00", LineStatus.APPROVED)
    line(claim, a2, date(2024, 2, 1), "500.50", "0.00", "0.25", LineStatus.REJECTED)
    host = world.our_host
    for kind, on in ((EntryKind.APPROVED, date(2024, 3, 5)), (EntryKind.PAID, date(2024, 4, 2))):
        LedgerEntry.entry(kind=kind, host=host, claim=claim, amount=Decimal("4030.00"), on=on, actor=None).save()
    recovery = Recovery.objects.create(
        host=host, amount=Decimal("1000.00"), reason="多领", status=RecoveryStatus.OPEN, created_by=world.city
    )
    recovery.claims.set([claim])
    repaid = Decimal("333.33")
    LedgerEntry.entry(
        kind=EntryKind.RECOVERED, host=host, recovery=recovery, amount=repaid, on=date(2024, 5, 20), actor=None
    ).save()
    return Programme(p1=p1, p2=p2, p3=p3, a1=a1, a2=a2, a3=a3, a4=a4, claim=claim)
