"""Search at scale (issue #14): one result on SQLite and PostgreSQL, bounded totals, the page cache.

Every expected list here is worked out by hand from the fixture below and holds on both
databases (run the file with and without DATABASE_URL=postgres://…).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from jianxi.hosts.services import host_review
from jianxi.policy.models import PostCategory
from jianxi.posts import search, selectors, services
from jianxi.posts.models import PostStatus
from jianxi.posts.selectors import PostQuery, posts_public, search_results
from tests.factories import TODAY, PostFactory

pytestmark = pytest.mark.django_db


# A page and its total; PostgreSQL asks the planner's estimate first (search.count_matches).
QUERIES = 3 if connection.vendor == "postgresql" else 2


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(TODAY, tick=False):
        yield


@pytest.fixture
def fixture_posts(world):
    """Seven posts, published one hour apart (p1 oldest … p7 newest)."""
    technical = PostCategory.objects.get(code="technical")
    now = timezone.now()
    specs = [
        # name, title, description, host, category, recruit_end
        ("p1", "数据分析师助理", "负责数据整理。", world.our_host, technical, 20),
        ("p2", "行政助理", "偶尔做些数据分析工作。", world.our_host, None, 10),
        ("p3", "软件开发见习生", "参与数据平台开发。", world.other_host, technical, 30),
        ("p4", "数据录入助理", "录入与核对。", world.other_host, None, 5),
        ("p5", "社区服务专员", "走访社区。", world.our_host, None, 15),
        ("p6", "电商运营助理", "店铺数据的日常整理与分析。", world.other_host, None, 25),
        ("p7", "数据分析见习岗", "数据分析与报表。", world.our_host, technical, 40),
    ]
    made = {}
    for hours, (name, title, description, host, category, days) in enumerate(specs):
        extra = {"category": category} if category else {}
        made[name] = PostFactory(
            host=host,
            title=title,
            description=description,
            recruit_end=TODAY + timedelta(days=days),
            published_at=now - timedelta(hours=len(specs) - hours),
            **extra,
        )
    return made


def ordered(**query) -> list[str]:
    return [p.title for p in posts_public(query=PostQuery(**query), today=TODAY)]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        # newest first
        (
            {},
            [
                "数据分析见习岗",
                "电商运营助理",
                "社区服务专员",
                "数据录入助理",
                "软件开发见习生",
                "行政助理",
                "数据分析师助理",
            ],
        ),
        # 数据分析 matches the word, or 数据 and 分析 anywhere in the post (p1, p2, p6, p7)
        ({"q": "数据分析"}, ["数据分析见习岗", "电商运营助理", "行政助理", "数据分析师助理"]),
        # by relevance: the title holds 数据分析 (p7, p1), then the others, newest first in each
        (
            {"q": "数据分析", "sort": "relevance"},
            ["数据分析见习岗", "数据分析师助理", "电商运营助理", "行政助理"],
        ),
        ({"q": "助理", "sort": "relevance"}, ["电商运营助理", "数据录入助理", "行政助理", "数据分析师助理"]),
        # two words: both in the title beats one
        (
            {"q": "数据 助理", "sort": "relevance"},
            ["数据录入助理", "数据分析师助理", "电商运营助理", "行政助理"],
        ),
        # keyword and two filters: Haidian (our host) and technical
        ({"q": "数据", "district": "110108", "category": "technical"}, ["数据分析见习岗", "数据分析师助理"]),
        ({"q": "数据", "district": "110105"}, ["电商运营助理", "数据录入助理", "软件开发见习生"]),
        # closing soon: recruit_end ascending
        (
            {"q": "数据", "sort": "closing"},
            ["数据录入助理", "行政助理", "数据分析师助理", "电商运营助理", "软件开发见习生", "数据分析见习岗"],
        ),
        ({"q": "量子"}, []),
    ],
)
def test_the_same_queries_give_the_same_results_on_either_database(fixture_posts, query, expected):
    assert ordered(**query) == expected


def test_the_api_pages_through_the_same_order(client, fixture_posts):
    first = client.get("/api/v1/posts", {"q": "数据", "page_size": 4, "sort": "closing"}).json()
    second = client.get("/api/v1/posts", {"q": "数据", "page_size": 4, "page": 2, "sort": "closing"}).json()
    assert [p["title"] for p in first["items"] + second["items"]] == ordered(q="数据", sort="closing")
    assert first["count"] == second["count"] == 6
    assert first["count_estimated"] is False


def test_relevance_ranks_only_the_newest_window_then_the_rest_newest_first(fixture_posts, monkeypatch):
    # With a window of two, only p7 and p6 (the newest matches of 数据分析) are ranked; p2 and p1
    # follow newest first although p1's title holds the word.
    monkeypatch.setattr(search, "RANK_WINDOW", 2)
    assert ordered(q="数据分析", sort="relevance") == ["数据分析见习岗", "电商运营助理", "行政助理", "数据分析师助理"]
    page = search_results(query=PostQuery(q="数据分析", sort="relevance"), today=TODAY, page=1, size=2)
    assert [p.title for p in page.items] == ["数据分析见习岗", "电商运营助理"]
    page2 = search_results(query=PostQuery(q="数据分析", sort="relevance"), today=TODAY, page=2, size=2)
    assert [p.title for p in page2.items] == ["行政助理", "数据分析师助理"]


@pytest.mark.parametrize(("window", "exact_limit"), [(1000, 1000), (3, 1000), (3, 3)])
@pytest.mark.parametrize(
    "query",
    [
        {},
        {"q": "数据"},
        {"q": "数据", "sort": "closing"},
        {"q": "数据 助理", "sort": "relevance"},
        {"sort": "relevance"},
    ],
)
def test_every_page_of_cards_is_the_posts_in_the_search_order(
    fixture_posts, monkeypatch, settings, query, window, exact_limit
):
    """The cards (plain columns, search_results) page through exactly the posts posts_public
    orders, with what a card shows of each: inside the relevance window and beyond it, and on
    PostgreSQL from the counted ids (total within the limit) or not (estimated above it)."""
    settings.SEARCH_CACHE_SECONDS = 0
    settings.SEARCH_EXACT_COUNT_LIMIT = exact_limit
    monkeypatch.setattr(search, "RANK_WINDOW", window)
    posts = list(posts_public(query=PostQuery(**query), today=TODAY))
    cards = []
    for page in (1, 2, 3, 4):  # seven posts at most, two a page
        cards += search_results(query=PostQuery(**query), today=TODAY, page=page, size=2).items
    # An estimated total (PostgreSQL, above the limit) may end the pages early, never before
    # the counted ones.
    assert len(cards) == len(posts) or (connection.vendor == "postgresql" and len(cards) > exact_limit)
    assert [c.pk for c in cards] == [p.pk for p in posts[: len(cards)]]
    for card, post in zip(cards, posts, strict=False):
        assert (card.title, card.host.name, card.category.code, card.district.name) == (
            post.title, post.host.name, post.category.code, post.district.name,
        )  # fmt: skip
        assert (card.allowance, card.recruit_end, card.published_at) == (
            post.allowance, post.recruit_end, post.published_at,
        )  # fmt: skip
        assert card.get_education_display() == post.get_education_display()
        assert (card.department and card.department.code) == (post.department and post.department.code)


# --- totals --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("limit", "estimated"), [(4, False), (3, True)])
def test_the_total_is_exact_up_to_the_limit(fixture_posts, settings, limit, estimated):
    """数据分析 has 4 matches: exact at a limit of 4; above a limit of 3 PostgreSQL estimates."""
    qs = posts_public(query=PostQuery(q="数据分析"), today=TODAY)
    count, is_estimate = search.count_matches(qs, limit)
    if connection.vendor == "postgresql":
        assert is_estimate is estimated
        assert count == 4 if not estimated else count >= 4
    else:  # SQLite counts exactly at a city's scale
        assert (count, is_estimate) == (4, False)


@pytest.mark.parametrize(
    ("n", "shown"),
    [(0, 0), (99, 99), (100, 100), (123, 120), (10_001, 10_000), (123_456, 120_000), (1_049_999, 1_000_000)],
)
def test_estimates_are_shown_with_two_significant_figures(n, shown):
    assert search.round_estimate(n) == shown


def test_an_estimated_total_shows_as_约_on_the_page_and_flagged_in_the_api(client, fixture_posts, monkeypatch):
    monkeypatch.setattr(search, "total_and_keys", lambda qs, limit, keys: (123_456, True, None))
    page = client.get(reverse("posts:search"), {"q": "数据"}).content.decode()
    assert "约 120000 条" in page and "共 " not in page
    body = client.get("/api/v1/posts", {"q": "助理"}).json()
    assert body["count"] == 120_000 and body["count_estimated"] is True


def test_an_exact_total_shows_as_共(client, fixture_posts):
    page = client.get(reverse("posts:search"), {"q": "数据分析"}).content.decode()
    assert "共 4 条" in page and "约 " not in page


# --- the first-page cache ------------------------------------------------------------------------


def api_titles(client, **params) -> list[str]:
    return [p["title"] for p in client.get("/api/v1/posts", params).json()["items"]]


def test_a_repeated_first_page_comes_from_the_cache_without_queries(client, fixture_posts):
    client.get("/api/v1/posts", {"q": "助理"})
    with CaptureQueriesContext(connection) as ctx:
        assert client.get("/api/v1/posts", {"q": "助理"}).json()["count"] == 4
    assert len(ctx.captured_queries) == 0
    with CaptureQueriesContext(connection) as ctx:  # another page is not cached
        client.get("/api/v1/posts", {"q": "助理", "page": 2, "page_size": 2})
    assert len(ctx.captured_queries) == QUERIES


def test_a_cached_first_page_reads_no_table(fixture_posts):
    query = PostQuery(q="助理", sort="relevance")
    first = search_results(query=query, today=TODAY)
    with CaptureQueriesContext(connection) as ctx:
        again = search_results(query=query, today=TODAY)
    assert ctx.captured_queries == []
    assert again == first and [p.title for p in again.items] == ordered(q="助理", sort="relevance")
    assert (again.count, again.count_estimated) == (4, False)


def test_a_cached_api_page_is_the_same_json_as_an_uncached_one(client, fixture_posts, settings):
    cached = client.get("/api/v1/posts", {"q": "助理"})
    assert client.get("/api/v1/posts", {"q": "助理"}).content == cached.content  # from the cache
    settings.SEARCH_CACHE_SECONDS = 0
    fresh = client.get("/api/v1/posts", {"q": "助理"})
    assert fresh.json() == cached.json() and fresh["Content-Type"] == cached["Content-Type"]


def test_the_cache_is_off_with_zero_seconds(client, fixture_posts, settings):
    settings.SEARCH_CACHE_SECONDS = 0
    client.get("/api/v1/posts", {"q": "助理"})
    with CaptureQueriesContext(connection) as ctx:
        client.get("/api/v1/posts", {"q": "助理"})
    assert len(ctx.captured_queries) == QUERIES


def test_publishing_a_post_drops_the_cached_pages(client, fixture_posts, world):
    draft = PostFactory(host=world.our_host, title="人事助理", status=PostStatus.SUBMITTED, published_at=None)
    assert "人事助理" not in api_titles(client, q="助理")
    services.post_review(actor=world.district_officer, post_id=draft.pk, approve=True)
    assert api_titles(client, q="助理")[0] == "人事助理"


def test_closing_a_post_drops_the_cached_pages(client, fixture_posts, world):
    assert "电商运营助理" in api_titles(client, q="助理")
    services.post_close(actor=world.other_district_officer, post_id=fixture_posts["p6"].pk, reason="已招满")
    assert "电商运营助理" not in api_titles(client, q="助理")


def test_suspending_a_host_drops_the_cached_pages(client, fixture_posts, world):
    page = client.get(reverse("posts:search"), {"q": "助理"}).content.decode()
    assert "行政助理" in page
    host_review(actor=world.district_officer, host_id=world.our_host.pk, action="suspend", reason="核查")
    page = client.get(reverse("posts:search"), {"q": "助理"}).content.decode()
    assert "行政助理" not in page and "电商运营助理" in page


def test_a_cached_page_is_not_served_after_its_day(client, fixture_posts):
    """The key holds the day: a post expiring today leaves tomorrow's first page."""
    PostFactory(title="今日截止助理", expires_on=TODAY, recruit_end=TODAY)
    assert "今日截止助理" in api_titles(client, q="助理")
    with time_machine.travel(TODAY + timedelta(days=1), tick=False):
        assert "今日截止助理" not in api_titles(client, q="助理")


def test_search_results_run_constant_queries_whatever_the_number_of_posts(fixture_posts, world, settings):
    settings.SEARCH_CACHE_SECONDS = 0

    def count(**query) -> int:
        with CaptureQueriesContext(connection) as ctx:
            selectors.search_results(query=PostQuery(**query), today=TODAY)
        return len(ctx.captured_queries)

    for query in ({}, {"q": "助理"}, {"q": "助理", "sort": "relevance"}, {"district": "110108"}):
        assert count(**query) == QUERIES
    PostFactory.create_batch(12, host=world.our_host, title="人事助理")
    for query in ({}, {"q": "助理"}, {"q": "助理", "sort": "relevance"}, {"district": "110108"}):
        assert count(**query) == QUERIES


def test_the_kept_filter_lists_follow_the_query_and_the_language(client, fixture_posts):
    """The rendered filters are kept per query and language: each page shows its own choice."""
    for _ in range(2):  # the second time from the kept fragment
        haidian = client.get(reverse("posts:search"), {"district": "110108"}).content.decode()
        chaoyang = client.get(reverse("posts:search"), {"district": "110105"}).content.decode()
        assert '<option value="110108" selected>' in haidian and '<option value="110105" selected>' not in haidian
        assert '<option value="110105" selected>' in chaoyang
    client.cookies["django_language"] = "en"
    english = client.get(reverse("posts:search"), {"district": "110108"}).content.decode()
    assert "Keyword" in english and "关键词" not in english


def test_renaming_a_host_or_a_district_drops_the_kept_cards_and_filter_lists(client, fixture_posts, world):
    page = client.get(reverse("posts:search"), {"q": "助理"}).content.decode()
    district = world.our_host.district
    assert district.name in page
    district.name, world.our_host.name = "新海淀区", "改名后的单位"
    district.save()
    world.our_host.save()
    page = client.get(reverse("posts:search"), {"q": "助理"}).content.decode()
    assert "新海淀区" in page  # in the cards and in the district list
    assert page.count("新海淀区") >= 2 and "改名后的单位" in page


def test_a_page_number_or_an_unknown_parameter_makes_no_other_copy_of_the_filters(client, fixture_posts):
    from django.core.cache import cache

    if not hasattr(cache, "_cache"):
        pytest.skip("counts the entries of the local-memory cache the tests use")
    client.get(reverse("posts:search"), {"q": "数据"})
    before = len(cache._cache)
    for n in range(5):
        client.get(reverse("posts:search"), {"q": "数据", "page": str(n + 2), f"junk{n}": "x"})
    # pages 2..6 are not cached (first pages only) and the filters are keyed by the query
    assert len(cache._cache) == before
