"""Pages: the ranking (city-wide or one district's), and the nominations with their decisions."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Page, Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jianxi.accounts.duties import Duty, duty
from jianxi.accounts.models import Role
from jianxi.accounts.scoping import scoped
from jianxi.core.access import acting_user, roles
from jianxi.core.errors import RuleError
from jianxi.core.excel import xlsx_response
from jianxi.core.paging import PAGE_SIZES, paginate, parse_id
from jianxi.demonstration import services
from jianxi.demonstration.models import Nomination, NominationStatus
from jianxi.demonstration.ranking import FACTOR_LABELS, Entry, Ranking, host_ranking, policy_in_force
from jianxi.policy.models import District

OFFICERS = (Role.DISTRICT, Role.CITY)
# Sort keys of the ranked list → the order they give (each ends on rank, name and id: deterministic).
RANK_SORTS: dict[str, Callable[[Entry], Any]] = {
    "rank": lambda e: (e.rank, e.host_name, e.host_id),
    "name": lambda e: (e.host_name, e.host_id),
    "district": lambda e: (e.district_order, e.rank, e.host_name, e.host_id),
    "interns": lambda e: (e.interns, e.rank, e.host_name, e.host_id),
}
APART_PAGE = 50
NOMINATION_SORTS = {"district": "district__sort_order", "rank": "district_rank", "score": "score", "name": "host__name"}


def _year(value: str | None) -> int:
    year = parse_id(value)
    return year if year is not None and 2000 <= year <= 2100 else timezone.localdate().year


def _districts() -> list[District]:
    return list(District.objects.filter(city__code=settings.JIANXI_CITY))


def _district_code(request: HttpRequest, districts: Sequence[District]) -> str:
    """A district officer sees its own district; the city picks one, or none for the whole city."""
    user = acting_user(request)
    if user.role == Role.DISTRICT:
        return next((d.code for d in districts if d.pk == user.district_id), "")
    code = request.GET.get("district", "")
    return code if any(d.code == code for d in districts) else ""


def _page_of(request: HttpRequest, items: Sequence[Entry]) -> Page:
    """A page of a ranked list sorted by ``?sort=`` (whitelisted, ``-key`` descending), as ``paginate`` does."""
    requested = request.GET.get("sort", "rank")
    key = requested.lstrip("-")
    if key not in RANK_SORTS:
        requested, key = "rank", "rank"
    ordered = sorted(items, key=RANK_SORTS[key], reverse=requested.startswith("-"))
    size = parse_id(request.GET.get("size"))
    page: Page = Paginator(ordered, size if size in PAGE_SIZES else PAGE_SIZES[0]).get_page(request.GET.get("page"))
    page.sort = requested  # type: ignore[attr-defined]
    return page


@roles(*OFFICERS)
def ranking(request: HttpRequest) -> HttpResponse:
    year = _year(request.GET.get("year"))
    districts = _districts()
    code = _district_code(request, districts)
    context: dict[str, Any] = {"year": year, "districts": districts, "district": code}
    try:
        result = host_ranking(year=year)
    except RuleError as err:
        messages.error(request, err.message)
        return render(request, "demonstration/ranking.html", context)
    if code:
        result = result.in_district(code)
    if request.GET.get("format") == "xlsx":
        return _ranking_xlsx(result, code)
    nominated = dict(scoped(request.user, Nomination.objects.filter(year=year)).values_list("host_id", "status"))
    page = _page_of(request, result.ranked)
    policy = result.policy
    context.update(
        result=result,
        page=page,
        rows=[(e, NominationStatus(nominated[e.host_id]).label if e.host_id in nominated else None) for e in page],
        apart=Paginator(result.not_eligible, APART_PAGE).get_page(request.GET.get("apart_page")),
        weights=policy.labelled_weights(),
        district_name=next((d.name for d in districts if d.code == code), ""),
    )
    return render(request, "demonstration/ranking.html", context)


def _ranking_xlsx(result: Ranking, code: str) -> HttpResponse:
    headers = ["排名", "见习单位", "统一社会信用代码", "所在区", "年内见习人数", "得分"]
    for label in map(str, FACTOR_LABELS.values()):
        headers += [f"{label}（数据）", f"{label}（折算值）", f"{label}（权重）", f"{label}（得分）"]
    rows = (
        [e.rank, e.host_name, e.credit_code, e.district_name, e.interns, e.score]
        + [value for f in e.factors for value in (f.value, f.normalised, f.weight, f.points)]
        for e in result.ranked
    )
    apart = ((e.host_name, e.credit_code, e.district_name, e.interns, e.reason) for e in result.not_eligible)
    policy = result.policy
    params = [
        ("适用参数", str(policy)),
        ("依据", policy.source),
        ("参评最少见习人数", policy.min_interns),
        ("考勤按时填报期限（次月第几日）", policy.attendance_due_day),
        ("每区推荐名额", policy.nomination_quota),
    ] + policy.labelled_weights()
    scope = code or "全市"
    return xlsx_response(
        f"示范单位排名-{result.year}-{scope}.xlsx",
        [
            ("排名", headers, rows),
            ("不符合参评条件", ["见习单位", "统一社会信用代码", "所在区", "年内见习人数", "原因"], apart),
            ("评分参数", ["项目", "取值"], params),
        ],
    )


@require_POST
@duty(Duty.NOMINATE)
def nominate(request: HttpRequest) -> HttpResponse:
    year = _year(request.POST.get("year"))
    host_id = parse_id(request.POST.get("host"))
    if host_id is None:
        messages.error(request, _("请选择要推荐的见习单位。"))
        return redirect("demonstration:ranking")
    try:
        nomination = services.nomination_create(
            actor=request.user, host_id=host_id, year=year, today=timezone.localdate()
        )
    except RuleError as err:
        messages.error(request, err.message)
        return redirect(f"{reverse('demonstration:ranking')}?year={year}")
    messages.success(request, _("已推荐“%(name)s”，待市人社局确认。") % {"name": nomination.host.name})
    return redirect(f"{reverse('demonstration:nominations')}?year={year}")


@roles(*OFFICERS)
def nominations(request: HttpRequest) -> HttpResponse:
    year = _year(request.GET.get("year"))
    rows = scoped(request.user, Nomination.objects.select_related("host", "district", "nominated_by", "decided_by"))
    rows = rows.filter(year=year)
    status = request.GET.get("status", "")
    if status in NominationStatus.values:
        rows = rows.filter(status=status)
    if request.GET.get("format") == "xlsx":
        headers = [
            "年度", "所在区", "见习单位", "统一社会信用代码", "推荐时得分", "推荐时区内排名", "状态",
            "推荐人", "推荐时间", "确认人", "确认时间", "说明",
        ]  # fmt: skip
        ordered = rows.order_by("district__sort_order", "district_rank", "host__name", "id")
        data = (_nomination_row(n) for n in ordered)
        return xlsx_response(f"示范单位推荐名单-{year}.xlsx", [("推荐名单", headers, data)])
    policy = policy_in_force(year)
    page = paginate(request, rows, sorts=NOMINATION_SORTS, default="district")
    return render(
        request,
        "demonstration/nominations.html",
        {"page": page, "year": year, "status": status, "statuses": NominationStatus.choices, "policy": policy},
    )


def _nomination_row(n: Nomination) -> tuple[Any, ...]:
    decided_at = timezone.localtime(n.decided_at) if n.decided_at else None
    return (
        n.year, n.district.name, n.host.name, n.host.credit_code, n.score, n.district_rank, n.get_status_display(),
        str(n.nominated_by), timezone.localtime(n.nominated_at), str(n.decided_by or ""), decided_at, n.reason,
    )  # fmt: skip


@require_POST
@duty(Duty.NOMINATION_CONFIRM)
def nomination_decide(request: HttpRequest, pk: int) -> HttpResponse:
    action = request.POST.get("action", "")
    if action not in ("confirm", "decline"):
        messages.error(request, _("请选择确认或不予确认。"))
        return redirect("demonstration:nominations")
    return _act(request, pk, action)


@require_POST
@duty(Duty.NOMINATE)
def nomination_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, "withdraw")


def _act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    try:
        nomination = services.nomination_act(
            actor=request.user, nomination_id=pk, action=action, reason=request.POST.get("reason", "")
        )
    except RuleError as err:
        messages.error(request, err.message)
        return redirect("demonstration:nominations")
    messages.success(
        request,
        _("已处理：“%(name)s”现为“%(status)s”。")
        % {"name": nomination.host.name, "status": nomination.get_status_display()},
    )
    return redirect(f"{reverse('demonstration:nominations')}?year={nomination.year}")
