"""Payment batches and the ledger: marking paid twice, paying a rejected claim, or batching a claim
twice are impossible (constraints + row locks), proved with concurrent requests on PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction

from jianxi.core.errors import RuleError
from jianxi.subsidies import selectors, services
from jianxi.subsidies.models import BatchItem, ClaimStatus, EntryKind, LedgerEntry, PaymentBatch
from tests.concurrency import race
from tests.subsidies.conftest import TODAY, approved_claim, attend, make_agreement


@pytest.mark.django_db
def test_a_claim_goes_from_approved_to_paid_and_the_ledger_sums_match_to_the_fen(world):
    first = approved_claim(world)
    batch = services.batch_create(actor=world.district_officer, claim_ids=[first.pk])
    services.batch_mark_paid(
        actor=world.district_officer, batch_id=batch.pk, paid_on=TODAY, reference="BJ-2024-0410-01"
    )
    first.refresh_from_db()
    assert first.status == ClaimStatus.PAID
    totals = selectors.ledger_totals(LedgerEntry.objects.filter(host=world.our_host))
    assert totals["approved"] == totals["paid"] == totals["net_paid"] == first.approved_total == Decimal("2420.00")


@pytest.mark.django_db
def test_marking_a_batch_paid_twice_is_refused(world):
    batch = services.batch_create(actor=world.district_officer, claim_ids=[approved_claim(world).pk])
    services.batch_mark_paid(actor=world.district_officer, batch_id=batch.pk, paid_on=TODAY, reference="R1")
    with pytest.raises(RuleError) as err:
        services.batch_mark_paid(actor=world.district_officer, batch_id=batch.pk, paid_on=TODAY, reference="R2")
    assert err.value.code == "batch.paid"
    assert LedgerEntry.objects.filter(kind=EntryKind.PAID).count() == 1


@pytest.mark.django_db
def test_a_rejected_or_unreviewed_claim_cannot_be_batched(world):
    agreement = make_agreement(world)
    attend(agreement, date(2024, 3, 1))
    claim = services.claim_prepare(actor=world.host_staff, host_id=world.our_host.pk, today=TODAY)
    services.claim_submit(actor=world.host_staff, claim_id=claim.pk)
    with pytest.raises(RuleError) as err:
        services.batch_create(actor=world.district_officer, claim_ids=[claim.pk])
    assert err.value.code == "claim.not_approved"
    services.claim_review(
        actor=world.district_officer,
        claim_id=claim.pk,
        review=services.Review(approve=False, reason="材料不全"),
        today=TODAY,
    )
    with pytest.raises(RuleError):
        services.batch_create(actor=world.district_officer, claim_ids=[claim.pk])


@pytest.mark.django_db
def test_a_claim_is_in_one_batch_only_and_the_ledger_pays_a_claim_once(world):
    claim = approved_claim(world)
    batch = services.batch_create(actor=world.district_officer, claim_ids=[claim.pk])
    with pytest.raises(RuleError):
        services.batch_create(actor=world.district_officer, claim_ids=[claim.pk])
    other = PaymentBatch.objects.create(district=world.our_host.district, created_by=world.district_officer)
    with pytest.raises(IntegrityError), transaction.atomic():
        BatchItem.objects.create(batch=other, claim=claim, amount=claim.approved_total)
    LedgerEntry.objects.create(
        kind="paid", host=claim.host, district=claim.host.district, claim=claim, amount=1, year=2024, occurred_on=TODAY
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        LedgerEntry.objects.create(
            kind="paid",
            host=claim.host,
            district=claim.host.district,
            claim=claim,
            amount=1,
            year=2024,
            occurred_on=TODAY,
        )
    assert batch.items.count() == 1


@pytest.mark.django_db
def test_another_district_cannot_batch_or_pay_our_claims(world):
    claim = approved_claim(world)
    with pytest.raises(RuleError):
        services.batch_create(actor=world.other_district_officer, claim_ids=[claim.pk])
    batch = services.batch_create(actor=world.district_officer, claim_ids=[claim.pk])
    from django.http import Http404

    with pytest.raises(Http404):
        services.batch_mark_paid(actor=world.other_district_officer, batch_id=batch.pk, paid_on=TODAY, reference="X")


# --- concurrency on PostgreSQL --------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
def test_two_simultaneous_mark_paid_requests_pay_once(world):
    batch = services.batch_create(actor=world.district_officer, claim_ids=[approved_claim(world).pk])

    def pay(reference: str) -> Callable[[], object]:
        return lambda: services.batch_mark_paid(
            actor=world.district_officer, batch_id=batch.pk, paid_on=TODAY, reference=reference
        )

    results = race(pay("A"), pay("B"))
    assert sum(isinstance(r, RuleError) for r in results) == 1
    assert LedgerEntry.objects.filter(kind=EntryKind.PAID).count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
def test_one_claim_added_to_two_batches_at_the_same_moment_lands_in_one(world):
    claim = approved_claim(world)

    def add() -> object:
        return services.batch_create(actor=world.district_officer, claim_ids=[claim.pk])

    results = race(add, add)
    assert sum(isinstance(r, RuleError) for r in results) == 1
    assert BatchItem.objects.filter(claim=claim).count() == 1


# --- maker-checker (职责分离): no officer moves a claim from approval to payment alone ----------------


def colleague(world, username: str):
    from tests.factories import UserFactory

    return UserFactory(username=username, role="district", district=world.our_host.district)


@pytest.mark.django_db
def test_maker_checker_the_officer_who_approved_a_claim_cannot_mark_it_paid(world):
    second, third = colleague(world, "haidian2"), colleague(world, "haidian3")
    claim = approved_claim(world)  # approved by world.district_officer
    batch = services.batch_create(actor=second, claim_ids=[claim.pk])  # made by another officer
    with pytest.raises(RuleError) as err:
        services.batch_mark_paid(actor=world.district_officer, batch_id=batch.pk, paid_on=TODAY, reference="R1")
    assert err.value.code == "batch.maker_checker" and "审核" in err.value.message
    assert not LedgerEntry.objects.filter(kind=EntryKind.PAID).exists()
    services.batch_mark_paid(actor=third, batch_id=batch.pk, paid_on=TODAY, reference="R1")
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.PAID
    assert (claim.reviewed_by, batch.created_by) == (world.district_officer, second)
    assert LedgerEntry.objects.get(kind=EntryKind.PAID).actor == third


@pytest.mark.django_db
def test_maker_checker_a_batch_no_other_officer_could_pay_is_refused_when_it_is_made(world):
    second = colleague(world, "haidian2")
    claim = approved_claim(world)  # approved by world.district_officer; second would make the batch
    with pytest.raises(RuleError) as err:
        services.batch_create(actor=second, claim_ids=[claim.pk])
    assert err.value.code == "batch.maker_checker" and not PaymentBatch.objects.exists()
    # The approver makes it instead, and the other officer, who did neither, pays it.
    batch = services.batch_create(actor=world.district_officer, claim_ids=[claim.pk])
    services.batch_mark_paid(actor=second, batch_id=batch.pk, paid_on=TODAY, reference="R1")
    assert LedgerEntry.objects.get(kind=EntryKind.PAID).actor == second


@pytest.mark.django_db
def test_maker_checker_an_officer_alone_in_the_district_approves_batches_and_pays(world):
    claim = approved_claim(world)
    batch = services.batch_create(actor=world.district_officer, claim_ids=[claim.pk])
    services.batch_mark_paid(actor=world.district_officer, batch_id=batch.pk, paid_on=TODAY, reference="R1")
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.PAID


@pytest.mark.django_db
def test_maker_checker_an_inactive_colleague_does_not_count(world):
    second = colleague(world, "haidian2")
    second.is_active = False
    second.save()
    claim = approved_claim(world)
    batch = services.batch_create(actor=world.district_officer, claim_ids=[claim.pk])
    services.batch_mark_paid(actor=world.district_officer, batch_id=batch.pk, paid_on=TODAY, reference="R1")
    assert LedgerEntry.objects.filter(kind=EntryKind.PAID).count() == 1
