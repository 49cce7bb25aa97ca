"""Delivery against a stub zone that fails at random: every message arrives, in order per post,
duplicates only under the same idempotency key, every signature verifies; dead letters; leases."""

from __future__ import annotations

import json
from collections import defaultdict

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from jianxi.exchange import delivery, tasks
from jianxi.exchange.models import MessageRetry, MessageState, OutboxMessage
from jianxi.posts.events import PostChange, posts_changed
from jianxi.posts.models import PostStatus
from tests.factories import PostFactory

pytestmark = pytest.mark.django_db


def make_messages(posts: int, per_post: int) -> list[OutboxMessage]:
    """``posts`` published posts, each published and then changed ``per_post - 1`` times."""
    made = [PostFactory() for _ in range(posts)]
    for round_ in range(per_post):
        before = PostStatus.SUBMITTED if round_ == 0 else PostStatus.PUBLISHED
        posts_changed([PostChange(p.pk, before, PostStatus.PUBLISHED) for p in made])
    return list(OutboxMessage.objects.order_by("id"))


def check_received(zone, messages: list[OutboxMessage]) -> None:
    """What the issue's "done when" asks of the receiver."""
    bodies = {m.idempotency_key: m.body.encode() for m in messages}
    receipts = zone.all()
    # Every request was signed with the shared secret over its exact bytes, under the key id.
    assert receipts and all(r.signed and r.key_id == "test-key" for r in receipts)
    # None lost: every message was accepted at least once …
    assert {r.key for r in zone.accepted()} == set(bodies)
    # … and a duplicate is always the same message under the same key (same bytes).
    assert all(r.body == bodies[r.key] for r in receipts)
    # Order per post: no try of message n+1 before message n had been accepted.
    accepted_at: dict[tuple[str, int], float] = {}
    for r in zone.accepted():
        doc = r.document
        accepted_at.setdefault((doc["stream"], doc["sequence"]), r.at)
    for r in receipts:
        doc = r.document
        if doc["sequence"] > 1:
            assert accepted_at[(doc["stream"], doc["sequence"] - 1)] <= r.at, (doc["stream"], doc["sequence"])
    # The first accepted copies per stream are in sequence order.
    firsts: dict[str, list[int]] = defaultdict(list)
    seen: set[str] = set()
    for r in zone.accepted():
        if r.key not in seen:
            seen.add(r.key)
            firsts[r.document["stream"]].append(r.document["sequence"])
    assert all(seq == sorted(seq) for seq in firsts.values())


def test_hundreds_of_messages_reach_a_flaky_zone_complete_and_in_order(zone):
    messages = make_messages(posts=60, per_post=5)
    assert len(messages) == 300
    outcome = delivery.deliver(seconds=240)
    assert outcome.delivered == 300
    assert OutboxMessage.objects.filter(state=MessageState.DELIVERED).count() == 300
    failed_tries = len(zone.all()) - len(zone.accepted())
    assert failed_tries > 30 and outcome.failed >= failed_tries  # it did fail at random, and was retried
    duplicates = len(zone.accepted()) - 300
    assert duplicates > 0  # slow answers stored by the zone came again, under their own key
    check_received(zone, messages)


def test_without_a_zone_url_messages_accumulate_and_nothing_is_sent(zone, settings):
    settings.EXCHANGE_URL = ""
    make_messages(posts=2, per_post=2)
    assert delivery.deliver(seconds=1).delivered == 0
    call_command("exchange_deliver", "--seconds", "1")
    assert tasks.exchange_deliver() == 0
    assert zone.all() == [] and OutboxMessage.objects.filter(state=MessageState.PENDING, attempts=0).count() == 4


def test_back_off_doubles_after_each_failed_try(zone, settings):
    zone.always_fail = True
    settings.EXCHANGE_BACKOFF_SECONDS = 10
    settings.EXCHANGE_BACKOFF_MAX_SECONDS = 25
    [message] = make_messages(posts=1, per_post=1)
    waits = []
    for _ in range(3):
        delivery.deliver_round(delivery.Outcome())
        message.refresh_from_db()
        waits.append(round((message.next_attempt_at - message.last_attempt_at).total_seconds()))
        OutboxMessage.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())
    assert waits == [10, 20, 25]  # doubling, capped
    assert message.attempts == 3 and message.last_status == 500 and "HTTP 500" in message.last_error


def test_dead_letter_after_n_tries_blocks_the_post_until_the_city_retries_it(zone, settings, world):
    settings.EXCHANGE_MAX_ATTEMPTS = 3
    zone.always_fail = True
    first, second = make_messages(posts=1, per_post=2)
    delivery.deliver(seconds=5)
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.state == MessageState.DEAD and first.attempts == 3
    assert second.state == MessageState.PENDING and second.attempts == 0  # never sent past a dead letter
    assert [r.key for r in zone.all()] == [first.idempotency_key] * 3

    # Someone else cannot retry it (403, nothing changed) …
    officer = Client()
    officer.force_login(world.district_officer)
    assert officer.post(reverse("exchange:retry", args=[first.pk]), {"confirmed": "1"}).status_code == 403
    first.refresh_from_db()
    assert first.state == MessageState.DEAD

    # … the city does, after a confirmation page.
    zone.always_fail = False
    city = Client()
    city.force_login(world.city)
    page = city.get(reverse("exchange:retry", args=[first.pk]))
    assert page.status_code == 200 and "确认重新发送" in page.content.decode()
    unconfirmed = city.post(reverse("exchange:retry", args=[first.pk]), {"reason": "专区已恢复"})
    assert unconfirmed.status_code == 200  # no confirmed=1: still the confirmation page
    first.refresh_from_db()
    assert first.state == MessageState.DEAD
    done = city.post(reverse("exchange:retry", args=[first.pk]), {"confirmed": "1", "reason": "专区已恢复"})
    assert done.status_code == 302
    first.refresh_from_db()
    assert first.state == MessageState.PENDING and first.attempts == 0
    [retry] = MessageRetry.objects.all()
    assert (retry.actor, retry.attempts_before, retry.reason) == (world.city, 3, "专区已恢复")
    assert "HTTP 500" in retry.last_error
    history = city.get(reverse("exchange:retry", args=[first.pk])).content.decode()
    assert "专区已恢复" in history  # the retry's record, on the message's page

    assert delivery.deliver(seconds=5).delivered == 2
    assert [r.key for r in zone.accepted()] == [first.idempotency_key, second.idempotency_key]
    # Retrying what is not dead changes nothing.
    city.post(reverse("exchange:retry", args=[first.pk]), {"confirmed": "1"})
    assert MessageRetry.objects.count() == 1


def test_a_claim_whose_worker_died_is_delivered_once_its_lease_runs_out(zone, settings):
    settings.EXCHANGE_LEASE_SECONDS = 0.5
    zone.fail_rate = zone.slow_rate = 0
    make_messages(posts=3, per_post=2)
    token, claimed = delivery.claim()  # a worker claims the heads of three posts, then dies
    assert len(claimed) == 3 and all(m.attempts == 1 for m in claimed)
    assert delivery.deliver(seconds=5, wait=False).delivered == 0  # leased: not due yet
    outcome = delivery.deliver(seconds=10)  # waits for the lease, then delivers all six
    assert outcome.delivered == 6 and not OutboxMessage.objects.exclude(state=MessageState.DELIVERED).exists()
    assert sorted(OutboxMessage.objects.filter(sequence=1).values_list("attempts", flat=True)) == [2, 2, 2]
    # The dead worker's late answer, were it to come, changes nothing: its claim is gone.
    assert delivery.record(claimed[0], token, ok=False, status=500, error="late") == delivery.LOST
    claimed[0].refresh_from_db()
    assert claimed[0].state == MessageState.DELIVERED and claimed[0].last_error == ""


def test_the_management_command_delivers(zone):
    zone.fail_rate = 0.3
    messages = make_messages(posts=4, per_post=3)
    call_command("exchange_deliver", "--seconds", "60")
    assert not OutboxMessage.objects.exclude(state=MessageState.DELIVERED).exists()
    check_received(zone, messages)
    assert json.loads(zone.accepted()[0].body)["schema_version"] == 1
