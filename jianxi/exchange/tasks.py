"""Celery tasks of the exchange (``celery -A jianxi worker``; beat's schedule is in settings).

``exchange_deliver`` delivers what is due for up to ``EXCHANGE_TASK_SECONDS``, including what
falls due meanwhile; it is idempotent (claims and leases, delivery.py), so the late
acknowledgement's redelivery after a killed worker, beat's next tick and a second worker at the
same time all do no harm. ``exchange_monthly_stats`` enqueues last month's statistics once.
"""

from __future__ import annotations

from datetime import date

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from jianxi.exchange import delivery, outbox


@shared_task(name=outbox.DELIVER_TASK)
def exchange_deliver() -> int:
    return delivery.deliver(seconds=getattr(settings, "EXCHANGE_TASK_SECONDS", 50.0)).delivered


@shared_task(name="jianxi.exchange.tasks.exchange_monthly_stats")
def exchange_monthly_stats(today: str | None = None) -> bool:
    day = date.fromisoformat(today) if today else timezone.localdate()
    return outbox.enqueue_monthly_stats(month=outbox.previous_month(day)) is not None
