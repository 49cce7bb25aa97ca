from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
import time_machine

from jianxi.placements.models import Agreement, AgreementStatus, Attendance
from jianxi.policy.selectors import work_calendar
from tests.factories import PostFactory

TODAY = date(2024, 4, 10)  # claims for Q1 2024: January to March have ended


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(TODAY, tick=False):
        yield


def make_agreement(world, *, host=None, person=None, start=date(2024, 1, 15), end=date(2024, 7, 14)):
    """An active agreement built directly (placement rules are tested in tests/placements)."""
    host = host or world.our_host
    post = PostFactory(
        host=host, recruit_start=date(2023, 12, 1), recruit_end=date(2024, 1, 10), expires_on=date(2024, 1, 31)
    )
    return Agreement.objects.create(
        post=post,
        host=host,
        person=person or world.our_person,
        start=start,
        end=end,
        allowance=Decimal("2500.00"),
        mentor="王老师",
        training_date=start,
        insurance_policy="PICC-2024-0001",
        status=AgreementStatus.ACTIVE,
        eligibility_rule="R-EL-1",
    )


def attend(agreement, month: date, days: int | None = None) -> Attendance:
    cal = work_calendar([month.year])
    last = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    from datetime import timedelta

    first_day, last_day = max(month, agreement.start), min(last - timedelta(days=1), agreement.end)
    scheduled = cal.working_days_between(first_day, last_day)
    return Attendance.objects.create(
        agreement=agreement,
        month=month,
        working_days=cal.working_days_in_month(month.year, month.month),
        scheduled_days=scheduled,
        attended_days=scheduled if days is None else days,
    )


def approved_claim(world, person=None):
    """A one-month claim (March 2024) of our host, submitted and approved by our district."""
    from jianxi.subsidies import services

    agreement = make_agreement(world, person=person)
    attend(agreement, date(2024, 3, 1))
    claim = services.claim_prepare(
        actor=world.host_staff, host_id=world.our_host.pk, today=TODAY, agreement_ids=[agreement.pk]
    )
    services.claim_submit(actor=world.host_staff, claim_id=claim.pk)
    return services.claim_review(
        actor=world.district_officer, claim_id=claim.pk, review=services.Review(approve=True), today=TODAY
    )


def paid_claim(world, person=None):
    """``approved_claim`` put in a batch of its own and paid."""
    from jianxi.subsidies import services

    claim = approved_claim(world, person=person)
    batch = services.batch_create(actor=world.district_officer, claim_ids=[claim.pk])
    services.batch_mark_paid(actor=world.district_officer, batch_id=batch.pk, paid_on=TODAY, reference=f"R{claim.pk}")
    claim.refresh_from_db()
    return claim
