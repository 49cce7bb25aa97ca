"""Delivering the outbox to the zone: claim, POST, record — in order per stream, with back-off.

One round: a worker claims up to ``EXCHANGE_BATCH`` due messages — pending, due
(``next_attempt_at`` passed), and the first undelivered one of their stream (a message for post
P is never sent while an earlier message for P is undelivered, dead letters included) — under
``select_for_update(skip_locked=True)`` on PostgreSQL, so that concurrent workers take
different rows (SQLite has no row locks: one worker there). Claiming pushes ``next_attempt_at``
to the end of a lease (``EXCHANGE_LEASE_SECONDS``) under a fresh claim token and counts the try;
then the worker POSTs each message, outside any transaction, and records the answer only if its
token still holds the row. A worker killed between the two leaves the message due again when
the lease ends, and another worker sends it again under the same idempotency key: nothing is
lost, and a duplicate is always recognisable.

A 2xx answer (or 409, the zone saying it has that key already) is delivered. Anything else —
another status, a refused connection, a timeout — waits ``EXCHANGE_BACKOFF_SECONDS × 2^(tries-1)``
(at most ``EXCHANGE_BACKOFF_MAX_SECONDS``) and is dead-lettered after ``EXCHANGE_MAX_ATTEMPTS``
tries; the city's page sends a dead letter back (services.retry_message).
"""

from __future__ import annotations

import logging
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, F, Min, OuterRef, QuerySet
from django.utils import timezone

from jianxi.exchange.models import MessageState, OutboxMessage
from jianxi.exchange.outbox import IDEMPOTENCY_HEADER, KEY_ID_HEADER, SIGNATURE_HEADER, sign

log = logging.getLogger(__name__)
ERROR_MAX = 500
# Direct connections only: the zone's URL is configured, not found through the environment's proxies.
_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))


@dataclass
class Outcome:
    delivered: int = 0
    failed: int = 0
    dead: int = 0
    rounds: int = 0
    keys: list[str] = field(default_factory=list)  # delivered, in the order they were


def configured() -> bool:
    return bool(settings.EXCHANGE_URL and settings.EXCHANGE_SECRET)


def backoff(attempts: int) -> timedelta:
    """The wait after the ``attempts``-th failed try: doubling from the base, capped."""
    seconds = settings.EXCHANGE_BACKOFF_SECONDS * (2 ** max(attempts - 1, 0))
    return timedelta(seconds=min(seconds, settings.EXCHANGE_BACKOFF_MAX_SECONDS))


def heads() -> QuerySet[OutboxMessage]:
    """Pending messages that are the first undelivered one of their stream."""
    earlier = OutboxMessage.objects.filter(stream=OuterRef("stream"), sequence__lt=OuterRef("sequence")).exclude(
        state=MessageState.DELIVERED
    )
    return OutboxMessage.objects.filter(state=MessageState.PENDING).exclude(Exists(earlier))


def due(now: datetime) -> QuerySet[OutboxMessage]:
    """The heads whose time has come."""
    return heads().filter(next_attempt_at__lte=now)


def claim(*, limit: int | None = None, now: datetime | None = None) -> tuple[str, list[OutboxMessage]]:
    """Take up to ``limit`` due messages for this worker: (its claim token, the messages)."""
    now = now or timezone.now()
    limit = limit or settings.EXCHANGE_BATCH
    token = uuid.uuid4().hex
    with transaction.atomic():
        rows = list(due(now).order_by("next_attempt_at", "id").select_for_update(skip_locked=True).only("pk")[:limit])
        ids = [r.pk for r in rows]
        if not ids:
            return token, []
        OutboxMessage.objects.filter(pk__in=ids).update(
            next_attempt_at=now + timedelta(seconds=settings.EXCHANGE_LEASE_SECONDS),
            claim_token=token,
            attempts=F("attempts") + 1,
            last_attempt_at=now,
        )
    return token, list(OutboxMessage.objects.filter(pk__in=ids).order_by("id"))


def post(message: OutboxMessage) -> tuple[bool, int | None, str]:
    """POST one message: (delivered, HTTP status, error text)."""
    body = message.body.encode()
    if not settings.EXCHANGE_URL.startswith(("http://", "https://")):
        return False, None, "EXCHANGE_URL 须以 http:// 或 https:// 开头"
    request = urllib.request.Request(  # noqa: S310 - the scheme is checked just above
        settings.EXCHANGE_URL,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json; charset=utf-8",
            IDEMPOTENCY_HEADER: message.idempotency_key,
            SIGNATURE_HEADER: sign(body, settings.EXCHANGE_SECRET),
            KEY_ID_HEADER: settings.EXCHANGE_KEY_ID,
            "User-Agent": "jianxi-exchange/1",
        },
    )
    try:
        with _opener.open(request, timeout=settings.EXCHANGE_TIMEOUT) as response:
            response.read(65536)
            return True, response.status, ""
    except urllib.error.HTTPError as err:
        status = err.code
        text = err.read(300).decode("utf-8", "replace") if err.fp else ""
        return status == 409, status, f"HTTP {status} {text}".strip()[:ERROR_MAX]
    except (OSError, ValueError) as err:  # refused, reset, timed out, a bad URL
        return False, None, f"{type(err).__name__}: {err}"[:ERROR_MAX]


LOST = "lost"  # record()'s answer when another worker has claimed the message since


def record(message: OutboxMessage, token: str, *, ok: bool, status: int | None, error: str) -> str:
    """Write what one try gave, if this worker still holds the claim: the state it left, or
    ``LOST`` when the lease ran out and another worker claimed the message meanwhile."""
    now = timezone.now()
    mine = OutboxMessage.objects.filter(pk=message.pk, claim_token=token, state=MessageState.PENDING)
    if ok:
        state, fields = MessageState.DELIVERED, {"state": MessageState.DELIVERED, "delivered_at": now, "last_error": ""}
    elif message.attempts >= settings.EXCHANGE_MAX_ATTEMPTS:
        state, fields = MessageState.DEAD, {"state": MessageState.DEAD, "last_error": error}
    else:
        state, fields = MessageState.PENDING, {"next_attempt_at": now + backoff(message.attempts), "last_error": error}
    if not mine.update(last_status=status, claim_token="", **fields):
        return LOST
    if state == MessageState.DEAD:
        log.warning("exchange message %s dead after %s tries: %s", message.idempotency_key, message.attempts, error)
    return state


def deliver_round(outcome: Outcome) -> int:
    """Claim one batch and try each message of it; how many were claimed."""
    token, messages = claim()
    for message in messages:
        ok, status, error = post(message)
        state = record(message, token, ok=ok, status=status, error=error)
        if state == MessageState.DELIVERED:
            outcome.delivered += 1
            outcome.keys.append(message.idempotency_key)
        elif state == MessageState.DEAD:
            outcome.dead += 1
        elif state == MessageState.PENDING:
            outcome.failed += 1
    outcome.rounds += 1
    return len(messages)


def deliver(*, seconds: float, wait: bool = True) -> Outcome:
    """Deliver what is due for up to ``seconds``; with ``wait``, also what falls due in that time
    (a back-off, a dead worker's lease), sleeping until then. Nothing at all without a URL and secret."""
    outcome = Outcome()
    if not configured():
        return outcome
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if deliver_round(outcome):
            continue
        if not wait:
            break
        nearest = heads().aggregate(at=Min("next_attempt_at"))["at"]
        if nearest is None:
            break
        pause = (nearest - timezone.now()).total_seconds()
        if time.monotonic() + max(pause, 0) >= deadline:
            break
        time.sleep(min(max(pause, 0.05), 1.0))
    return outcome
