"""Claims (R-SUB-1…4): prepared from attendance by the engine, submitted, reviewed, never claimed twice."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from jianxi.core.errors import RuleError
from jianxi.placements.models import Attendance
from jianxi.policy.models import MinimumWage
from jianxi.subsidies import selectors, services
from jianxi.subsidies.models import Claim, ClaimKind, ClaimLine, ClaimStatus, LedgerEntry, LineStatus
from tests.subsidies.conftest import TODAY, attend, make_agreement

pytestmark = pytest.mark.django_db


@pytest.fixture
def agreement(world):
    a = make_agreement(world)
    attend(a, date(2024, 1, 1))  # 15–31 Jan 2024
    attend(a, date(2024, 2, 1), days=15)
    attend(a, date(2024, 3, 1))
    attend(a, date(2024, 4, 1), days=3)  # April has not ended: not claimable yet
    return a


def test_R_SUB_4_a_quarterly_claim_takes_every_ended_month_with_attendance(world, agreement):
    claim = services.claim_prepare(actor=world.host_staff, host_id=world.our_host.pk, today=TODAY)
    months = [(line.month, line.attended_days, line.amount) for line in claim.lines.order_by("month")]
    # The minimum wage in force is 2,420 (since 2023-09-01).
    # January 2024: 22 working days; 15–31 Jan holds 13 of them: 2420 × 13 ÷ 22 = 1430.00
    # February 2024 (Spring Festival): 18 working days, 15 attended: 2420 × 15 ÷ 18 = 2016.666… → 2016.67
    # March 2024: 21 working days, all attended: 2420.00
    assert months == [
        (date(2024, 1, 1), 13, Decimal("1430.00")),
        (date(2024, 2, 1), 15, Decimal("2016.67")),
        (date(2024, 3, 1), 21, Decimal("2420.00")),
    ]
    assert claim.lines.first().rules == "R-SUB-1 R-SUB-3"


def test_R_SUB_4_no_month_is_claimed_twice(world, agreement):
    first = services.claim_prepare(actor=world.host_staff, host_id=world.our_host.pk, today=TODAY)
    assert services.claim_prepare(actor=world.host_staff, host_id=world.our_host.pk, today=TODAY) is None
    line = first.lines.first()
    second = Claim.objects.create(host=world.our_host)
    with pytest.raises(IntegrityError), transaction.atomic():  # the database refuses, whatever the code
        ClaimLine.objects.create(
            claim=second,
            agreement=agreement,
            kind=ClaimKind.MONTHLY,
            month=line.month,
            working_days=1,
            scheduled_days=1,
            attended_days=1,
            rate=1,
            city=1,
            addons=0,
            district=0,
            amount=1,
            rules="",
        )


def test_R_EL_6_an_unsubsidised_agreement_has_nothing_to_claim(world, agreement):
    agreement.subsidy_eligible = False
    agreement.save()
    assert services.claim_prepare(actor=world.host_staff, host_id=world.our_host.pk, today=TODAY) is None


def test_submitting_locks_the_attendance_of_the_claimed_months(world, agreement):
    claim = services.claim_prepare(actor=world.host_staff, host_id=world.our_host.pk, today=TODAY)
    services.claim_submit(actor=world.host_staff, claim_id=claim.pk)
    locked = dict(Attendance.objects.values_list("month", "locked"))
    assert locked == {date(2024, 1, 1): True, date(2024, 2, 1): True, date(2024, 3, 1): True, date(2024, 4, 1): False}


def test_approval_recomputes_from_the_data_then_in_force_and_writes_the_ledger(world, agreement):
    claim = services.claim_prepare(actor=world.host_staff, host_id=world.our_host.pk, today=TODAY)
    services.claim_submit(actor=world.host_staff, claim_id=claim.pk)
    # The city officer corrects the wage table before review: March is recomputed at approval.
    MinimumWage.objects.create(
        city=world.our_host.district.city, effective_from=date(2024, 3, 1), amount=Decimal("2500"), source="更正"
    )
    differences = selectors.claim_differences(claim, TODAY)
    march = claim.lines.get(month=date(2024, 3, 1))
    assert differences == {march.pk: Decimal("80.00")}
    claim = services.claim_review(
        actor=world.district_officer, claim_id=claim.pk, review=services.Review(approve=True), today=TODAY
    )
    assert claim.status == ClaimStatus.APPROVED
    assert claim.approved_total == Decimal("1430.00") + Decimal("2016.67") + Decimal("2500.00")
    entry = LedgerEntry.objects.get(claim=claim)
    assert (entry.kind, entry.amount) == ("approved", claim.approved_total)


def test_rejecting_one_line_frees_its_month_and_unlocks_its_attendance(world, agreement):
    claim = services.claim_prepare(actor=world.host_staff, host_id=world.our_host.pk, today=TODAY)
    services.claim_submit(actor=world.host_staff, claim_id=claim.pk)
    february = claim.lines.get(month=date(2024, 2, 1))
    claim = services.claim_review(
        actor=world.district_officer,
        claim_id=claim.pk,
        review=services.Review(approve=True, rejected={february.pk: "考勤表缺少签字"}),
        today=TODAY,
    )
    february.refresh_from_db()
    assert (february.status, february.reject_reason) == (LineStatus.REJECTED, "考勤表缺少签字")
    assert claim.approved_total == Decimal("1430.00") + Decimal("2420.00")
    assert not Attendance.objects.get(month=date(2024, 2, 1)).locked
    again = services.claim_prepare(actor=world.host_staff, host_id=world.our_host.pk, today=TODAY)
    assert [line.month for line in again.lines.all()] == [date(2024, 2, 1)]


def test_rejection_needs_a_reason(world, agreement):
    claim = services.claim_prepare(actor=world.host_staff, host_id=world.our_host.pk, today=TODAY)
    services.claim_submit(actor=world.host_staff, claim_id=claim.pk)
    with pytest.raises(RuleError) as err:
        services.claim_review(
            actor=world.district_officer, claim_id=claim.pk, review=services.Review(approve=False), today=TODAY
        )
    assert err.value.field == "reason"


def test_another_district_cannot_review_and_hosts_cannot_approve(world, agreement):
    from django.http import Http404

    claim = services.claim_prepare(actor=world.host_staff, host_id=world.our_host.pk, today=TODAY)
    services.claim_submit(actor=world.host_staff, claim_id=claim.pk)
    with pytest.raises(Http404):
        services.claim_review(
            actor=world.other_district_officer, claim_id=claim.pk, review=services.Review(approve=True), today=TODAY
        )
    with pytest.raises(RuleError):
        services.claim_review(
            actor=world.host_staff, claim_id=claim.pk, review=services.Review(approve=True), today=TODAY
        )


def test_R_SUB_6_a_suspended_host_cannot_claim(world, agreement):
    world.our_host.status = "suspended"
    world.our_host.save()
    with pytest.raises(RuleError) as err:
        services.claim_prepare(actor=world.host_staff, host_id=world.our_host.pk, today=TODAY)
    assert err.value.code == "R-SUB-6"


def test_the_district_home_shows_claims_waiting_for_review(client, world, agreement):
    claim = services.claim_prepare(actor=world.host_staff, host_id=world.our_host.pk, today=TODAY)
    services.claim_submit(actor=world.host_staff, claim_id=claim.pk)
    client.force_login(world.district_officer)
    page = client.get("/").content.decode()
    assert 'data-testid="todo-claims-count">1</span>' in page
    client.force_login(world.other_district_officer)
    assert 'data-testid="todo-claims-count"' not in client.get("/").content.decode()


def test_submitting_locks_the_months_with_a_history_row_and_rejecting_unlocks_them_likewise(world, agreement):
    claim = services.claim_prepare(actor=world.host_staff, host_id=world.our_host.pk, today=TODAY)
    services.claim_submit(actor=world.host_staff, claim_id=claim.pk)
    record = Attendance.objects.get(agreement=agreement, month=date(2024, 1, 1))
    locked = record.history.latest()
    assert (record.locked, locked.history_user, locked.history_change_reason) == (
        True,
        world.host_staff,
        f"随补贴申报 BT-{claim.pk} 提交锁定",
    )
    services.claim_review(
        actor=world.district_officer,
        claim_id=claim.pk,
        review=services.Review(approve=False, reason="材料不全"),
        today=TODAY,
    )
    record.refresh_from_db()
    unlocked = record.history.latest()
    assert (record.locked, unlocked.history_user, unlocked.locked) == (False, world.district_officer, False)
    assert "驳回" in unlocked.history_change_reason
