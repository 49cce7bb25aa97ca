"""The pages of export jobs (导出任务): the user's list, one job's page and its download.

A job is its own user's only: anyone else gets 404, whatever their role (jianxi.core.export_jobs).
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from jianxi.core.access import acting_user, signed_in
from jianxi.core.excel import xlsx_download
from jianxi.core.export_jobs import KINDS, allowed, keep_days, scope_of
from jianxi.core.models import ExportJob, ExportStage

LISTED = 20


def _own(request: HttpRequest, pk: int) -> ExportJob:
    return get_object_or_404(ExportJob.objects.defer("file"), pk=pk, user=acting_user(request))


@signed_in
def export_list(request: HttpRequest) -> HttpResponse:
    """我的导出: the user's recent exports."""
    found = ExportJob.objects.defer("file").filter(user=acting_user(request))[:LISTED]
    return render(request, "core/exports.html", {"jobs": found, "keep_days": keep_days()})


@signed_in
def export_job(request: HttpRequest, pk: int) -> HttpResponse:
    """One export: its progress (the page refreshes itself), then its file or why there is none."""
    job = _own(request, pk)
    context = {"job": job, "stale": job.is_stale(timezone.now()), "keep_days": keep_days()}
    return render(request, "core/export_job.html", context)


@signed_in
def export_download(request: HttpRequest, pk: int) -> HttpResponse:
    job = _own(request, pk)
    kind = KINDS.get(job.kind)
    user = acting_user(request)
    if job.stage != ExportStage.DONE or kind is None or not allowed(kind, user) or job.scope != scope_of(user):
        raise Http404  # a file built for another scope (the user moved district) is not handed over
    data = ExportJob.objects.filter(pk=job.pk).values_list("file", flat=True).get()
    return xlsx_download(job.file_name, bytes(data))
