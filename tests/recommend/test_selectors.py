"""Which posts are recommended and how: open posts only (status, recruiting window, places, not
applied to), preferences, eligibility, and a fixed number of queries whatever the number of posts."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from jianxi.placements import services as placements
from jianxi.posts.models import EducationLevel, PostStatus
from jianxi.recommend import services
from jianxi.recommend.selectors import recommendations_for
from jianxi.youth.models import Education
from tests.factories import TODAY, PersonFactory, PostFactory, UserFactory, district
from tests.placements.conftest import accepted, terms
from tests.recommend.conftest import category, post

pytestmark = pytest.mark.django_db


def ids(person, **kwargs) -> list[int]:
    found = recommendations_for(person, today=kwargs.pop("today", TODAY), now=timezone.now(), **kwargs)
    return [r.post.pk for r in found.items]


@pytest.mark.parametrize(
    ("start", "end", "shown"),
    [
        (0, 5, True),  # the window opens today
        (1, 5, False),  # opens tomorrow
        (-5, 0, True),  # closes today
        (-5, -1, False),  # closed yesterday
    ],
)
def test_the_recruiting_window_at_its_edges(person, start, end, shown):
    p = post(recruit_start=TODAY + timedelta(days=start), recruit_end=TODAY + timedelta(days=end))
    assert (p.pk in ids(person)) is shown


@pytest.mark.parametrize("status", [PostStatus.DRAFT, PostStatus.SUBMITTED, PostStatus.CLOSED, PostStatus.EXPIRED,
                                    PostStatus.FILLED, PostStatus.SUSPENDED])  # fmt: skip
def test_only_published_posts_are_recommended(person, status):
    p = post(status=status)
    assert p.pk not in ids(person)


def test_an_expired_validity_is_not_recommended(person):
    p = post(recruit_end=TODAY, expires_on=TODAY - timedelta(days=1))
    assert p.pk not in ids(person)


def test_remaining_places_zero_and_one(world, person):
    """Agreements take places (counted, never stored): a post with none left is not recommended."""
    full = post(host=world.our_host, headcount=1)
    one_left = post(host=world.our_host, headcount=2)
    for p in (full, one_left):
        intern = UserFactory(role="youth")
        PersonFactory(user=intern)
        app = accepted(world, post=p, youth=intern)
        placements.agreement_create(actor=world.host_staff, application_id=app.pk, terms=terms())
    found = recommendations_for(person, today=TODAY, now=timezone.now())
    by_id = {r.post.pk: r for r in found.items}
    assert full.pk not in by_id
    assert one_left.pk in by_id and "仅剩 1 个名额" in by_id[one_left.pk].reasons


def test_posts_the_person_applied_to_are_left_out(world, person):
    p = post()
    assert p.pk in ids(person)
    placements.application_apply(actor=world.youth, post_id=p.pk, today=TODAY)
    assert p.pk not in ids(person)


@pytest.mark.parametrize(
    ("level", "shown"),
    [(EducationLevel.BACHELOR, True), (EducationLevel.JUNIOR_COLLEGE, True), (EducationLevel.MASTER, False)],
)
def test_a_post_asking_for_more_education_than_the_person_has_is_not_recommended(person, level, shown):
    p = post(education=level)
    assert (p.pk in ids(person)) is shown


def test_major_district_and_category_order_the_posts_each_with_its_reasons(world, person):
    services.preference_save(actor=world.youth, districts=[district("110105")], categories=[category("technical")],
                             digest="off", now=timezone.now())  # fmt: skip
    best = post(title="数据分析师助理", majors="统计学、数学", district_code="110105", category=category("technical"))
    major_only = post(title="统计员", majors="统计学", district_code="110112")
    nothing = post(title="行政前台", district_code="110112", days_old=30)
    found = recommendations_for(person, today=TODAY, now=timezone.now())
    order = [r.post.pk for r in found.items]
    assert order.index(best.pk) < order.index(major_only.pk) < order.index(nothing.pk)
    first = found.items[0]
    assert first.post == best
    assert "专业对口：岗位要求统计学" in first.reasons
    assert "在您希望见习的朝阳区" in first.reasons and "属于您感兴趣的技术技能类岗位" in first.reasons
    assert 0 <= found.items[-1].score <= first.score <= 100


def test_a_major_word_finds_an_older_post_beyond_the_newest_ones(person, settings):
    """The candidates include the full-text matches of the major, not only the newest posts."""
    from jianxi.recommend import scoring

    target = post(title="统计分析见习生", majors="统计学", district_code="110112", days_old=50)
    for _ in range(4):
        post(district_code="110112")
    small = scoring.Weights(per_source=2)
    found = recommendations_for(person, today=TODAY, now=timezone.now(), weights=small)
    assert target.pk in [r.post.pk for r in found.items]


def test_eligibility_is_the_apply_pages_outlook(world, person):
    p = post()
    found = recommendations_for(person, today=TODAY, now=timezone.now())
    assert found.outlook.subsidisable and found.items[0].eligible
    # Employed: not eligible (R-EL), and the page says why (without codes for young people).
    person.employed = True
    person.save()
    found = recommendations_for(person, today=TODAY, now=timezone.now())
    assert [r.post.pk for r in found.items] == [p.pk] and not found.items[0].eligible
    assert found.ineligible_reasons


def test_a_person_without_major_or_education_still_gets_posts(world):
    p = post()
    world.our_person.major, world.our_person.education = "", ""
    world.our_person.save()
    assert p.pk in ids(world.our_person)


def _queries(person) -> int:
    with CaptureQueriesContext(connection) as ctx:
        recommendations_for(person, today=TODAY, now=timezone.now())
    return len(ctx.captured_queries)


def test_a_fixed_number_of_queries_whatever_the_number_of_posts(world, person):
    services.preference_save(actor=world.youth, districts=[district("110108"), district("110105")],
                             categories=[category("technical")], digest="weekly", now=timezone.now())  # fmt: skip
    for n in range(3):
        post(title=f"统计见习岗{n}", majors="统计学")
    _queries(person)  # the policy data in the cache, as on any page after the first
    few = _queries(person)
    for n in range(30):
        post(title=f"数据统计见习岗{n}", majors="统计学、数学", district_code=("110108", "110105", "110112")[n % 3])
    assert _queries(person) == few <= 14


def test_an_unpublished_post_never_leaks_through_the_search_source(person):
    draft = PostFactory(title="统计学见习岗", majors="统计学", status=PostStatus.DRAFT, published_at=None)
    assert draft.pk not in ids(person)


def test_education_unknown_is_not_excluded(world, person):
    person.education = ""
    person.save()
    p = post(education=EducationLevel.DOCTORATE)
    assert p.pk in ids(person)
    person.education = Education.MASTER
    person.save()
    assert p.pk not in ids(person)
