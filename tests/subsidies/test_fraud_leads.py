"""Fraud leads (风险线索) (R-SUB-6): each with data that triggers it and data that does not."""

from __future__ import annotations

from datetime import date

import pytest

from jianxi.placements.models import Agreement, Attendance
from jianxi.subsidies import fraud_leads, services
from jianxi.subsidies.models import ClaimKind, ClaimLine
from tests.factories import HostFactory, PersonFactory, UserFactory
from tests.subsidies.conftest import TODAY, attend, make_agreement

pytestmark = pytest.mark.django_db


def test_overlap_signal(world):
    make_agreement(world, start=date(2024, 1, 15), end=date(2024, 7, 14))
    assert fraud_leads.overlapping_internships(world.district_officer).rows == []
    make_agreement(world, host=world.other_host, start=date(2024, 3, 1), end=date(2024, 8, 31))  # same person
    rows = fraud_leads.overlapping_internships(world.district_officer).rows
    assert [r[0] for r in rows] == [world.our_person.name]


def test_attendance_outside_internship_signal(world):
    agreement = make_agreement(world)
    attend(agreement, date(2024, 3, 1))
    assert fraud_leads.attendance_outside_internship(world.district_officer).rows == []
    Attendance.objects.create(
        agreement=agreement, month=date(2023, 12, 1), working_days=21, scheduled_days=21, attended_days=20
    )
    rows = fraud_leads.attendance_outside_internship(world.district_officer).rows
    assert [(r[1], r[2], r[3]) for r in rows] == [(world.our_host.name, world.our_host.credit_code, "2023-12")]


def test_claim_after_end_signal(world):
    agreement = make_agreement(world, start=date(2024, 1, 15), end=date(2024, 4, 14))
    attend(agreement, date(2024, 3, 1))
    claim = services.claim_prepare(actor=world.host_staff, host_id=world.our_host.pk, today=TODAY)
    assert fraud_leads.claims_after_end(world.district_officer).rows == []
    ClaimLine.objects.create(
        claim=claim,
        agreement=agreement,
        kind=ClaimKind.MONTHLY,
        month=date(2024, 5, 1),
        working_days=20,
        scheduled_days=20,
        attended_days=20,
        rate=2420,
        city=2420,
        addons=0,
        district=0,
        amount=2420,
        rules="",
    )
    assert [r[4] for r in fraud_leads.claims_after_end(world.district_officer).rows] == ["2024-05"]


def test_shared_bank_account_signal(world):
    world.our_host.bank_account = "6222000011112222"
    world.our_host.save()
    assert fraud_leads.shared_bank_accounts(world.district_officer).rows == []
    HostFactory(bank_account="6222000011112222", district=world.other_host.district)
    rows = fraud_leads.shared_bank_accounts(world.district_officer).rows
    assert [r[1] for r in rows] == [world.our_host.name]  # the other district's host stays out of view


def test_shared_phone_signal(world):
    PersonFactory.create_batch(2, phone="13700000001", district=world.our_host.district)
    assert fraud_leads.shared_phones(world.district_officer).rows == []
    PersonFactory(phone="13700000001", district=world.our_host.district)
    assert len(fraud_leads.shared_phones(world.district_officer).rows) == 3


def test_claims_above_headcount_signal(world):
    first = make_agreement(world)
    second = make_agreement(world, person=PersonFactory(user=UserFactory(role="youth")))
    spare_post = second.post
    Agreement.objects.filter(pk=second.pk).update(post=first.post)  # both interns on one post
    spare_post.delete()
    for agreement in (first, second):
        attend(agreement, date(2024, 3, 1))
    services.claim_prepare(actor=world.host_staff, host_id=world.our_host.pk, today=TODAY)
    assert fraud_leads.claims_above_headcount(world.district_officer).rows == []  # 2 interns, headcount 2
    world.our_host.posts.update(headcount=1)
    rows = fraud_leads.claims_above_headcount(world.district_officer).rows
    assert rows == [(world.our_host.name, world.our_host.credit_code, "2024-03", 2, 1)]


def test_signals_of_another_district_are_out_of_view(world):
    make_agreement(world)
    make_agreement(world, host=world.other_host, start=date(2024, 3, 1), end=date(2024, 8, 31))
    assert fraud_leads.overlapping_internships(world.other_district_officer).rows != []  # their agreement overlaps ours
    stranger = UserFactory(role="youth")
    assert all(not s.rows for s in fraud_leads.all_signals(stranger))


def test_a_lead_counts_against_its_host_only_not_a_namesake(world):
    """Leads name the host's credit code: the demonstration score (R-TG-4's "no open fraud lead")
    no longer charges every host that happens to share the name."""
    from jianxi.demonstration.fraud import fraud_leads_by_host

    namesake = HostFactory(name=world.our_host.name, district=world.our_host.district)
    agreement = make_agreement(world)
    Attendance.objects.create(
        agreement=agreement, month=date(2023, 12, 1), working_days=21, scheduled_days=21, attended_days=20
    )
    hosts = [(h.pk, h.name, h.credit_code) for h in (world.our_host, namesake)]
    assert fraud_leads_by_host(hosts) == {world.our_host.pk: 1}
