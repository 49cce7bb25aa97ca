"""A worker killed in the middle of a delivery loses nothing (PostgreSQL: the worker is another
process and must see the test's committed rows).

With Celery: a real worker (tests/celery_worker.py) on a real Redis broker, SIGKILLed while it
POSTs; the task was not acknowledged, the broker hands it to the next worker, which waits for
the dead worker's leases to run out and delivers everything. Without Celery: ``manage.py
exchange_deliver`` in a subprocess, SIGKILLed the same way, then run again.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest
from django.db import connection

from jianxi.exchange import delivery
from jianxi.exchange.models import MessageState, OutboxMessage
from tests.celery_support import ROOT, database_url, needs_worker, wait_for, workers
from tests.concurrency import race
from tests.exchange.stub import SECRET, Stub
from tests.exchange.test_delivery import check_received, make_messages

__all__ = ["workers"]  # the fixture

on_postgresql = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="a second process needs a shared database"),
    pytest.mark.django_db(transaction=True),
]


def zone_env(zone: Stub) -> dict[str, str]:
    return {
        "EXCHANGE_URL": zone.url,
        "EXCHANGE_SECRET": SECRET,
        "EXCHANGE_KEY_ID": "test-key",
        "EXCHANGE_TIMEOUT": "2",
        "EXCHANGE_LEASE_SECONDS": "2",
        "EXCHANGE_BACKOFF_SECONDS": "0.05",
        "EXCHANGE_BACKOFF_MAX_SECONDS": "0.2",
        "EXCHANGE_MAX_ATTEMPTS": "60",
        "EXCHANGE_TASK_SECONDS": "90",
    }


def undelivered() -> int:
    return OutboxMessage.objects.exclude(state=MessageState.DELIVERED).count()


def claimed_unfinished() -> int:
    return OutboxMessage.objects.filter(state=MessageState.PENDING).exclude(claim_token="").count()


@pytest.fixture
def slow_zone():
    zone = Stub(fail_rate=0.2, delay=0.15, seed=7)
    try:
        yield zone
    finally:
        zone.close()


def marked(*marks):
    def decorate(test):
        for mark in marks:
            test = mark(test)
        return test

    return decorate


@marked(*needs_worker)
def test_a_celery_worker_killed_mid_delivery_loses_nothing(world, workers, slow_zone, settings):
    settings.EXCHANGE_URL, settings.EXCHANGE_SECRET = slow_zone.url, SECRET  # writing the outbox kicks a task
    messages = make_messages(posts=20, per_post=2)
    first = workers.start(**zone_env(slow_zone))
    wait_for(lambda: len(slow_zone.accepted()) >= 5, 120, "the first deliveries", workers)
    workers.kill(first)
    assert undelivered() > 0 and claimed_unfinished() > 0  # killed with claims in hand
    workers.start(**zone_env(slow_zone))
    wait_for(lambda: undelivered() == 0, 180, "every message delivered", workers)
    check_received(slow_zone, messages)


@marked(*on_postgresql)
def test_the_delivery_command_killed_mid_delivery_loses_nothing(world, slow_zone):
    messages = make_messages(posts=20, per_post=2)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "DATABASE_URL", "DJANGO_SETTINGS"))}
    env.update(zone_env(slow_zone), DATABASE_URL=database_url(), DJANGO_SETTINGS_MODULE="jianxi.settings")
    env["PYTHONPATH"] = str(ROOT)
    command = [sys.executable, "manage.py", "exchange_deliver", "--seconds", "90"]
    proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        wait_for(lambda: len(slow_zone.accepted()) >= 5, 120, "the first deliveries")
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    assert undelivered() > 0 and claimed_unfinished() > 0
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, timeout=180, check=False)
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    assert undelivered() == 0
    check_received(slow_zone, messages)


@marked(*on_postgresql)
def test_concurrent_workers_claim_different_messages(world, settings):
    settings.EXCHANGE_BATCH = 15
    make_messages(posts=40, per_post=2)
    results = race(*(lambda: delivery.claim()[1] for _ in range(3)))
    claimed = [m.pk for batch in results for m in batch]  # type: ignore[attr-defined]
    assert len(claimed) == len(set(claimed)) == 40  # every post's head, each by one worker only
    assert all(m.sequence == 1 for batch in results for m in batch)  # type: ignore[attr-defined]
    assert not OutboxMessage.objects.filter(sequence=2).exclude(claim_token="").exists()


@marked(*on_postgresql)
def test_two_workers_deliver_together_in_order(world, settings):
    zone = Stub(fail_rate=0.3, slow_rate=0.05, slow_seconds=0.3, seed=3)
    try:
        settings.EXCHANGE_URL, settings.EXCHANGE_SECRET, settings.EXCHANGE_KEY_ID = zone.url, SECRET, "test-key"
        settings.EXCHANGE_TIMEOUT, settings.EXCHANGE_BATCH = 0.15, 10
        settings.EXCHANGE_BACKOFF_SECONDS, settings.EXCHANGE_BACKOFF_MAX_SECONDS = 0.005, 0.05
        settings.EXCHANGE_MAX_ATTEMPTS = 60
        messages = make_messages(posts=30, per_post=4)
        race(*(lambda: delivery.deliver(seconds=120) for _ in range(2)))
        assert undelivered() == 0
        check_received(zone, messages)
    finally:
        zone.close()
