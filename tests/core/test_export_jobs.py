"""Exports as jobs: a small list downloads at once as before; a large one is built by a job whose
file holds the same rows, on a page only its user sees; one unfinished export per account; a
failed job says why in Chinese and frees the slot; old files are dropped."""

from __future__ import annotations

import io
from datetime import datetime, timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from jianxi.core import export_jobs
from jianxi.core.errors import RuleError
from jianxi.core.excel import XLSX
from jianxi.core.export_jobs import FAILED, drop_expired_exports, export_start, run_export
from jianxi.core.models import ExportJob, ExportStage
from jianxi.youth.models import Person
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 26, 10, 0)
YOUTH_XLSX = "/youth/?format=xlsx"


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def eager(settings):
    settings.EXPORT_TASKS_EAGER = True
    return settings


@pytest.fixture
def boom():
    """An export kind whose builder fails (an unexpected error)."""

    def build(user, params):
        raise ValueError("boom")

    export_jobs.register("boom", build, roles=["district"])
    yield "boom"
    export_jobs.KINDS.pop("boom", None)


def sheet_rows(data: bytes) -> dict[str, list[tuple]]:
    book = load_workbook(io.BytesIO(data), read_only=True)
    return {ws.title: [tuple(r) for r in ws.iter_rows(values_only=True)] for ws in book.worksheets}


def get(client, user, url):
    client.force_login(user)
    return client.get(url)


def test_small_export_answers_inline_as_before(client, world):
    response = get(client, world.district_officer, YOUTH_XLSX)
    assert response.status_code == 200 and response["Content-Type"] == XLSX
    rows = sheet_rows(response.content)["见习人员"]
    assert rows[0][0] == "姓名" and [r[0] for r in rows[1:]] == [world.our_person.name]
    assert not ExportJob.objects.exists()


def test_large_export_is_a_job_with_the_same_rows_of_the_users_district_only(client, world, eager):
    for _ in range(3):
        PersonFactory(district=world.our_person.district)
        PersonFactory(district=world.other_person.district)
    inline = get(client, world.district_officer, YOUTH_XLSX).content
    eager.EXPORT_INLINE_ROWS = 2
    response = client.get(YOUTH_XLSX)
    job = ExportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("exports:job", args=[job.pk])
    assert job.stage == ExportStage.DONE and job.rows == 4 and job.done == 4 and job.kind == "youth"
    page = client.get(response["Location"])
    assert 'data-testid="export-download"' in page.content.decode() and "http-equiv" not in page.content.decode()
    download = client.get(reverse("exports:download", args=[job.pk]))
    assert download.status_code == 200 and download["Content-Type"] == XLSX
    assert "attachment" in download["Content-Disposition"]
    assert sheet_rows(download.content) == sheet_rows(inline)
    names = {r[0] for r in sheet_rows(download.content)["见习人员"][1:]}
    haidian = set(Person.objects.filter(district=world.our_person.district).values_list("name", flat=True))
    assert names == haidian and len(names) == 4
    listing = client.get(reverse("exports:list")).content.decode()
    assert f"EXP-{job.pk}" in listing


def test_the_filters_travel_with_the_job(client, world, eager):
    eager.EXPORT_INLINE_ROWS = 0
    get(client, world.district_officer, YOUTH_XLSX + f"&q={world.our_person.name}")
    job = ExportJob.objects.get()
    assert job.params == {"q": world.our_person.name, "group": ""}
    assert [r[0] for r in sheet_rows(bytes(job.file))["见习人员"][1:]] == [world.our_person.name]


def test_progress_page_while_queued_refreshes_itself(client, world, settings):
    settings.EXPORT_INLINE_ROWS = 0
    settings.EXPORT_TASKS_EAGER = False
    held: list = []
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(export_jobs.jobs, "dispatch", lambda task, args, **kw: held.append(args))
        response = get(client, world.district_officer, YOUTH_XLSX)
    job = ExportJob.objects.get()
    assert held == [[job.pk]] and job.stage == ExportStage.QUEUED and job.finished_at is None
    page = client.get(response["Location"]).content.decode()
    assert '<meta http-equiv="refresh"' in page and 'data-testid="export-job-running"' in page
    assert "<script" not in page.split("<body", 1)[1].replace('<script src="', "")  # no inline script
    assert client.get(reverse("exports:download", args=[job.pk])).status_code == 404
    run_export(job.pk)
    page = client.get(response["Location"]).content.decode()
    assert "http-equiv" not in page and 'data-testid="export-download"' in page


def test_another_user_gets_404(client, world, eager):
    eager.EXPORT_INLINE_ROWS = 0
    get(client, world.district_officer, YOUTH_XLSX)
    job = ExportJob.objects.get()
    for other in (world.other_district_officer, world.city, world.host_staff):
        client.force_login(other)
        assert client.get(reverse("exports:job", args=[job.pk])).status_code == 404
        assert client.get(reverse("exports:download", args=[job.pk])).status_code == 404
        assert f"EXP-{job.pk}" not in client.get(reverse("exports:list")).content.decode()
    client.logout()
    assert client.get(reverse("exports:download", args=[job.pk])).status_code == 302  # the login page


def test_the_other_district_exports_its_own_rows(client, world, eager):
    eager.EXPORT_INLINE_ROWS = 0
    get(client, world.other_district_officer, YOUTH_XLSX)
    job = ExportJob.objects.get()
    assert [r[0] for r in sheet_rows(bytes(job.file))["见习人员"][1:]] == [world.other_person.name]


def test_one_unfinished_export_per_user(client, world, settings):
    settings.EXPORT_INLINE_ROWS = 0
    running = ExportJob.objects.create(user=world.district_officer, kind="youth", heartbeat=timezone.now())
    with pytest.raises(RuleError) as err:
        export_start(user=world.district_officer, kind="youth", params={}, rows=10)
    assert err.value.code == "export.busy"
    response = get(client, world.district_officer, YOUTH_XLSX)
    assert response["Location"] == reverse("exports:job", args=[running.pk])
    assert "上一个导出尚未完成" in client.get(response["Location"]).content.decode()
    assert ExportJob.objects.count() == 1
    # Another account has its own slot.
    settings.EXPORT_TASKS_EAGER = True
    other = export_start(user=world.other_district_officer, kind="youth", params={}, rows=10)
    assert other.stage == ExportStage.DONE


def test_too_many_large_exports_at_once_are_refused_until_one_ends(world, settings):
    settings.EXPORT_MAX_BACKGROUND_JOBS = 1
    ExportJob.objects.create(user=world.other_district_officer, kind="youth", heartbeat=timezone.now())
    with pytest.raises(RuleError) as err:
        export_start(user=world.district_officer, kind="youth", params={}, rows=10)
    assert err.value.code == "export.capacity" and not ExportJob.objects.filter(user=world.district_officer).exists()
    ExportJob.objects.update(finished_at=timezone.now(), stage=ExportStage.DONE)
    settings.EXPORT_TASKS_EAGER = True
    assert export_start(user=world.district_officer, kind="youth", params={}, rows=10).stage == ExportStage.DONE


def test_a_silent_job_no_longer_holds_the_slot(world, eager, _frozen):
    silent = ExportJob.objects.create(user=world.district_officer, kind="youth", heartbeat=timezone.now())
    _frozen.shift(timedelta(minutes=11))
    job = export_start(user=world.district_officer, kind="youth", params={}, rows=10)
    silent.refresh_from_db()
    assert silent.stage == ExportStage.FAILED and silent.finished_at and "中断" in silent.message
    assert job.stage == ExportStage.DONE


def test_a_slow_job_closed_as_silent_meanwhile_stays_closed_and_stops(world, eager, monkeypatch):
    """Another request took the job for dead (release_stale) while its build still ran: the
    build stops at its next progress write and lands no file on the closed job."""
    monkeypatch.setattr(export_jobs, "PROGRESS_EVERY", 1)

    def build(user, params):
        def rows():
            yield ("甲",)
            ExportJob.objects.filter(user=user).update(
                finished_at=timezone.now(), stage=ExportStage.FAILED, message=export_jobs.STALE
            )
            yield ("乙",)
            yield ("丙",)

        return "slow.xlsx", [("表", ["名称"], rows())]

    export_jobs.register("slow", build, roles=["district"])
    try:
        job = export_start(user=world.district_officer, kind="slow", params={}, rows=10)
    finally:
        export_jobs.KINDS.pop("slow", None)
    assert (job.stage, job.message, bytes(job.file), job.done) == (ExportStage.FAILED, export_jobs.STALE, b"", 1)


def test_a_failed_job_says_why_and_frees_the_slot(client, world, eager, boom):
    job = export_start(user=world.district_officer, kind=boom, params={}, rows=10)
    assert job.stage == ExportStage.FAILED and job.finished_at is not None
    assert job.message == FAILED and "ValueError" in job.error and job.file == b""
    client.force_login(world.district_officer)
    page = client.get(reverse("exports:job", args=[job.pk])).content.decode()
    assert FAILED in page and "http-equiv" not in page
    assert client.get(reverse("exports:download", args=[job.pk])).status_code == 404
    again = export_start(user=world.district_officer, kind="youth", params={}, rows=10)
    assert again.stage == ExportStage.DONE


def test_a_user_who_lost_the_role_gets_no_file(world, settings):
    settings.EXPORT_TASKS_EAGER = False
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(export_jobs.jobs, "dispatch", lambda *a, **kw: None)
        job = export_start(user=world.district_officer, kind="youth", params={}, rows=10)
    world.district_officer.is_active = False
    world.district_officer.save()
    run_export(job.pk)
    job.refresh_from_db()
    assert job.stage == ExportStage.FAILED and job.file == b"" and "已不能使用此导出" in job.message


def test_an_officer_moved_to_another_district_gets_no_file_built_or_kept_for_the_old_one(
    client, world, settings, eager
):
    done = export_start(user=world.district_officer, kind="youth", params={}, rows=10)
    settings.EXPORT_TASKS_EAGER = False
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(export_jobs.jobs, "dispatch", lambda *a, **kw: None)
        queued = export_start(user=world.district_officer, kind="youth", params={}, rows=10)
    client.force_login(world.district_officer)
    assert client.get(reverse("exports:download", args=[done.pk])).status_code == 200
    world.district_officer.district = world.other_person.district  # moved to the other district
    world.district_officer.save()
    assert client.get(reverse("exports:download", args=[done.pk])).status_code == 404
    run_export(queued.pk)
    queued.refresh_from_db()
    assert queued.stage == ExportStage.FAILED and queued.file == b"" and "所属范围" in queued.message


def test_the_task_is_idempotent(world, eager):
    job = export_start(user=world.district_officer, kind="youth", params={}, rows=10)
    finished = (job.finished_at, bytes(job.file))
    export_jobs.export.run(job.pk)  # delivered again after it finished: nothing happens
    job.refresh_from_db()
    assert (job.finished_at, bytes(job.file)) == finished


def test_a_job_whose_worker_died_is_built_again(world, settings, _frozen):
    settings.EXPORT_TASKS_EAGER = False
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(export_jobs.jobs, "dispatch", lambda *a, **kw: None)
        job = export_start(user=world.district_officer, kind="youth", params={}, rows=10)
    ExportJob.objects.filter(pk=job.pk).update(stage=ExportStage.RUNNING, done=3, heartbeat=timezone.now())
    export_jobs.export.run(job.pk)  # delivered twice while the first worker still runs: left alone
    job.refresh_from_db()
    assert job.stage == ExportStage.RUNNING and job.done == 3
    _frozen.shift(timedelta(seconds=settings.CELERY_VISIBILITY_TIMEOUT + 1))
    export_jobs.export.run(job.pk)  # silent past the visibility timeout: built from scratch
    job.refresh_from_db()
    assert job.stage == ExportStage.DONE and job.done == 1 and job.file


def test_expired_files_are_dropped(world, settings, _frozen):
    settings.EXPORT_KEEP_DAYS = 7
    old = ExportJob.objects.create(
        user=world.district_officer, kind="youth", stage=ExportStage.DONE, file=b"PK", finished_at=timezone.now()
    )
    _frozen.shift(timedelta(days=6))
    recent = ExportJob.objects.create(
        user=world.district_officer, kind="youth", stage=ExportStage.DONE, file=b"PK", finished_at=timezone.now()
    )
    assert drop_expired_exports.run() == 0
    _frozen.shift(timedelta(days=1, minutes=1))
    assert drop_expired_exports.run() == 1
    assert list(ExportJob.objects.all()) == [recent]
    assert not ExportJob.objects.filter(pk=old.pk).exists()
    # The next export drops them too.
    _frozen.shift(timedelta(days=7))
    settings.EXPORT_TASKS_EAGER = True
    job = export_start(user=world.district_officer, kind="youth", params={}, rows=10)
    assert list(ExportJob.objects.all()) == [job]


def test_the_tasks_are_registered_and_scheduled(settings):
    from jianxi.celery import app

    app.loader.import_default_modules()
    assert {"jianxi.core.export", "jianxi.core.drop_expired_exports"} <= set(app.tasks)
    assert export_jobs.export.acks_late
    assert "jianxi.core.drop_expired_exports" in {e["task"] for e in settings.CELERY_BEAT_SCHEDULE.values()}
