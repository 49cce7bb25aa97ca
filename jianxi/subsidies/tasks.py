"""Background tasks of the subsidy pages: the monthly claim run, in-process (docs/operations.md).

Deployments without Celery run the job in a thread of the web process; its progress is a
``ClaimRun`` row the progress page reads. ``manage.py claim_run`` takes the same guard and
writes the same row (``claim_run_now``). Tests (and anyone who sets
``SUBSIDY_TASKS_EAGER = True``) run it synchronously, so no thread outlives a test.
"""

from __future__ import annotations

import traceback
from datetime import date, datetime

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from jianxi.accounts.duties import Duty, require
from jianxi.accounts.models import User
from jianxi.core import jobs
from jianxi.core.errors import RuleError
from jianxi.core.jobs import Runner
from jianxi.subsidies.models import ClaimRun
from jianxi.subsidies.run import Progress, RunResult, claim_run


def default_runner() -> Runner:
    return jobs.default_runner("SUBSIDY_TASKS_EAGER")


def _execute(
    run_id: int,
    operator: User,
    today: date,
    district_id: int | None,
    *,
    writers: int | None = None,
    echo: Progress | None = None,
) -> RunResult | None:
    """Run the job of a ClaimRun row and record how it went there; ``None`` if it failed."""

    def progress(done: int, total: int) -> None:
        ClaimRun.objects.filter(pk=run_id).update(done=done, total=total, heartbeat=timezone.now())
        if echo is not None:
            echo(done, total)

    try:
        result = claim_run(operator=operator, today=today, progress=progress, district_id=district_id, writers=writers)
    except Exception:
        ClaimRun.objects.filter(pk=run_id).update(
            error=traceback.format_exc(limit=3)[-2000:], finished_at=timezone.now(), active=None
        )
        return None
    ClaimRun.objects.filter(pk=run_id).update(
        claims=result.claims,
        lines=result.lines,
        skipped_chunks=result.skipped_chunks,
        problems=[
            {"agreement": p.agreement_id, "code": p.code, "message": p.message}
            for p in result.problems[: ClaimRun.PROBLEMS_KEPT]
        ],
        problem_count=len(result.problems),
        finished_at=timezone.now(),
        active=None,
    )
    return result


def release_stale_runs(now: datetime) -> int:
    """An unfinished run silent for longer than ``ClaimRun.STALE_AFTER`` died with its process.

    Its finished chunks are committed and the rest was never written, so a new run simply
    finishes the job; the dead one is closed with a note saying so.
    """
    cut = now - ClaimRun.STALE_AFTER
    silent = Q(heartbeat__lt=cut) | Q(heartbeat__isnull=True, started_at__lt=cut)
    return ClaimRun.objects.filter(silent, active=True).update(
        active=None,
        finished_at=now,
        error=f"任务超过 {ClaimRun.STALE_AFTER.seconds // 60} 分钟没有进展，视为已中断；"
        "已完成的部分已保存，可再次运行。",
    )


def _take_guard(actor: User, today: date) -> ClaimRun:
    """The single-run guard of the page and the command alike: a ClaimRun row, refused while an
    unfinished (and alive) run covers the same district, or the whole city for a city officer.

    A district officer's run covers that district; the city officer's, the whole city.
    """
    require(actor, Duty.CLAIM_RUN)
    release_stale_runs(timezone.now())
    try:
        with transaction.atomic():
            return ClaimRun.objects.create(
                started_by=actor, district_id=actor.district_id, today=today, heartbeat=timezone.now()
            )
    except IntegrityError as exc:
        where = "本区" if actor.district_id else "全市"
        raise RuleError("claim_run.busy", f"{where}已有一个申报生成任务正在进行，请等待其完成。") from exc


def claim_run_start(*, actor: User, today: date, runner: Runner | None = None) -> ClaimRun:
    """Start the monthly claim run from the officers' page unless one is still unfinished (and alive)."""
    run = _take_guard(actor, today)
    runner = runner or default_runner()
    district_id = run.district_id

    def job() -> None:
        _execute(run.pk, actor, today, district_id)

    if runner is jobs.thread_runner:
        # The thread reads the row through its own connection: start it once the row is committed.
        transaction.on_commit(lambda: runner(job))
    else:
        runner(job)
    run.refresh_from_db()
    return run


def claim_run_now(
    *, actor: User, today: date, writers: int | None = None, progress: Progress | None = None
) -> tuple[ClaimRun, RunResult | None]:
    """The run here and now (``manage.py claim_run``), under the page's guard and recorded as its runs are.

    Returns the run's row and its result (``None`` if it failed: the row has the error).
    """
    run = _take_guard(actor, today)
    result = _execute(run.pk, actor, today, run.district_id, writers=writers, echo=progress)
    run.refresh_from_db()
    return run, result
