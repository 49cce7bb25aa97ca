"""Celery tasks of the youth app, found here by the workers (``app.autodiscover_tasks``); they
are defined beside the work they do (jianxi.youth.password_sms)."""

from __future__ import annotations

from jianxi.youth.password_sms import send_code_task

__all__ = ["send_code_task"]
