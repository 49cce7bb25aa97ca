"""The long jobs on real Celery workers and a real Redis broker (``.ci/run`` runs these once).

A worker killed with SIGKILL in the middle of a district's task loses nothing: the task was
not acknowledged (acks late), the broker delivers it again after the visibility timeout, the
next worker runs the district again and drafts exactly what the first one had not committed.
"""

from __future__ import annotations

import time
from datetime import date, timedelta

from jianxi.policy.engine import add_months
from jianxi.subsidies import tasks
from jianxi.subsidies.models import Claim, ClaimLine, ClaimRun, ClaimRunPart
from tests.celery_support import VISIBILITY_TIMEOUT, needs_worker, wait_for, workers
from tests.factories import HostFactory, PersonFactory, UserFactory
from tests.subsidies.conftest import TODAY, attend, make_agreement

pytestmark = needs_worker
__all__ = ["workers"]  # the fixture

MONTHS = (date(2024, 1, 1), date(2024, 2, 1), date(2024, 3, 1))


def interns_in_both_districts(world, per_district: int) -> set[tuple[int, date]]:
    """``per_district`` hosts in each of the world's two districts, one internship each with
    January to March attended: the (agreement, month) pairs a claim run must draft."""
    expected = set()
    for base in (world.our_host, world.other_host):
        hosts = [base, *(HostFactory(district=base.district) for _ in range(per_district - 1))]
        for host in hosts:
            start = date(2024, 1, 15)
            agreement = make_agreement(
                world,
                host=host,
                person=PersonFactory(user=UserFactory(role="youth")),
                start=start,
                end=add_months(start, 6) - timedelta(days=1),
            )
            for month in MONTHS:
                attend(agreement, month)
                expected.add((agreement.pk, month))
    return expected


def test_the_claim_run_fans_out_by_district_to_two_workers(world, workers):
    expected = interns_in_both_districts(world, 3)
    run = tasks.claim_run_start(actor=world.city, today=TODAY)
    assert sorted(run.parts.values_list("district__code", flat=True)) == ["110105", "110108"]
    assert run.total == 6 and run.finished_at is None  # queued: nothing ran in this process
    workers.start()
    workers.start()
    wait_for(lambda: ClaimRun.objects.filter(pk=run.pk, finished_at__isnull=False).exists(), 120, "the run", workers)
    run.refresh_from_db()
    assert run.error == "" and (run.claims, run.lines, run.done) == (6, 18, 6)
    assert set(ClaimLine.objects.values_list("agreement_id", "month")) == expected
    assert ClaimLine.objects.count() == 18 and Claim.objects.count() == 6


def test_a_worker_killed_mid_district_loses_nothing_and_the_next_worker_finishes_the_run(world, workers):
    expected = interns_in_both_districts(world, 5)
    run = tasks.claim_run_start(actor=world.city, today=TODAY)
    # One host a chunk, each chunk half a second: the kill falls between two chunks' commits.
    first = workers.start(JIANXI_TEST_WRITE_DELAY="0.5", CLAIM_RUN_CHUNK_HOSTS="1")
    half_way = ClaimRunPart.objects.filter(run=run, done__gte=2, finished_at__isnull=True)
    wait_for(half_way.exists, 120, "a district half done", workers)
    workers.kill(first)
    killed = ClaimRunPart.objects.get(run=run, finished_at__isnull=True, done__gte=2)
    assert 0 < ClaimLine.objects.count() < len(expected)
    assert ClaimRun.objects.get(pk=run.pk).finished_at is None

    time.sleep(VISIBILITY_TIMEOUT + 0.5)  # the dead worker's task is visible again
    workers.start(CLAIM_RUN_CHUNK_HOSTS="1")
    wait_for(lambda: ClaimRun.objects.filter(pk=run.pk, finished_at__isnull=False).exists(), 120, "the run", workers)
    run.refresh_from_db()
    killed.refresh_from_db()
    assert killed.attempts == 2 and killed.finished_at is not None
    assert run.error == "" and (run.claims, run.lines, run.done, run.total) == (10, 30, 10, 10)
    # Exactly the right lines: every claimable month once, none twice, none lost.
    assert set(ClaimLine.objects.values_list("agreement_id", "month")) == expected
    assert ClaimLine.objects.count() == len(expected) == 30
    assert Claim.objects.count() == 10 and all(c.lines.count() == 3 for c in Claim.objects.all())
