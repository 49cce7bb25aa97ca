"""Public post search over the API: the same selector as the search page."""

import json
from datetime import date, datetime
from decimal import Decimal

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Field, Query, Router, Schema
from ninja.responses import NinjaJSONEncoder

from jianxi.core.api import Id, Pages
from jianxi.core.db_router import replica_reads
from jianxi.posts import search, selectors
from jianxi.posts.models import Post

router = Router(tags=["posts"])
DEFAULT_PAGE_SIZE = 20


class PostOut(Schema):
    id: int
    title: str
    host: str
    category: str
    category_name: str
    district: str
    district_name: str
    department: str | None
    education: int
    education_name: str
    majors: str
    headcount: int
    months: int
    allowance: Decimal
    recruit_start: date
    recruit_end: date
    expires_on: date
    published_at: datetime | None
    description: str

    @staticmethod
    def resolve_host(obj: Post) -> str:
        return obj.host.name

    @staticmethod
    def resolve_category(obj: Post) -> str:
        return obj.category.code

    @staticmethod
    def resolve_category_name(obj: Post) -> str:
        return obj.category.name

    @staticmethod
    def resolve_district(obj: Post) -> str:
        return obj.district.code

    @staticmethod
    def resolve_district_name(obj: Post) -> str:
        return obj.district.name

    @staticmethod
    def resolve_department(obj: Post) -> str | None:
        return obj.department.code if obj.department else None

    @staticmethod
    def resolve_education_name(obj: Post) -> str:
        return str(obj.get_education_display())


class PostSearchOut(Schema):
    items: list[PostOut]
    count: int = Field(description="符合条件的岗位数；count_estimated 为真时是估计值（约数）")
    count_estimated: bool = Field(description="总数超过精确计数上限时为真，count 为估计值")


@router.get("", response=PostSearchOut, auth=None, summary="见习岗位搜索（公开）")
def post_search(
    request: HttpRequest, filters: Query[selectors.PostQuery], paging: Query[Pages.Input]
) -> selectors.SearchResults | HttpResponse:
    """Published posts: Chinese keywords (segmented), filters and sorting (newest, closing, relevance).

    ``count`` is exact up to a limit (1,000 by default) and estimated above it (``count_estimated``).
    """
    size = paging.page_size or DEFAULT_PAGE_SIZE
    today = timezone.localdate()
    seconds = settings.SEARCH_CACHE_SECONDS
    # A first page's whole JSON body is cached too (same generation as the page's ids, so a
    # publish drops both): a hit is one cache read, no database, no serialising.
    key = selectors.search_cache_key(filters, today, size, kind="api") if paging.page == 1 and seconds > 0 else ""
    if key and (body := search.cached(key)) is not None:
        return HttpResponse(body, content_type="application/json; charset=utf-8")
    with replica_reads():  # public data: may come from a read replica (core/db_router.py)
        results = selectors.search_results(query=filters, today=today, page=paging.page, size=size)
    if not key:
        return results
    # Encoded as ninja encodes a response (NinjaJSONEncoder), so cached and uncached pages agree.
    body = json.dumps(PostSearchOut.model_validate(results, from_attributes=True).model_dump(), cls=NinjaJSONEncoder)
    search.store(key, body, seconds)
    return HttpResponse(body, content_type="application/json; charset=utf-8")


@router.get("/{post_id}", response=PostOut, auth=None, summary="见习岗位详情（公开）")
def post_detail(request: HttpRequest, post_id: Id) -> Post:
    post = selectors.post_public(pk=post_id, today=timezone.localdate())
    if post is None:
        raise Http404
    return post
