"""Registry extract pages: the loads (with their rejected rows), an upload page per source, and the
verdicts a load changed, for the district to act on."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import quote

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from jianxi.accounts.duties import Duty, duty, may
from jianxi.accounts.scoping import get_scoped, scoped
from jianxi.core.access import acting_user
from jianxi.core.errors import RuleError
from jianxi.core.excel import XLSX
from jianxi.core.paging import paginate
from jianxi.core.views_import import import_job_page, import_page
from jianxi.registry import imports, services
from jianxi.registry.adapters import ADAPTERS
from jianxi.registry.models import Load, Source, VerdictChange

TEMPLATE = "registry/import.html"


@require_GET
@duty(Duty.REGISTRY_LOAD)
def loads(request: HttpRequest) -> HttpResponse:
    qs = scoped(acting_user(request), Load.objects.select_related("loaded_by", "district"))
    source = request.GET.get("source", "")
    if source in Source.values:
        qs = qs.filter(source=source)
    context = {"page": paginate(request, qs), "sources": Source.choices, "source": source}
    return render(request, "registry/loads.html", context)


@require_GET
@duty(Duty.REGISTRY_LOAD)
def load_detail(request: HttpRequest, pk: int) -> HttpResponse:
    load = get_scoped(acting_user(request), Load.objects.select_related("loaded_by", "district"), pk=pk)
    return render(request, "registry/load.html", {"load": load, "errors": services.errors_of(load)})


@require_GET
@duty(Duty.REGISTRY_LOAD)
def changes(request: HttpRequest) -> HttpResponse:
    """核验结论变化: what the loads changed, open ones first, for the district to act on."""
    qs = scoped(acting_user(request), VerdictChange.objects.select_related("person", "load", "handled_by"))
    state = request.GET.get("state", "open")
    if state == "open":
        qs = qs.filter(services.open_changes_q())
    context = {"page": paginate(request, qs), "state": state, "can_handle": may(request.user, Duty.VERDICT_HANDLE)}
    return render(request, "registry/changes.html", context)


@require_POST
@duty(Duty.VERDICT_HANDLE)
def change_handle(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        services.change_handle(actor=acting_user(request), change_id=pk, note=request.POST.get("note", ""))
    except RuleError as err:
        messages.error(request, err.message)
    else:
        messages.success(request, _("已记录处理情况。"))
    return redirect("registry:changes")


def _import_views(source: str) -> tuple[Callable[..., HttpResponse], ...]:
    kind = imports.KINDS[source]
    adapter = ADAPTERS[source]

    @require_http_methods(["GET", "POST"])
    @duty(Duty.REGISTRY_LOAD)
    def upload(request: HttpRequest) -> HttpResponse:
        return import_page(request, kind, TEMPLATE)

    @require_GET
    @duty(Duty.REGISTRY_LOAD)
    def job(request: HttpRequest, pk: int) -> HttpResponse:
        return import_job_page(request, kind, TEMPLATE, pk)

    @require_GET
    @duty(Duty.REGISTRY_LOAD)
    def template(request: HttpRequest) -> HttpResponse:
        response = HttpResponse(imports.template_workbook(adapter), content_type=XLSX)
        name = f"{adapter.source.label}比对数据模板.xlsx"
        response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
        return response

    return upload, job, template


IMPORT_VIEWS = {source: _import_views(source) for source in ADAPTERS}
