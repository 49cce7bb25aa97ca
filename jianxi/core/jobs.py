"""Where long jobs run: Celery workers when a broker is configured, else the web process.

A long job (a large import, the monthly claim run) is a Celery task — a function of a
``tasks`` module with JSON arguments (ids, dates as text). ``dispatch`` hands it over:

* with a broker (``CELERY_BROKER_URL``, else ``REDIS_URL``): as a message, once the caller's
  transaction commits (the worker must see the rows it reads), to ``celery -A jianxi worker``;
* without one (``make run``, the embedded default): in a daemon thread of the web process, on
  its own database connection, once the transaction commits;
* when the job kind's ``*_TASKS_EAGER`` setting is true (tests, scripts): here and now.

Progress is never read from the broker: each job records it on its own row (``ImportJob``,
``ClaimRun``), which the progress pages read, so the three ways show the same pages. Tasks are
acknowledged late (settings ``CELERY_TASK_ACKS_LATE``): a worker killed mid-task leaves the
message to be delivered again, and every task is idempotent, so a retry finishes the job.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Any, Protocol

from django.conf import settings
from django.db import close_old_connections, connection, transaction

Runner = Callable[[Callable[[], None]], None]


class Task(Protocol):
    """What ``dispatch`` needs of a Celery task (``@shared_task``)."""

    name: str

    def run(self, *args: Any) -> Any: ...


def thread_runner(job: Callable[[], None]) -> None:
    def target() -> None:
        close_old_connections()
        try:
            job()
        finally:
            connection.close()  # a thread's connection is its own: never leave it open

    threading.Thread(target=target, name="jianxi-job", daemon=True).start()


def eager_runner(job: Callable[[], None]) -> None:
    job()


def broker_configured() -> bool:
    return bool(getattr(settings, "CELERY_BROKER_URL", ""))


def uses_broker(eager_setting: str, runner: Runner | None = None) -> bool:
    """Whether ``dispatch`` would send the job to a worker (no runner given, not eager, a broker)."""
    return runner is None and not getattr(settings, eager_setting, False) and broker_configured()


def default_runner(eager_setting: str) -> Runner:
    """The in-process runner: the thread runner, or the eager one when ``settings.<eager_setting>`` is true."""
    return eager_runner if getattr(settings, eager_setting, False) else thread_runner


def send(task: Task, args: Sequence[Any]) -> None:
    """Queue ``task(*args)`` for a worker once the current transaction (if any) commits."""
    from jianxi.celery import app  # the configured application, not Celery's default one

    name, payload = task.name, list(args)
    transaction.on_commit(lambda: app.send_task(name, args=payload))


def dispatch(task: Task, args: Sequence[Any], *, eager_setting: str, runner: Runner | None = None) -> None:
    """Run ``task(*args)`` where long jobs run (see the module's docstring); ``runner`` forces an
    in-process runner (tests)."""
    if uses_broker(eager_setting, runner):
        send(task, args)
        return
    runner = runner or default_runner(eager_setting)
    payload = list(args)

    def job() -> None:
        task.run(*payload)

    if runner is thread_runner:
        # The thread reads the rows through its own connection: start it once they are committed.
        transaction.on_commit(lambda: runner(job))
    else:
        runner(job)
