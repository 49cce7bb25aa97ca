"""A real Celery worker for the task tests (``@pytest.mark.celery``): ``python -m tests.celery_worker``.

The production worker (``celery -A jianxi worker``) with one change a test may ask for through
``JIANXI_TEST_WRITE_DELAY``: each chunk of a claim run waits that many seconds before it is
written, so that a test can kill the worker half-way through a district and be sure the kill
falls between two chunks' commits.
"""

from __future__ import annotations

import os
import time

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jianxi.settings")
django.setup()

from jianxi.celery import app  # noqa: E402
from jianxi.subsidies import run  # noqa: E402

DELAY = float(os.environ.get("JIANXI_TEST_WRITE_DELAY", "0") or 0)
if DELAY:
    write = run._write

    def slow_write(prepared: run._Prepared) -> run.Drafted | None:
        time.sleep(DELAY)
        return write(prepared)

    run._write = slow_write

if __name__ == "__main__":
    app.worker_main(["worker", "--pool=solo", "--loglevel=INFO", "--without-gossip", "--without-mingle"])
