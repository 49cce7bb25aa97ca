"""Celery tasks of the events app (found by ``app.autodiscover_tasks``)."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from jianxi.events.services import send_reminders


@shared_task(name="events.send_reminders")
def send_event_reminders() -> int:
    """The day-before reminders; idempotent (each sign-up is reminded once)."""
    return send_reminders(now=timezone.now())
