from __future__ import annotations

import io
from typing import Any

import segno
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from jianxi.accounts.models import Role
from jianxi.accounts.scoping import get_scoped
from jianxi.core.access import acting_user, public, roles
from jianxi.core.errors import RuleError
from jianxi.core.excel import xlsx_response
from jianxi.core.forms import add_rule_error
from jianxi.core.paging import paginate, parse_id
from jianxi.events import selectors, services
from jianxi.events.forms import EventFilterForm, EventForm
from jianxi.events.models import Event, EventStatus, Signup, SignupStatus
from jianxi.posts.models import PostStatus

ORGANISERS = (Role.DISTRICT, Role.DEPARTMENT, Role.UNIVERSITY)
READERS = (*ORGANISERS, Role.CITY)
SORTS = {"starts": "starts_at", "title": "title", "created": "created_at", "capacity": "capacity"}
HEADERS = ["活动编号", "活动名称", "活动形式", "开始时间", "结束时间", "地点", "线上链接", "主办", "所在区", "名额",
           "已报名", "候补", "状态"]  # fmt: skip


def _row(e: Any) -> list[Any]:
    return [
        e.pk, e.title, e.get_kind_display(), timezone.localtime(e.starts_at), timezone.localtime(e.ends_at),
        e.place, e.online_link, e.organiser_name, e.district.name, e.capacity, e.taken, e.waiting,
        e.get_status_display(),
    ]  # fmt: skip


# --- public --------------------------------------------------------------------------------------


@public
def public_list(request: HttpRequest) -> HttpResponse:
    """活动列表: published events, by district and the days they start."""
    form = EventFilterForm(request.GET or None)
    filters: dict[str, Any] = {}
    if form.is_bound and form.is_valid():
        d = form.cleaned_data
        filters = {"district": d["district"].code if d["district"] else "", "start": d["start"], "end": d["end"]}
    elif form.is_bound:
        messages.warning(request, _("部分筛选条件无效，已忽略。"))
    elif not request.GET:
        filters = {"start": timezone.localdate()}  # upcoming by default
    page = paginate(request, selectors.public_events(**filters))
    return render(request, "events/list.html", {"form": form, "page": page})


@public
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    event = selectors.event_public(pk)
    if event is None:
        raise Http404
    posts = event.posts.filter(status=PostStatus.PUBLISHED).select_related("host", "district")
    mine = None
    if getattr(request.user, "role", None) == Role.YOUTH:
        mine = (
            Signup.objects.filter(event=event, person__user=acting_user(request))
            .exclude(status=SignupStatus.CANCELLED)
            .first()
        )
    return render(
        request,
        "events/detail.html",
        {
            "event": event,
            "posts": posts,
            "mine": mine,
            "open": event.status == EventStatus.PUBLISHED and event.ends_at > timezone.now(),
        },
    )


@require_POST
@roles(Role.YOUTH)
def signup(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        row = services.signup(actor=acting_user(request), event_id=pk, now=timezone.now())
    except RuleError as err:
        messages.error(request, err.message)
    else:
        if row.status == SignupStatus.WAITING:
            messages.warning(request, _("名额已满，您已进入候补名单；有人取消时按报名先后递补。"))
        else:
            messages.success(request, _("报名成功，活动前一天会提醒您。"))
    return redirect("events:detail", pk=pk)


@require_POST
@roles(Role.YOUTH)
def signup_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        services.signup_cancel(actor=acting_user(request), event_id=pk)
    except RuleError as err:
        messages.error(request, err.message)
    else:
        messages.success(request, _("已取消报名。"))
    return redirect("events:detail", pk=pk)


@require_http_methods(["GET", "POST"])
@roles(Role.YOUTH)
def checkin(request: HttpRequest, pk: int) -> HttpResponse:
    """The URL of the event's QR code: the young person confirms and is checked in."""
    event = selectors.event_public(pk)
    if event is None:
        raise Http404
    token = (request.POST.get("t") or request.GET.get("t") or "")[:200]
    if request.method == "POST":
        try:
            services.check_in_by_token(actor=acting_user(request), event_id=pk, token=token, now=timezone.now())
        except RuleError as err:
            messages.error(request, err.message)
        else:
            messages.success(request, _("签到成功。"))
            return redirect("events:detail", pk=pk)
    return render(request, "events/checkin.html", {"event": event, "token": token})


# --- organisers ----------------------------------------------------------------------------------


@roles(*READERS)
def manage_list(request: HttpRequest) -> HttpResponse:
    events = selectors.events_for_user(request.user)
    status = request.GET.get("status", "")
    if status in EventStatus.values:
        events = events.filter(status=status)
    if request.GET.get("format") == "xlsx":
        rows = (_row(e) for e in events.order_by("starts_at", "pk").iterator(chunk_size=500))
        return xlsx_response(f"对接活动-{timezone.localdate():%Y%m%d}.xlsx", [("对接活动", HEADERS, rows)])
    page = paginate(request, events, sorts=SORTS, default="-starts")
    return render(request, "events/manage_list.html", {"page": page, "status": status, "statuses": EventStatus.choices})


@require_http_methods(["GET", "POST"])
@roles(*ORGANISERS)
def edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    user = acting_user(request)
    event = get_scoped(user, Event.objects.all(), pk=pk) if pk is not None else None
    initial: dict[str, Any] = {}
    if event is not None:
        initial = {
            "kind": event.kind, "title": event.title, "place": event.place, "online_link": event.online_link,
            "starts_at": timezone.localtime(event.starts_at), "ends_at": timezone.localtime(event.ends_at),
            "district": event.district_id, "capacity": event.capacity, "description": event.description,
            "posts": list(event.posts.values_list("pk", flat=True)),
        }  # fmt: skip
    form = EventForm(request.POST or None, user=user, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.event_save(actor=user, data=form.data_object(), event_id=pk)
        except RuleError as err:
            add_rule_error(form, err)
        else:
            messages.success(request, _("活动已保存。"))
            return redirect("events:manage_detail", pk=saved.pk)
    return render(request, "events/edit.html", {"form": form, "event": event})


@roles(*READERS)
def manage_detail(request: HttpRequest, pk: int) -> HttpResponse:
    event = get_scoped(request.user, selectors.events_for_user(request.user), pk=pk)
    return render(
        request,
        "events/manage_detail.html",
        {
            "event": event,
            "funnel": selectors.funnel(event),
            "signups": selectors.signups_of(event),
            "posts": event.posts.select_related("host"),
            "may_act": acting_user(request).role in ORGANISERS,
        },
    )


@require_POST
@roles(*ORGANISERS)
def publish(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        services.event_publish(actor=acting_user(request), event_id=pk)
    except RuleError as err:
        messages.error(request, err.message)
    else:
        messages.success(request, _("活动已发布。"))
    return redirect("events:manage_detail", pk=pk)


@require_POST
@roles(*ORGANISERS)
def cancel(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        services.event_cancel(actor=acting_user(request), event_id=pk)
    except RuleError as err:
        messages.error(request, err.message)
    else:
        messages.success(request, _("活动已取消，已通知报名人员。"))
    return redirect("events:manage_detail", pk=pk)


@require_POST
@roles(*ORGANISERS)
def tick(request: HttpRequest, pk: int) -> HttpResponse:
    """The organiser checks a person in on the list."""
    signup_id = parse_id(request.POST.get("signup"))
    get_scoped(request.user, Event.objects.all(), pk=pk)  # another organiser's event: 404
    if signup_id is None:
        messages.error(request, _("请选择签到人员。"))
        return redirect("events:manage_detail", pk=pk)
    try:
        services.check_in_by_organiser(actor=acting_user(request), event_id=pk, signup_id=signup_id, now=timezone.now())
    except RuleError as err:
        messages.error(request, err.message)
    else:
        messages.success(request, _("已签到。"))
    target = "events:sheet" if request.POST.get("next") == "sheet" else "events:manage_detail"
    return redirect(target, pk=pk)


def _checkin_url(request: HttpRequest, event: Event) -> str:
    path = reverse("events:checkin", args=[event.pk])
    return request.build_absolute_uri(f"{path}?t={services.checkin_token(event)}")


@roles(*READERS)
def sheet(request: HttpRequest, pk: int) -> HttpResponse:
    """签到表: printable, with the event's check-in QR code."""
    event = get_scoped(request.user, Event.objects.select_related("district"), pk=pk)
    return render(
        request,
        "events/sheet.html",
        {
            "event": event,
            "signups": selectors.signups_of(event).filter(status=SignupStatus.CONFIRMED),
            "checkin_url": _checkin_url(request, event),
            "may_act": acting_user(request).role in ORGANISERS,
        },
    )


@roles(*READERS)
def qr(request: HttpRequest, pk: int) -> HttpResponse:
    """The check-in URL as an SVG QR code, drawn here (no third party sees the token)."""
    event = get_scoped(request.user, Event.objects.all(), pk=pk)
    buffer = io.BytesIO()
    segno.make(_checkin_url(request, event), error="m").save(buffer, kind="svg", scale=6, border=2, xmldecl=False)
    response = HttpResponse(buffer.getvalue(), content_type="image/svg+xml")
    response["Cache-Control"] = "private, no-store"
    return response


@roles(Role.DISTRICT, Role.CITY)
def coverage(request: HttpRequest) -> HttpResponse:
    """R-TG-3: the districts (in the user's view) with no matching event this year, from October."""
    today = timezone.localdate()
    warned = selectors.districts_without_event(request.user, today=today)
    held = selectors.events_per_district(today.year)
    page = paginate(request, warned)
    for d in page:
        d.held = held.get(d.code, 0)
    return render(request, "events/coverage.html", {"page": page, "year": today.year})
