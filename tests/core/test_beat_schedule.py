"""The periodic jobs: every entry of the beat schedule names a task a worker knows.

Two apps adding their own ``CELERY_BEAT_SCHEDULE`` would silently drop the first; this test
lists what each app schedules.
"""

from __future__ import annotations

from django.conf import settings

from jianxi.celery import app


def test_every_periodic_job_names_a_registered_task():
    app.loader.import_default_modules()
    names = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert names <= set(app.tasks), names - set(app.tasks)
    # The events' reminders and the exchange's deliveries and monthly statistics are all there.
    assert {"events.send_reminders", "jianxi.exchange.tasks.exchange_deliver"} <= names
    assert {"jianxi.exchange.tasks.exchange_monthly_stats", "jianxi.recommend.send_digests"} <= names
