"""The outbox: each post change the zone must hear of is one message, written in the change's
transaction, in the documented schema, numbered per post, under a stable idempotency key."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import jsonschema_rs
import pytest
import time_machine
from django.core.management import call_command
from django.db import transaction

from jianxi.exchange import outbox, tasks
from jianxi.exchange.models import MessageKind, MessageState, OutboxMessage
from jianxi.hosts import services as host_services
from jianxi.oversight.models import MonthlyDistrictStat
from jianxi.policy.models import District
from jianxi.posts import services as posts
from jianxi.posts.models import PostStatus
from tests.factories import TODAY, PostFactory

pytestmark = pytest.mark.django_db

SCHEMA = json.loads((Path(outbox.__file__).parent / "message.schema.json").read_text())
VALIDATOR = jsonschema_rs.validator_for(SCHEMA)


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(TODAY, tick=False):
        yield


def submitted(world, **fields):
    return PostFactory(host=world.our_host, status=PostStatus.SUBMITTED, published_at=None, **fields)


def publish(world, post):
    return posts.post_review(actor=world.district_officer, post_id=post.pk, approve=True)


def documents(post_id=None):
    rows = OutboxMessage.objects.order_by("id")
    if post_id is not None:
        rows = rows.filter(post_id=post_id)
    return [json.loads(m.body) for m in rows]


def test_publishing_a_post_writes_one_message_in_the_documented_schema(world):
    post = publish(world, submitted(world))
    [message] = OutboxMessage.objects.all()
    document = json.loads(message.body)
    VALIDATOR.validate(document)
    assert document["kind"] == "post.published" and document["schema_version"] == 1
    assert (document["post_id"], document["stream"], document["sequence"]) == (post.pk, f"post:{post.pk}", 1)
    assert document["idempotency_key"] == message.idempotency_key == f"jianxi:post:{post.pk}:1:post.published"
    assert document["payload"]["status"] == "published" and document["payload"]["title"] == post.title
    assert document["payload"]["allowance"] == "3000.00" and document["payload"]["district"]["code"] == "110108"
    assert message.state == MessageState.PENDING and message.attempts == 0


def test_closing_and_expiry_follow_in_sequence_and_each_key_is_new(world):
    closed = publish(world, submitted(world))
    posts.post_close(actor=world.host_staff, post_id=closed.pk, reason="已招到人")
    expiring = publish(world, submitted(world, expires_on=TODAY + timedelta(days=3)))
    assert posts.posts_expire(today=TODAY + timedelta(days=4)) == 1
    assert [(d["kind"], d["sequence"]) for d in documents(closed.pk)] == [("post.published", 1), ("post.closed", 2)]
    assert [(d["kind"], d["sequence"]) for d in documents(expiring.pk)] == [("post.published", 1), ("post.expired", 2)]
    assert documents(expiring.pk)[1]["payload"]["status"] == "expired"
    for document in documents():
        VALIDATOR.validate(document)
    keys = list(OutboxMessage.objects.values_list("idempotency_key", flat=True))
    assert len(keys) == len(set(keys)) == 4


def test_a_post_the_zone_never_saw_tells_it_nothing(world):
    draft = PostFactory(host=world.our_host, status=PostStatus.DRAFT, published_at=None)
    posts.post_close(actor=world.host_staff, post_id=draft.pk, reason="不招了")
    waiting = submitted(world, expires_on=TODAY + timedelta(days=1))
    posts.posts_expire(today=TODAY + timedelta(days=2))
    returned = submitted(world)
    posts.post_review(actor=world.district_officer, post_id=returned.pk, approve=False, reason="材料不全")
    assert not OutboxMessage.objects.exists()
    waiting.refresh_from_db()
    assert waiting.status == PostStatus.EXPIRED


def test_a_change_that_rolls_back_leaves_no_message(world):
    post = submitted(world)
    with pytest.raises(RuntimeError), transaction.atomic():
        publish(world, post)
        assert OutboxMessage.objects.count() == 1  # written inside the transaction …
        raise RuntimeError("something later in the same transaction failed")
    assert not OutboxMessage.objects.exists()  # … and gone with it
    post.refresh_from_db()
    assert post.status == PostStatus.SUBMITTED


def test_a_suspended_host_closes_its_posts_and_reinstatement_publishes_them_again(world):
    post = publish(world, submitted(world))
    host_services.host_review(
        actor=world.district_officer, host_id=world.our_host.pk, action="suspend", reason="核查中"
    )
    host_services.host_review(actor=world.district_officer, host_id=world.our_host.pk, action="reinstate")
    assert [(d["kind"], d["payload"]["status"]) for d in documents(post.pk)] == [
        ("post.published", "published"),
        ("post.closed", "suspended"),
        ("post.published", "published"),
    ]
    assert [d["sequence"] for d in documents(post.pk)] == [1, 2, 3]


def test_a_renamed_host_changes_what_its_published_posts_show(world):
    post = publish(world, submitted(world))
    draft = PostFactory(host=world.our_host, status=PostStatus.DRAFT, published_at=None)
    world.our_host.name = "新名称见习单位"
    world.our_host.save()
    posts.posts_reindex(host=world.our_host)
    [changed] = [d for d in documents() if d["kind"] == "post.changed"]
    assert changed["post_id"] == post.pk and changed["payload"]["host"]["name"] == "新名称见习单位"
    assert not OutboxMessage.objects.filter(post_id=draft.pk).exists()


def _stat(month: date, code: str, **figures) -> None:
    MonthlyDistrictStat.objects.create(month=month, district_id=District.objects.get(code=code).pk, **figures)


def test_the_monthly_statistics_are_enqueued_once_per_month_per_district_and_city(world):
    october = date(2026, 10, 1)
    _stat(october, "110108", posts=3, headcount=7, placements=2, approved_city=123456)
    _stat(october, "110108", posts=1, headcount=1)  # a second department's row of the same district
    _stat(october, "110105", posts=2, headcount=2, paid_district=50)
    _stat(date(2026, 9, 1), "110108", posts=99)  # another month: not counted
    message = outbox.enqueue_monthly_stats(month=october)
    assert message is not None and message.kind == MessageKind.STATS_MONTHLY
    document = json.loads(message.body)
    VALIDATOR.validate(document)
    assert document["idempotency_key"] == "jianxi:stats:2026-10:stats.monthly" and document["post_id"] is None
    payload = document["payload"]
    by_code = {d["code"]: d for d in payload["districts"]}
    assert (by_code["110108"]["posts"], by_code["110108"]["headcount"], by_code["110108"]["approved_city"]) == (
        4,
        8,
        "1234.56",
    )
    assert (by_code["110105"]["posts"], by_code["110105"]["paid_district"]) == (2, "0.50")
    assert set(by_code) == set(District.objects.filter(city__code="110000").values_list("code", flat=True))
    assert payload["city"]["posts"] == 6 and payload["city"]["placements"] == 2 and payload["month"] == "2026-10"
    # Once: again by the service, by the command and by beat's task, nothing new.
    assert outbox.enqueue_monthly_stats(month=october) is None
    call_command("exchange_stats", "--month", "2026-10")
    assert tasks.exchange_monthly_stats("2026-11-05") is False
    assert OutboxMessage.objects.filter(kind=MessageKind.STATS_MONTHLY).count() == 1
    # The next month's run writes the next month, as the second message of the statistics' stream.
    assert tasks.exchange_monthly_stats("2026-12-01") is True
    sequences = OutboxMessage.objects.filter(stream="stats").order_by("sequence").values_list("sequence", flat=True)
    assert list(sequences) == [1, 2]


def test_previous_month_crosses_the_year():
    assert outbox.previous_month(date(2027, 1, 15)) == date(2026, 12, 1)
    assert outbox.previous_month(date(2026, 11, 30)) == date(2026, 10, 1)
