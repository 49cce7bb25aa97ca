"""Reads of the recommendations: a person's preferences, the candidate posts, their ranking.

``recommendations_for`` runs a constant number of queries whatever the number of posts:

1. the person's preferences and their chosen districts and categories (3 queries);
2. the candidates' ids from indexed sources, newest first, ``Weights.per_source`` each: the
   newest open posts; those in the chosen (or registration) districts; those in the chosen
   categories; the search's full-text matches of each of the major's longest words (at most
   ``Weights.major_keywords``) — one query per source, at most six;
3. those posts' scoring columns and placement counts as plain rows (1 query), leaving out the
   posts the person applied to already; then the best ``limit`` with what a card shows (1 query);
4. the person's outlook (eligibility, subsidy; the apply page's ``applicant_outlook``).

Then every candidate is scored in Python (scoring.py) and the best are kept.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db.models import Exists, OuterRef, QuerySet

from jianxi.placements.models import Application
from jianxi.placements.selectors import Outlook, applicant_outlook
from jianxi.posts import search
from jianxi.posts.models import EducationLevel, Post, PostStatus
from jianxi.posts.selectors import with_placement_counts
from jianxi.recommend.models import Preference
from jianxi.recommend.scoring import WEIGHTS, Opening, Seeker, Weights, post_words, rank
from jianxi.youth.models import Education, Person

# A person's education (youth.Education) on the scale posts ask for (posts.EducationLevel).
EDUCATION_LEVEL: dict[str, int] = {
    Education.DOCTORATE: EducationLevel.DOCTORATE,
    Education.MASTER: EducationLevel.MASTER,
    Education.BACHELOR: EducationLevel.BACHELOR,
    Education.JUNIOR_COLLEGE: EducationLevel.JUNIOR_COLLEGE,
    Education.SECONDARY_VOCATIONAL: EducationLevel.SECONDARY,
    Education.TECHNICIAN: EducationLevel.SECONDARY,
    Education.HIGH_SCHOOL: EducationLevel.ANY,
}


@dataclass(frozen=True)
class Chosen:
    """A person's preferences as ids (an unsaved person has none)."""

    preference: Preference | None
    districts: frozenset[int]
    categories: frozenset[int]


def chosen_of(person: Person) -> Chosen:
    preference = Preference.objects.filter(person=person).first()
    if preference is None:
        return Chosen(None, frozenset(), frozenset())
    districts = frozenset(preference.districts.values_list("pk", flat=True))
    categories = frozenset(preference.categories.values_list("pk", flat=True))
    return Chosen(preference, districts, categories)


def seeker_of(person: Person, chosen: Chosen) -> Seeker:
    return Seeker(
        major=person.major.strip(),
        education=EDUCATION_LEVEL.get(person.education),
        districts=chosen.districts,
        home_district=person.district_id,
        categories=chosen.categories,
    )


def open_posts(today: date) -> QuerySet[Post]:
    """Posts a person can apply to today: published, unexpired, inside the recruiting window
    (招募期). Places remaining are checked on the candidates (they are counted, never stored)."""
    return Post.objects.filter(
        status=PostStatus.PUBLISHED, expires_on__gte=today, recruit_start__lte=today, recruit_end__gte=today
    )


def _newest_ids(qs: QuerySet[Post], n: int) -> list[int]:
    return list(qs.order_by("-published_at", "-id").values_list("pk", flat=True)[:n])


def candidate_ids(
    seeker: Seeker, *, today: date, weights: Weights = WEIGHTS, since: datetime | None = None
) -> list[int]:
    """The ids of the posts worth scoring, from indexed sources (see the module's docstring)."""
    base = open_posts(today)
    if since is not None:
        base = base.filter(published_at__gt=since)
    n = weights.per_source
    found: dict[int, None] = dict.fromkeys(_newest_ids(base, n))
    districts = seeker.districts or ({seeker.home_district} if seeker.home_district else set())
    if districts:
        found.update(dict.fromkeys(_newest_ids(base.filter(district_id__in=sorted(districts)), n)))
    if seeker.categories:
        found.update(dict.fromkeys(_newest_ids(base.filter(category_id__in=sorted(seeker.categories)), n)))
    keywords = sorted(seeker.major_words, key=lambda w: (-len(w), w))[: weights.major_keywords]
    for word in keywords:
        matched = search.apply(base, word, ranked=False)
        if matched is not None:
            found.update(dict.fromkeys(_newest_ids(matched, n)))
    return list(found)


CANDIDATE_COLUMNS = ("pk", "title", "majors", "education", "district_id", "district__name", "category_id",
                     "category__name", "headcount", "placed", "published_at")  # fmt: skip


def openings(rows: list[dict[str, Any]], *, now: datetime) -> list[Opening]:
    """Candidates as the scorer takes them, from plain rows (``CANDIDATE_COLUMNS``): hundreds of
    model instances with their hosts, districts and categories would cost more than the queries."""
    return [
        Opening(
            post_id=row["pk"],
            title=row["title"],
            majors=row["majors"],
            education=row["education"],
            district=row["district_id"],
            district_name=row["district__name"],
            category=row["category_id"],
            category_name=row["category__name"],
            remaining=max(row["headcount"] - (row["placed"] or 0), 0),
            age_days=max((now - row["published_at"]).total_seconds() / 86400, 0.0) if row["published_at"] else 365.0,
            words=post_words(row["title"], row["majors"]),
        )
        for row in rows
    ]


@dataclass(frozen=True)
class Recommendation:
    post: Post
    score: float
    reasons: tuple[str, ...]
    eligible: bool  # an internship here would be subsidised (eligibility and R-EL-6, as on the apply page)


@dataclass(frozen=True)
class Recommendations:
    items: list[Recommendation]
    outlook: Outlook
    chosen: Chosen

    @property
    def ineligible_reasons(self) -> list[str]:
        """Why an internship would not be subsidised (the same for every post), in plain words."""
        found = list(self.outlook.reasons)
        if self.outlook.subsidy_note:
            found.append(self.outlook.subsidy_note)
        return found


def recommendations_for(
    person: Person,
    *,
    today: date,
    now: datetime,
    limit: int = 20,
    weights: Weights = WEIGHTS,
    since: datetime | None = None,
    chosen: Chosen | None = None,
) -> Recommendations:
    """The person's best ``limit`` open posts, each with its score, reasons and eligibility."""
    chosen = chosen if chosen is not None else chosen_of(person)
    seeker = seeker_of(person, chosen)
    ids = candidate_ids(seeker, today=today, weights=weights, since=since)
    applied = Application.objects.filter(person=person, post=OuterRef("pk"))
    rows = list(
        with_placement_counts(Post.objects.filter(pk__in=ids).exclude(Exists(applied)).order_by())
        .values(*CANDIDATE_COLUMNS)
    ) if ids else []  # fmt: skip
    ranked = rank(seeker, openings(rows, now=now), weights, limit=limit)
    best = [s.post_id for s in ranked]
    posts = Post.objects.filter(pk__in=best).select_related("host", "district", "category")
    by_id = {p.pk: p for p in posts.defer("search_document", "description")} if best else {}
    outlook = applicant_outlook(person, today=today)
    items = [
        Recommendation(post=by_id[s.post_id], score=s.score, reasons=s.reasons, eligible=outlook.subsidisable)
        for s in ranked
        if s.post_id in by_id
    ]
    return Recommendations(items=items, outlook=outlook, chosen=chosen)


def person_of_user(user: Any) -> Person | None:
    return Person.objects.filter(user=user).select_related("district").first() if user.is_authenticated else None
