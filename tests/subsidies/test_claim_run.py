"""The monthly claim run (R-SUB-4): set-based, twice-safe, robust to one bad internship, parallel on PostgreSQL."""

from __future__ import annotations

import threading
from datetime import date, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection, transaction
from django.db.models import Sum
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from jianxi.policy.engine import add_months
from jianxi.policy.models import CalendarCorrection
from jianxi.subsidies import quoting, tasks
from jianxi.subsidies import run as run_module
from jianxi.subsidies.models import Claim, ClaimLine, ClaimRun, ClaimStatus
from jianxi.subsidies.run import claim_run
from tests.factories import HostFactory, PersonFactory, UserFactory
from tests.subsidies.conftest import TODAY, attend, make_agreement

pytestmark = pytest.mark.django_db


def intern(world, *, host=None, start=date(2024, 1, 15), months=6):
    return make_agreement(
        world,
        host=host,
        person=PersonFactory(user=UserFactory(role="youth")),
        start=start,
        end=add_months(start, months) - timedelta(days=1),
    )


def test_claim_run_drafts_every_claimable_month_once_and_a_second_run_adds_nothing(world):
    ours = make_agreement(world)
    for month in (date(2024, 1, 1), date(2024, 2, 1), date(2024, 3, 1), date(2024, 4, 1)):
        attend(ours, month)
    other_user = UserFactory(role="youth")
    theirs = make_agreement(world, host=world.other_host, person=PersonFactory(user=other_user))
    attend(theirs, date(2024, 3, 1))
    result = claim_run(operator=world.city, today=TODAY)
    assert (result.claims, result.lines, result.problems) == (2, 4, ())  # April has not ended
    assert claim_run(operator=world.city, today=TODAY).claims == 0
    assert ClaimLine.objects.count() == 4 and Claim.objects.filter(status=ClaimStatus.DRAFT).count() == 2


def test_claim_run_is_set_based_not_one_query_per_internship(world):
    def queries(n_interns: int) -> int:
        ClaimLine.objects.all().delete()
        Claim.objects.all().delete()
        for n in range(n_interns):
            # Every intern starts on another day: the policy in force is still looked up per
            # policy row, not per start date.
            agreement = intern(world, start=date(2024, 1, 2) + timedelta(days=n))
            attend(agreement, date(2024, 3, 1))
        with CaptureQueriesContext(connection) as ctx:
            claim_run(operator=world.city, today=TODAY)
        return len(ctx.captured_queries)

    queries(1)  # warm the policy and calendar memo, which costs its queries once per process
    assert queries(2) == queries(12)


def test_claim_run_lines_are_the_engines_figures_for_each_month(world):
    agreement = intern(world, start=date(2024, 1, 15))
    attend(agreement, date(2024, 1, 1))  # a partial first month
    attend(agreement, date(2024, 2, 1), days=10)  # days missed
    claim_run(operator=world.city, today=TODAY)
    lines = {line.month: line for line in ClaimLine.objects.filter(agreement=agreement)}
    # R-SUB-1: 2,420 a month from 2023-09-01. R-SUB-3: 2024-01 from the 15th is 13 of its 22
    # working days (1 January off); 2024-02 has 18 (Spring Festival 10–17 off, 4 and 18 worked).
    assert lines[date(2024, 1, 1)].amount == Decimal("1430.00")  # 2420 × 13 ÷ 22
    assert lines[date(2024, 2, 1)].amount == Decimal("1344.44")  # 2420 × 10 ÷ 18 = 1344.444…
    assert lines[date(2024, 2, 1)].rules == "R-SUB-1 R-SUB-3"


def test_claim_run_command_prints_progress_and_result(world, capsys):
    agreement = make_agreement(world)
    attend(agreement, date(2024, 3, 1))
    call_command("claim_run", operator=world.city.username)
    out = capsys.readouterr()
    # Progress counts the approved hosts gone through (the world's two), not only those with a claim.
    assert "生成申报草稿 1 份，明细 1 条" in out.out and "2/2 家单位" in out.err


def test_a_district_run_drafts_only_that_districts_claims(world):
    ours = make_agreement(world)
    attend(ours, date(2024, 3, 1))
    theirs = make_agreement(world, host=world.other_host, person=PersonFactory(user=UserFactory(role="youth")))
    attend(theirs, date(2024, 3, 1))
    result = claim_run(operator=world.city, today=TODAY, district_id=world.our_host.district_id)
    assert result.claims == 1 and Claim.objects.get().host == world.our_host


def test_an_interrupted_run_leaves_whole_chunks_only_and_a_rerun_finishes_the_job(world, monkeypatch, settings):
    hosts = [world.our_host, world.other_host, HostFactory(district=world.our_host.district)]
    for host in hosts:
        for _ in range(2):
            attend(intern(world, host=host), date(2024, 3, 1))
    settings.CLAIM_RUN_CHUNK_HOSTS = 1
    calls = {"lines": 0}

    # The second chunk dies half-way: its claims are written, its lines not.
    if connection.vendor == "postgresql":
        copy = run_module._copy

        def dying(model, columns, data):
            if model is ClaimLine:
                calls["lines"] += 1
                if calls["lines"] == 2:
                    raise RuntimeError("killed")
            copy(model, columns, data)

        monkeypatch.setattr(run_module, "_copy", dying)
    else:
        insert = run_module._insert

        def dying(prepared):
            calls["lines"] += 1
            if calls["lines"] == 2:
                Claim.objects.bulk_create([Claim(host_id=host_id) for host_id, _ in prepared.planned])
                raise RuntimeError("killed")
            return insert(prepared)

        monkeypatch.setattr(run_module, "_insert", dying)
    with pytest.raises(RuntimeError):
        claim_run(operator=world.city, today=TODAY)
    first = Claim.objects.get()  # the first chunk, whole; nothing of the second
    assert first.lines.count() == 2 and ClaimLine.objects.count() == 2
    monkeypatch.undo()
    rerun = claim_run(operator=world.city, today=TODAY)
    assert (rerun.claims, rerun.lines) == (2, 4)
    assert Claim.objects.count() == 3 and ClaimLine.objects.count() == 6
    assert {c.lines.count() for c in Claim.objects.all()} == {2}


def refused(world):
    """An internship whose recorded March no longer fits the calendar: an officer has since
    made 2024-03-29 (a Friday) a holiday, so the full month recorded is a day too many."""
    agreement = intern(world)
    attend(agreement, date(2024, 3, 1))
    CalendarCorrection.objects.create(date=date(2024, 3, 29), is_working_day=False, note="补休")
    return agreement


def test_R_SUB_3_an_internship_the_engine_refuses_is_reported_and_the_others_are_still_drafted(world):
    bad = refused(world)
    good = intern(world)
    attend(good, date(2024, 3, 1), days=15)
    elsewhere = intern(world, host=world.other_host)
    attend(elsewhere, date(2024, 3, 1), days=15)
    result = claim_run(operator=world.city, today=TODAY)
    assert (result.claims, result.lines) == (2, 2)
    assert [(p.agreement_id, p.code) for p in result.problems] == [(bad.pk, "attendance")]
    assert "2024-03 出勤 21 天，应在 0 至 20 天之间" in result.problems[0].message
    assert not ClaimLine.objects.filter(agreement=bad).exists()
    # Once the attendance is corrected, the next run drafts it.
    bad.attendance.update(attended_days=20, scheduled_days=20)
    again = claim_run(operator=world.city, today=TODAY)
    assert (again.lines, again.problems) == (1, ())


def test_the_command_lists_the_internships_it_could_not_draft(world, capsys):
    bad = refused(world)
    call_command("claim_run", operator=world.city.username)
    out = capsys.readouterr().out
    assert "1 份协议未能生成申报" in out and f"协议 {bad.pk}  attendance" in out


def test_the_progress_page_lists_the_internships_the_run_could_not_draft(client, world, settings):
    settings.SUBSIDY_TASKS_EAGER = True
    bad = refused(world)
    run = tasks.claim_run_start(actor=world.district_officer, today=TODAY)
    assert run.problem_count == 1 and run.problems[0]["agreement"] == bad.pk
    client.force_login(world.district_officer)
    page = client.get(reverse("subsidies:run_progress", args=[run.pk])).content.decode()
    assert "1 份协议未能生成申报" in page
    assert reverse("placements:agreement", args=[bad.pk]) in page and "attendance" in page


def test_claim_runs_are_seen_by_their_district_only(client, world, settings):
    settings.SUBSIDY_TASKS_EAGER = True
    run = tasks.claim_run_start(actor=world.district_officer, today=TODAY)
    client.force_login(world.other_district_officer)
    assert client.get(reverse("subsidies:run_progress", args=[run.pk])).status_code == 404
    client.force_login(world.district_officer)
    assert client.get(reverse("subsidies:run_progress", args=[run.pk])).status_code == 200


def test_a_run_silent_for_too_long_no_longer_blocks_the_next_one(client, world, settings):
    settings.SUBSIDY_TASKS_EAGER = True
    dead = ClaimRun.objects.create(
        started_by=world.district_officer,
        district=world.district_officer.district,
        today=TODAY,
        heartbeat=timezone.now(),
    )
    client.force_login(world.district_officer)
    with pytest.raises(Exception, match="正在进行"):
        tasks.claim_run_start(actor=world.district_officer, today=TODAY)
    with time_machine.travel(timezone.now() + ClaimRun.STALE_AFTER + timedelta(minutes=1), tick=False):
        page = client.get(reverse("subsidies:run_progress", args=[dead.pk])).content.decode()
        assert "可能已随进程中断" in page and 'http-equiv="refresh"' not in page
        assert "disabled" not in client.get(reverse("subsidies:run")).content.decode()
        fresh = tasks.claim_run_start(actor=world.district_officer, today=TODAY)
    dead.refresh_from_db()
    assert fresh.finished_at is not None and dead.active is None and "视为已中断" in dead.error


# --- several writers on PostgreSQL ----------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="parallel writers need PostgreSQL")
def test_parallel_writers_draft_exactly_what_one_writer_drafts(world, monkeypatch, settings):
    refused(world)  # first: the others' attendance is then recorded on the corrected calendar
    hosts = [world.our_host, world.other_host, *(HostFactory(district=world.our_host.district) for _ in range(3))]
    for n, host in enumerate(hosts):
        for k in range(2):
            agreement = intern(world, host=host, start=date(2024, 1, 2) + timedelta(days=7 * n + k), months=3 + n)
            for month in (date(2024, 1, 1), date(2024, 2, 1), date(2024, 3, 1)):
                attend(agreement, month)

    def drafted() -> set[tuple[int, int, date, Decimal, str]]:
        rows = ClaimLine.objects.values_list("claim__host_id", "agreement_id", "month", "amount", "rules")
        return set(rows)

    settings.CLAIM_RUN_CHUNK_HOSTS = 1  # one chunk per host: more chunks than writers
    with transaction.atomic():  # inside a transaction the run writes here, on one connection
        one = claim_run(operator=world.city, today=TODAY)
        serial = drafted()
        transaction.set_rollback(True)
    assert not ClaimLine.objects.exists()

    writing_threads = set()
    write = run_module._write

    def recorded(prepared):
        writing_threads.add(threading.current_thread().name)
        return write(prepared)

    monkeypatch.setattr(run_module, "_write", recorded)
    parallel = claim_run(operator=world.city, today=TODAY, writers=3)
    assert writing_threads and all(name.startswith("claim-run-writer") for name in writing_threads)
    assert (parallel.claims, parallel.lines) == (one.claims, one.lines) == (5, 30)
    assert parallel.problems == one.problems and len(parallel.problems) == 1
    assert drafted() == serial
    assert Claim.objects.count() == 5 and ClaimLine.objects.aggregate(s=Sum("amount"))["s"] > 0
    assert claim_run(operator=world.city, today=TODAY, writers=3).lines == 0


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="parallel writers need PostgreSQL")
def test_a_writer_that_dies_stops_the_run_with_its_error_and_leaves_whole_chunks_only(world, monkeypatch, settings):
    for host in (world.our_host, world.other_host, HostFactory(district=world.our_host.district)):
        for _ in range(2):
            attend(intern(world, host=host), date(2024, 3, 1))
    settings.CLAIM_RUN_CHUNK_HOSTS = 1
    copy, calls = run_module._copy, []

    def dying(model, columns, data):
        if model is ClaimLine:
            calls.append(threading.current_thread().name)
            if len(calls) == 2:
                raise RuntimeError("writer killed")
        copy(model, columns, data)

    monkeypatch.setattr(run_module, "_copy", dying)
    with pytest.raises(RuntimeError, match="writer killed"):
        claim_run(operator=world.city, today=TODAY, writers=2)
    assert all(name.startswith("claim-run-writer") for name in calls)
    assert {claim.lines.count() for claim in Claim.objects.all()} <= {2}  # whole chunks, or none
    monkeypatch.undo()
    claim_run(operator=world.city, today=TODAY, writers=2)
    assert Claim.objects.count() == 3 and ClaimLine.objects.count() == 6
    assert {claim.lines.count() for claim in Claim.objects.all()} == {2}


# --- one drafting path: author, history, columns, the guard -----------------------------------------


def test_a_drafted_claim_names_its_author_and_has_its_history_row_whichever_path_drafted_it(world):
    from jianxi.subsidies import services

    by_host = make_agreement(world)
    attend(by_host, date(2024, 3, 1))
    prepared = services.claim_prepare(actor=world.host_staff, host_id=world.our_host.pk, today=TODAY)
    by_run = intern(world, host=world.other_host)
    attend(by_run, date(2024, 3, 1))
    claim_run(operator=world.city, today=TODAY)
    drafted = Claim.objects.get(host=world.other_host)
    for claim, author in ((prepared, world.host_staff), (drafted, world.city)):
        assert claim.created_by == author
        history = list(claim.history.all())
        assert [(h.history_type, h.history_user, h.status) for h in history] == [("+", author, ClaimStatus.DRAFT)]
        assert history[0].history_change_reason in (run_module.RUN_REASON, run_module.PREPARE_REASON)


def test_the_declared_columns_are_the_models_columns():
    from jianxi.subsidies.quoting import LINE_FIGURES

    def columns(model) -> set[str]:
        return {f.column for f in model._meta.concrete_fields}

    # A line: every column but the id is written, named once in LINE_COLUMNS.
    assert set(run_module.LINE_COLUMNS) == columns(ClaimLine) - {"id"}
    assert len(set(run_module.LINE_COLUMNS)) == len(run_module.LINE_COLUMNS)
    assert run_module.LINE_COLUMNS[-len(LINE_FIGURES) :] == LINE_FIGURES
    # A claim and its history row: the columns left out are those that may be NULL or have a default.
    for model, declared in ((Claim, run_module.CLAIM_COLUMNS), (Claim.history.model, run_module.CLAIM_HISTORY_COLUMNS)):
        assert set(declared) <= columns(model)
        left_out = [f for f in model._meta.concrete_fields if f.column not in declared]
        assert all(f.null or f.has_default() or f.primary_key for f in left_out), left_out


def test_the_command_takes_the_pages_guard_and_is_recorded_as_a_run(world, capsys):
    from django.core.management.base import CommandError

    attend(make_agreement(world), date(2024, 3, 1))
    running = ClaimRun.objects.create(
        started_by=world.district_officer, district=world.district_officer.district, today=TODAY
    )
    with pytest.raises(CommandError, match="正在进行"):
        call_command("claim_run", operator=world.district_officer.username)
    assert not Claim.objects.exists()
    running.active = None
    running.save()
    call_command("claim_run", operator=world.district_officer.username)
    run = ClaimRun.objects.exclude(pk=running.pk).get()
    assert (run.started_by, run.district, run.claims, run.active) == (
        world.district_officer,
        world.district_officer.district,
        1,
        None,
    )
    assert Claim.objects.get().created_by == world.district_officer


def test_one_districts_unfinished_run_does_not_block_another_districts(world):
    ClaimRun.objects.create(started_by=world.district_officer, district=world.district_officer.district, today=TODAY)
    other = tasks.claim_run_now(actor=world.other_district_officer, today=TODAY)[0]
    assert other.finished_at is not None and other.error == ""
    with pytest.raises(Exception, match="本区已有一个申报生成任务正在进行"):
        tasks.claim_run_now(actor=world.district_officer, today=TODAY)


def test_only_officers_who_may_run_it_start_the_run(world):
    from jianxi.core.errors import RuleError

    for user in (world.host_staff, world.youth, world.department_officer):
        with pytest.raises(RuleError) as err:
            tasks.claim_run_now(actor=user, today=TODAY)
        assert err.value.code == "duty.claim.run"
    assert not ClaimRun.objects.exists()


def test_interns_who_share_their_facts_are_quoted_once_and_each_line_is_still_their_own_quote(world):
    """The run quotes each distinct set of facts once (national runs repeat them by the thousand):
    every line must still be exactly what the review's own quote of that internship gives —
    interns alike but for a district, a day missed, a start date or a refused month included."""
    made = []
    for host in (world.our_host, world.other_host):  # two districts
        for start in (date(2024, 1, 15), date(2024, 1, 16)):
            for days in (None, None, 10, 0):  # two alike, then a day count of their own
                agreement = intern(world, host=host, start=start)
                attend(agreement, date(2024, 1, 1))
                attend(agreement, date(2024, 2, 1), days=days)
                attend(agreement, date(2024, 3, 1), days=15)
                made.append(agreement)
    twin = intern(world)  # the same facts as the next one: refused the same way
    attend(twin, date(2024, 3, 1))
    broken = refused(world)  # a month the engine refuses (a full March, then a holiday added)
    result = claim_run(operator=world.city, today=TODAY)
    assert result.lines == 3 * len(made)
    assert sorted((p.agreement_id, p.code) for p in result.problems) == [
        (twin.pk, "attendance"),
        (broken.pk, "attendance"),
    ]
    for claim in Claim.objects.all():
        lines = list(claim.lines.select_related("agreement"))
        expected = quoting.recompute(claim, lines, TODAY)
        for line in lines:
            quoted = expected[(line.agreement_id, line.month)]
            assert (line.amount, line.city, line.district, line.attended_days, line.scheduled_days, line.rules) == (
                quoted.amount, quoted.city, quoted.district, quoted.attended_days, quoted.scheduled_days,
                " ".join(quoted.rules),
            )  # fmt: skip
