"""Celery task of the recommend app: the digest of new matching posts (digest.py).

Schedule it once a day (Celery beat, or cron running ``manage.py send_digests``); a daily digest
goes out on each run's day, a weekly one in the first run of each ISO week. Idempotent: a second
run in the same period sends nothing (``DigestSent``), so a redelivered task (acks late) is safe.
"""

from __future__ import annotations

from datetime import date

from celery import shared_task
from django.utils import timezone

from jianxi.recommend.digest import send_digests


@shared_task(name="jianxi.recommend.send_digests", acks_late=True, reject_on_worker_lost=True)
def send_digests_task(today: str | None = None) -> dict[str, int]:
    """``today`` as YYYY-MM-DD (JSON arguments); the local date when not given."""
    day = date.fromisoformat(today) if today else timezone.localdate()
    run = send_digests(today=day, now=timezone.now())
    return {"sent": run.sent, "empty": run.empty, "already": run.already}
