"""Pinned query counts of the write services that move money (STYLE.md: Zulip's habit).

Each count is the service's whole conversation with the database, locks and history rows
included. A claim with 30 lines costs what a claim with 1 line costs: no query per line. A
change that adds a query makes one of these fail; if it is meant, pin the new number here.
"""

from __future__ import annotations

from datetime import date

import pytest

from jianxi.policy.selectors import engine_policy, work_calendar
from jianxi.subsidies import services
from tests.factories import PersonFactory, UserFactory
from tests.subsidies.conftest import TODAY, attend, make_agreement

pytestmark = pytest.mark.django_db

MONTHS = (date(2024, 1, 1), date(2024, 2, 1), date(2024, 3, 1))


def submitted_claim(world, lines: int):
    """A host's claim of ``lines`` internship-months (three months per intern), submitted."""
    for n in range(0, lines, len(MONTHS)):
        agreement = make_agreement(world, person=PersonFactory(user=UserFactory(role="youth")))
        for month in MONTHS[: lines - n]:
            attend(agreement, month)
    claim = services.claim_prepare(actor=world.host_staff, host_id=world.our_host.pk, today=TODAY)
    assert claim.lines.count() == lines
    services.claim_submit(actor=world.host_staff, claim_id=claim.pk)
    return claim


def warm() -> None:
    """The policy and calendar memo, as a running server has them (their queries are not the service's)."""
    engine_policy(date(2024, 1, 15))
    work_calendar(range(2024, 2025))


SUBMIT = 12  # with the year-close check (one query)
REVIEW = 16  # 12, and the registry's word (R-EL-7, signals): lines with persons, records, policy, decisions
BATCH_CREATE = 11
MARK_PAID = 10


@pytest.mark.parametrize("lines", [1, 30])
def test_submit_costs_the_same_queries_for_1_or_30_lines(world, lines, django_assert_num_queries):
    for n in range(0, lines, len(MONTHS)):
        agreement = make_agreement(world, person=PersonFactory(user=UserFactory(role="youth")))
        for month in MONTHS[: lines - n]:
            attend(agreement, month)
    claim = services.claim_prepare(actor=world.host_staff, host_id=world.our_host.pk, today=TODAY)
    with django_assert_num_queries(SUBMIT):
        services.claim_submit(actor=world.host_staff, claim_id=claim.pk)


@pytest.mark.parametrize("lines", [1, 30])
def test_review_costs_the_same_queries_for_1_or_30_lines(world, lines, django_assert_num_queries):
    claim = submitted_claim(world, lines)
    warm()
    review = services.Review(approve=True)
    with django_assert_num_queries(REVIEW):
        services.claim_review(actor=world.district_officer, claim_id=claim.pk, review=review, today=TODAY)


def test_batch_create(world, django_assert_num_queries):
    claim = submitted_claim(world, 3)
    services.claim_review(
        actor=world.district_officer, claim_id=claim.pk, review=services.Review(approve=True), today=TODAY
    )
    with django_assert_num_queries(BATCH_CREATE):
        services.batch_create(actor=world.district_officer, claim_ids=[claim.pk])


def test_mark_paid(world, django_assert_num_queries):
    claim = submitted_claim(world, 3)
    services.claim_review(
        actor=world.district_officer, claim_id=claim.pk, review=services.Review(approve=True), today=TODAY
    )
    batch = services.batch_create(actor=world.district_officer, claim_ids=[claim.pk])
    with django_assert_num_queries(MARK_PAID):
        services.batch_mark_paid(actor=world.district_officer, batch_id=batch.pk, paid_on=TODAY, reference="R1")
