"""The recommendation score (为你推荐): pure Python over plain values, no database.

A post's score is a weighted mean of six components, each between 0 and 1, times 100:

=============  =======================================================================
component      value
=============  =======================================================================
major          1 when the person's major is named in the post's majors; else the share
               of the major's words (``major_words``: jieba) found among the post's title
               and majors words (as the search segments them); ``OPEN_MAJOR`` when the
               post takes any major
education      the post asks for the person's level: 1; for less: 1 − 0.2 per level
               below the person's, at least ``OVERQUALIFIED_FLOOR``; unknown: 0.5.
               A post asking for *more* than the person has is not recommended.
district       1 in a preferred district (or, with none chosen, the person's own
               registration district), else 0
category       1 in a preferred category, else 0
places         remaining places / ``places_full_at``, at most 1 (a full post is not open)
freshness      0.5 ** (days since published / ``half_life_days``)
=============  =======================================================================

The weights and thresholds are ``Weights`` (one place; ``WEIGHTS`` is what the site uses),
documented in docs/architecture.md ("Recommendations"). Every component is monotonic in what
it measures and every weight is positive, so a post that matches more of a person's
preferences never scores lower, all else equal (tested with Hypothesis).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

import jieba
from django.utils.translation import gettext as _

from jianxi.posts import search

OPEN_MAJOR = 0.3  # a post that takes any major (专业不限) half-matches nobody and excludes nobody
OVERQUALIFIED_FLOOR = 0.4
UNKNOWN_EDUCATION = 0.5
MIN_WORD = 2  # single characters (与, 学) say nothing about a major


@dataclass(frozen=True)
class Weights:
    """Every tunable number of the recommendations, in one place."""

    major: float = 40.0
    education: float = 10.0
    district: float = 20.0
    category: float = 15.0
    places: float = 5.0
    freshness: float = 10.0
    places_full_at: int = 5  # this many remaining places or more count as "plenty"
    half_life_days: float = 14.0  # freshness halves every this many days
    digest_threshold: float = 50.0  # a digest names only posts scoring at least this
    per_source: int = 100  # candidates read from each indexed source (see selectors.candidates)
    major_keywords: int = 3  # the major's longest words searched for candidates, each a source

    def total(self) -> float:
        return self.major + self.education + self.district + self.category + self.places + self.freshness


WEIGHTS = Weights()


@dataclass(frozen=True)
class Seeker:
    """What the ranking knows of a young person."""

    major: str = ""
    education: int | None = None  # posts.EducationLevel value; None when unknown
    districts: frozenset[int] = frozenset()  # chosen districts (ids)
    home_district: int | None = None  # the registration district, used when none is chosen
    categories: frozenset[int] = frozenset()

    @property
    def major_words(self) -> frozenset[str]:
        return major_words(self.major)


@dataclass(frozen=True)
class Opening:
    """What the ranking knows of an open post."""

    post_id: int
    title: str
    majors: str = ""
    education: int = 0
    district: int = 0
    district_name: str = ""
    category: int = 0
    category_name: str = ""
    remaining: int = 1
    age_days: float = 0.0
    words: frozenset[str] = field(default=frozenset(), compare=False)


@dataclass(frozen=True)
class Scored:
    post_id: int
    score: float  # 0 … 100
    reasons: tuple[str, ...]
    components: dict[str, float] = field(compare=False, default_factory=dict)


@lru_cache(maxsize=8192)
def words_of(text: str) -> frozenset[str]:
    """The words of a major or a title, segmented as the post search segments them."""
    if not text:
        return frozenset()
    return frozenset(w for w in search.document(text).split() if len(w) >= MIN_WORD)


STOP_WORDS = frozenset({"及其", "专业", "相关", "方向", "以上"})


@lru_cache(maxsize=4096)
def major_words(major: str) -> frozenset[str]:
    """The words of a person's major: jieba's precise words, and the search words that begin one
    of them (会计学 → 会计学, 会计; not 计学, which would match 统计学)."""
    if not major:
        return frozenset()
    search.document("")  # jieba loaded once, as the search loads it
    found: set[str] = set()
    for word in jieba.cut(major.lower()):
        if len(word) < MIN_WORD or word in STOP_WORDS:
            continue
        found.add(word)
        found.update(w for w in jieba.cut_for_search(word) if len(w) >= MIN_WORD and word.startswith(w))
    return frozenset(found)


def post_words(title: str, majors: str) -> frozenset[str]:
    return words_of(title) | words_of(majors)


def _majors_list(majors: str) -> list[str]:
    for sep in "，,；;/ ":
        majors = majors.replace(sep, "、")
    return [m.strip() for m in majors.split("、") if m.strip()]


def qualifies(seeker: Seeker, post: Opening) -> bool:
    """The person's education is at least what the post asks for (unknown: not excluded)."""
    return seeker.education is None or seeker.education >= post.education


def components(seeker: Seeker, post: Opening, weights: Weights = WEIGHTS) -> dict[str, float]:
    words = post.words or post_words(post.title, post.majors)
    if not post.majors.strip():
        major = OPEN_MAJOR if seeker.major else 0.0
    elif seeker.major and seeker.major.strip() in _majors_list(post.majors):
        major = 1.0
    else:
        mine = seeker.major_words
        major = len(mine & words) / len(mine) if mine else 0.0
    if seeker.education is None:
        education = UNKNOWN_EDUCATION
    elif seeker.education < post.education:
        education = 0.0
    else:
        education = max(OVERQUALIFIED_FLOOR, 1.0 - 0.2 * (seeker.education - post.education))
    chosen = seeker.districts or ({seeker.home_district} if seeker.home_district is not None else set())
    district = 1.0 if post.district in chosen else 0.0
    category = 1.0 if post.category in seeker.categories else 0.0
    places = min(max(post.remaining, 0), weights.places_full_at) / weights.places_full_at
    freshness = 0.5 ** (max(post.age_days, 0.0) / weights.half_life_days)
    return {"major": major, "education": education, "district": district, "category": category,
            "places": places, "freshness": freshness}  # fmt: skip


def _value(parts: dict[str, float], weights: Weights) -> float:
    total = sum(getattr(weights, name) * value for name, value in parts.items())
    return round(100.0 * total / weights.total(), 1)


def score(seeker: Seeker, post: Opening, weights: Weights = WEIGHTS) -> Scored:
    parts = components(seeker, post, weights)
    return Scored(post_id=post.post_id, score=_value(parts, weights), reasons=tuple(reasons(seeker, post, parts)),
                  components=parts)  # fmt: skip


def reasons(seeker: Seeker, post: Opening, parts: dict[str, float]) -> list[str]:
    """Why the post was chosen, in plain Chinese (no rule codes: young people read these)."""
    found: list[str] = []
    if parts["major"] >= 1.0:
        found.append(_("专业对口：岗位要求%(major)s") % {"major": seeker.major})
    elif parts["major"] > OPEN_MAJOR:
        common = sorted(seeker.major_words & (post.words or post_words(post.title, post.majors)))
        found.append(_("与您的专业（%(major)s）相关：%(words)s") % {"major": seeker.major, "words": "、".join(common)})
    elif parts["major"] > 0:
        found.append(_("专业不限"))
    if seeker.education is not None and parts["education"] >= 1.0:
        found.append(_("学历要求与您的学历相符"))
    if parts["district"]:
        if seeker.districts:
            found.append(_("在您希望见习的%(district)s") % {"district": post.district_name})
        else:
            found.append(_("在您登记的%(district)s") % {"district": post.district_name})
    if parts["category"]:
        found.append(_("属于您感兴趣的%(category)s岗位") % {"category": post.category_name})
    if post.remaining >= 2:
        found.append(_("还有 %(n)s 个名额") % {"n": post.remaining})
    elif post.remaining == 1:
        found.append(_("仅剩 1 个名额"))
    if post.age_days < 7:
        found.append(_("近 7 天新发布"))
    return found


def rank(seeker: Seeker, posts: Iterable[Opening], weights: Weights = WEIGHTS, limit: int = 20) -> list[Scored]:
    """The best ``limit`` open posts for the person: those it qualifies for with places left,
    highest score first, then newest, then the smaller id. Reasons are worded for those only."""
    scored = []
    for post in posts:
        if post.remaining > 0 and qualifies(seeker, post):
            parts = components(seeker, post, weights)
            scored.append((_value(parts, weights), post, parts))
    scored.sort(key=lambda row: (-row[0], row[1].age_days, row[1].post_id))
    return [
        Scored(post_id=post.post_id, score=value, reasons=tuple(reasons(seeker, post, parts)), components=parts)
        for value, post, parts in scored[:limit]
    ]
