"""Where long jobs run: the one place a task queue (Celery) replaces later.

Today a job runs in a daemon thread of the web process, on its own database connection, or in
the caller when the deployment (or a test) sets the job kind's ``*_TASKS_EAGER`` setting.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from django.conf import settings
from django.db import close_old_connections, connection

Runner = Callable[[Callable[[], None]], None]


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


def default_runner(eager_setting: str) -> Runner:
    """The thread runner, or the eager one when ``settings.<eager_setting>`` is true."""
    return eager_runner if getattr(settings, eager_setting, False) else thread_runner
