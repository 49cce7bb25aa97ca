"""Reads of posts: the public search and the scoped lists, each in a constant number of queries."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Literal

from django.conf import settings
from django.db.models import Count, Q, QuerySet, Subquery
from pydantic import BaseModel, ConfigDict, Field

from jianxi.accounts.scoping import scoped
from jianxi.core.hooks import Hooks
from jianxi.hosts.models import Host, HostStatus
from jianxi.policy.models import Department, District, PostCategory
from jianxi.posts import search
from jianxi.posts.models import EducationLevel, Post, PostStatus

SORTS = {
    "newest": ("-published_at", "-id"),
    "closing": ("recruit_end", "id"),
    "relevance": ("-relevance", "-published_at", "-id"),
}


class PostQuery(BaseModel):
    """The public search's parameters: one type for the search page (forms.PostSearchForm builds
    it) and the API (its query parameters, validated against these bounds)."""

    model_config = ConfigDict(frozen=True)

    q: str = ""
    district: str = ""
    category: str = ""
    education: int | None = Field(
        default=None,
        ge=int(EducationLevel.ANY),
        le=int(EducationLevel.DOCTORATE),
        description="学历（0 不限 … 5 博士）",
    )
    major: str = ""
    department: str = ""
    months: int | None = Field(default=None, ge=3, le=12, description="见习期限（月），3 至 12")
    sort: Literal["newest", "closing", "relevance"] = "newest"


def _related(qs: QuerySet[Post]) -> QuerySet[Post]:
    # The segmented document is for the index only; no page shows it.
    return qs.select_related("host", "category", "district", "department").defer("search_document")


# Counts of a post's applications and agreements: placements, above posts, registers the annotation
# in its AppConfig.ready() (core/hooks.py).
placement_counts: Hooks[Callable[[QuerySet[Post]], QuerySet[Post]]] = Hooks("a post's placement counts")


# What a signed-in young person is told on a post's page before applying (eligibility, subsidy,
# an internship under way): placements registers it (placements/selectors.outlook_of_user).
applicant_outlook: Hooks[Callable[[Any, date], Any]] = Hooks("a young person's outlook before applying")


def outlook_for(user: Any, today: date) -> Any:
    for outlook in applicant_outlook:
        return outlook(user, today)
    return None


def with_placement_counts(qs: QuerySet[Post]) -> QuerySet[Post]:
    """Annotate ``placed`` (agreements holding a place) and ``applicants`` (placements/selectors.py)."""
    for annotate in placement_counts:
        qs = annotate(qs)
    return qs


def posts_public(*, query: PostQuery, today: date, window_page: tuple[int, int] | None = None) -> QuerySet[Post]:
    """Published, unexpired posts, filtered and sorted.

    Every filter narrows by status first, which leads each of the post indexes; a published
    post's host is approved by construction (see models.Post), so no join to hosts is needed.
    """
    qs = Post.objects.filter(status=PostStatus.PUBLISHED, expires_on__gte=today)
    # Codes become ids in a scalar subquery (run once, before the scan) rather than a join, so
    # that PostgreSQL can look the ids up in the full-text index beside the words (0008).
    if query.district:
        qs = qs.filter(district_id=Subquery(District.objects.filter(code=query.district).values("pk")[:1]))
    if query.category:
        qs = qs.filter(category_id=Subquery(PostCategory.objects.filter(code=query.category).values("pk")[:1]))
    if query.department:
        qs = qs.filter(department_id=Subquery(Department.objects.filter(code=query.department).values("pk")[:1]))
    if query.education is not None:
        # A young person with this education qualifies for posts asking for it or less.
        qs = qs.filter(education__lte=query.education)
    if query.months is not None:
        qs = qs.filter(months=query.months)
    text = " ".join(t for t in (query.q, query.major) if t)
    ranked = query.sort == "relevance"
    matched = search.apply(qs, text, ranked=ranked, window_page=window_page if ranked else None) if text else None
    if matched is not None:
        qs = matched
    sort = query.sort if query.sort in SORTS and (query.sort != "relevance" or matched is not None) else "newest"
    return _related(qs).order_by(*SORTS[sort])


@dataclass(frozen=True)
class SearchResults:
    """One page of the public search and the total: exact, or estimated above
    ``SEARCH_EXACT_COUNT_LIMIT`` (``count_estimated``; pages show "约 N 条")."""

    items: list[Post]
    count: int
    count_estimated: bool


def search_cache_key(query: PostQuery, today: date, size: int, kind: str = "page") -> str:
    return search.cache_key(f"{kind}|{query.model_dump_json()}|{today.isoformat()}|{size}")


def search_results(*, query: PostQuery, today: date, page: int = 1, size: int = 20) -> SearchResults:
    """A page of ``posts_public`` with its total: the planner's estimate, at most ``limit + 1``
    rows counted, and the page (search.count_matches). A first page's post ids and total are
    cached for ``SEARCH_CACHE_SECONDS`` unless a post was published, closed or changed since
    (search.changed()); a hit reads just those posts, by primary key. Ids, not model instances:
    unpickling twenty posts with their hosts costs more (Django checks each model) than the read.
    """
    seconds = settings.SEARCH_CACHE_SECONDS
    key = search_cache_key(query, today, size) if page == 1 and seconds > 0 else ""
    if key:
        hit = search.cached(key)
        if hit is not None:
            ids, count, estimated = hit
            found = {p.pk: p for p in _related(Post.objects.filter(pk__in=ids))}
            return SearchResults(items=[found[i] for i in ids if i in found], count=count, count_estimated=estimated)
    qs = posts_public(query=query, today=today)
    count, estimated = search.count_matches(qs, settings.SEARCH_EXACT_COUNT_LIMIT)
    if estimated:
        count = search.round_estimate(count)
    offset = (page - 1) * size
    page_qs = qs[offset : offset + size]
    if query.sort == "relevance" and offset + size <= search.RANK_WINDOW:
        # The first pages by relevance are the ranked newest matches: rank only those.
        page_qs = posts_public(query=query, today=today, window_page=(offset, size))
    items = list(page_qs) if offset < count or page == 1 else []
    if key:
        search.store(key, ([p.pk for p in items], count, estimated), seconds)
    return SearchResults(items=items, count=count, count_estimated=estimated)


def post_public(*, pk: int, today: date) -> Post | None:
    posts = Post.objects.filter(pk=pk, status=PostStatus.PUBLISHED, expires_on__gte=today)
    return with_placement_counts(_related(posts)).first()


def posts_for_user(user: Any) -> QuerySet[Post]:
    """The posts an officer or host may manage: scoped, with what a list shows."""
    return with_placement_counts(_related(scoped(user, Post.objects.all())))


def posts_expiring(user: Any, *, today: date, days: int = 30) -> QuerySet[Post]:
    """R-TG-3: published posts in scope that expire within ``days``, soonest first."""
    return (
        posts_for_user(user)
        .filter(status=PostStatus.PUBLISHED, expires_on__gte=today, expires_on__lte=today + timedelta(days=days))
        .order_by("expires_on", "id")
    )


def review_counts(user: Any) -> dict[str, int]:
    """Queue sizes for an officer's home page, in two queries."""
    hosts = scoped(user, Host.objects.all()).aggregate(pending=Count("pk", filter=Q(status=HostStatus.PENDING)))
    posts = scoped(user, Post.objects.all()).aggregate(
        submitted=Count("pk", filter=Q(status=PostStatus.SUBMITTED)),
        published=Count("pk", filter=Q(status=PostStatus.PUBLISHED)),
    )
    return {"hosts_pending": hosts["pending"], **posts}


def hosts_directory(*, district_code: str) -> QuerySet[Host]:
    """A district's published host directory (见习单位目录): approved hosts with open posts counted."""
    return (
        Host.objects.filter(district__code=district_code, status=HostStatus.APPROVED)
        .select_related("district", "department")
        .annotate(open_posts=Count("posts", filter=Q(posts__status=PostStatus.PUBLISHED)))
        .order_by("name", "pk")
    )
