"""The recommendation score (recommend/scoring.py): bounded, monotonic in each preference, and each
comparison at its edge. Pure: no database."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jianxi.recommend.scoring import WEIGHTS, Opening, Seeker, Weights, components, rank, score

MAJORS = ["统计学", "计算机科学与技术", "软件工程", "会计学", "汉语言文学", "数据科学与大数据技术", ""]
TITLES = ["数据分析师助理", "软件开发见习生", "财务会计专员", "新媒体编辑见习岗", "综合管理见习岗"]
POST_MAJORS = ["", "统计学、数学", "计算机科学与技术、软件工程", "会计学", "新闻学、汉语言文学"]

seekers = st.builds(
    Seeker,
    major=st.sampled_from(MAJORS),
    education=st.one_of(st.none(), st.integers(0, 5)),
    districts=st.frozensets(st.integers(1, 6), max_size=3),
    home_district=st.one_of(st.none(), st.integers(1, 6)),
    categories=st.frozensets(st.integers(1, 5), max_size=3),
)
openings = st.builds(
    Opening,
    post_id=st.integers(1, 1000),
    title=st.sampled_from(TITLES),
    majors=st.sampled_from(POST_MAJORS),
    education=st.integers(0, 5),
    district=st.integers(1, 6),
    district_name=st.just("海淀区"),
    category=st.integers(1, 5),
    category_name=st.just("技术技能类"),
    remaining=st.integers(0, 20),
    age_days=st.floats(0, 400, allow_nan=False),
)


@settings(max_examples=300, deadline=None)
@given(seekers, openings)
def test_every_score_is_between_0_and_100_and_every_component_between_0_and_1(seeker, post):
    scored = score(seeker, post)
    assert 0.0 <= scored.score <= 100.0
    assert all(0.0 <= v <= 1.0 for v in scored.components.values()), scored.components


@settings(max_examples=300, deadline=None)
@given(seekers, openings)
def test_a_post_in_a_chosen_district_never_scores_lower_all_else_equal(seeker, post):
    chosen = replace(seeker, districts=seeker.districts | {post.district})
    assert score(chosen, post).score >= score(replace(seeker, districts=seeker.districts - {post.district}
                                                      or frozenset({99})), post).score  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(seekers, openings)
def test_a_post_in_a_chosen_category_never_scores_lower_all_else_equal(seeker, post):
    liked = replace(seeker, categories=seeker.categories | {post.category})
    other = replace(seeker, categories=seeker.categories - {post.category})
    assert score(liked, post).score >= score(other, post).score


@settings(max_examples=300, deadline=None)
@given(seekers, openings, st.integers(0, 20), st.floats(0, 100, allow_nan=False))
def test_more_places_and_a_fresher_post_never_score_lower(seeker, post, more, younger):
    better = replace(post, remaining=post.remaining + more, age_days=max(post.age_days - younger, 0.0))
    assert score(seeker, better).score >= score(seeker, post).score


@settings(max_examples=300, deadline=None)
@given(seekers, openings)
def test_a_post_naming_the_persons_major_never_scores_lower_than_one_that_does_not(seeker, post):
    if not seeker.major:
        return
    named = replace(post, majors=seeker.major, words=frozenset())
    unrelated = replace(post, majors="考古学", title="考古发掘见习岗", words=frozenset())
    assert score(seeker, named).score >= score(seeker, unrelated).score
    assert components(seeker, named)["major"] == 1.0


@settings(max_examples=100, deadline=None)
@given(seekers, st.lists(openings, max_size=30, unique_by=lambda p: p.post_id))
def test_the_ranking_keeps_only_open_posts_the_person_qualifies_for_best_first(seeker, posts):
    ranked = rank(seeker, posts, limit=10)
    by_id = {p.post_id: p for p in posts}
    assert len(ranked) <= 10
    assert all(by_id[s.post_id].remaining > 0 for s in ranked)
    assert all(seeker.education is None or seeker.education >= by_id[s.post_id].education for s in ranked)
    assert [s.score for s in ranked] == sorted((s.score for s in ranked), reverse=True)


# --- each comparison at its edge ------------------------------------------------------------------

BACHELOR = 3
POST = Opening(post_id=1, title="数据分析师助理", majors="统计学、数学", education=BACHELOR, district=1,
               district_name="海淀区", category=1, category_name="技术技能类", remaining=3, age_days=1)  # fmt: skip


@pytest.mark.parametrize(
    ("level", "fit", "recommended"),
    [
        (BACHELOR, 1.0, True),  # equal: a full fit
        (BACHELOR + 1, 0.8, True),  # above: over-qualified by one level
        (BACHELOR + 2, 0.6, True),
        (BACHELOR - 1, 0.0, False),  # below: the post asks for more, not recommended
        (None, 0.5, True),  # unknown: neither
    ],
)
def test_education_equal_above_below(level, fit, recommended):
    seeker = Seeker(major="统计学", education=level)
    assert components(seeker, POST)["education"] == pytest.approx(fit)
    assert bool(rank(seeker, [POST])) is recommended


def test_a_post_open_to_any_education_fits_everyone_and_the_fit_has_a_floor():
    anyone = replace(POST, education=0)
    assert components(Seeker(education=0), anyone)["education"] == 1.0
    assert components(Seeker(education=5), anyone)["education"] == pytest.approx(0.4)


@pytest.mark.parametrize(("remaining", "places", "recommended"), [(0, 0.0, False), (1, 0.2, True), (5, 1.0, True),
                                                                  (9, 1.0, True)])  # fmt: skip
def test_remaining_places_zero_one_and_plenty(remaining, places, recommended):
    post = replace(POST, remaining=remaining)
    assert components(Seeker(), post)["places"] == pytest.approx(places)
    assert bool(rank(Seeker(), [post])) is recommended


def test_freshness_halves_every_half_life():
    fresh = components(Seeker(), replace(POST, age_days=0))["freshness"]
    old = components(Seeker(), replace(POST, age_days=WEIGHTS.half_life_days))["freshness"]
    assert (fresh, old) == (1.0, 0.5)


def test_without_chosen_districts_the_registration_district_counts():
    assert components(Seeker(home_district=1), POST)["district"] == 1.0
    assert components(Seeker(home_district=2), POST)["district"] == 0.0
    # Chosen districts replace the registration district.
    assert components(Seeker(home_district=1, districts=frozenset({2})), POST)["district"] == 0.0


def test_major_words_match_as_the_search_segments_them():
    # 数据科学与大数据技术 and 数据分析师助理 share 数据 (jieba words), not the whole major.
    seeker = Seeker(major="数据科学与大数据技术")
    part = components(seeker, replace(POST, majors="统计学"))["major"]
    assert 0.0 < part < 1.0
    assert components(Seeker(major="统计学"), POST)["major"] == 1.0
    assert components(Seeker(major="会计学"), POST)["major"] == 0.0


def test_reasons_are_plain_chinese_without_rule_codes():
    seeker = Seeker(major="统计学", education=BACHELOR, districts=frozenset({1}), categories=frozenset({1}))
    reasons = score(seeker, POST).reasons
    assert reasons == ("专业对口：岗位要求统计学", "学历要求与您的学历相符", "在您希望见习的海淀区",
                       "属于您感兴趣的技术技能类岗位", "还有 3 个名额", "近 7 天新发布")  # fmt: skip
    assert not any(re.search(r"R-[A-Z]+-\d", r) for r in reasons)


def test_weights_are_parameters():
    seeker = Seeker(major="统计学", education=BACHELOR)
    only_major = Weights(major=1, education=0, district=0, category=0, places=0, freshness=0)
    assert score(seeker, POST, only_major).score == 100.0
    only_district = Weights(major=0, education=0, district=1, category=0, places=0, freshness=0)
    assert score(seeker, POST, only_district).score == 0.0
