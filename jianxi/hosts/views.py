from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from django.contrib import messages
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jianxi.accounts.duties import Duty, duty, may
from jianxi.accounts.models import Role
from jianxi.accounts.scoping import get_scoped, scoped
from jianxi.accounts.views import signup_page
from jianxi.core.access import acting_user, public, roles
from jianxi.core.errors import RuleError
from jianxi.core.excel import Sheet
from jianxi.core.export_jobs import export_response
from jianxi.core.forms import add_rule_error
from jianxi.core.paging import paginate
from jianxi.hosts import services
from jianxi.hosts.forms import HostEditForm, HostSignupForm
from jianxi.hosts.models import Host, HostChange, HostChangeStatus, HostStatus
from jianxi.policy.models import Department

OFFICERS = (Role.DISTRICT, Role.DEPARTMENT, Role.CITY)
SORTS = {"created": "created_at", "name": "name", "district": "district__sort_order"}


HOST_HEADERS = [
    "单位名称",
    "统一社会信用代码",
    "单位类型",
    "所在区",
    "募集部门",
    "地址",
    "联系人",
    "联系电话",
    "开户银行",
    "银行账号",
    "基层实习见习基地",
    "状态",
    "登记时间",
]


def _hosts(user: Any, params: dict[str, Any]) -> Any:
    """The hosts ``user`` oversees, filtered by the list's ``q``, ``status`` and ``bank``."""
    hosts = scoped(user, Host.objects.select_related("district", "department"))
    q = params.get("q", "")
    if q:
        hosts = hosts.filter(Q(name__icontains=q) | Q(credit_code__iexact=q))
    if params.get("status", "") in HostStatus.values:
        hosts = hosts.filter(status=params["status"])
    if params.get("bank"):  # a new bank account waiting for the district's review (the home page's to-do)
        hosts = hosts.filter(pending_bank_at__isnull=False)
    return hosts


def export_hosts(user: Any, params: dict[str, Any]) -> tuple[str, list[Sheet]]:
    """The officers' host export (export kind "hosts"), inline or in a job: the user's scope, re-read."""
    # Bank details are for the officers who pay (district, city), not the recruiting departments.
    pays = may(user, Duty.MONEY_AUDIT)
    rows = (
        (
            h.name,
            h.credit_code,
            h.get_host_type_display(),
            h.district.name,
            h.department.name if h.department else "",
            h.address,
            h.contact_name,
            h.contact_phone,
            h.bank_name if pays else "",
            h.bank_account if pays else "",
            "是" if h.grassroots_base else "否",
            h.get_status_display(),
            h.created_at,
        )
        for h in _hosts(user, params).order_by("-created_at", "-id").iterator()
    )
    return f"见习单位-{timezone.localdate():%Y%m%d}.xlsx", [("见习单位", HOST_HEADERS, rows)]


@roles(*OFFICERS)
def host_list(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()
    status = request.GET.get("status", "")
    bank = request.GET.get("bank", "") == "pending"
    params = {"q": q, "status": status, "bank": bank}
    hosts = _hosts(request.user, params)
    if request.GET.get("format") == "xlsx":
        return export_response(request, "hosts", params, rows=hosts.count())
    page = paginate(request, hosts, sorts=SORTS, default="-created")
    return render(
        request,
        "hosts/list.html",
        {"page": page, "q": q, "status": status, "statuses": HostStatus.choices, "bank": bank},
    )


@roles(*OFFICERS, Role.HOST)
def host_detail(request: HttpRequest, pk: int) -> HttpResponse:
    host = get_scoped(request.user, Host.objects.select_related("district", "department"), pk=pk)
    history = host.history.select_related("history_user").order_by("-history_date")[:20]
    today = timezone.localdate()
    actions = [
        (name, verb, needs_reason)
        for name, (sources, _target, needs_reason, verb) in services.TRANSITIONS.items()
        if host.status in sources
        and may(request.user, services.ACTION_DUTIES[name])
        and not (name == "reinstate" and host.status == HostStatus.BARRED and not host.bar_over(today))
    ]
    change = services.pending_change(host)
    changes = host.changes.select_related("reviewed_by", "department_confirmed_by").order_by("-requested_at")[:20]
    departments = dict(Department.objects.values_list("pk", "name"))
    return render(
        request,
        "hosts/detail.html",
        {
            "host": host,
            "history": history,
            "actions": actions,
            "change": change,
            "change_rows": _rows(change, departments) if change else [],
            "changes": [(c, _rows(c, departments)) for c in changes],
        },
    )


def _rows(change: HostChange, departments: dict[int, str]) -> list[tuple[str, str, str]]:
    """(field, value in force, value asked for) of a change, in the words of the pages."""
    return [
        (
            services.FIELD_LABELS[name],
            services.shown(name, change.before.get(name), departments),
            services.shown(name, value, departments),
        )
        for name, value in change.after.items()
    ]


@roles(*OFFICERS)
def host_changes(request: HttpRequest) -> HttpResponse:
    """Pending changes of privileged fields: the district's to review, a department's to confirm."""
    pending = scoped(
        request.user,
        HostChange.objects.filter(status=HostChangeStatus.PENDING).select_related(
            "host__district", "department", "department_confirmed_by"
        ),
    ).order_by("requested_at", "id")
    departments = dict(Department.objects.values_list("pk", "name"))
    page = paginate(request, pending, sorts={"requested": "requested_at"}, default="requested")
    rows = [(change, _rows(change, departments)) for change in page.object_list]
    return render(request, "hosts/changes.html", {"page": page, "rows": rows})


def _decide(
    request: HttpRequest,
    action: str,
    yes: str,
    no: str,
    service: Callable[..., object],
    said: tuple[str, str],
    **call: Any,
) -> None:
    """One yes-or-no review by a service: ``action`` must be ``yes`` or ``no`` (else 404); the
    reason is the form's; success says ``said`` (yes, no), a refusal its own message."""
    if action not in (yes, no):
        raise Http404
    try:
        service(actor=acting_user(request), reason=request.POST.get("reason", ""), **call, **{yes: action == yes})
    except RuleError as err:
        messages.error(request, err.message)
        return
    messages.success(request, said[0] if action == yes else said[1])


@require_POST
@duty(Duty.HOST_CHANGE_REVIEW)
def host_change_review(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    said = (_("单位信息变更已审核通过，即时生效。"), _("已驳回单位信息变更。"))
    _decide(request, action, "approve", "reject", services.host_change_review, said, host_id=pk)
    return redirect("hosts:detail", pk=pk)


@require_POST
@duty(Duty.DEPARTMENT_CONFIRM)
def host_change_confirm(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    said = (_("已确认归属，待区人社局审核。"), _("已不予确认。"))
    _decide(request, action, "confirm", "decline", services.host_change_confirm, said, host_id=pk)
    return redirect("hosts:changes")


@require_POST
@duty(Duty.HOST_REVIEW, Duty.HOST_SANCTION)
def host_review(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    try:
        until = None
        if action == "bar" and request.POST.get("bar_until"):
            try:
                until = date.fromisoformat(request.POST["bar_until"])
            except ValueError as exc:
                raise RuleError("bar_until", _("禁入截止日应为日期（YYYY-MM-DD）。"), field="bar_until") from exc
        host = services.host_review(
            actor=acting_user(request),
            host_id=pk,
            action=action,
            reason=request.POST.get("reason", ""),
            until=until,
        )
    except RuleError as err:
        messages.error(request, err.message)
    else:
        messages.success(
            request, _("已处理：%(name)s 现为“%(status)s”。") % {"name": host.name, "status": host.get_status_display()}
        )
    return redirect("hosts:detail", pk=pk)


@require_POST
@duty(Duty.BANK_REVIEW)
def host_bank_review(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    said = (_("银行账户变更已审核通过，此后的拨付使用新账户。"), _("已驳回银行账户变更。"))
    _decide(request, action, "approve", "reject", services.host_bank_review, said, host_id=pk)
    return redirect("hosts:detail", pk=pk)


@roles(Role.HOST)
def host_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Host staff correct their unit; a returned unit goes back to the district's review queue."""
    host = get_scoped(request.user, Host.objects.all(), pk=pk)
    # A bank change awaiting review is what the unit last asked for: show it, so saving other
    # details leaves it pending (typing the current account back withdraws it).
    pending: dict[str, object] = (
        {"bank_name": host.pending_bank_name, "bank_account": host.pending_bank_account} if host.pending_bank_at else {}
    )
    change = services.pending_change(host)
    if change is not None:  # the privileged fields asked for, likewise
        pending.update(change.after)
    form = HostEditForm(request.POST or None, instance=host, initial=pending or None)
    if request.method == "POST" and form.is_valid():
        changes = {name: form.cleaned_data[name] for name in form.Meta.fields}
        if not changes.get("credit_code"):
            changes.pop("credit_code", None)  # left empty: unchanged
        try:
            host = services.host_update(actor=acting_user(request), host_id=pk, **changes)
        except RuleError as err:
            add_rule_error(form, err)
        else:
            messages.success(
                request, _("单位信息已保存。") + (_("已重新提交审核。") if host.status == "pending" else "")
            )
            if host.pending_bank_at:
                messages.info(request, _("银行账户变更已提交区人社局审核，审核通过前补贴仍拨付至原账户。"))
            if services.pending_change(host) is not None:
                messages.info(request, _("单位信息变更已提交审核（待审核），审核通过前原信息继续有效。"))
            return redirect("hosts:detail", pk=pk)
    return render(request, "hosts/edit.html", {"form": form, "host": host, "change": change})


@roles(Role.HOST)
def my_host(request: HttpRequest) -> HttpResponse:
    host_id = request.user.host_id  # type: ignore[union-attr]
    if host_id is None:
        return render(request, "hosts/none.html")
    return redirect("hosts:detail", pk=host_id)


@public
def signup(request: HttpRequest) -> HttpResponse:
    """见习单位注册."""
    form = HostSignupForm(request.POST or None)
    return signup_page(request, form, services.host_staff_register, "credit_code", _("见习单位注册"))
