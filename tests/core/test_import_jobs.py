"""Imports as jobs: one at a time per account, large files in the background with a progress page
that ends in the same report as a synchronous import; a host must be approved to import."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from jianxi.core import import_jobs
from jianxi.core.errors import RuleError
from jianxi.core.excel import XLSX
from jianxi.core.import_jobs import import_start, run_job
from jianxi.core.models import ImportJob, ImportStage
from jianxi.hosts.models import HostStatus
from jianxi.placements import imports as attendance_imports
from jianxi.posts import imports
from jianxi.posts.imports import HEADERS
from jianxi.posts.models import Post
from tests.factories import HostFactory, UserFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 26, 10, 0)


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def held(monkeypatch) -> list[Callable[[], None]]:
    """Background jobs are held here instead of running: a test runs them when it chooses."""
    jobs: list[Callable[[], None]] = []
    monkeypatch.setattr(import_jobs, "default_runner", lambda: jobs.append)
    return jobs


def posts_file(n: int, *, bad: tuple[int, ...] = (), credit_code: str = "", title: str = "见习岗位") -> bytes:
    """``n`` valid posts for the uploading host (rows 2…n+1), the Excel rows in ``bad`` with 2 months."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "见习岗位"
    ws.append(list(HEADERS))
    for number in range(2, n + 2):
        months = 2 if number in bad else 6
        ws.append(
            [credit_code, f"{title}{number}", "技术技能类", "协助整理业务数据。", "大学本科", "统计学", 3, months]
            + [3000, "海淀区", "", "2026-12-01", "2027-01-31", "2027-03-01"]
        )
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def upload(client, user, content: bytes, *, valid_only: bool = False):
    client.force_login(user)
    data: dict[str, Any] = {"file": SimpleUploadedFile("岗位.xlsx", content, content_type=XLSX)}
    if valid_only:
        data["import_valid_rows"] = "on"
    return client.post(reverse("posts:import"), data)


def section(page: str, testid: str) -> str:
    match = re.search(rf'<(section|table)[^>]*data-testid="{testid}".*?</\1>', page, re.S)
    assert match is not None, testid
    return match.group(0)


# --- large files in the background -----------------------------------------------------------------


def test_a_large_file_runs_in_the_background_its_page_shows_progress_then_the_report(client, world, held):
    response = upload(client, world.host_staff, posts_file(600))
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("posts:import_job", args=[job.pk])
    assert (job.background, job.stage, job.finished_at) == (True, ImportStage.QUEUED, None)
    assert not Post.objects.exists()

    waiting = client.get(response["Location"]).content.decode()
    assert 'http-equiv="refresh"' in waiting and 'data-testid="import-job-running"' in waiting
    assert 'data-testid="import-report"' not in waiting

    [job_run] = held
    job_run()
    done = client.get(response["Location"])
    page = done.content.decode()
    assert 'http-equiv="refresh"' not in page
    assert "共读取 600 行，导入 600 个岗位。" in section(page, "import-report")
    assert Post.objects.count() == 600
    job.refresh_from_db()
    assert (job.stage, job.rows, job.file) == (ImportStage.DONE, 600, b"")  # the upload is not kept


def test_a_background_imports_page_shows_the_same_report_as_a_synchronous_one(client, world, settings):
    settings.IMPORT_TASKS_EAGER = True
    content = posts_file(30, bad=(5, 17, 30))
    synchronous = upload(client, world.host_staff, content)
    assert synchronous.status_code == 200
    settings.IMPORT_BACKGROUND_ROWS = 10
    background = upload(client, world.host_staff, content)
    assert background.status_code == 302
    job_page = client.get(background["Location"]).content.decode()
    sync_page = synchronous.content.decode()
    for testid in ("import-report", "import-errors"):
        assert section(job_page, testid) == section(sync_page, testid)
    report = section(job_page, "import-report")
    assert "共读取 30 行，导入 0 个岗位。" in report and "其中 3 行有误，共 3 处问题。" in report
    assert not Post.objects.exists()


def test_a_small_file_that_unpacks_large_runs_in_the_background_too(client, world, settings, held):
    settings.IMPORT_BACKGROUND_BYTES = 1000
    response = upload(client, world.host_staff, posts_file(2))
    assert response.status_code == 302 and ImportJob.objects.get().background


def test_the_background_job_page_is_its_owners_only(client, world, held):
    upload(client, world.host_staff, posts_file(600))
    job = ImportJob.objects.get()
    colleague = UserFactory(username="colleague", role="host", host=world.our_host)
    for stranger in (colleague, world.other_host_staff):
        client.force_login(stranger)
        assert client.get(reverse("posts:import_job", args=[job.pk])).status_code == 404
    client.force_login(world.host_staff)
    assert client.get(reverse("placements:attendance_import_job", args=[job.pk])).status_code == 404
    client.force_login(world.district_officer)  # another role, another import's URL
    assert client.get(reverse("youth:import_job", args=[job.pk])).status_code == 404


def test_a_background_job_refused_when_it_runs_changes_nothing_and_its_page_says_why(client, world, held):
    response = upload(client, world.host_staff, posts_file(600))
    world.our_host.status = HostStatus.BARRED
    world.our_host.save()
    held[0]()
    job = ImportJob.objects.get()
    assert (job.stage, job.file) == (ImportStage.REFUSED, b"")
    page = client.get(response["Location"]).content.decode()
    assert "R-SUB-6" in section(page, "import-job") and not Post.objects.exists()


def test_an_unexpected_failure_in_the_background_imports_nothing_and_frees_the_slot(client, world, held, monkeypatch):
    response = upload(client, world.host_staff, posts_file(600))

    def broken(**kwargs: Any) -> None:
        raise ValueError("a bug")

    monkeypatch.setattr(imports, "posts_import", broken)
    held[0]()
    job = ImportJob.objects.get()
    assert job.stage == ImportStage.FAILED and "ValueError: a bug" in job.error
    page = client.get(response["Location"]).content.decode()
    assert "导入时系统出错，本次未导入任何数据" in page and "a bug" not in page  # no traceback for users
    monkeypatch.undo()
    assert upload(client, world.host_staff, posts_file(1)).context["report"].created == 1


def test_an_unexpected_failure_in_the_request_frees_the_slot(client, world, monkeypatch):
    def broken(**kwargs: Any) -> None:
        raise ValueError("a bug")

    monkeypatch.setattr(imports, "posts_import", broken)
    with pytest.raises(ValueError):
        upload(client, world.host_staff, posts_file(1))
    assert ImportJob.objects.get().stage == ImportStage.FAILED
    monkeypatch.undo()
    assert upload(client, world.host_staff, posts_file(1)).context["report"].created == 1


def test_large_imports_beyond_the_servers_capacity_are_refused_for_now(client, world, settings, held):
    settings.IMPORT_MAX_BACKGROUND_JOBS = 1
    upload(client, world.district_officer, posts_file(600, credit_code=world.our_host.credit_code))
    response = upload(client, world.host_staff, posts_file(600))
    assert "系统正在处理 1 个大文件导入（同时最多 1 个）" in response.content.decode()
    assert upload(client, world.host_staff, posts_file(1)).context["report"].created == 1  # small ones run


# --- one import at a time per account --------------------------------------------------------------


def test_a_second_import_by_the_same_account_while_one_runs_is_refused(client, world, held):
    upload(client, world.host_staff, posts_file(600))
    response = upload(client, world.host_staff, posts_file(1))
    page = response.content.decode()
    assert "您的上一个导入尚未完成（岗位.xlsx，" in page and "同一时间只能进行一个导入" in page
    assert response.context["report"] is None and not Post.objects.exists()
    with pytest.raises(RuleError) as refused:
        import_start(
            actor=world.host_staff, kind=imports.KIND, source=posts_file(1), file_name="b.xlsx", import_valid_rows=False
        )
    assert refused.value.code == "import.busy"
    # Another account imports meanwhile; once the job has ended, the account imports again.
    officer = upload(client, world.district_officer, posts_file(1, credit_code=world.our_host.credit_code))
    assert officer.context["report"].created == 1
    held[0]()
    assert upload(client, world.host_staff, posts_file(1, title="另一个岗位")).context["report"].created == 1


def test_a_refused_file_ends_its_job_and_frees_the_slot(client, world):
    response = upload(client, world.host_staff, b"PK\x03\x04 not a zip")
    assert "不是有效的 Excel" in response.content.decode()
    job = ImportJob.objects.get()
    assert job.stage == ImportStage.REFUSED and "不是有效的 Excel" in job.message
    assert upload(client, world.host_staff, posts_file(1)).context["report"].created == 1


def test_a_job_silent_for_ten_minutes_no_longer_holds_the_slot(client, world, held, _frozen):
    response = upload(client, world.host_staff, posts_file(600))
    _frozen.shift(timedelta(minutes=9))
    assert "上一个导入尚未完成" in upload(client, world.host_staff, posts_file(1)).content.decode()
    _frozen.shift(timedelta(minutes=2))
    stale = client.get(response["Location"]).content.decode()
    assert 'data-testid="import-job-stale"' in stale and 'http-equiv="refresh"' not in stale
    assert upload(client, world.host_staff, posts_file(1)).context["report"].created == 1
    job = ImportJob.objects.order_by("pk").first()
    assert job is not None
    assert job.stage == ImportStage.FAILED and "没有进展" in job.message and job.file == b""
    held[0]()  # the dead job's runner, should it ever wake: the job is over, nothing is imported
    assert Post.objects.count() == 1


def test_a_job_runs_once_however_often_it_is_handed_to_a_runner(client, world, held):
    upload(client, world.host_staff, posts_file(600))
    job = ImportJob.objects.get()
    run_job(job.pk)
    run_job(job.pk)
    assert Post.objects.count() == 600


# --- only approved hosts import ---------------------------------------------------------------------


@pytest.mark.parametrize("status", [HostStatus.PENDING, HostStatus.RETURNED, HostStatus.SUSPENDED])
def test_a_host_not_approved_is_refused_attendance_imports_too(client, world, status):
    world.our_host.status = status
    world.our_host.save()
    client.force_login(world.host_staff)
    file = SimpleUploadedFile("考勤.xlsx", b"anything", content_type=XLSX)
    response = client.post(reverse("placements:attendance_import"), {"file": file})
    assert "审核通过后才能批量导入考勤" in response.content.decode()
    with pytest.raises(RuleError) as refused:
        attendance_imports.authorise(world.host_staff)
    assert refused.value.code == "import.host_not_approved"


def test_a_newly_registered_host_pending_review_cannot_import_posts(client, world):
    pending = HostFactory(status=HostStatus.PENDING)
    staff = UserFactory(username="newcomer", role="host", host=pending)
    response = upload(client, staff, posts_file(1))
    assert "本单位当前状态为“待审核”，审核通过后才能批量导入岗位。" in response.content.decode()
    assert not Post.objects.exists() and ImportJob.objects.count() == 0  # refused before taking a slot


def test_operators_read_jobs_and_their_failures_in_the_admin_without_the_upload(client, world, held, monkeypatch):
    upload(client, world.host_staff, posts_file(600))
    job = ImportJob.objects.get()
    assert bytes(job.file).startswith(b"PK")
    operator = UserFactory(username="operator", role="city", is_staff=True, is_superuser=True)
    client.force_login(operator)
    queued = client.get(reverse("admin:core_importjob_change", args=[job.pk])).content.decode()
    # The upload stays out: neither its bytes (a zip: PK\x03\x04 … [Content_Types].xml) nor a
    # memoryview's repr. Not a bare "PK": a random CSRF token may hold those two letters.
    assert "岗位.xlsx" in queued and "memory at" not in queued
    assert "PK\\x03" not in queued and "Content_Types" not in queued and "x03\\x04" not in queued

    def broken(**kwargs: Any) -> None:
        raise ValueError("a bug")

    monkeypatch.setattr(imports, "posts_import", broken)
    held[0]()
    listing = client.get(reverse("admin:core_importjob_changelist"))
    assert listing.status_code == 200 and "岗位.xlsx" in listing.content.decode()
    page = client.get(reverse("admin:core_importjob_change", args=[job.pk])).content.decode()
    assert "ValueError: a bug" in page
    assert client.post(reverse("admin:core_importjob_delete", args=[job.pk])).status_code == 403
