"""Excel imports as jobs: one at a time per account, large files in the background.

``import_start`` is the one entry of every import page. In order, before any work it bounds:

1. the module's ``authorise`` refuses an actor who may not import (a role, a host not yet
   approved) — nothing read;
2. an ``ImportJob`` row takes the account's import slot: the partial unique index lets one
   account have one unfinished import, so a second upload while one runs is refused by the
   database, whichever process or thread serves it;
3. the file is inspected against the limits of ``jianxi.core.imports`` — the zip's directory,
   the sheet's declared range, the declared number of shared strings: milliseconds, whatever
   the file (a refusal ends the job and changes nothing else);
4. a small file (``IMPORT_BACKGROUND_BYTES`` unpacked or less) is read, and imported in the
   request if it has ``IMPORT_BACKGROUND_ROWS`` data rows or fewer; any other file is kept on
   the job and read and imported by ``run_job`` behind ``start_job`` — a Celery worker when a
   broker is configured, else a thread of the web process (jianxi.core.jobs). Its page shows
   the progress, then the same report as a synchronous import, or the reason nothing was
   imported.

A job silent for ``ImportJob.STALE_AFTER`` died with its process: it no longer holds the slot.
Tests (and ``IMPORT_TASKS_EAGER = True``) run background jobs synchronously.
"""

from __future__ import annotations

import traceback
from datetime import datetime, timedelta
from typing import IO, TYPE_CHECKING, Any

from celery import shared_task
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from jianxi.core import jobs
from jianxi.core.errors import RuleError
from jianxi.core.imports import ImportKind, ImportReport, SheetRow, inspect_xlsx, upload_bytes
from jianxi.core.jobs import Runner
from jianxi.core.models import ImportJob, ImportStage

if TYPE_CHECKING:  # a type only: accounts sits above core (docs/architecture.md)
    from jianxi.accounts.models import User

# Where each kind of import is defined, by the name stored on its jobs.
KINDS = {
    "posts": "jianxi.posts.imports.KIND",
    "youth": "jianxi.youth.imports.KIND",
    "attendance": "jianxi.placements.imports.KIND",
    "graduates": "jianxi.outreach.imports.KIND",  # a university's graduates not yet employed
    # Registry extracts (比对数据), one kind per source: loaded whole or refused whole.
    **{
        f"reg_{source}": f"jianxi.registry.imports.KIND_{source}"
        for source in ("insurance", "graduate", "hukou", "unemployment", "transfer")
    },
}
BACKGROUND_ROWS = 500  # default of IMPORT_BACKGROUND_ROWS
BACKGROUND_BYTES = 1024 * 1024  # default of IMPORT_BACKGROUND_BYTES: long texts make a slow import
MAX_BACKGROUND_JOBS = 2  # default of IMPORT_MAX_BACKGROUND_JOBS, across all accounts: one per core
FAILED = "导入时系统出错，本次未导入任何数据。请稍后重新上传；如仍出错，请联系系统管理员。"


def kind_named(name: str) -> ImportKind:
    kind: ImportKind = import_string(KINDS[name])
    return kind


def background_rows() -> int:
    return int(getattr(settings, "IMPORT_BACKGROUND_ROWS", BACKGROUND_ROWS))


def background_bytes() -> int:
    return int(getattr(settings, "IMPORT_BACKGROUND_BYTES", BACKGROUND_BYTES))


def default_runner() -> Runner:
    return jobs.default_runner("IMPORT_TASKS_EAGER")


def start_job(job_id: int, runner: Runner | None = None) -> None:
    """Hand a queued job to a Celery worker, or to the in-process runner when no broker is
    configured (jianxi.core.jobs) — once the row holding its file is committed."""
    if runner is None and not jobs.uses_broker("IMPORT_TASKS_EAGER"):
        runner = default_runner()
    jobs.dispatch(import_job, [job_id], eager_setting="IMPORT_TASKS_EAGER", runner=runner)


# --- the slot ------------------------------------------------------------------------------------


def release_stale_jobs(now: datetime) -> int:
    """Close the unfinished jobs that have been silent for longer than ``STALE_AFTER``."""
    return ImportJob.close_silent(
        now,
        stage=ImportStage.FAILED,
        file=b"",
        message=f"导入超过 {ImportJob.STALE_AFTER.seconds // 60} 分钟没有进展，视为已中断，未导入任何数据。"
        "请重新上传。",
    )


def _take_slot(*, actor: User, kind: ImportKind, file_name: str, import_valid_rows: bool) -> ImportJob:
    now = timezone.now()
    release_stale_jobs(now)
    try:
        with transaction.atomic():
            return ImportJob.objects.create(
                user=actor,
                kind=kind.name,
                file_name=file_name[:255],
                import_valid_rows=import_valid_rows,
                heartbeat=now,
            )
    except IntegrityError as exc:
        running = ImportJob.objects.filter(user=actor, finished_at__isnull=True).first()
        what = f"（{running.file_name}，{timezone.localtime(running.started_at):%H:%M} 开始）" if running else ""
        raise RuleError(
            "import.busy",
            _("您的上一个导入尚未完成%(what)s：每个账号同一时间只能进行一个导入，请等它完成后再上传。")
            % {"what": what},
            field="file",
        ) from exc


def _finish(job: ImportJob, **changes: Any) -> None:
    changes.setdefault("stage", ImportStage.DONE)
    changes.update(finished_at=timezone.now(), heartbeat=timezone.now(), file=b"")
    ImportJob.objects.filter(pk=job.pk).update(**changes)
    for name, value in changes.items():
        setattr(job, name, value)


def _refused(job: ImportJob, err: RuleError) -> None:
    _finish(job, stage=ImportStage.REFUSED, message=err.message)


def _failed(job: ImportJob) -> None:
    _finish(job, stage=ImportStage.FAILED, message=FAILED, error=traceback.format_exc(limit=5)[-4000:])


def _done(job: ImportJob, report: ImportReport) -> None:
    _finish(job, report=report.to_json(), rows=report.total_rows)


# --- starting an import --------------------------------------------------------------------------


def import_start(
    *,
    actor: User,
    kind: ImportKind,
    source: IO[bytes] | bytes,
    file_name: str,
    import_valid_rows: bool,
    runner: Runner | None = None,
) -> ImportJob:
    """Import an uploaded file for ``actor``: the job, finished when the file was small, queued
    for the background when it was large. Refuses (RuleError, the job closed with the reason)
    an actor who may not import, a second import while one is unfinished, a file past a limit
    and whatever the module's write refuses; nothing is imported then."""
    kind.authorise(actor)
    data = upload_bytes(source, kind.layout.max_upload_bytes)
    job = _take_slot(actor=actor, kind=kind, file_name=file_name, import_valid_rows=import_valid_rows)
    rows: list[SheetRow] = []
    try:
        book = inspect_xlsx(data, kind.layout)  # what the zip and the parts declare: milliseconds
        if book.unpacked <= background_bytes():  # read in milliseconds too
            rows = kind.read(data)
            if len(rows) <= background_rows():
                report = kind.run(actor=actor, rows=rows, import_valid_rows=import_valid_rows)
                _done(job, report)
                return job
        _check_capacity()
    except RuleError as err:
        _refused(job, err)
        raise
    except BaseException:
        _failed(job)
        raise
    ImportJob.objects.filter(pk=job.pk).update(
        file=data, background=True, rows=len(rows), stage=ImportStage.QUEUED, heartbeat=timezone.now()
    )
    job.refresh_from_db()
    start_job(job.pk, runner)
    return job


def _check_capacity() -> None:
    """Shed load when many large imports run at once (a count, not a lock: approximate)."""
    limit = int(getattr(settings, "IMPORT_MAX_BACKGROUND_JOBS", MAX_BACKGROUND_JOBS))
    running = ImportJob.objects.filter(background=True, finished_at__isnull=True).count()
    if running >= limit:
        raise RuleError(
            "import.capacity",
            _("系统正在处理 %(running)s 个大文件导入（同时最多 %(limit)s 个），请几分钟后再上传。")
            % {"running": running, "limit": limit},
            field="file",
        )


def run_job(job_id: int, *, resume_silent_for: timedelta | None = None) -> None:
    """Import a queued job's file; its row says how far it got and then how it ended.

    ``resume_silent_for``: also take a job that is running but has been silent for that long —
    a Celery worker died on it and the broker delivered the task again. Its write is one
    transaction, which died with the worker: importing the file again is safe.
    """
    job = ImportJob.objects.select_related("user").filter(pk=job_id, finished_at__isnull=True).first()
    if job is None:
        return  # finished, or released as stale
    taken = Q(stage=ImportStage.QUEUED)
    if resume_silent_for is not None:
        taken |= Q(stage=ImportStage.RUNNING, heartbeat__lt=timezone.now() - resume_silent_for)
    if not ImportJob.objects.filter(taken, pk=job.pk).update(stage=ImportStage.RUNNING, heartbeat=timezone.now()):
        return  # already taken by another worker
    kind = kind_named(job.kind)
    try:
        kind.authorise(job.user)  # the account or its host may have changed since the upload
        rows = kind.read(bytes(job.file))
        ImportJob.objects.filter(pk=job.pk).update(rows=len(rows), heartbeat=timezone.now())
        extra: dict[str, Any] = {}
        if kind.reports_progress:

            def progress(done: int) -> None:
                ImportJob.objects.filter(pk=job.pk).update(done=done, heartbeat=timezone.now())

            extra["progress"] = progress
        report = kind.run(actor=job.user, rows=rows, import_valid_rows=job.import_valid_rows, **extra)
    except RuleError as err:
        _refused(job, err)
    except Exception:
        _failed(job)
    else:
        _done(job, report)


@shared_task(name="jianxi.core.import_job", acks_late=True, reject_on_worker_lost=True)
def import_job(job_id: int) -> None:
    """The Celery task of a queued job (jianxi.core.tasks lists it for the workers). Delivered
    again after a worker died (acks late), it takes the job up again once the job has been
    silent for the broker's visibility timeout."""
    silent = timedelta(seconds=int(getattr(settings, "CELERY_VISIBILITY_TIMEOUT", 600)))
    run_job(job_id, resume_silent_for=silent)


# --- reading a job -------------------------------------------------------------------------------


def job_report(job: ImportJob) -> ImportReport | None:
    if job.report is None:
        return None
    return kind_named(job.kind).report_type.from_json(job.report)
