"""Background tasks of the subsidy pages: the monthly claim run (docs/operations.md).

The page's run is fanned out by district: one ``ClaimRunPart`` and one Celery task per
district (``claim_run_district``) when a broker is configured, each bounded in memory by a
chunk of hosts (run.claim_run); without a broker the districts run one after another in a
thread of the web process (jianxi.core.jobs). The progress is the ``ClaimRun`` row the page
reads. ``manage.py claim_run`` takes the same guard and writes the same row
(``claim_run_now``), in its own process. Tests (and anyone who sets
``SUBSIDY_TASKS_EAGER = True``) run it synchronously, so no thread outlives a test.
"""

from __future__ import annotations

import traceback
from datetime import date, datetime

from celery import shared_task
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from jianxi.accounts.duties import Duty, require
from jianxi.accounts.models import User
from jianxi.core import jobs
from jianxi.core.errors import RuleError
from jianxi.core.jobs import Runner
from jianxi.hosts.models import Host, HostStatus
from jianxi.subsidies.models import ClaimRun, ClaimRunPart
from jianxi.subsidies.run import Progress, RunResult, claim_run

EAGER = "SUBSIDY_TASKS_EAGER"


def default_runner() -> Runner:
    return jobs.default_runner(EAGER)


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
        raise RuleError(
            "claim_run.busy", _("%(where)s已有一个申报生成任务正在进行，请等待其完成。") % {"where": where}
        ) from exc


def claim_run_start(*, actor: User, today: date, runner: Runner | None = None) -> ClaimRun:
    """Start the monthly claim run from the officers' page unless one is still unfinished (and alive).

    With a broker, one Celery task per district of the run (``claim_run_district``), run by as
    many workers as there are; without one, the districts one after another in the web
    process's job thread (jianxi.core.jobs). Either way each district is a ``ClaimRunPart`` and
    the run's row shows the progress of all of them.
    """
    run = _take_guard(actor, today)
    districts = (
        [run.district_id]
        if run.district_id
        else list(
            Host.objects.filter(status=HostStatus.APPROVED)
            .order_by("district_id")
            .values_list("district_id", flat=True)
            .distinct()
        )
    )
    ClaimRunPart.objects.bulk_create([ClaimRunPart(run=run, district_id=d) for d in districts])
    total = Host.objects.filter(status=HostStatus.APPROVED, district_id__in=districts).count()
    ClaimRun.objects.filter(pk=run.pk).update(total=total)
    if not districts:
        _close_if_done(run.pk)
    elif jobs.uses_broker(EAGER, runner):
        for district_id in districts:
            jobs.send(claim_run_district, [run.pk, district_id])
    else:
        jobs.dispatch(claim_run_parts, [run.pk], eager_setting=EAGER, runner=runner or default_runner())
    run.refresh_from_db()
    return run


@shared_task(name="jianxi.subsidies.claim_run_parts", acks_late=True, reject_on_worker_lost=True)
def claim_run_parts(run_id: int) -> None:
    """Every unfinished district of a run, one after another (the in-process way)."""
    for district_id in ClaimRunPart.objects.filter(run_id=run_id, finished_at__isnull=True).values_list(
        "district_id", flat=True
    ):
        run_part(run_id, district_id)


@shared_task(name="jianxi.subsidies.claim_run_district", acks_late=True, reject_on_worker_lost=True)
def claim_run_district(run_id: int, district_id: int) -> None:
    """One district of a run (a Celery worker's share). Idempotent: see ``run_part``."""
    run_part(run_id, district_id)


def run_part(run_id: int, district_id: int) -> None:
    """Draft one district's claims for a run, record them on its part, close the run if it was the last.

    Safe to call again for the same part — a worker died and the broker delivered the task
    again, or two deliveries overlap: a finished part is left alone, an unfinished one is run
    again, which drafts only what the earlier try did not commit (committed months are no
    longer claimable; the lines' unique index refuses a month drafted twice at the same time).
    """
    part = ClaimRunPart.objects.select_related("run", "run__started_by").filter(run_id=run_id, district_id=district_id)
    found = part.first()
    if found is None or found.finished_at is not None or found.run.active is not True:
        return  # done already, or the run was closed (released as stale)
    run = found.run
    # What earlier tries committed stays counted; this try adds to it.
    base = (found.claims, found.lines, found.skipped_chunks)
    previous_done = found.done
    part.update(attempts=F("attempts") + 1, started_at=timezone.now(), done=0)
    ClaimRun.objects.filter(pk=run_id).update(done=F("done") - previous_done, heartbeat=timezone.now())
    reported = [0]

    def progress(done: int, total: int) -> None:
        part.update(done=done, total=total)
        ClaimRun.objects.filter(pk=run_id).update(done=F("done") + done - reported[0], heartbeat=timezone.now())
        reported[0] = done

    def counts(claims: int, lines: int, skipped: int) -> None:
        part.update(claims=base[0] + claims, lines=base[1] + lines, skipped_chunks=base[2] + skipped)

    try:
        result = claim_run(
            operator=run.started_by,
            today=run.today,
            district_id=district_id,
            progress=progress,
            counts=counts,
            writers=_task_writers(),
        )
    except Exception:
        part.update(error=traceback.format_exc(limit=3)[-2000:], finished_at=timezone.now())
    else:
        part.update(
            problems=[
                {"agreement": p.agreement_id, "code": p.code, "message": p.message}
                for p in result.problems[: ClaimRun.PROBLEMS_KEPT]
            ],
            problem_count=len(result.problems),
            finished_at=timezone.now(),
        )
    _close_if_done(run_id)


def _task_writers() -> int | None:
    return getattr(settings, "CLAIM_RUN_TASK_WRITERS", None)


def _close_if_done(run_id: int) -> None:
    """Sum the parts into the run once every part has finished (whichever part finishes last)."""
    with transaction.atomic():
        run = ClaimRun.objects.select_for_update().filter(pk=run_id, active=True).first()
        if run is None or ClaimRunPart.objects.filter(run_id=run_id, finished_at__isnull=True).exists():
            return
        parts = list(ClaimRunPart.objects.filter(run_id=run_id))
        problems = [p for part in parts for p in part.problems][: ClaimRun.PROBLEMS_KEPT]
        errors = "\n".join(part.error for part in parts if part.error)
        ClaimRun.objects.filter(pk=run_id).update(
            claims=sum(p.claims for p in parts),
            lines=sum(p.lines for p in parts),
            skipped_chunks=sum(p.skipped_chunks for p in parts),
            done=sum(p.done for p in parts) if not errors else F("done"),
            problems=problems,
            problem_count=sum(p.problem_count for p in parts),
            error=errors[-2000:],
            finished_at=timezone.now(),
            active=None,
        )


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
