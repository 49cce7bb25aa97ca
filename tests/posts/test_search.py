"""Chinese post search (words segmented with jieba), filters, sorting, paging — page and API."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from jianxi.hosts.services import host_review
from jianxi.policy.models import Department, District, PostCategory
from jianxi.posts.models import EducationLevel, PostStatus
from jianxi.posts.selectors import PostQuery, posts_public
from tests.factories import TODAY, PostFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(TODAY, tick=False):
        yield


def titles(**query) -> set[str]:
    return {p.title for p in posts_public(query=PostQuery(**query), today=TODAY)}


@pytest.fixture
def posts(world):
    return {
        "analyst": PostFactory(host=world.our_host, title="数据分析师助理", majors="统计学"),
        "software": PostFactory(
            host=world.our_host,
            title="软件开发见习生",
            majors="计算机科学与技术",
            category=PostCategory.objects.get(code="technical"),
            education=EducationLevel.BACHELOR,
        ),
        "community": PostFactory(
            host=world.other_host,
            title="社区服务专员",
            months=3,
            category=PostCategory.objects.get(code="social_service"),
        ),
        "shop": PostFactory(host=world.other_host, title="电商运营助理", description="负责店铺数据的日常整理"),
    }


def test_keyword_数据分析_finds_数据分析师助理(posts):
    assert "数据分析师助理" in titles(q="数据分析")


def test_keyword_软件_finds_软件开发见习生_and_nothing_else(posts):
    assert titles(q="软件") == {"软件开发见习生"}


def test_several_keywords_must_all_match(posts):
    assert titles(q="软件 社区") == set()
    assert titles(q="电商 运营") == {"电商运营助理"}


def test_description_and_host_name_are_searched_too(posts, world):
    assert "电商运营助理" in titles(q="店铺")
    assert titles(q=world.other_host.name) == {"社区服务专员", "电商运营助理"}


def test_punctuation_and_odd_input_never_break_the_query(posts):
    for q in ['"', "'", '数据" OR 1=1 --', "()", "AND", "*", "数据)分析(", "NEAR(软件)"]:
        titles(q=q)  # no exception: words are reduced to word characters before they reach SQL


def test_relevance_ranks_the_closer_match_first(posts, world):
    PostFactory(host=world.our_host, title="行政助理", description="偶尔做些数据录入，不涉及分析")
    ranked = [p.title for p in posts_public(query=PostQuery(q="数据分析", sort="relevance"), today=TODAY)]
    assert ranked[0] == "数据分析师助理"


def test_filters_district_category_department_education_months_major(posts):
    assert titles(district="110105") == {"社区服务专员", "电商运营助理"}
    assert titles(category="technical") == {"软件开发见习生"}
    assert titles(department="science") == {"数据分析师助理", "软件开发见习生"}
    assert "软件开发见习生" not in titles(education=EducationLevel.JUNIOR_COLLEGE)  # asks for a bachelor
    assert "软件开发见习生" in titles(education=EducationLevel.MASTER)
    assert titles(months=3) == {"社区服务专员"}
    assert titles(major="统计") == {"数据分析师助理"}


def test_only_published_unexpired_posts_are_public(posts, world):
    PostFactory(host=world.our_host, title="草稿岗位", status=PostStatus.DRAFT)
    PostFactory(
        host=world.our_host,
        title="过期岗位",
        expires_on=TODAY - timedelta(days=1),
        recruit_end=TODAY - timedelta(days=2),
    )
    assert not titles() & {"草稿岗位", "过期岗位"}


def test_a_suspended_hosts_posts_leave_the_search_and_return_on_reinstatement(posts, world):
    host_review(actor=world.district_officer, host_id=world.our_host.pk, action="suspend", reason="核查考勤")
    assert "数据分析师助理" not in titles()
    posts["analyst"].refresh_from_db()
    assert posts["analyst"].status == PostStatus.SUSPENDED
    host_review(actor=world.district_officer, host_id=world.our_host.pk, action="reinstate")
    assert "数据分析师助理" in titles()


def test_closing_soon_sorts_by_recruiting_deadline(posts, world):
    soon = PostFactory(host=world.our_host, title="马上截止", recruit_end=TODAY + timedelta(days=1))
    first = posts_public(query=PostQuery(sort="closing"), today=TODAY).first()
    assert first == soon


def test_search_page_works_signed_out_with_paging(client, posts, world):
    PostFactory.create_batch(25, host=world.our_host, title="行政管理见习岗")
    page = client.get(reverse("posts:search"), {"q": "行政"}).content.decode()
    assert "共 25 条" in page and "第 1 / 2 页" in page
    page2 = client.get(reverse("posts:search"), {"q": "行政", "page": 2}).content.decode()
    assert "第 2 / 2 页" in page2


def test_search_page_ignores_bad_filters_with_a_message(client, posts):
    response = client.get(reverse("posts:search"), {"district": "999999", "months": "abc", "sort": "evil"})
    assert response.status_code == 200
    assert "部分筛选条件无效" in response.content.decode()


def test_search_page_runs_constant_queries_whatever_the_number_of_posts(client, posts, world, settings):
    settings.SEARCH_CACHE_SECONDS = 0  # the page as built, not its kept parts

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("posts:search"), {"q": "助理"}).status_code == 200
        return len(ctx.captured_queries)

    before = count()
    PostFactory.create_batch(15, host=world.our_host, title="人事助理")
    assert count() == before


def test_api_search_has_a_stable_shape_and_total(client, posts):
    body = client.get("/api/v1/posts", {"q": "数据分析", "district": "110108"}).json()
    assert body["count"] == 1
    item = body["items"][0]
    assert item["title"] == "数据分析师助理" and item["district"] == "110108" and item["allowance"] == "3000.00"
    assert set(item) >= {"id", "title", "host", "category", "district", "headcount", "months", "recruit_end"}


def test_api_post_detail_is_public_for_published_posts_only(client, posts, world):
    assert client.get(f"/api/v1/posts/{posts['software'].pk}").status_code == 200
    draft = PostFactory(host=world.our_host, status=PostStatus.DRAFT)
    body = client.get(f"/api/v1/posts/{draft.pk}").json()
    assert body["code"] == "not_found"


def test_api_search_runs_constant_queries(client, posts, world):
    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/api/v1/posts", {"q": "助理"}).status_code == 200
        return len(ctx.captured_queries)

    before = count()
    PostFactory.create_batch(15, host=world.our_host, title="人事助理")
    assert count() == before


def test_search_uses_the_full_text_index_not_a_scan(posts):
    """The keyword filter goes through the database's full-text index (FTS5 table / GIN)."""
    qs = posts_public(query=PostQuery(q="软件"), today=TODAY)
    sql = str(qs.query)
    if connection.vendor == "sqlite":
        assert "posts_post_fts MATCH" in sql
    else:
        assert '"posts_post"."search_vector" @@ to_tsquery' in sql
        with connection.cursor() as cursor:
            cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'posts_post_search_published'")
            indexdef = cursor.fetchone()[0]
            assert "gin (search_vector" in indexdef and "WHERE ((status)::text = 'published'" in indexdef
    assert Department.objects.exists() and District.objects.exists()


def test_an_underscore_in_the_query_is_ignored_not_an_empty_phrase(posts):
    assert titles(q="软件_") == {"软件开发见习生"}
