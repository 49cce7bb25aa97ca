"""Celery tasks of the core app, found here by the workers (``app.autodiscover_tasks``).

A large import's background job is defined beside the jobs it runs (jianxi.core.import_jobs).
"""

from __future__ import annotations

from jianxi.core.import_jobs import import_job

__all__ = ["import_job"]
