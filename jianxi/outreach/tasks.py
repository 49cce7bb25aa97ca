"""Celery tasks of university outreach, found here by the workers (``app.autodiscover_tasks``);
they are defined beside the work they do (jianxi.outreach.services)."""

from __future__ import annotations

from jianxi.outreach.services import deliver_invitations_task, deliver_push_task

__all__ = ["deliver_invitations_task", "deliver_push_task"]
