"""The officers' large exports (posts, hosts, agreements, claims, ledger) run as jobs whose file
holds exactly the rows of the inline download, of the officer's district only."""

from __future__ import annotations

import io

import pytest
import time_machine
from openpyxl import load_workbook

from jianxi.core.models import ExportJob, ExportStage
from tests.factories import PostFactory
from tests.subsidies.conftest import TODAY, paid_claim

pytestmark = pytest.mark.django_db

EXPORTS = [
    ("posts", "/posts/manage/?format=xlsx"),
    ("hosts", "/hosts/?format=xlsx"),
    ("agreements", "/placements/agreements/?format=xlsx"),
    ("claims", "/subsidies/claims/?format=xlsx"),
    ("ledger", "/subsidies/ledger/?format=xlsx&year=2024"),
]


def workbook(data: bytes) -> dict[str, list[tuple]]:
    book = load_workbook(io.BytesIO(data), read_only=True)
    return {ws.title: [tuple(r) for r in ws.iter_rows(values_only=True)] for ws in book.worksheets}


@pytest.mark.parametrize(("kind", "url"), EXPORTS)
def test_large_export_is_a_job_with_the_inline_rows(client, world, settings, kind, url):
    with time_machine.travel(TODAY, tick=False):
        paid_claim(world)
        PostFactory(host=world.other_host)  # another district's: in no file of ours
        client.force_login(world.district_officer)
        inline = client.get(url)
        assert inline.status_code == 200 and not ExportJob.objects.exists()
        settings.EXPORT_INLINE_ROWS, settings.EXPORT_TASKS_EAGER = 0, True
        response = client.get(url)
        job = ExportJob.objects.get()
        assert response.status_code == 302 and job.kind == kind and job.stage == ExportStage.DONE, job.message
        download = client.get(f"/exports/{job.pk}/download/")
    assert workbook(download.content) == workbook(inline.content)
    first_sheet = next(iter(workbook(download.content).values()))
    assert len(first_sheet) >= 2  # headers and at least our row
    assert world.other_host.name not in repr(first_sheet)
