"""Excel exports as jobs: small lists download at once, large ones are built in the background.

Every list page that exports calls ``export_response`` with the kind of export, the filters of
the list (JSON values) and the number of rows it would hold (the queryset's ``count()``):

* ``EXPORT_INLINE_ROWS`` rows or fewer: the workbook is built in the request and downloaded,
  as before;
* more: an ``ExportJob`` row takes the account's export slot (one unfinished export per
  account, a partial unique index), the job is handed to where long jobs run
  (jianxi.core.jobs: a Celery worker, else a thread; eager when ``EXPORT_TASKS_EAGER``) and
  the user is sent to its page (``/exports/<id>/``), which shows the progress and then offers
  the file.

Each app registers its export kinds in its ``AppConfig.ready()`` (an app may not be imported
by core: docs/architecture.md). A kind's builder takes the user and the filters and returns
the file name and the sheets (``jianxi.core.excel.Sheet``); it filters by the user's scope
itself, because a job runs later, when the user's role or scope may have changed. The same
builder serves the inline download and the job, so both files hold the same rows.

Finished files are kept ``EXPORT_KEEP_DAYS`` days: the beat task ``jianxi.core.drop_expired_exports``
and every new export job delete the older rows.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from celery import shared_task
from django.conf import settings
from django.contrib import messages
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from jianxi.core import jobs
from jianxi.core.access import acting_user
from jianxi.core.errors import RuleError
from jianxi.core.excel import Sheet, workbook_bytes, xlsx_response
from jianxi.core.models import ExportJob, ExportStage

if TYPE_CHECKING:  # a type only: accounts sits above core (docs/architecture.md)
    from jianxi.accounts.models import User

Builder = Callable[["User", dict[str, Any]], tuple[str, Sequence[Sheet]]]

EAGER = "EXPORT_TASKS_EAGER"
INLINE_ROWS = 5000  # default of EXPORT_INLINE_ROWS
KEEP_DAYS = 7  # default of EXPORT_KEEP_DAYS
PROGRESS_EVERY = 1000  # rows between two progress writes
MAX_BACKGROUND_JOBS = 4  # default of EXPORT_MAX_BACKGROUND_JOBS, across all accounts
# Kept on the job's row in Chinese and translated where the page shows them ({% translate %}).
FAILED = gettext_noop("生成导出文件时系统出错，未生成文件。请稍后重新导出；如仍出错，请联系系统管理员。")
NOT_ALLOWED = gettext_noop("您的账号已不能使用此导出（角色、所属范围或状态已变更），未生成文件。")
STALE = gettext_noop("导出长时间没有进展，视为已随进程中断，未生成文件。请重新导出。")


@dataclass(frozen=True)
class ExportKind:
    """One export: its name (stored on jobs), its builder and the roles that may run it."""

    name: str
    build: Builder
    roles: tuple[str, ...]


KINDS: dict[str, ExportKind] = {}


def register(name: str, build: Builder, *, roles: Iterable[str]) -> None:
    """Declare an export kind (from an ``AppConfig.ready()``; registering again replaces it)."""
    KINDS[name] = ExportKind(name=name, build=build, roles=tuple(str(r) for r in roles))


def inline_rows() -> int:
    return int(getattr(settings, "EXPORT_INLINE_ROWS", INLINE_ROWS))


def keep_days() -> int:
    return int(getattr(settings, "EXPORT_KEEP_DAYS", KEEP_DAYS))


def allowed(kind: ExportKind, user: User) -> bool:
    return bool(user.is_active) and getattr(user, "role", None) in kind.roles


def scope_of(user: User) -> str:
    """The user's role and scope (district, department, university, host) as one text."""
    parts = [getattr(user, "role", "")] + [
        str(getattr(user, f"{name}_id", None) or "") for name in ("district", "department", "university", "host")
    ]
    return ":".join(parts)


# --- the request ---------------------------------------------------------------------------------


def export_response(request: HttpRequest, kind: str, params: dict[str, Any], *, rows: int) -> HttpResponse:
    """The download of a small export, or the page of the job that builds a large one."""
    user = acting_user(request)
    if rows <= inline_rows():
        file_name, sheets = KINDS[kind].build(user, params)
        return xlsx_response(file_name, sheets)
    try:
        job = export_start(user=user, kind=kind, params=params, rows=rows)
    except RuleError as err:
        messages.error(request, err.message)
        running = ExportJob.objects.filter(user=user, finished_at__isnull=True).first()
        return redirect("exports:job", pk=running.pk) if running else redirect("exports:list")
    return redirect("exports:job", pk=job.pk)


def export_start(*, user: User, kind: str, params: dict[str, Any], rows: int) -> ExportJob:
    """Take the user's export slot and hand the job over; refuses (RuleError) a second
    unfinished export."""
    if kind not in KINDS:
        raise KeyError(kind)
    now = timezone.now()
    drop_expired(now)
    release_stale(now)
    _check_capacity()
    try:
        with transaction.atomic():
            job = ExportJob.objects.create(
                user=user, kind=kind, params=params, rows=rows, heartbeat=now, scope=scope_of(user)
            )
    except IntegrityError as exc:
        raise RuleError(
            "export.busy", gettext("您的上一个导出尚未完成：每个账号同一时间只能进行一个导出，请等它完成后再导出。")
        ) from exc
    jobs.dispatch(export, [job.pk], eager_setting=EAGER)
    job.refresh_from_db()
    return job


def _check_capacity() -> None:
    """Shed load when many large exports are being built at once (each holds its workbook in
    memory; without a broker each is a thread of a web process). A count, not a lock: approximate."""
    limit = int(getattr(settings, "EXPORT_MAX_BACKGROUND_JOBS", MAX_BACKGROUND_JOBS))
    running = ExportJob.objects.filter(finished_at__isnull=True).count()
    if running >= limit:
        raise RuleError(
            "export.capacity",
            gettext("系统正在生成 %(running)s 个大文件导出（同时最多 %(limit)s 个），请几分钟后再导出。")
            % {"running": running, "limit": limit},
        )


# --- housekeeping --------------------------------------------------------------------------------


def drop_expired(now: datetime) -> int:
    """Delete the exports finished more than ``EXPORT_KEEP_DAYS`` days ago, their files with them."""
    deleted, _ = ExportJob.objects.filter(finished_at__lt=now - timedelta(days=keep_days())).delete()
    return deleted


def release_stale(now: datetime) -> int:
    """Close the unfinished jobs silent for longer than ``STALE_AFTER``: they no longer hold the slot."""
    return ExportJob.close_silent(now, stage=ExportStage.FAILED, file=b"", message=STALE)


# --- the job -------------------------------------------------------------------------------------


class _Progress:
    """Counts the rows written and records the count on the job every ``PROGRESS_EVERY`` rows;
    ends the rows early when the job is no longer open (``release_stale`` closed it meanwhile)."""

    def __init__(self, job_id: int) -> None:
        self.job_id = job_id
        self.done = 0
        self.closed = False

    def rows(self, rows: Iterable[Sequence[Any]]) -> Iterator[Sequence[Any]]:
        if self.closed:  # a later sheet of a job closed meanwhile
            return
        for row in rows:
            yield row
            self.done += 1
            if self.done % PROGRESS_EVERY == 0:
                still_open = ExportJob.objects.filter(pk=self.job_id, finished_at__isnull=True)
                if not still_open.update(done=self.done, heartbeat=timezone.now()):
                    self.closed = True
                    return


def _finish(job_id: int, **changes: Any) -> None:
    """Close the job, unless it was closed meanwhile (a job taken for dead stays failed, and its
    user may already have started another: no file lands on it afterwards)."""
    now = timezone.now()
    ExportJob.objects.filter(pk=job_id, finished_at__isnull=True).update(finished_at=now, heartbeat=now, **changes)


def run_export(job_id: int, *, resume_silent_for: timedelta | None = None) -> None:
    """Build a job's file; its row says how far it got and then how it ended.

    A finished (or dropped) job is left alone, so a task delivered twice does nothing the second
    time. ``resume_silent_for``: also take a running job silent for that long — its worker died
    and the broker delivered the task again; the file is built again from the start.
    """
    job = ExportJob.objects.select_related("user").filter(pk=job_id, finished_at__isnull=True).first()
    if job is None:
        return
    taken = Q(stage=ExportStage.QUEUED)
    if resume_silent_for is not None:
        taken |= Q(stage=ExportStage.RUNNING, heartbeat__lt=timezone.now() - resume_silent_for)
    if not ExportJob.objects.filter(taken, pk=job.pk, finished_at__isnull=True).update(
        stage=ExportStage.RUNNING, done=0, heartbeat=timezone.now()
    ):
        return  # already taken by another worker
    kind = KINDS.get(job.kind)
    if kind is None or not allowed(kind, job.user) or job.scope != scope_of(job.user):
        _finish(job.pk, stage=ExportStage.FAILED, message=NOT_ALLOWED)
        return
    progress = _Progress(job.pk)
    try:
        file_name, sheets = kind.build(job.user, dict(job.params))
        data = workbook_bytes([(title, headers, progress.rows(rows)) for title, headers, rows in sheets])
    except RuleError as err:
        _finish(job.pk, stage=ExportStage.FAILED, message=err.message)
    except Exception:
        error = traceback.format_exc(limit=5)[-4000:]
        _finish(job.pk, stage=ExportStage.FAILED, message=FAILED, error=error)
    else:
        if progress.closed:
            return  # the job was closed meanwhile: its partial file is not kept
        _finish(
            job.pk, stage=ExportStage.DONE, file=data, size=len(data), file_name=file_name[:255], done=progress.done
        )


@shared_task(name="jianxi.core.export", acks_late=True, reject_on_worker_lost=True)
def export(job_id: int) -> None:
    """The Celery task of an export job (jianxi.core.tasks lists it for the workers). Delivered
    again after a worker died (acks late), it builds the file again once the job has been silent
    for the broker's visibility timeout; delivered again after the job finished, it does nothing."""
    silent = timedelta(seconds=int(getattr(settings, "CELERY_VISIBILITY_TIMEOUT", 600)))
    run_export(job_id, resume_silent_for=silent)


@shared_task(name="jianxi.core.drop_expired_exports")
def drop_expired_exports() -> int:
    """The beat task: delete the export files past ``EXPORT_KEEP_DAYS``."""
    return drop_expired(timezone.now())
