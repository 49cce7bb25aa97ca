"""The digest task on a real Celery worker and Redis broker (``@pytest.mark.celery``): the worker
sends the week's digest once, and a task delivered again (acks late) sends nothing more."""

from __future__ import annotations

import time

from jianxi.core.models import Notification
from jianxi.recommend.models import DigestSent
from tests.celery_support import needs_worker, wait_for, workers
from tests.factories import TODAY
from tests.recommend.test_digest import matching, opt_in

pytestmark = needs_worker
__all__ = ["workers"]  # the fixture


def test_a_worker_sends_the_digest_once_however_often_the_task_comes(world, person, workers):
    from jianxi.celery import app

    opt_in(world)
    matching()
    for _ in range(2):
        app.send_task("jianxi.recommend.send_digests", args=[TODAY.isoformat()])
    workers.start()
    wait_for(lambda: DigestSent.objects.filter(person=person).exists(), 120, "the digest", workers)
    wait_for(lambda: Notification.objects.filter(user=world.youth).exists(), 30, "the notice", workers)
    time.sleep(3)  # the second task runs too, and finds this week's digest sent
    assert DigestSent.objects.filter(person=person).count() == 1
    assert Notification.objects.filter(user=world.youth).count() == 1
