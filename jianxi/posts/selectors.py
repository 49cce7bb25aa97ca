"""Reads of posts: the public search and the scoped lists, each in a constant number of queries."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any, Literal

from django.db.models import Count, Q, QuerySet
from pydantic import BaseModel, ConfigDict, Field

from jianxi.accounts.scoping import scoped
from jianxi.core.hooks import Hooks
from jianxi.hosts.models import Host, HostStatus
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
    return qs.select_related("host", "category", "district", "department")


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


def posts_public(*, query: PostQuery, today: date) -> QuerySet[Post]:
    """Published, unexpired posts, filtered and sorted.

    Every filter narrows by status first, which leads each of the post indexes; a published
    post's host is approved by construction (see models.Post), so no join to hosts is needed.
    """
    qs = Post.objects.filter(status=PostStatus.PUBLISHED, expires_on__gte=today)
    if query.district:
        qs = qs.filter(district__code=query.district)
    if query.category:
        qs = qs.filter(category__code=query.category)
    if query.department:
        qs = qs.filter(department__code=query.department)
    if query.education is not None:
        # A young person with this education qualifies for posts asking for it or less.
        qs = qs.filter(education__lte=query.education)
    if query.months is not None:
        qs = qs.filter(months=query.months)
    text = " ".join(t for t in (query.q, query.major) if t)
    matched = search.apply(qs, text, ranked=query.sort == "relevance") if text else None
    if matched is not None:
        qs = matched
    sort = query.sort if query.sort in SORTS and (query.sort != "relevance" or matched is not None) else "newest"
    return _related(qs).order_by(*SORTS[sort])


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
