"""Offline quality of 为你推荐 (issue #15): precision@10 against a plain "newest first" baseline.

``python -m bench --only recommend_quality [--quality-persons N --quality-posts N --seed S]``

A population is generated with a fixed seed. Each post belongs to a field of study (its majors,
or 专业不限, and a title of the field), a category, a district, an education level, an age and
places left. Each person has a major of one field, an education level, one or two districts and
one or two categories they would like (their stated preferences) — and a hidden set of "liked"
posts, defined apart from the scorer: posts of their field (or open to any major, with a title
of their field) in one of their districts or categories, that their education allows; 15 % of
those are dropped and 2 % of the other posts they qualify for are added (noise).

Both rankings see the same pool: the open posts (places left) the person qualifies for.
"Newest first" orders it by publication; ours by ``recommend.scoring.rank``. precision@10 is the
share of the top ten the person likes, averaged over people.

Then, with ``--posts N`` posts in the database (the search benchmark's loader), the time and the
queries of ``recommendations_for`` and of the young person's home.
"""

from __future__ import annotations

import random
import statistics
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

FIELDS: dict[str, tuple[list[str], list[str], str]] = {
    # field: (majors, title words, its usual category)
    "computing": (["计算机科学与技术", "软件工程", "人工智能", "数据科学与大数据技术"],
                  ["软件开发", "算法", "数据分析", "软件测试", "运维"], "technical"),
    "business": (["会计学", "财务管理", "工商管理", "市场营销"], ["财务会计", "出纳", "市场推广", "销售管理"],
                 "management"),
    "electrical": (["电子信息工程", "自动化", "电气工程及其自动化"], ["电气设计", "自动化控制", "电子工程"],
                   "technical"),
    "letters": (["汉语言文学", "新闻学", "法学"], ["新媒体编辑", "文案策划", "法务"], "social_service"),
    "design": (["视觉传达设计", "环境设计", "数字媒体艺术"], ["平面设计", "视觉设计", "展陈设计"], "ecommerce"),
    "mechanical": (["机械设计制造及其自动化", "车辆工程"], ["机械设计", "机械制造", "汽车装配"], "technical"),
    "research": (["生物科学", "化学", "物理学"], ["实验室研究", "化学分析", "科研"], "research"),
}  # fmt: skip
TAILS = ["助理", "见习生", "专员", "见习岗"]
CATEGORIES = ["technical", "management", "social_service", "ecommerce", "research"]
DISTRICTS = 17
DROP, ADD = 0.15, 0.02


@dataclass(frozen=True)
class Population:
    seekers: list[Any]  # recommend.scoring.Seeker
    openings: list[Any]  # recommend.scoring.Opening
    fields: dict[int, str]  # post id → its field ("" for 专业不限 with a field's title: the title's field)
    liked: list[set[int]]  # per person, the ids of the posts they like


def generate(*, seed: int, persons: int, posts: int) -> Population:
    from jianxi.recommend.scoring import Opening, Seeker, post_words

    rng = random.Random(seed)  # noqa: S311 - a reproducible population, not a secret
    names = list(FIELDS)
    cat_ids = {code: i + 1 for i, code in enumerate(CATEGORIES)}
    openings, fields = [], {}
    for pid in range(1, posts + 1):
        field = rng.choice(names)
        majors, titles, category = FIELDS[field]
        any_major = rng.random() < 0.2
        chosen_majors = "" if any_major else "、".join(rng.sample(majors, k=rng.choice([1, 2])))
        cat = category if rng.random() < 0.7 else rng.choice(CATEGORIES)
        title = rng.choice(titles) + rng.choice(TAILS)
        openings.append(
            Opening(
                post_id=pid,
                title=title,
                words=post_words(title, chosen_majors),
                majors=chosen_majors,
                education=rng.choice([0, 0, 2, 3, 3, 4]),
                district=rng.randint(1, DISTRICTS),
                district_name="区",
                category=cat_ids[cat],
                category_name="类",
                remaining=rng.choice([0, 1, 1, 2, 3, 5, 8]),
                age_days=rng.uniform(0, 60),
            )
        )
        fields[pid] = field
    seekers, liked = [], []
    for _ in range(persons):
        field = rng.choice(names)
        majors, _titles, category = FIELDS[field]
        districts = frozenset(rng.sample(range(1, DISTRICTS + 1), k=rng.choice([1, 2])))
        cats = {cat_ids[category]} if rng.random() < 0.8 else set()
        cats |= {cat_ids[rng.choice(CATEGORIES)]} if rng.random() < 0.5 or not cats else set()
        seeker = Seeker(major=rng.choice(majors), education=rng.choice([2, 3, 3, 4]), districts=districts,
                        home_district=min(districts), categories=frozenset(cats))  # fmt: skip
        likes = set()
        for post in openings:
            if post.education > (seeker.education or 0):
                continue
            of_field = fields[post.post_id] == field
            matches = of_field and (post.district in districts or post.category in seeker.categories)
            if (matches and rng.random() >= DROP) or (not matches and rng.random() < ADD):
                likes.add(post.post_id)
        seekers.append(seeker)
        liked.append(likes)
    return Population(seekers=seekers, openings=openings, fields=fields, liked=liked)


def precision_at(k: int, ranked: list[int], liked: set[int]) -> float:
    return sum(1 for pid in ranked[:k] if pid in liked) / k


@dataclass(frozen=True)
class Quality:
    ours: float
    newest: float
    persons: int
    posts: int


def evaluate(population: Population, k: int = 10) -> Quality:
    """Mean precision@k of our ranking and of newest first, over the same pool per person."""
    from jianxi.recommend.scoring import qualifies, rank

    ours, newest = [], []
    for seeker, likes in zip(population.seekers, population.liked, strict=True):
        pool = [p for p in population.openings if p.remaining > 0 and qualifies(seeker, p)]
        ranked = [s.post_id for s in rank(seeker, pool, limit=k)]
        baseline = [p.post_id for p in sorted(pool, key=lambda p: (p.age_days, p.post_id))[:k]]
        ours.append(precision_at(k, ranked, likes))
        newest.append(precision_at(k, baseline, likes))
    return Quality(
        ours=statistics.fmean(ours),
        newest=statistics.fmean(newest),
        persons=len(population.seekers),
        posts=len(population.openings),
    )


def bench_recommend_quality(
    record: Callable[..., None],
    timed: Callable[..., tuple[float, float]],
    *,
    seed: int,
    persons: int,
    posts: int,
    db_posts: int,
) -> list[str]:
    """The quality figures, then the timings at ``db_posts`` posts in the database."""
    import time

    t0 = time.perf_counter()
    quality = evaluate(generate(seed=seed, persons=persons, posts=posts))
    lines = [
        f"precision@10, seed {seed}, {quality.persons:,} persons × {quality.posts:,} posts: "
        f"ours {quality.ours:.3f}, newest first {quality.newest:.3f} "
        f"({quality.ours / quality.newest:.1f}×) in {time.perf_counter() - t0:.1f} s"
    ]
    print(lines[0])
    if db_posts:
        lines += bench_recommend_speed(record, timed, posts=db_posts)
    return lines


def bench_recommend_speed(
    record: Callable[..., None], timed: Callable[..., tuple[float, float]], *, posts: int
) -> list[str]:
    """``recommendations_for`` and the young person's home over ``posts`` published posts."""
    from datetime import date

    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from bench.search_load import load_posts
    from jianxi.accounts.models import Role, User
    from jianxi.policy.models import District, PostCategory
    from jianxi.recommend import services
    from jianxi.recommend.models import DigestFrequency
    from jianxi.recommend.selectors import recommendations_for
    from jianxi.youth.models import Education, Group, Person

    seconds = load_posts(posts)
    print(f"loaded {posts:,} posts in {seconds:.1f} s")
    user = User.objects.filter(username="bench-youth").first()
    if user is None:
        user = User.objects.create(username="bench-youth", role=Role.YOUTH)
        from jianxi.core.validators import resident_id_check_char

        body = "11010820000101123"
        Person.objects.create(
            user=user, id_number=body + resident_id_check_char(body), name="基准青年", birth_date=date(2000, 1, 1),
            phone="13800000000", group=Group.COLLEGE_GRADUATE, education=Education.BACHELOR,
            major="数据科学与大数据技术", district=District.objects.get(code="110108"),
            graduation_date=date(2026, 6, 30), beijing_origin=True,
        )  # fmt: skip
        services.preference_save(
            actor=user,
            districts=District.objects.filter(code__in=["110108", "110105"]),
            categories=PostCategory.objects.filter(code="technical"),
            digest=DigestFrequency.WEEKLY,
            now=timezone.now(),
        )
    person = Person.objects.get(user=user)
    today, now = timezone.localdate(), timezone.now()

    def run() -> Any:
        return recommendations_for(person, today=today, now=now, limit=20)

    with CaptureQueriesContext(connection) as ctx:
        found = run()
    record(
        f"recommendations_for ({posts:,} posts)",
        *timed(run, 20),
        f"{len(ctx.captured_queries)} queries, {len(found.items)} items",
    )
    client = Client()
    client.force_login(user)
    assert client.get("/").status_code == 200
    # The home's queries are asserted constant by tests/recommend/test_pages.py (a request reconnects,
    # which CaptureQueriesContext here would not see).
    record(f"GET / as a young person ({posts:,} posts)", *timed(lambda: client.get("/"), 20))
    record(f"GET /api/v1/me/recommendations ({posts:,} posts)",
           *timed(lambda: client.get("/api/v1/me/recommendations?limit=20"), 20))  # fmt: skip
    return []
