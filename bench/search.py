"""The public search at scale (issue #14): in process against the best raw SQL, then over HTTP.

``python -m bench --only search --posts N`` (``make bench-national``: N = 1,000,000 on
PostgreSQL). Three goals, each timed through ``selectors.search_results`` (the page and API
path: the total and a page of 20, cache off) and as the best hand-written SQL for the same
answer (the same rows, joined to what a result card shows):

- keyword + two filters: 数据分析 in 海淀 (110108), 专业技术类 (technical), newest first;
- a broad keyword by relevance: 助理 (one post in five), first page;
- no filter, first page, newest first.

Then the production server (gunicorn, `make serve`'s configuration, 3 workers) under the
bounded load generator of bench/http_load.py, 32 clients: /healthz (hello world), the search
API and the search page, with the first-page cache on (as deployed) and off.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

CASES: list[tuple[str, dict[str, Any]]] = [
    ("keyword + district + category", {"q": "数据分析", "district": "110108", "category": "technical"}),
    ("broad keyword by relevance", {"q": "助理", "sort": "relevance"}),
    ("no filter, first page", {}),
]
GOALS_MS = {"keyword + district + category": 50.0, "broad keyword by relevance": 50.0, "no filter, first page": 20.0}

_CARD = (
    "SELECT p.id, p.title, p.description, p.education, p.majors, p.headcount, p.months, p.allowance, "
    "p.recruit_start, p.recruit_end, p.expires_on, p.published_at, h.name, c.code, c.name, d.code, d.name, "
    "dep.code FROM {source} JOIN hosts_host h ON h.id = p.host_id JOIN policy_postcategory c "
    "ON c.id = p.category_id JOIN policy_district d ON d.id = p.district_id LEFT JOIN policy_department dep "
    "ON dep.id = p.department_id {where} ORDER BY {order} LIMIT 20"
)


def _raw(cursor: Any, name: str, today: Any, limit: int) -> int:
    """The best SQL I could write for each case: the same answer (an estimate above ``limit``);
    returns the total."""
    if name == "keyword + district + category":
        where = (
            "WHERE p.status = 'published' AND p.expires_on >= %s "
            "AND p.district_id = (SELECT id FROM policy_district WHERE code = %s) "
            "AND p.category_id = (SELECT id FROM policy_postcategory WHERE code = %s) "
            "AND p.search_vector @@ to_tsquery('simple', %s)"
        )
        # The ids as scalar subqueries: with literal ids the planner preferred a BitmapAnd with
        # the district's btree index, 2-3× slower than the GIN index's own intersection. One
        # statement reads the matches once, newest first, up to the limit: their number is the
        # total (when within the limit) and the first twenty are the page, read in full.
        params = [today, "110108", "technical", "((数据分析) | (分析 & 数据))"]
        cursor.execute(
            f"SELECT p.id FROM posts_post p {where} ORDER BY p.published_at DESC, p.id DESC LIMIT %s",  # noqa: S608
            [*params, limit + 1],
        )
        ids = [row[0] for row in cursor.fetchall()]
        total = len(ids)
        cursor.execute(
            _CARD.format(source="posts_post p", where="WHERE p.id = ANY(%s)", order="p.published_at DESC, p.id DESC"),
            [ids[:20]],
        )
        cursor.fetchall()
        return int(total)
    if name == "broad keyword by relevance":
        # The newest 1,000 matches (their ids, dates and title match only), ranked, twenty
        # kept, and only those twenty read in full and joined.
        window = (
            "(SELECT * FROM (SELECT w.id, w.published_at, (w.title LIKE '%%助理%%')::int AS r FROM posts_post w "
            "WHERE w.status = 'published' AND w.expires_on >= %s AND w.search_vector @@ to_tsquery('simple', '助理') "
            "ORDER BY w.published_at DESC, w.id DESC LIMIT 1000) w ORDER BY w.r DESC, w.published_at DESC, w.id DESC "
            "LIMIT 20) k JOIN posts_post p ON p.id = k.id"
        )
        cursor.execute(
            "EXPLAIN (FORMAT JSON) SELECT 1 FROM posts_post p WHERE p.status = 'published' AND p.expires_on >= %s "
            "AND p.search_vector @@ to_tsquery('simple', '助理')",
            [today],
        )
        total = cursor.fetchone()[0][0]["Plan"]["Plan Rows"]
        order = "k.r DESC, k.published_at DESC, k.id DESC"
        cursor.execute(_CARD.format(source=window, where="", order=order), [today])
        cursor.fetchall()
        return int(total)
    cursor.execute(
        "EXPLAIN (FORMAT JSON) SELECT 1 FROM posts_post p WHERE p.status = 'published' AND p.expires_on >= %s", [today]
    )
    total = cursor.fetchone()[0][0]["Plan"]["Plan Rows"]
    where = "WHERE p.status = 'published' AND p.expires_on >= %s"
    cursor.execute(_CARD.format(source="posts_post p", where=where, order="p.published_at DESC, p.id DESC"), [today])
    cursor.fetchall()
    return int(total)


def bench_search_scale(
    record: Callable[..., None],
    timed: Callable[[Callable[[], object], int], tuple[float, float]],
    *,
    posts: int,
    http_seconds: float = 5.0,
    repeat: int = 30,
) -> list[str]:
    """Run the search benchmarks; returns the lines for docs/BENCHMARKS.md's table."""
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    from bench.search_load import load_posts
    from jianxi.posts.selectors import PostQuery, search_results

    seconds = load_posts(posts)
    if seconds:
        record(f"load {posts:,} posts (jieba in {os.cpu_count()} processes, COPY)", seconds * 1000, seconds * 1000)
    today = timezone.localdate()
    settings.SEARCH_CACHE_SECONDS = 0
    limit = settings.SEARCH_EXACT_COUNT_LIMIT
    lines = []
    for name, params in CASES:
        query = PostQuery(**params)
        result = search_results(query=query, today=today)
        orm = timed(lambda q=query: search_results(query=q, today=today), repeat)
        label = f"{name} ({result.count:,}{' estimated' if result.count_estimated else ''})"
        record(f"search_results: {label}", *orm)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                raw = timed(lambda c=cursor, n=name: _raw(c, n, today, limit), repeat)
            record(f"raw SQL: {name}", *raw, f"ORM/raw p95 {orm[1] / raw[1]:.2f}×")
            lines.append(
                f"| {label} | {GOALS_MS[name]:.0f} ms, ≤ 1.5× raw | {orm[0]:.1f} / {orm[1]:.1f} ms | "
                f"{raw[0]:.1f} / {raw[1]:.1f} ms | {orm[1] / raw[1]:.2f}× |"
            )
    client = Client()
    for name, params in CASES:
        record(
            f"GET /api/v1/posts {name} (in process, no cache)",
            *timed(lambda p=params: client.get("/api/v1/posts", p), 10),
        )
    lines.extend(bench_http(record, http_seconds))
    return lines


def bench_http(record: Callable[..., None], seconds: float, workers: int = 3) -> list[str]:
    """gunicorn (make serve) against the load generator: hello world, the search API, the page."""
    import tempfile

    from django.conf import settings
    from django.db import connection

    from bench.http_load import run_load, serve

    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("sqlite3"):
        url = f"sqlite:///{db['NAME']}"
    else:
        url = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"
    connection.close()
    env = {
        "DATABASE_URL": url,
        "JIANXI_VAR_DIR": tempfile.mkdtemp(prefix="jianxi-serve-"),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DB_CONN_MAX_AGE": "60",
        "REDIS_URL": os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/7"),
        "LOG_LEVEL": "ERROR",
    }
    targets = [
        ("hello world: GET /healthz", "/healthz"),
        ("GET /api/v1/posts?q=数据分析&district=110108", "/api/v1/posts?q=数据分析&district=110108"),
        ("GET /posts/?q=数据 (HTML)", "/posts/?q=数据"),
    ]
    lines = []
    for cache_label, cache_seconds in (("cache on", "30"), ("cache off", "0")):
        with serve({**env, "SEARCH_CACHE_SECONDS": cache_seconds}, workers=workers) as base:
            rates = {}
            for label, path in targets:
                if cache_label == "cache off" and path == "/healthz":
                    continue
                run_load(base + path, concurrency=32, seconds=1.0)  # warm the workers and the cache
                result = run_load(base + path, concurrency=32, seconds=seconds)
                rates[path] = result.rate
                record(f"HTTP {label} ({cache_label})", result.p50_ms, result.p99_ms, result.line())
                lines.append(
                    f"| {label}, {cache_label} | {result.rate:.0f} req/s | {result.p50_ms:.1f} ms | "
                    f"{result.p99_ms:.1f} ms | {result.errors} |"
                )
            if "/healthz" in rates:
                _hello.update(rates)
        api = rates.get("/api/v1/posts?q=数据分析&district=110108")
        if api and _hello.get("/healthz"):
            share = api / _hello["/healthz"]
            print(f"search API / hello world ({cache_label}): {share:.0%}")
            lines.append(f"| search API / hello world, {cache_label} | {share:.0%} | | | |")
    return lines


_hello: dict[str, float] = {}
