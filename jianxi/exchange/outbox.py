"""Writing the outbox: each post change and each month's statistics becomes one message.

Messages are written inside the transaction of the change they tell (the posts' hook,
posts/events.py): a change that rolls back leaves no message, and a committed change always
has one. The body is the exact JSON the zone receives (docs/exchange.md), serialised once here
and never again, so that every try sends the same bytes under the same idempotency key.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max, OuterRef, Subquery, Sum
from django.urls import reverse
from django.utils import timezone

from jianxi.exchange.models import MessageKind, OutboxMessage
from jianxi.oversight.models import MonthlyDistrictStat
from jianxi.policy.models import District
from jianxi.posts.events import PostChange
from jianxi.posts.models import Post, PostStatus

SCHEMA = "https://jianxi/schemas/exchange-message/1"
SCHEMA_VERSION = 1
STATS_STREAM = "stats"
DELIVER_TASK = "jianxi.exchange.tasks.exchange_deliver"
SIGNATURE_HEADER = "X-Jianxi-Signature"  # "sha256=<hex of HMAC-SHA256(secret, body bytes)>"
KEY_ID_HEADER = "X-Jianxi-Key-Id"
IDEMPOTENCY_HEADER = "Idempotency-Key"
# Statuses in which a post has left the zone's list, and the message that says so.
LEAVING = {
    PostStatus.CLOSED: MessageKind.POST_CLOSED,
    PostStatus.FILLED: MessageKind.POST_CLOSED,
    PostStatus.SUSPENDED: MessageKind.POST_CLOSED,
    PostStatus.EXPIRED: MessageKind.POST_EXPIRED,
}
COUNT_FIELDS = ("posts", "headcount", "placements", "in_internship", "completed", "terminated", "hired", "retained")
MONEY_FIELDS = (
    "approved_city", "approved_district", "paid_city", "paid_district", "recovered_city", "recovered_district",
)  # fmt: skip


def post_stream(post_id: int) -> str:
    return f"post:{post_id}"


def idempotency_key(kind: str, stream: str, sequence: int) -> str:
    """Stable for one message: the same change is never a second key, a new change never an old one."""
    return f"jianxi:{stream}:{sequence}:{kind}"


def stats_key(month: date) -> str:
    return f"jianxi:stats:{month:%Y-%m}:{MessageKind.STATS_MONTHLY}"


def sign(body: bytes, secret: str) -> str:
    """The signature header's value: HMAC-SHA256 over the exact body bytes."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify(body: bytes, secret: str, signature: str) -> bool:
    return hmac.compare_digest(sign(body, secret), signature)


def _dumps(document: dict[str, Any]) -> str:
    # Sorted keys, no spaces, UTF-8 Chinese as is: the same document is always the same bytes.
    return json.dumps(document, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def _iso(moment: datetime | None) -> str | None:
    return timezone.localtime(moment).isoformat() if moment else None


def kind_of(change: PostChange, post: Post) -> str | None:
    """Which message a change is, or None when the zone need not hear of it.

    A post the zone never saw (never published) is none of its business; one it saw is
    published, changed while published, closed (closed, filled, suspended with its host) or expired.
    """
    if change.after == PostStatus.PUBLISHED:
        return MessageKind.POST_CHANGED if change.before == PostStatus.PUBLISHED else MessageKind.POST_PUBLISHED
    if post.published_at is None or change.before == change.after:
        return None
    return LEAVING.get(PostStatus(change.after))


def post_payload(post: Post) -> dict[str, Any]:
    return {
        "id": post.pk,
        "title": post.title,
        "status": post.status,
        "host": {"name": post.host.name, "credit_code": post.host.credit_code},
        "category": {"code": post.category.code, "name": post.category.name},
        "department": {"code": post.department.code, "name": post.department.name} if post.department else None,
        "district": {"code": post.district.code, "name": post.district.name},
        "description": post.description,
        "education": post.education,
        "majors": post.majors,
        "headcount": post.headcount,
        "months": post.months,
        "allowance": f"{post.allowance:.2f}",
        "recruit_start": post.recruit_start.isoformat(),
        "recruit_end": post.recruit_end.isoformat(),
        "expires_on": post.expires_on.isoformat(),
        "published_at": _iso(post.published_at),
        "closed_at": _iso(post.closed_at),
        "url": reverse("posts:detail", args=[post.pk]),
    }


@dataclass(frozen=True)
class Draft:
    kind: str
    stream: str
    post_id: int | None
    payload: dict[str, Any]
    key: str | None = None  # the stream's own key (statistics: once per month); else from the sequence


def _write(drafts: Sequence[Draft], *, now: datetime, last: dict[str, int] | None = None) -> list[OutboxMessage]:
    """Number each draft in its stream and insert them all (in the caller's transaction).

    The callers hold the rows the streams speak of locked (a post's change locks the post), so
    two writers never number the same stream at once; the unique (stream, sequence) constraint
    refuses it if they ever did. ``last``: each stream's last sequence, when the caller read it.
    """
    if not drafts:
        return []
    if last is None:
        last = dict(
            OutboxMessage.objects.filter(stream__in={d.stream for d in drafts})
            .values("stream")
            .annotate(last=Max("sequence"))
            .values_list("stream", "last")
        )
    messages = []
    for draft in drafts:
        sequence = last.get(draft.stream, 0) + 1
        last[draft.stream] = sequence
        key = draft.key or idempotency_key(draft.kind, draft.stream, sequence)
        document = {
            "schema": SCHEMA,
            "schema_version": SCHEMA_VERSION,
            "idempotency_key": key,
            "kind": draft.kind,
            "stream": draft.stream,
            "post_id": draft.post_id,
            "sequence": sequence,
            "occurred_at": _iso(now),
            "source": {"system": "jianxi", "city": settings.JIANXI_CITY},
            "payload": draft.payload,
        }
        messages.append(
            OutboxMessage(
                idempotency_key=key,
                kind=draft.kind,
                stream=draft.stream,
                sequence=sequence,
                post_id=draft.post_id,
                body=_dumps(document),
                occurred_at=now,
                next_attempt_at=now,
            )
        )
    OutboxMessage.objects.bulk_create(messages, batch_size=500)
    _kick_delivery()
    return messages


def on_posts_changed(*, changes: Sequence[PostChange]) -> None:
    """The posts' hook (registered in ExchangeConfig.ready()): one message per change the zone needs."""
    # One query: the posts as they now stand, each with the last sequence of its stream.
    last_sequence = (
        OutboxMessage.objects.filter(post_id=OuterRef("pk"))
        .order_by()
        .values("post_id")
        .annotate(last=Max("sequence"))
        .values("last")
    )
    posts = {
        p.pk: p
        for p in Post.objects.filter(pk__in={c.post_id for c in changes})
        .select_related("host", "category", "district", "department")
        .annotate(last_sequence=Subquery(last_sequence))
    }
    drafts = []
    for change in changes:
        post = posts.get(change.post_id)
        kind = kind_of(change, post) if post is not None else None
        if post is not None and kind is not None:
            drafts.append(Draft(kind=kind, stream=post_stream(post.pk), post_id=post.pk, payload=post_payload(post)))
    last = {post_stream(p.pk): p.last_sequence or 0 for p in posts.values()}
    _write(drafts, now=timezone.now(), last=last)


def _yuan(fen: int) -> str:
    return f"{Decimal(fen) / 100:.2f}"


def _figures(row: dict[str, Any]) -> dict[str, Any]:
    figures: dict[str, Any] = {name: int(row.get(name) or 0) for name in COUNT_FIELDS}
    figures.update({name: _yuan(int(row.get(name) or 0)) for name in MONEY_FIELDS})
    return figures


def stats_payload(month: date) -> dict[str, Any]:
    """A month's figures from the oversight aggregates: each district of the city, and the city's total."""
    month = month.replace(day=1)
    sums = {f"{name}": Sum(name) for name in (*COUNT_FIELDS, *MONEY_FIELDS)}
    rows = MonthlyDistrictStat.objects.filter(month=month).values("district_id").annotate(**sums).order_by()
    by_district = {r["district_id"]: r for r in rows}
    districts = list(District.objects.filter(city__code=settings.JIANXI_CITY).order_by("sort_order", "code"))
    total = MonthlyDistrictStat.objects.filter(month=month, district_id__in=[d.pk for d in districts]).aggregate(**sums)
    return {
        "month": f"{month:%Y-%m}",
        "currency": "CNY",
        "districts": [{"code": d.code, "name": d.name, **_figures(by_district.get(d.pk, {}))} for d in districts],
        "city": {"code": settings.JIANXI_CITY, **_figures(total)},
    }


def previous_month(today: date) -> date:
    first = today.replace(day=1)
    return first.replace(year=first.year - 1, month=12) if first.month == 1 else first.replace(month=first.month - 1)


def enqueue_monthly_stats(*, month: date) -> OutboxMessage | None:
    """The month's statistics message, once per month: None when it was enqueued already."""
    month = month.replace(day=1)
    key = stats_key(month)
    if OutboxMessage.objects.filter(idempotency_key=key).exists():
        return None
    try:
        with transaction.atomic():
            draft = Draft(
                kind=MessageKind.STATS_MONTHLY, stream=STATS_STREAM, post_id=None, payload=stats_payload(month), key=key
            )
            return _write([draft], now=timezone.now())[0]
    except IntegrityError:  # a second run at the same moment: the first one's message stands
        return None


def _kick_delivery() -> None:
    """With a zone URL and a Celery broker, ask a worker to deliver once the transaction commits.

    Without a broker the messages wait for beat's schedule or ``manage.py exchange_deliver``.
    """
    if not settings.EXCHANGE_URL:
        return
    from jianxi.core import jobs

    if not jobs.broker_configured():
        return

    def send() -> None:
        from jianxi.celery import app  # the configured application, as jobs.send does

        app.send_task(DELIVER_TASK, args=[])

    transaction.on_commit(send)
