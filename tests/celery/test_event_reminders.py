"""The events' day-before reminders through real Celery workers (the beat's task, sent twice)."""

from __future__ import annotations

import time
from datetime import datetime, timedelta

from django.utils import timezone

from jianxi.core.jobs import send
from jianxi.core.models import Notification
from jianxi.events import services
from jianxi.events.models import Signup
from jianxi.events.tasks import send_event_reminders
from tests.celery_support import needs_worker, wait_for, workers
from tests.events.conftest import make_event
from tests.factories import PersonFactory, UserFactory

pytestmark = needs_worker
__all__ = ["workers"]  # the fixture


def test_two_workers_running_the_reminder_task_twice_remind_each_person_once(world, workers):
    tomorrow = timezone.localdate() + timedelta(days=1)
    start = timezone.make_aware(datetime.combine(tomorrow, datetime.min.time())) + timedelta(hours=9)
    event = make_event(world, capacity=10, starts_at=start, ends_at=start + timedelta(hours=2))
    people = [UserFactory(role="youth") for _ in range(4)]
    for user in people:
        PersonFactory(user=user)
        services.signup(actor=user, event_id=event.pk, now=timezone.now())
    workers.start()
    workers.start()
    send(send_event_reminders, [])
    send(send_event_reminders, [])
    wait_for(
        lambda: not Signup.objects.filter(event=event, reminded_at__isnull=True).exists(),
        60,
        "every sign-up reminded",
        workers,
    )
    time.sleep(2)  # the second task has run too
    for user in people:
        assert Notification.objects.filter(user=user, message__startswith="提醒").count() == 1
