"""The city's page of the exchange: only the city, paged, filtered by state, constant queries."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from jianxi.exchange.models import MessageState, OutboxMessage
from jianxi.posts.events import PostChange, posts_changed
from jianxi.posts.models import PostStatus
from tests.factories import PostFactory

pytestmark = pytest.mark.django_db


def messages(n: int) -> None:
    made = [PostFactory() for _ in range(n)]
    posts_changed([PostChange(p.pk, PostStatus.SUBMITTED, PostStatus.PUBLISHED) for p in made])


def as_user(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_only_the_city_sees_the_page(world):
    messages(2)
    dead = OutboxMessage.objects.first()
    OutboxMessage.objects.filter(pk=dead.pk).update(state=MessageState.DEAD, attempts=8, last_error="HTTP 500")
    for user in (
        world.district_officer,
        world.department_officer,
        world.university_officer,
        world.host_staff,
        world.youth,
        world.finance,
    ):
        client = as_user(user)
        assert client.get(reverse("exchange:outbox")).status_code == 403, user.role
        assert client.get(reverse("exchange:retry", args=[dead.pk])).status_code == 403, user.role
        assert client.post(reverse("exchange:retry", args=[dead.pk]), {"confirmed": "1"}).status_code == 403
    assert Client().get(reverse("exchange:outbox")).status_code in (302, 403)
    dead.refresh_from_db()
    assert dead.state == MessageState.DEAD
    page = as_user(world.city).get(reverse("exchange:outbox"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "部级见习专区对接" in html and "重新发送" in html and 'class="table-wrap cards-sm"' in html


def test_the_list_filters_by_state_and_pages(world):
    messages(25)
    first = OutboxMessage.objects.order_by("id").first()
    OutboxMessage.objects.filter(pk=first.pk).update(state=MessageState.DEAD)
    client = as_user(world.city)
    dead = client.get(reverse("exchange:outbox"), {"state": "dead"})
    assert list(dead.context["page"]) == [first]
    pending = client.get(reverse("exchange:outbox"), {"state": "pending"})
    assert pending.context["page"].paginator.count == 24 and len(pending.context["page"]) == 20
    assert pending.context["counts"] == {"pending": 24, "dead": 1, "delivered": 0}
    odd = client.get(reverse("exchange:outbox"), {"state": "nonsense", "page": "x", "sort": "evil"})
    assert odd.status_code == 200 and odd.context["page"].paginator.count == 25


def test_the_list_runs_a_constant_number_of_queries(world, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = as_user(world.city)
    counts = []
    for n in (3, 40):
        messages(n)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("exchange:outbox")).status_code == 200
        counts.append(len(captured))
    assert counts[0] == counts[1]
    with django_assert_max_num_queries(counts[1]):
        client.get(reverse("exchange:outbox"), {"state": "pending", "size": "100"})
