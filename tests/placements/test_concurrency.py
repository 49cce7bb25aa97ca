"""Two requests at the same moment: exactly one wins (PostgreSQL, real transactions and row locks)."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection

from jianxi.core.errors import RuleError
from jianxi.placements import services
from jianxi.placements.models import Agreement
from tests.concurrency import race
from tests.factories import PersonFactory, PostFactory, UserFactory
from tests.placements.conftest import accepted, terms

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL"),
]


def test_R_EL_5_two_agreements_for_the_same_person_at_the_same_moment_exactly_one_wins(world):
    ours = accepted(world)
    theirs = accepted(world, post=PostFactory(host=world.other_host))
    results = race(
        lambda: services.agreement_create(actor=world.host_staff, application_id=ours.pk, terms=terms()),
        lambda: services.agreement_create(
            actor=world.other_host_staff,
            application_id=theirs.pk,
            terms=terms(start=date(2027, 1, 1), end=date(2027, 6, 30)),
        ),
    )
    errors = [r for r in results if isinstance(r, RuleError)]
    assert len(errors) == 1 and errors[0].code == "R-EL-5"
    assert Agreement.objects.filter(person=world.our_person).count() == 1


def test_the_last_place_of_a_post_goes_to_exactly_one_of_two_simultaneous_agreements(world):
    post = PostFactory(host=world.our_host, headcount=1)
    second_user = UserFactory(role="youth")
    PersonFactory(user=second_user)
    first = accepted(world, post=post)
    second = accepted(world, post=post, youth=second_user)
    results = race(
        lambda: services.agreement_create(actor=world.host_staff, application_id=first.pk, terms=terms()),
        lambda: services.agreement_create(actor=world.host_staff, application_id=second.pk, terms=terms()),
    )
    errors = [r for r in results if isinstance(r, RuleError)]
    assert len(errors) == 1 and errors[0].code == "headcount"
    assert Agreement.objects.filter(post=post).count() == 1


def test_two_identical_applications_at_the_same_moment_give_one_application_and_a_clear_refusal(world):
    from jianxi.placements.models import Application
    from tests.factories import TODAY

    post = PostFactory(host=world.our_host)
    results = race(
        lambda: services.application_apply(actor=world.youth, post_id=post.pk, today=TODAY),
        lambda: services.application_apply(actor=world.youth, post_id=post.pk, today=TODAY),
    )
    errors = [r for r in results if isinstance(r, RuleError)]
    assert len(errors) == 1 and errors[0].code == "application.duplicate"
    assert Application.objects.filter(post=post).count() == 1
