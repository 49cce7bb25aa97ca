"""Real Celery workers on a real Redis broker, for the tests marked ``@pytest.mark.celery``.

They run only when ``CELERY_TEST_BROKER_URL`` names a Redis database of their own (``.ci/run``
sets it and starts Redis), on PostgreSQL: the worker is another process, which must see the
test's committed rows through the same test database.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.db import connection

BROKER = os.environ.get("CELERY_TEST_BROKER_URL", "")
ROOT = Path(__file__).resolve().parent.parent
VISIBILITY_TIMEOUT = 3  # seconds before a dead worker's task is delivered again

needs_worker = [
    pytest.mark.celery,
    pytest.mark.skipif(not BROKER, reason="no CELERY_TEST_BROKER_URL: no Redis broker for real workers"),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="a worker process needs a shared database"),
    pytest.mark.django_db(transaction=True),
]


def database_url() -> str:
    s = connection.settings_dict
    return f"postgres://{s['USER']}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


class Workers:
    """Start and kill worker processes, each with its own log file."""

    def __init__(self, tmp: Path, env: dict[str, str]) -> None:
        self.tmp, self.env, self.procs = tmp, env, []  # type: ignore[var-annotated]

    def start(self, **extra: str) -> subprocess.Popen[bytes]:
        log = (self.tmp / f"worker-{len(self.procs)}.log").open("wb")
        proc = subprocess.Popen(
            [sys.executable, "-m", "tests.celery_worker"],
            cwd=ROOT,
            env={**self.env, **extra},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        self.procs.append(proc)
        return proc

    def kill(self, proc: subprocess.Popen[bytes]) -> None:
        proc.send_signal(signal.SIGKILL)  # no warm shutdown: the task dies unacknowledged
        proc.wait(10)

    def logs(self) -> str:
        return "\n".join(p.read_text(errors="replace")[-3000:] for p in sorted(self.tmp.glob("worker-*.log")))

    def stop_all(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(15)
                except subprocess.TimeoutExpired:
                    proc.kill()


@pytest.fixture
def workers(settings, tmp_path) -> Iterator[Workers]:
    """The test process sends to the broker; workers started by the test consume from it."""
    import redis

    from jianxi.celery import app

    redis.Redis.from_url(BROKER).flushdb()  # this test's own database: no message of an earlier run
    settings.CELERY_BROKER_URL = BROKER
    settings.SUBSIDY_TASKS_EAGER = settings.IMPORT_TASKS_EAGER = False
    app.conf.broker_url = BROKER
    app.conf.broker_transport_options = {"visibility_timeout": VISIBILITY_TIMEOUT}
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PYTEST", "DATABASE_URL", "CELERY_", "DJANGO_SETTINGS"))
    }
    env.update(
        DATABASE_URL=database_url(),
        CELERY_BROKER_URL=BROKER,
        CELERY_VISIBILITY_TIMEOUT=str(VISIBILITY_TIMEOUT),
        CELERY_UNACKED_RESTORE_INTERVAL="1",
        DJANGO_SETTINGS_MODULE="jianxi.settings",
    )
    pool = Workers(tmp_path, env)
    try:
        yield pool
    finally:
        pool.stop_all()
        from kombu import pools

        app.pool.force_close_all()
        app._pool = None  # the next test opens a new one,
        app.amqp._producer_pool = None
        pools.reset()  # and kombu's shared producer pools, which held the closed connections


def wait_for(condition: Callable[[], bool], timeout: float, what: str, workers: Workers | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    logs = workers.logs() if workers else ""
    raise AssertionError(f"timed out after {timeout} s waiting for {what}\n{logs}")
