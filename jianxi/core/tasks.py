"""Celery tasks of the core app: a large import's background job (jianxi.core.import_jobs)."""

from __future__ import annotations

from datetime import timedelta

from celery import shared_task
from django.conf import settings

from jianxi.core import import_jobs


@shared_task(name="jianxi.core.import_job", acks_late=True, reject_on_worker_lost=True)
def import_job(job_id: int) -> None:
    """Import a queued job's file. Delivered again after a worker died (acks late), it takes
    the job up again once the job has been silent for the broker's visibility timeout."""
    silent = timedelta(seconds=int(getattr(settings, "CELERY_VISIBILITY_TIMEOUT", 600)))
    import_jobs.run_job(job_id, resume_silent_for=silent)
