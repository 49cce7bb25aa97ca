"""The pages every Excel import shares: the upload page and the page of one import job.

Each module's view declares who may use it and names its ``ImportKind`` and template (which
extends ``_import_page.html`` and fills in the outcome); reading, limits, the account's slot
and the background job are ``jianxi.core.import_jobs``.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from jianxi.core.access import acting_user
from jianxi.core.errors import RuleError
from jianxi.core.forms import add_rule_error
from jianxi.core.import_jobs import background_rows, import_start, job_report
from jianxi.core.imports import ERRORS_SHOWN, ImportForm, ImportKind, ImportReport
from jianxi.core.models import ImportJob


def _context(kind: ImportKind, form: ImportForm) -> dict[str, Any]:
    return {
        "form": form,
        "kind": kind,
        "report": None,
        "errors_shown": ERRORS_SHOWN,
        "background_rows": background_rows(),
    }


def _report_context(report: ImportReport | None) -> dict[str, Any]:
    if report is None:
        return {"report": None}
    return {"report": report, "errors": report.errors[:ERRORS_SHOWN]}


def import_page(request: HttpRequest, kind: ImportKind, template: str) -> HttpResponse:
    """The form; after a valid upload, the report of a small file, or the job page of a large one."""
    layout = kind.layout
    form = (
        ImportForm(request.POST, request.FILES, layout=layout)
        if request.method == "POST"
        else ImportForm(layout=layout)
    )
    context = _context(kind, form)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            job = import_start(
                actor=acting_user(request),
                kind=kind,
                source=upload,
                file_name=upload.name or "",
                import_valid_rows=form.cleaned_data["import_valid_rows"],
            )
        except RuleError as err:
            add_rule_error(form, err)
        else:
            if job.background:
                return redirect(kind.job_page, pk=job.pk)
            context.update(_report_context(job_report(job)))
    return render(request, template, context)


def import_job_page(request: HttpRequest, kind: ImportKind, template: str, pk: int) -> HttpResponse:
    """One background import: its progress, then its report. Only its own user sees it."""
    job = get_object_or_404(ImportJob, pk=pk, user_id=request.user.pk, kind=kind.name)
    context = _context(kind, ImportForm(layout=kind.layout))
    context.update(job=job, stale=job.is_stale(timezone.now()))
    context.update(_report_context(job_report(job)))
    return render(request, template, context)
