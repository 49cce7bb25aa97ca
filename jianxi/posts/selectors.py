"""Reads of posts: the public search and the scoped lists, each in a constant number of queries."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, Literal

from django.conf import settings
from django.db import connections, models
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


def _sort(query: PostQuery, words: bool) -> str:
    """The order asked for; relevance only when the query holds words to rank by."""
    return query.sort if query.sort != "relevance" or words else "newest"


def _matching(query: PostQuery, today: date, *, ranked: bool) -> tuple[QuerySet[Post], str]:
    """Published, unexpired posts narrowed by the filters and the words; and the words' text
    ("" when there are none to match).

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
    matched = search.apply(qs, text, ranked=ranked) if text else None
    return (qs, "") if matched is None else (matched, text)


def posts_public(*, query: PostQuery, today: date) -> QuerySet[Post]:
    """Published, unexpired posts, filtered and sorted, as model instances (the district's
    list and export); the search reads cards instead (``search_results``)."""
    qs, words = _matching(query, today, ranked=query.sort == "relevance")
    return _related(qs).order_by(*SORTS[_sort(query, bool(words))])


@dataclass(frozen=True, slots=True)
class Named:
    code: str
    name: str


@dataclass(frozen=True, slots=True)
class HostName:
    name: str


@dataclass(frozen=True)
class PostCard:
    """One result of the public search: what a card on the page and an item of the API show.

    Read as plain columns, not model instances (building a post with its four related objects
    cost more than the query at national scale, issue #14); the page's template and the API's
    schema read the same attribute names as on a Post.
    """

    id: int
    title: str
    description: str
    education: int
    majors: str
    headcount: int
    months: int
    allowance: Decimal
    recruit_start: date
    recruit_end: date
    expires_on: date
    published_at: datetime | None
    host: HostName
    category: Named
    district: Named
    department: Named | None

    @property
    def pk(self) -> int:
        return self.id

    def get_education_display(self) -> str:
        return str(EducationLevel(self.education).label)


# The post's columns a card shows; the card query joins the names and codes.
_CARD_FIELDS = (
    "id", "title", "description", "education", "majors", "headcount", "months", "allowance",
    "recruit_start", "recruit_end", "expires_on", "published_at",
)  # fmt: skip
# Each order as the columns the page's query selects and the card query's ORDER BY over them
# (derived table "p"): the same orders as SORTS.
_ORDERS = {
    "newest": (("id", "published_at"), "p.published_at DESC, p.id DESC"),
    "closing": (("id", "recruit_end"), "p.recruit_end ASC, p.id ASC"),
    "relevance": (("id", "published_at", "relevance"), "p.relevance DESC, p.published_at DESC, p.id DESC"),
}


def _card_rows(page: QuerySet[Post], sort: str, limit: int, offset: int = 0) -> list[tuple[Any, ...]]:
    """The cards of the posts ``page`` selects (a sliced queryset, or one of a page's ids; not
    yet narrowed to columns), in ``sort`` order, ``limit`` from ``offset``: one statement, which
    reads the card's columns and joins the names for those rows only.

    The ORM builds every condition; this wraps its query as a derived table, which the ORM
    cannot do — so that for relevance the window of newest matches is ranked from the rows
    already read (a ``pk IN`` of the window read each of them again: 4 ms against 2 ms at a
    million posts), and the page's query selects only its sort keys (compiling and sorting
    the card's twelve columns for each row of a window cost more than the joins of twenty).
    """
    keys, order = _ORDERS[sort]
    db = connections[page.db]
    keyed = page.values(*keys)
    sql, params = keyed.query.get_compiler(using=keyed.db).as_sql()  # the database it runs on
    quote = db.ops.quote_name
    post, host, category, district, department = (
        quote(m._meta.db_table) for m in (Post, Host, PostCategory, District, Department)
    )
    columns = ", ".join(f"pp.{quote(f)}" for f in _CARD_FIELDS)
    name, code = quote("name"), quote("code")
    statement = (
        f"SELECT {columns}, h.{name}, c.{code}, c.{name}, d.{code}, d.{name}, dep.{code}, dep.{name} "  # noqa: S608
        f"FROM (SELECT * FROM ({sql}) p ORDER BY {order} LIMIT %s OFFSET %s) p "
        f"INNER JOIN {post} pp ON pp.id = p.id INNER JOIN {host} h ON h.id = pp.host_id "
        f"INNER JOIN {category} c ON c.id = pp.category_id INNER JOIN {district} d ON d.id = pp.district_id "
        f"LEFT OUTER JOIN {department} dep ON dep.id = pp.department_id ORDER BY {order}"
    )
    with db.cursor() as cursor:
        cursor.execute(statement, (*params, limit, offset))
        rows = cursor.fetchall()
    converters = _converters(db)
    if converters:
        rows = [tuple(_convert(row, converters, db)) for row in rows]
    return rows


_CONVERTERS: dict[str, list[tuple[int, Any, list[Any]]]] = {}


def _converters(db: Any) -> list[tuple[int, Any, list[Any]]]:
    """Django's own converters of the card's post columns on this database (SQLite returns
    dates, times and decimals as text or numbers), as the ORM would apply them; found once per
    database."""
    found = _CONVERTERS.get(db.alias)
    if found is None:
        found = _CONVERTERS[db.alias] = _find_converters(db)
    return found


def _find_converters(db: Any) -> list[tuple[int, Any, list[Any]]]:
    out = []
    for i, name in enumerate(_CARD_FIELDS):
        field = Post._meta.get_field(name)
        assert isinstance(field, models.Field)
        column = field.get_col("p")
        found = db.ops.get_db_converters(column) + column.get_db_converters(db)
        if found:
            out.append((i, column, found))
    return out


def _convert(row: tuple[Any, ...], converters: list[tuple[int, Any, list[Any]]], db: Any) -> list[Any]:
    values = list(row)
    for i, column, found in converters:
        for convert in found:
            values[i] = convert(values[i], column, db)
    return values


def _card(row: Sequence[Any]) -> PostCard:
    """A card from a row of ``_card_rows``: the post's columns, then the names and codes."""
    (id_, title, description, education, majors, headcount, months, allowance, recruit_start, recruit_end,
     expires_on, published_at, host, category_code, category, district_code, district, department_code,
     department) = row  # fmt: skip
    return PostCard(
        id=id_, title=title, description=description, education=education, majors=majors, headcount=headcount,
        months=months, allowance=allowance, recruit_start=recruit_start, recruit_end=recruit_end,
        expires_on=expires_on, published_at=published_at, host=HostName(host),
        category=Named(category_code, category), district=Named(district_code, district),
        department=Named(department_code, department) if department_code is not None else None,
    )  # fmt: skip


@dataclass(frozen=True)
class SearchResults:
    """One page of the public search and the total: exact, or estimated above
    ``SEARCH_EXACT_COUNT_LIMIT`` (``count_estimated``; pages show "约 N 条")."""

    items: list[PostCard]
    count: int
    count_estimated: bool


def search_cache_key(query: PostQuery, today: date, size: int, kind: str = "page") -> str:
    return search.cache_key(f"{kind}|{query.model_dump_json()}|{today.isoformat()}|{size}")


def search_results(*, query: PostQuery, today: date, page: int = 1, size: int = 20) -> SearchResults:
    """A page of the public search as cards, with its total, in a constant number of queries:
    the planner's estimate, at most ``limit + 1`` rows counted — with their ids in order, when
    that gives the page (search.total_and_keys) — and the page's cards (``_card_rows``). A
    first page's cards and total are cached for ``SEARCH_CACHE_SECONDS`` unless a post was
    published, closed or changed since (search.changed()): a hit reads no table. Plain tuples
    are cached, which unpickle for nothing (twenty model instances with their hosts cost more
    than the queries).
    """
    seconds = settings.SEARCH_CACHE_SECONDS
    key = search_cache_key(query, today, size) if page == 1 and seconds > 0 else ""
    if key:
        hit = search.cached(key)
        if hit is not None:
            cached_rows, cached_count, cached_estimated = hit
            return SearchResults([_card(r) for r in cached_rows], cached_count, cached_estimated)
    offset = (page - 1) * size
    ranked = query.sort == "relevance"
    window = ranked and offset + size <= search.RANK_WINDOW
    # The first pages by relevance rank only the newest matches: the matches are not annotated.
    qs, words = _matching(query, today, ranked=ranked and not window)
    sort = _sort(query, bool(words))
    # (The window's relevance is annotated on the window alone: the matches are counted unordered.)
    ordered = qs if sort == "relevance" and window else qs.order_by(*SORTS[sort])
    limit = settings.SEARCH_EXACT_COUNT_LIMIT
    # Counted matches come with their ids in order (PostgreSQL): the page is among them.
    keys = sort != "relevance" and offset + size <= limit
    count, estimated, ids = search.total_and_keys(ordered, limit, keys=keys)
    if estimated:
        count = search.round_estimate(count)
    rows: list[tuple[Any, ...]] = []
    if ids is not None:
        page_ids = ids[offset : offset + size]
        if page_ids:
            rows = _card_rows(Post.objects.filter(pk__in=page_ids).order_by(*SORTS[sort]), sort, size)
    elif offset < count or page == 1:
        if sort == "relevance" and window:
            rows = _card_rows(search.window(qs, words), sort, size, offset)
        else:
            rows = _card_rows(ordered[offset : offset + size], sort, size)
    if key:
        search.store(key, (rows, count, estimated), seconds)
    return SearchResults(items=[_card(r) for r in rows], count=count, count_estimated=estimated)


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
