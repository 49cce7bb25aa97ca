"""One import per account, whatever races two uploads make (PostgreSQL, real transactions); and
a large file imported by a real background thread."""

from __future__ import annotations

import io
import time

import pytest
from django.db import connection
from openpyxl import Workbook

from jianxi.core import jobs
from jianxi.core.errors import RuleError
from jianxi.core.import_jobs import import_start
from jianxi.core.models import ImportJob, ImportStage
from jianxi.posts import imports
from jianxi.posts.imports import HEADERS
from jianxi.posts.models import Post
from tests.concurrency import race

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent writers need PostgreSQL"),
]


def posts_file(n: int, title: str) -> bytes:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "见习岗位"
    ws.append(list(HEADERS))
    for number in range(2, n + 2):
        ws.append(
            ["", f"{title}{number}", "技术技能类", "协助整理业务数据。", "大学本科", "统计学", 3, 6, 3000, "海淀区"]
            + ["", "2030-12-01", "2031-01-31", "2031-03-01"]
        )
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def start(user, content: bytes, runner=None):
    return lambda: import_start(
        actor=user, kind=imports.KIND, source=content, file_name="岗位.xlsx", import_valid_rows=False, runner=runner
    )


def test_two_uploads_by_one_account_at_the_same_moment_one_runs_the_other_is_refused(world):
    held: list[object] = []
    large = posts_file(600, "大批岗位")  # held in the background: its job stays unfinished
    results = race(start(world.host_staff, large, held.append), start(world.host_staff, large, held.append))
    refused = [r for r in results if isinstance(r, RuleError)]
    started = [r for r in results if isinstance(r, ImportJob)]
    assert len(refused) == 1 and refused[0].code == "import.busy" and len(started) == 1
    assert ImportJob.objects.filter(finished_at__isnull=True).count() == 1 and len(held) == 1


def test_two_accounts_import_at_the_same_moment(world):
    results = race(
        start(world.host_staff, posts_file(5, "本单位岗位")),
        start(world.other_host_staff, posts_file(5, "外单位岗位")),
    )
    assert all(isinstance(r, ImportJob) and r.stage == ImportStage.DONE for r in results), results
    assert Post.objects.count() == 10


def test_a_large_file_is_imported_by_a_background_thread(world):
    job = import_start(
        actor=world.host_staff,
        kind=imports.KIND,
        source=posts_file(600, "后台岗位"),
        file_name="岗位.xlsx",
        import_valid_rows=False,
        runner=jobs.thread_runner,
    )
    assert job.background
    for _ in range(600):  # wait for the thread (not a timing assertion: up to a minute)
        job.refresh_from_db()
        if job.finished_at is not None:
            break
        time.sleep(0.1)
    assert (job.stage, job.file) == (ImportStage.DONE, b"")
    assert Post.objects.filter(host=world.our_host).count() == 600
