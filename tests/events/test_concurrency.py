"""Many sign-ups for the last places at the same moment: never over capacity (PostgreSQL row locks)."""

from __future__ import annotations

import pytest
from django.db import connection

from jianxi.events import services
from jianxi.events.models import Signup, SignupStatus
from tests.concurrency import race
from tests.events.conftest import NOW, make_event
from tests.factories import PersonFactory, UserFactory

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL"),
]


def youths(n: int) -> list:
    users = [UserFactory(role="youth") for _ in range(n)]
    for u in users:
        PersonFactory(user=u)
    return users


def test_six_people_at_once_for_two_places_give_two_confirmed_and_four_waiting(world):
    event = make_event(world, capacity=2)
    people = youths(6)
    results = race(*[lambda u=u: services.signup(actor=u, event_id=event.pk, now=NOW) for u in people])
    assert all(isinstance(r, Signup) for r in results)
    counts = {s: Signup.objects.filter(event=event, status=s).count() for s in SignupStatus.values}
    assert counts == {"confirmed": 2, "waiting": 4, "cancelled": 0}


def test_the_same_person_twice_at_once_gives_one_signup_and_a_clear_refusal(world):
    event = make_event(world)
    results = race(*[lambda: services.signup(actor=world.youth, event_id=event.pk, now=NOW)] * 2)
    assert Signup.objects.filter(event=event).count() == 1
    assert sorted(type(r).__name__ for r in results) == ["RuleError", "Signup"]


def test_cancellations_and_signups_at_once_keep_the_capacity(world):
    event = make_event(world, capacity=2)
    first = youths(4)
    for u in first:
        services.signup(actor=u, event_id=event.pk, now=NOW)  # two confirmed, two waiting
    late = youths(2)
    race(
        lambda: services.signup_cancel(actor=first[0], event_id=event.pk),
        lambda: services.signup_cancel(actor=first[1], event_id=event.pk),
        *[lambda u=u: services.signup(actor=u, event_id=event.pk, now=NOW) for u in late],
    )
    confirmed = set(
        Signup.objects.filter(event=event, status=SignupStatus.CONFIRMED).values_list("person__user", flat=True)
    )
    # The two who waited first take the freed places; the late ones wait.
    assert confirmed == {first[2].pk, first[3].pk}
