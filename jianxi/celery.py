"""The Celery application of the long jobs: `celery -A jianxi worker` (docs/operations.md).

Its settings are Django's ``CELERY_*`` ones (jianxi/settings.py). Tasks are the ``tasks``
modules of the apps (jianxi.core.tasks, jianxi.subsidies.tasks); how a job is handed to them,
or run in process when no broker is configured, is jianxi.core.jobs.
"""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jianxi.settings")

app = Celery("jianxi")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
