from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jianxi.accounts.duties import DUTIES, Duty
from jianxi.accounts.models import Role
from jianxi.accounts.scoping import get_scoped
from jianxi.core.access import acting_user, public, roles
from jianxi.core.db_router import reads_from_replica
from jianxi.core.errors import RuleError
from jianxi.core.excel import Sheet, xlsx_response
from jianxi.core.export_jobs import export_response
from jianxi.core.forms import add_rule_error
from jianxi.core.paging import KnownCountPaginator, page_request, paginate
from jianxi.policy.models import District
from jianxi.posts import search as fulltext
from jianxi.posts import selectors, services
from jianxi.posts.forms import PostForm, PostSearchForm, ReasonForm
from jianxi.posts.models import Post, PostStatus

MANAGERS = (Role.HOST, Role.DISTRICT, Role.DEPARTMENT, Role.CITY)
MANAGE_SORTS = {"created": "created_at", "published": "published_at", "expires": "expires_on", "title": "title"}
POST_HEADERS = [
    "岗位编号",
    "岗位名称",
    "见习单位",
    "统一社会信用代码",
    "岗位类别",
    "学历要求",
    "专业要求",
    "招募人数",
    "见习期限（月）",
    "生活费（元/月）",
    "工作地点",
    "募集部门",
    "招募开始",
    "招募截止",
    "有效期至",
    "状态",
    "发布时间",
]


def post_row(p: Post) -> list[Any]:
    return [
        p.pk,
        p.title,
        p.host.name,
        p.host.credit_code,
        p.category.name,
        p.get_education_display(),
        p.majors,
        p.headcount,
        p.months,
        p.allowance,
        p.district.name,
        p.department.name if p.department else "",
        p.recruit_start,
        p.recruit_end,
        p.expires_on,
        p.get_status_display(),
        p.published_at,
    ]


def _directory_row(h: Any) -> list[Any]:
    return [
        h.name,
        h.credit_code,
        h.get_host_type_display(),
        h.address,
        h.contact_name,
        h.contact_phone_masked,
        h.open_posts,
    ]


# --- public --------------------------------------------------------------------------------------


@public
@reads_from_replica
def search(request: HttpRequest) -> HttpResponse:
    """岗位搜索: anyone, signed in or not, finds published posts."""
    form = PostSearchForm(request.GET or None)
    if request.GET and not form.is_valid():
        messages.warning(request, _("部分筛选条件无效，已忽略。"))
    query = form.query()
    today = timezone.localdate()
    number, size = page_request(request)
    results = selectors.search_results(query=query, today=today, page=number, size=size)
    if not results.items and number > 1:  # past the end (or an estimate's last pages): the last page
        number = max(1, -(-results.count // size))
        results = selectors.search_results(query=query, today=today, page=number, size=size)
        number = number if results.items else 1
    paginator = KnownCountPaginator(results.items, size, count=results.count, estimated=results.count_estimated)
    page = paginator.page(number)
    page.sort = query.sort  # type: ignore[attr-defined]
    context = {"form": form, "page": page, "query": query, "filters": _filters(request, form, query, today)}
    return render(request, "posts/search.html", context)


def _filters(request: HttpRequest, form: PostSearchForm, query: selectors.PostQuery, today: Any) -> str:
    """The rendered filter form — the page's costliest part (three select lists) — kept like
    the first pages (SEARCH_CACHE_SECONDS, dropped with them by search.changed()), per language
    and validated query: a page number or an unknown parameter does not make another copy."""
    seconds = settings.SEARCH_CACHE_SECONDS
    key = selectors.search_cache_key(query, today, 0, kind=f"filters|{get_language()}") if seconds > 0 else ""
    if key and (kept := fulltext.cached(key)) is not None:
        return mark_safe(kept)  # noqa: S308  (our own template's output)
    html = render_to_string("posts/_filters_public.html", {"form": form}, request=request)
    if key:
        fulltext.store(key, html, seconds)
    return mark_safe(html)  # noqa: S308


@public
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    today = timezone.localdate()
    post = selectors.post_public(pk=pk, today=today)
    if post is None:
        raise Http404
    return render(request, "posts/detail.html", {"post": post, "outlook": selectors.outlook_for(request.user, today)})


@public
def district_page(request: HttpRequest, code: str) -> HttpResponse:
    """R-TG-3: a district's published host directory (见习单位目录) and post list (岗位清单)."""
    district = District.objects.filter(code=code).first()
    if district is None:
        raise Http404
    today = timezone.localdate()
    hosts = selectors.hosts_directory(district_code=code)
    posts = selectors.posts_public(query=selectors.PostQuery(district=code), today=today)
    if request.GET.get("format") == "xlsx":
        return xlsx_response(
            f"{district.name}见习单位目录和岗位清单-{today:%Y%m%d}.xlsx",
            [
                (
                    "见习单位目录",
                    ["单位名称", "统一社会信用代码", "单位类型", "地址", "联系人", "联系电话", "在招岗位数"],
                    (_directory_row(h) for h in hosts.iterator()),
                ),
                ("岗位清单", POST_HEADERS, (post_row(p) for p in posts.iterator())),
            ],
        )
    return render(
        request,
        "posts/district.html",
        {"district": district, "hosts": hosts, "posts": posts, "today": today, "districts": District.objects.all()},
    )


# --- managing ------------------------------------------------------------------------------------


def _managed(user: Any, params: dict[str, Any]) -> Any:
    """The posts ``user`` manages, filtered by the list's ``q`` and ``status``."""
    posts = selectors.posts_for_user(user)
    q = params.get("q", "")
    if q:
        posts = posts.filter(Q(title__icontains=q) | Q(host__name__icontains=q))
    if params.get("status", "") in PostStatus.values:
        posts = posts.filter(status=params["status"])
    return posts


def export_managed(user: Any, params: dict[str, Any]) -> tuple[str, list[Sheet]]:
    """The managers' post export (export kind "posts"), inline or in a job: the user's scope, re-read."""
    rows = (post_row(p) for p in _managed(user, params).order_by("-created_at", "-id").iterator())
    return f"见习岗位-{timezone.localdate():%Y%m%d}.xlsx", [("见习岗位", POST_HEADERS, rows)]


@roles(*MANAGERS)
def manage_list(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()
    status = request.GET.get("status", "")
    params = {"q": q, "status": status}
    posts = _managed(request.user, params)
    if request.GET.get("format") == "xlsx":
        return export_response(request, "posts", params, rows=posts.count())
    page = paginate(request, posts, sorts=MANAGE_SORTS, default="-created")
    context: dict[str, Any] = {"page": page, "q": q, "status": status, "statuses": PostStatus.choices}
    if acting_user(request).role != Role.HOST:
        context["counts"] = selectors.review_counts(request.user)
    return render(request, "posts/manage_list.html", context)


@roles(*MANAGERS)
def expiring(request: HttpRequest) -> HttpResponse:
    posts = selectors.posts_expiring(request.user, today=timezone.localdate())
    page = paginate(request, posts, sorts={"expires": "expires_on"}, default="expires")
    return render(request, "posts/expiring.html", {"page": page})


@roles(*MANAGERS)
def manage_detail(request: HttpRequest, pk: int) -> HttpResponse:
    post = get_scoped(request.user, selectors.posts_for_user(request.user), pk=pk)
    history = post.history.select_related("history_user").order_by("-history_date")[:20]
    return render(request, "posts/manage_detail.html", {"post": post, "history": history, "reason_form": ReasonForm()})


@roles(Role.HOST)
def edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    instance = get_scoped(request.user, Post.objects.all(), pk=pk) if pk else None
    if instance is not None and instance.status not in services.EDITABLE_STATES:
        messages.error(request, _("岗位当前状态为“%(s)s”，不能修改。") % {"s": instance.get_status_display()})
        return redirect("posts:manage_detail", pk=instance.pk)
    form = PostForm(request.POST or None, instance=instance, host=acting_user(request).host)
    if request.method == "POST" and form.is_valid():
        try:
            post = services.post_save_draft(actor=acting_user(request), data=form.data_object(), post_id=pk)
        except RuleError as err:
            add_rule_error(form, err)
        else:
            messages.success(request, _("岗位已保存为草稿。确认无误后请提交审核。"))
            return redirect("posts:manage_detail", pk=post.pk)
    return render(request, "posts/edit.html", {"form": form, "post": instance})


ACTIONS = {
    "submit": (Role.HOST,),
    "approve": tuple(DUTIES[Duty.POST_REVIEW]),
    "return": tuple(DUTIES[Duty.POST_REVIEW]),
    "close": (Role.HOST, Role.DISTRICT, Role.CITY),
}


@require_POST
@roles(*MANAGERS)
def act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """One transition of a post; the service checks state, scope and role again."""
    user = acting_user(request)
    get_scoped(user, Post.objects.all(), pk=pk)  # out of scope: 404 before anything else
    if action not in ACTIONS:
        raise Http404
    if user.role not in ACTIONS[action]:
        raise PermissionDenied("role")
    reason = request.POST.get("reason", "")
    try:
        if action == "submit":
            services.post_submit(actor=user, post_id=pk, today=timezone.localdate())
            messages.success(request, _("已提交所在区人社局审核。"))
        elif action in ("approve", "return"):
            services.post_review(actor=user, post_id=pk, approve=action == "approve", reason=reason)
            post = Post.objects.only("title").get(pk=pk)
            if action == "approve":
                messages.success(request, _("岗位“%(t)s”已发布，求职者可以搜索和申请。") % {"t": post.title})
            else:
                messages.success(request, _("岗位“%(t)s”已退回，单位将看到退回理由。") % {"t": post.title})
        else:
            services.post_close(actor=user, post_id=pk, reason=reason)
            post = Post.objects.only("title").get(pk=pk)
            messages.success(request, _("岗位“%(t)s”已关闭，不再接受申请。") % {"t": post.title})
    except RuleError as err:
        messages.error(request, err.message)
    return redirect("posts:manage_detail", pk=pk)
