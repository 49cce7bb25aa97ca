"""R-SUB-5 remaining-period claims and R-SUB-6 recovery (the monthly claim run: test_claim_run.py)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from jianxi.core.errors import RuleError
from jianxi.hosts.models import HostStatus
from jianxi.placements.models import AgreementStatus, Outcome
from jianxi.posts.models import PostStatus
from jianxi.subsidies import recovery, remaining, selectors, services
from jianxi.subsidies.models import Claim, ClaimKind, ClaimStatus, EntryKind, LedgerEntry, RecoveryStatus
from tests.factories import PersonFactory, UserFactory
from tests.subsidies.conftest import TODAY, attend, make_agreement, paid_claim

pytestmark = pytest.mark.django_db


def hired(world, *, contract_start=date(2023, 8, 1), insured=("2023-08", "2023-09"), months=12):
    """The issue's example: 2023-03-15 to 2023-09-14, ended 2023-07-31 by an early hire."""
    agreement = make_agreement(world, start=date(2023, 3, 15), end=date(2023, 9, 14))
    agreement.status, agreement.outcome, agreement.ended_on = AgreementStatus.ENDED, Outcome.HIRED, date(2023, 7, 31)
    agreement.contract_start, agreement.contract_months = contract_start, months
    agreement.insured_months, agreement.retained = ",".join(insured), True
    agreement.save()
    return agreement


def submitted_remaining(world, **kwargs) -> Claim:
    agreement = hired(world, **kwargs)
    claim = remaining.remaining_claim_create(
        actor=world.host_staff, agreement_id=agreement.pk, employed_through=date(2023, 9, 30), today=TODAY
    )
    return services.claim_submit(actor=world.host_staff, claim_id=claim.pk)


def test_R_SUB_5_remaining_period_claim_lines_match_the_issue_example(world):
    claim = submitted_remaining(world)
    assert claim.kind == ClaimKind.REMAINING
    assert [(line.month, line.amount) for line in claim.lines.all()] == [
        (date(2023, 8, 1), Decimal("2320.00")),
        (date(2023, 9, 1), Decimal("1210.00")),
    ]


def test_R_SUB_5_approval_needs_every_checklist_item(world):
    claim = submitted_remaining(world)
    with pytest.raises(RuleError) as err:
        services.claim_review(
            actor=world.district_officer, claim_id=claim.pk, review=services.Review(approve=True), today=TODAY
        )
    assert err.value.code == "R-SUB-5.checklist"
    for code in remaining.CHECKLIST:
        item = remaining.checklist_tick(actor=world.district_officer, claim_id=claim.pk, code=code, note="已核验")
        assert item.checked_by == world.district_officer
    claim = services.claim_review(
        actor=world.district_officer, claim_id=claim.pk, review=services.Review(approve=True), today=TODAY
    )
    assert claim.status == ClaimStatus.APPROVED and claim.approved_total == Decimal("3530.00")


def test_R_SUB_5_engine_verdict_blocks_approval_even_when_ticked(world):
    claim = submitted_remaining(world, months=6)  # a 6-month contract: R-SUB-5.term fails
    for code in remaining.CHECKLIST:
        remaining.checklist_tick(actor=world.district_officer, claim_id=claim.pk, code=code)
    with pytest.raises(RuleError) as err:
        services.claim_review(
            actor=world.district_officer, claim_id=claim.pk, review=services.Review(approve=True), today=TODAY
        )
    assert err.value.code == "R-SUB-5" and "12" in err.value.message


def test_R_SUB_5_only_after_the_original_end_and_only_once(world):
    agreement = hired(world)
    with pytest.raises(RuleError) as err:
        remaining.remaining_claim_create(
            actor=world.host_staff,
            agreement_id=agreement.pk,
            employed_through=date(2023, 9, 30),
            today=date(2023, 9, 14),
        )
    assert err.value.code == "R-SUB-5.claim_date"
    remaining.remaining_claim_create(
        actor=world.host_staff, agreement_id=agreement.pk, employed_through=date(2023, 9, 30), today=TODAY
    )
    with pytest.raises(RuleError) as err:
        remaining.remaining_claim_create(
            actor=world.host_staff, agreement_id=agreement.pk, employed_through=date(2023, 9, 30), today=TODAY
        )
    assert err.value.code == "R-SUB-4"


def test_R_SUB_5_refused_when_the_internship_did_not_end_in_a_hire(world):
    agreement = make_agreement(world)
    with pytest.raises(RuleError) as err:
        remaining.remaining_claim_create(
            actor=world.host_staff, agreement_id=agreement.pk, employed_through=TODAY, today=TODAY
        )
    assert err.value.code == "R-SUB-5.reason"


# --- recovery (R-SUB-6) ----------------------------------------------------------------------------


def test_R_SUB_6_recovery_with_repayments_settles_and_the_ledger_nets_out(world):
    claim = paid_claim(world)
    order = recovery.recovery_create(
        actor=world.district_officer,
        host_id=world.our_host.pk,
        claim_ids=[claim.pk],
        amount=Decimal("1000"),
        reason="虚报考勤",
        bar=False,
        today=TODAY,
    )
    recovery.repayment_record(
        actor=world.district_officer, recovery_id=order.pk, amount=Decimal("400"), paid_on=TODAY, reference="H1"
    )
    with pytest.raises(RuleError):
        recovery.repayment_record(
            actor=world.district_officer, recovery_id=order.pk, amount=Decimal("600.01"), paid_on=TODAY, reference="H2"
        )
    recovery.repayment_record(
        actor=world.district_officer, recovery_id=order.pk, amount=Decimal("600"), paid_on=TODAY, reference="H2"
    )
    order.refresh_from_db()
    assert order.status == RecoveryStatus.SETTLED
    totals = selectors.ledger_totals(LedgerEntry.objects.filter(host=world.our_host))
    assert (totals["paid"], totals["recovered"], totals["net_paid"]) == (
        Decimal("2420.00"),
        Decimal("1000.00"),
        Decimal("1420.00"),
    )


def test_R_SUB_6_recovery_cannot_exceed_what_was_paid_and_can_bar_the_host(world):
    claim = paid_claim(world)
    with pytest.raises(RuleError) as err:
        recovery.recovery_create(
            actor=world.district_officer,
            host_id=world.our_host.pk,
            claim_ids=[claim.pk],
            amount=Decimal("9999"),
            reason="x",
            bar=False,
            today=TODAY,
        )
    assert err.value.field == "amount"
    recovery.recovery_create(
        actor=world.district_officer,
        host_id=world.our_host.pk,
        claim_ids=[claim.pk],
        amount=Decimal("2420"),
        reason="骗取补贴",
        bar=True,
        today=TODAY,
    )
    world.our_host.refresh_from_db()
    assert world.our_host.status == HostStatus.BARRED
    assert not world.our_host.posts.filter(status=PostStatus.PUBLISHED).exists()
    with pytest.raises(RuleError) as err:
        services.claim_prepare(actor=world.host_staff, host_id=world.our_host.pk, today=TODAY)
    assert err.value.code == "R-SUB-6"


def test_write_off_closes_the_order_on_the_ledger(world):
    claim = paid_claim(world)
    order = recovery.recovery_create(
        actor=world.district_officer,
        host_id=world.our_host.pk,
        claim_ids=[claim.pk],
        amount=Decimal("500"),
        reason="x",
        bar=False,
        today=TODAY,
    )
    recovery.recovery_write_off(actor=world.district_officer, recovery_id=order.pk, reason="单位已注销", today=TODAY)
    entry = LedgerEntry.objects.get(kind=EntryKind.WRITTEN_OFF)
    assert entry.amount == Decimal("500.00")


def test_another_district_cannot_recover_from_our_host(world):
    from django.http import Http404

    claim = paid_claim(world)
    with pytest.raises((Http404, RuleError)):
        recovery.recovery_create(
            actor=world.other_district_officer,
            host_id=world.our_host.pk,
            claim_ids=[claim.pk],
            amount=Decimal("1"),
            reason="x",
            bar=False,
            today=TODAY,
        )


def test_R_SUB_6_the_same_payment_cannot_be_recovered_twice(world):
    claim = paid_claim(world)
    recovery.recovery_create(
        actor=world.district_officer,
        host_id=world.our_host.pk,
        claim_ids=[claim.pk],
        amount=Decimal("2000"),
        reason="虚报",
        bar=False,
        today=TODAY,
    )
    with pytest.raises(RuleError) as err:
        recovery.recovery_create(
            actor=world.district_officer,
            host_id=world.our_host.pk,
            claim_ids=[claim.pk],
            amount=Decimal("500"),
            reason="再次",
            bar=False,
            today=TODAY,
        )
    assert err.value.field == "amount"


def test_R_SUB_6_a_suspended_host_is_neither_approved_nor_paid(world):
    agreement = make_agreement(world)
    attend(agreement, date(2024, 3, 1))
    claim = services.claim_prepare(actor=world.host_staff, host_id=world.our_host.pk, today=TODAY)
    services.claim_submit(actor=world.host_staff, claim_id=claim.pk)
    world.our_host.status = HostStatus.SUSPENDED
    world.our_host.save()
    with pytest.raises(RuleError) as err:
        services.claim_review(
            actor=world.district_officer, claim_id=claim.pk, review=services.Review(approve=True), today=TODAY
        )
    assert err.value.code == "R-SUB-6"


def test_the_bank_account_paid_is_the_one_recorded_when_the_batch_was_made(world):
    world.our_host.bank_account = "6222000011112222"
    world.our_host.save()
    agreement = make_agreement(world)
    attend(agreement, date(2024, 3, 1))
    claim = services.claim_prepare(actor=world.host_staff, host_id=world.our_host.pk, today=TODAY)
    services.claim_submit(actor=world.host_staff, claim_id=claim.pk)
    services.claim_review(
        actor=world.district_officer, claim_id=claim.pk, review=services.Review(approve=True), today=TODAY
    )
    batch = services.batch_create(actor=world.district_officer, claim_ids=[claim.pk])
    world.our_host.bank_account = "6222999999999999"
    world.our_host.save()
    assert batch.items.get().bank_account == "6222000011112222"


def test_maker_checker_the_officer_who_made_a_batch_cannot_also_mark_it_paid(world):
    from tests.factories import UserFactory as Users

    claim = paid_claim(world)  # made and paid by the only officer of the district: allowed
    assert claim.status == ClaimStatus.PAID
    colleague = Users(username="haidian2", role="district", district=world.our_host.district)
    agreement = make_agreement(world, person=PersonFactory(user=UserFactory(role="youth")))
    attend(agreement, date(2024, 3, 1))
    second = services.claim_prepare(actor=world.host_staff, host_id=world.our_host.pk, today=TODAY)
    services.claim_submit(actor=world.host_staff, claim_id=second.pk)
    services.claim_review(
        actor=world.district_officer, claim_id=second.pk, review=services.Review(approve=True), today=TODAY
    )
    batch = services.batch_create(actor=world.district_officer, claim_ids=[second.pk])
    with pytest.raises(RuleError) as err:
        services.batch_mark_paid(actor=world.district_officer, batch_id=batch.pk, paid_on=TODAY, reference="R9")
    assert err.value.code == "batch.maker_checker"
    services.batch_mark_paid(actor=colleague, batch_id=batch.pk, paid_on=TODAY, reference="R9")
