"""A large export on a real Celery worker (issue #14: exports are long jobs): the request only
queues the job; a worker process builds the file, which holds the same rows as the inline one."""

from __future__ import annotations

import io

from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from jianxi.core.models import ExportJob, ExportStage
from tests.celery_support import needs_worker, wait_for, workers
from tests.factories import PersonFactory

pytestmark = needs_worker
__all__ = ["workers"]  # the fixture, imported for pytest
YOUTH_XLSX = "/youth/?format=xlsx"


def names(data: bytes) -> list[str]:
    sheet = load_workbook(io.BytesIO(data), read_only=True)["见习人员"]
    return sorted(row[0] for row in list(sheet.iter_rows(values_only=True))[1:])


def test_a_large_export_is_built_by_a_worker_with_the_rows_of_the_inline_one(world, workers, settings):
    for _ in range(3):
        PersonFactory(district=world.our_person.district)
    client = Client()
    client.force_login(world.district_officer)
    inline = client.get(YOUTH_XLSX)
    assert inline.status_code == 200 and not ExportJob.objects.exists()
    settings.EXPORT_INLINE_ROWS, settings.EXPORT_TASKS_EAGER = 2, False
    queued = client.get(YOUTH_XLSX)
    job = ExportJob.objects.get()
    assert queued.status_code == 302 and job.finished_at is None  # nothing built in this process
    workers.start()
    finished = ExportJob.objects.filter(pk=job.pk, finished_at__isnull=False)
    wait_for(finished.exists, 120, "the export", workers)
    job.refresh_from_db()
    assert job.stage == ExportStage.DONE, (job.stage, job.message, job.error)
    download = client.get(reverse("exports:download", args=[job.pk]))
    assert download.status_code == 200 and names(download.content) == names(inline.content)
    assert len(names(download.content)) == 4
