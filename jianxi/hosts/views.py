from __future__ import annotations

from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from jianxi.accounts.models import Role
from jianxi.accounts.scoping import get_scoped, scoped
from jianxi.core.access import roles
from jianxi.core.paging import paginate
from jianxi.hosts.models import Host, HostStatus

OFFICERS = (Role.DISTRICT, Role.DEPARTMENT, Role.CITY)
SORTS = {"created": "created_at", "name": "name", "district": "district__sort_order"}


@roles(*OFFICERS)
def host_list(request: HttpRequest) -> HttpResponse:
    hosts = scoped(request.user, Host.objects.select_related("district", "department"))
    q = request.GET.get("q", "").strip()
    if q:
        hosts = hosts.filter(Q(name__icontains=q) | Q(credit_code__iexact=q))
    status = request.GET.get("status", "")
    if status in HostStatus.values:
        hosts = hosts.filter(status=status)
    page = paginate(request, hosts, sorts=SORTS, default="-created")
    return render(
        request,
        "hosts/list.html",
        {"page": page, "q": q, "status": status, "statuses": HostStatus.choices},
    )


@roles(*OFFICERS, Role.HOST)
def host_detail(request: HttpRequest, pk: int) -> HttpResponse:
    host = get_scoped(request.user, Host.objects.select_related("district", "department"), pk=pk)
    return render(request, "hosts/detail.html", {"host": host})


@roles(Role.HOST)
def my_host(request: HttpRequest) -> HttpResponse:
    host_id = request.user.host_id  # type: ignore[union-attr]
    if host_id is None:
        return render(request, "hosts/none.html")
    return redirect("hosts:detail", pk=host_id)
