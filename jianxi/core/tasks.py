"""Celery tasks of the core app, found here by the workers (``app.autodiscover_tasks``).

A large import's background job is defined beside the jobs it runs (jianxi.core.import_jobs),
and so are a large export's and the periodic drop of old export files (jianxi.core.export_jobs).
"""

from __future__ import annotations

from jianxi.core.export_jobs import drop_expired_exports, export
from jianxi.core.import_jobs import import_job

__all__ = ["drop_expired_exports", "export", "import_job"]
