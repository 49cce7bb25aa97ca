"""The search benchmark's loader: N published posts with Chinese titles, fast enough for 1,000,000.

The posts are those of ``bench_search`` in bench/__main__.py (16 title words × 5 endings, in 17
districts and every category), so figures compare with the older runs. Each post's search
document is segmented with jieba in worker processes (multiprocessing, one per core); on
PostgreSQL each worker writes its chunk with COPY over its own connection (the server computes
the stored ``search_vector`` as it goes), with the table's secondary indexes dropped during the
load and built afterwards, which is several times faster than maintaining a GIN index row by row.
On SQLite the main process inserts the rows the workers prepared (the FTS5 triggers index them).
"""

from __future__ import annotations

import multiprocessing
import os
import time
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import Any

CHUNK = 20_000
HOSTS = 500
COLUMNS = (
    "title, description, education, majors, headcount, months, allowance, recruit_start, recruit_end, "
    "expires_on, status, status_reason, published_at, created_at, updated_at, search_document, "
    "category_id, district_id, host_id"
)

_ctx: dict[str, Any] = {}


def _init(ctx: dict[str, Any]) -> None:
    _ctx.update(ctx)
    from jianxi.posts import search

    search._ready()


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def _rows(start: int, end: int) -> Iterator[tuple[Any, ...]]:
    from bench.__main__ import TITLE_TAILS, TITLE_WORDS
    from jianxi.posts import search

    hosts: list[tuple[int, str]] = _ctx["hosts"]
    districts: list[int] = _ctx["districts"]
    categories: list[int] = _ctx["categories"]
    today: date = _ctx["today"]
    now: datetime = _ctx["now"]
    expires = today + timedelta(days=120)
    for n in range(start, end):
        title = TITLE_WORDS[n % len(TITLE_WORDS)] + TITLE_TAILS[(n // 7) % len(TITLE_TAILS)]
        host_id, host_name = hosts[n % len(hosts)]
        description = f"{TITLE_WORDS[(n // 3) % len(TITLE_WORDS)]}相关工作，岗位编号{n}。"
        published = now - timedelta(minutes=n)
        yield (
            title,
            description,
            0,
            "",
            1 + n % 5,
            3 + n % 10,
            "3000.00",
            today,
            today + timedelta(days=1 + n % 90),
            expires,
            "published",
            "",
            published,
            published,
            published,
            search.document(title, "", "", host_name, description),
            categories[n % len(categories)],
            districts[n % len(districts)],
            host_id,
        )


def _copy_chunk(bounds: tuple[int, int]) -> int:
    """Segment and COPY posts ``start..end`` on this worker's own connection (PostgreSQL)."""
    import psycopg

    conn = _ctx.get("conn")
    if conn is None:
        conn = _ctx["conn"] = psycopg.connect(_ctx["dsn"], autocommit=True)
    lines = []
    for row in _rows(*bounds):
        lines.append("\t".join(_escape(v.isoformat() if hasattr(v, "isoformat") else str(v)) for v in row))
    with conn.cursor() as cur, cur.copy(f"COPY posts_post ({COLUMNS}) FROM STDIN") as copy:
        copy.write("\n".join(lines) + "\n")
    return bounds[1] - bounds[0]


def _prepare_chunk(bounds: tuple[int, int]) -> list[tuple[Any, ...]]:
    return list(_rows(*bounds))


def _dsn() -> str:
    from django.db import connection

    p = connection.settings_dict
    parts = [f"dbname={p['NAME']}"]
    for key, name in (("USER", "user"), ("PASSWORD", "password"), ("HOST", "host"), ("PORT", "port")):
        if p.get(key):
            parts.append(f"{name}={p[key]}")
    return " ".join(parts)


def ensure_hosts(count: int = HOSTS) -> list[tuple[int, str]]:
    from jianxi.core.validators import credit_code_check_char
    from jianxi.hosts.models import Host, HostType
    from jianxi.policy.models import District

    districts = list(District.objects.order_by("pk"))
    have = Host.objects.count()
    Host.objects.bulk_create(
        [
            Host(
                credit_code=(code := f"931101{n:011d}") + credit_code_check_char(code),
                name=f"搜索基准单位{n}",
                host_type=HostType.PRIVATE,
                district=districts[n % len(districts)],
                address="北京",
                contact_name="联系人",
                contact_phone="13900000000",
                status="approved",
            )
            for n in range(have, count)
        ],
        batch_size=2000,
    )
    return list(Host.objects.order_by("pk").values_list("pk", "name")[:count])


def load_posts(total: int, *, processes: int | None = None) -> float:
    """Add published posts until there are ``total``; returns the seconds it took."""
    from django.db import connection, transaction
    from django.utils import timezone

    from jianxi.policy.models import District, PostCategory
    from jianxi.posts.models import Post

    t0 = time.perf_counter()
    have = Post.objects.count()
    if have >= total:
        return 0.0
    ctx = {
        "hosts": ensure_hosts(),
        # in code order, as bench_search assigns them (districts[n % 17])
        "districts": list(District.objects.order_by("pk").values_list("pk", flat=True)),
        "categories": list(PostCategory.objects.order_by("pk").values_list("pk", flat=True)),
        "today": timezone.localdate(),
        "now": timezone.now(),
    }
    chunks = [(s, min(s + CHUNK, total)) for s in range(have, total, CHUNK)]
    processes = processes or os.cpu_count() or 1
    postgres = connection.vendor == "postgresql"
    indexes: list[tuple[str, str]] = []
    if postgres and total - have > 100_000:
        with connection.cursor() as cur:
            cur.execute(
                "SELECT i.indexname, i.indexdef FROM pg_indexes i JOIN pg_class c ON c.relname = i.indexname "
                "JOIN pg_index x ON x.indexrelid = c.oid WHERE i.tablename = 'posts_post' AND NOT x.indisprimary"
            )
            indexes = cur.fetchall()
            for name, _ in indexes:
                cur.execute(f'DROP INDEX "{name}"')
    ctx["dsn"] = _dsn() if postgres else ""
    connection.close()  # the workers are forked: they must not share this connection
    mp = multiprocessing.get_context("fork")
    with mp.Pool(processes, initializer=_init, initargs=(ctx,)) as pool:
        if postgres:
            for _ in pool.imap_unordered(_copy_chunk, chunks):
                pass
        else:
            sql = f"INSERT INTO posts_post ({COLUMNS}) VALUES ({', '.join(['%s'] * 19)})"  # noqa: S608
            for rows in pool.imap(_prepare_chunk, chunks):
                with transaction.atomic(), connection.cursor() as cur:
                    cur.executemany(sql, rows)
    if indexes:
        with connection.cursor() as cur:
            cur.execute("SET maintenance_work_mem = '512MB'")
            for _, definition in indexes:
                cur.execute(definition)
            cur.execute("RESET maintenance_work_mem")
    with connection.cursor() as cur:
        # every table: the hosts just added too (stale statistics there misplan the joins)
        cur.execute("VACUUM ANALYZE" if postgres else "ANALYZE")
    return time.perf_counter() - t0
