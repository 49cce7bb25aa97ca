"""Jianxi benchmarks: `make bench` (or `python -m bench [--hosts N]`).

Runs against a throw-away database: SQLite in a temporary folder by default, or the database
named by BENCH_DATABASE_URL (for example a PostgreSQL database that may be dropped and
re-created). Prints one line per benchmark; docs/BENCHMARKS.md keeps the results.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import secrets
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any


def timed(fn: Callable[[], object], repeat: int) -> tuple[float, float]:
    """Median and p95 wall time of one call, in milliseconds."""
    samples = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t0) * 1000)
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.95) - 1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--hosts", type=int, default=20_000, help="hosts to load for the list benchmark")
    parser.add_argument("--posts", type=int, default=100_000, help="posts to load for the search benchmark")
    parser.add_argument("--internships", type=int, default=20_000, help="internships for the claim-run benchmark")
    parser.add_argument(
        "--only",
        choices=["claim_run", "imports", "oversight", "search", "recommend_quality"],
        help="run only this benchmark",
    )
    parser.add_argument("--http-seconds", type=float, default=5.0, help="seconds per URL under HTTP load (search)")
    parser.add_argument("--stats-posts", type=int, default=1_000_000, help="posts for the statistics benchmark")
    parser.add_argument(
        "--stats-agreements", type=int, default=1_000_000, help="agreements for the statistics benchmark"
    )
    parser.add_argument("--quality-persons", type=int, default=1_000, help="people in the recommendation quality bench")
    parser.add_argument("--quality-posts", type=int, default=3_000, help="posts in the recommendation quality bench")
    parser.add_argument("--seed", type=int, default=15, help="seed of the generated population (recommend_quality)")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()

    tmp = tempfile.mkdtemp(prefix="jianxi-bench-")
    from bench.database import bench_database_url

    os.environ["DATABASE_URL"] = bench_database_url(tmp)
    os.environ.setdefault("JIANXI_VAR_DIR", tmp)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jianxi.settings")
    os.environ["QUOTE_RATE_PER_MINUTE"] = "1000000"
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment

    setup_test_environment()
    from django.conf import settings

    settings.ALLOWED_HOSTS = ["testserver"]
    call_command("migrate", verbosity=0)

    from jianxi.accounts.models import Role
    from jianxi.accounts.services import officer_create
    from jianxi.core.validators import credit_code_check_char
    from jianxi.hosts.models import Host, HostType
    from jianxi.policy import engine
    from jianxi.policy.models import District
    from jianxi.policy.workcal import from_chinese_calendar

    results: list[dict[str, object]] = []

    def record(name: str, median: float, p95: float, note: str = "") -> None:
        results.append({"benchmark": name, "median_ms": round(median, 3), "p95_ms": round(p95, 3), "note": note})
        print(f"{name:<48} median {median:9.3f} ms   p95 {p95:9.3f} ms   {note}")

    if args.only == "claim_run":
        bench_claim_run(args.internships, record)
        return
    if args.only == "oversight":
        from bench.oversight import bench_oversight

        bench_oversight(record, timed, posts=args.stats_posts, agreements=args.stats_agreements)
        print(f"\n{date.today()} · {machine_line()} · {connection.vendor}")
        return
    if args.only == "search":
        from bench.search import bench_search_scale

        for line in bench_search_scale(record, timed, posts=args.posts, http_seconds=args.http_seconds):
            print(line)
        print(f"\n{date.today()} · {machine_line()} · {connection.vendor}")
        return
    if args.only == "recommend_quality":
        from bench.recommend_quality import bench_recommend_quality

        bench_recommend_quality(
            record,
            timed,
            seed=args.seed,
            persons=args.quality_persons,
            posts=args.quality_posts,
            db_posts=args.posts,
        )
        print(f"\n{date.today()} · {machine_line()} · {connection.vendor}")
        return
    if args.only == "imports":
        from bench.imports import bench_imports

        bench_imports(record)
        print(f"\n{date.today()} · {machine_line()} · {connection.vendor}")
        return

    # 1. The pure engine: a 12-month internship with a partial first month and an early hire.
    calendar = from_chinese_calendar(range(2023, 2025))
    attendance = {"2023-03": 12}
    early = engine.EarlyEnd(
        date=date(2023, 12, 31),
        reason="hired",
        contract=engine.Contract(
            start=date(2024, 1, 1),
            months=12,
            insured_months=frozenset(f"2024-{m:02d}" for m in range(1, 4)),
            employed_through=date(2024, 6, 30),
        ),
    )

    def quote() -> object:
        return engine.subsidy_quote(
            policy=engine.BEIJING_2023,
            calendar=calendar,
            district="110108",
            start=date(2023, 3, 15),
            end=date(2024, 3, 14),
            attendance=attendance,
            ended_early=early,
            as_of=date(2024, 4, 1),
        )

    record("engine.subsidy_quote (12 months + early hire)", *timed(quote, 2000))

    # 2. The public quote API end to end (parse, policy lookup, engine, JSON), in process.
    client = Client()
    body = json.dumps({"district": "110108", "start": "2023-03-15", "end": "2024-03-14", "attendance": {"2023-03": 12}})
    client.post("/api/v1/quotes/subsidy", body, content_type="application/json")  # warm the memo

    def api_quote() -> None:
        response = client.post("/api/v1/quotes/subsidy", body, content_type="application/json")
        assert response.status_code == 200, response.content

    record("POST /api/v1/quotes/subsidy", *timed(api_quote, 500))

    # 3. A scoped list over many hosts: first page, and a deep page, as the city officer.
    districts = list(District.objects.all())
    existing = Host.objects.count()
    batch = []
    for n in range(existing, args.hosts):
        code = f"911101{n:011d}"
        batch.append(
            Host(
                credit_code=code + credit_code_check_char(code),
                name=f"基准见习单位{n}",
                host_type=HostType.PRIVATE,
                district=districts[n % len(districts)],
                address="北京",
                contact_name="联系人",
                contact_phone="13900000000",
                status="approved",
            )
        )
    Host.objects.bulk_create(batch, batch_size=2000)
    city = officer_create(username="bench-city", password=secrets.token_urlsafe(), role=Role.CITY, display_name="bench")
    client.force_login(city)
    with CaptureQueriesContext(connection) as ctx:
        client.get("/api/v1/hosts?page=1")
    queries = len(ctx.captured_queries)
    record(
        f"GET /api/v1/hosts page 1 ({args.hosts:,} hosts)",
        *timed(lambda: client.get("/api/v1/hosts?page=1"), 50),
        f"{queries} queries",
    )
    last = args.hosts // 20
    record(
        f"GET /api/v1/hosts page {last:,}",
        *timed(lambda: client.get(f"/api/v1/hosts?page={last}"), 20),
    )
    record("GET /hosts/ page 1 (HTML)", *timed(lambda: client.get("/hosts/"), 50))

    bench_search(args.posts, districts, record, client)
    from bench.search import bench_search_scale

    for line in bench_search_scale(record, timed, posts=args.posts, http_seconds=args.http_seconds):
        print(line)
    bench_claim_run(args.internships, record)
    from bench.imports import bench_imports

    bench_imports(record)

    machine = machine_line()
    print(f"\n{date.today()} · {machine} · {connection.vendor}")
    if args.json:
        args.json.write_text(json.dumps({"date": str(date.today()), "machine": machine, "results": results}, indent=1))


def machine_line() -> str:
    """The machine, and how busy it was (load average over the last 1, 5 and 15 minutes): a
    figure taken while other work shared the cores is not comparable with a quiet one."""
    load = " / ".join(f"{x:.1f}" for x in os.getloadavg())
    return (
        f"{platform.node()} · {platform.machine()} · {os.cpu_count()} cores · Python {platform.python_version()} · "
        f"load average {load}"
    )


CLAIM_RUN_TODAY = date(2024, 4, 10)


def bench_claim_run(total: int, record: Callable[..., None], repeat: int = 3) -> None:
    """``total`` active internships with three ended months of attendance; time the claim run.

    Each round drafts every claimable month, runs again (nothing left), then deletes the drafts.
    """
    from django.db import connection

    from jianxi.accounts.models import Role, User
    from jianxi.accounts.services import officer_create
    from jianxi.subsidies.run import claim_run

    operator = User.objects.filter(username="bench-run").first() or officer_create(
        username="bench-run", password=secrets.token_urlsafe(), role=Role.CITY, display_name="bench"
    )
    t0 = time.perf_counter()
    load_internships(total)
    settle()
    print(f"loaded {total:,} internships with 3 months of attendance in {time.perf_counter() - t0:.1f} s")
    first, again = [], []
    for _ in range(repeat):
        t1 = time.perf_counter()
        result = claim_run(operator=operator, today=CLAIM_RUN_TODAY)
        first.append((time.perf_counter() - t1) * 1000)
        t2 = time.perf_counter()
        assert claim_run(operator=operator, today=CLAIM_RUN_TODAY).lines == 0
        again.append((time.perf_counter() - t2) * 1000)
        with connection.cursor() as cursor:  # a scratch database: drafts go, so the next round redoes them
            if connection.vendor == "postgresql":
                # A month's lines are appended to the table; after a DELETE they would fill the
                # holes the deleted ones left instead, which no real month does (and is slower).
                cursor.execute("TRUNCATE subsidies_claimline, subsidies_claim, subsidies_historicalclaim CASCADE")
            else:
                cursor.execute("DELETE FROM subsidies_claimline")
                cursor.execute("DELETE FROM subsidies_claim")
                cursor.execute("DELETE FROM subsidies_historicalclaim")
        settle()
    record(
        f"claim_run: {total:,} internships, {result.lines:,} lines",
        statistics.median(first),
        max(first),
        f"{result.claims:,} claims; rounds {', '.join(f'{ms / 1000:.1f} s' for ms in first)}",
    )
    record("claim_run again (nothing left to claim)", statistics.median(again), max(again))


def settle() -> None:
    """Fresh statistics and, on PostgreSQL, vacuumed tables and no checkpoint pending after the
    load: as month-old data would be."""
    from django.db import DatabaseError, connection

    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            cursor.execute("ANALYZE")
            return
        cursor.execute("VACUUM ANALYZE")
        # CHECKPOINT needs a superuser or pg_checkpoint; without it the figures are pessimistic.
        with contextlib.suppress(DatabaseError):
            cursor.execute("CHECKPOINT")


def load_internships(total: int) -> None:
    """``total`` active internships (10 per host) with three months of attendance each.

    Starts are spread over December 2023 and January 2024, periods over 3 to 12 months, hosts
    over every district: the claim run meets the variety of a real city, not one repeated case.
    """
    from datetime import timedelta
    from decimal import Decimal

    from jianxi.core.validators import credit_code_check_char, resident_id_check_char
    from jianxi.hosts.models import Host, HostType
    from jianxi.placements.models import Agreement, AgreementStatus, Attendance
    from jianxi.policy.engine import add_months
    from jianxi.policy.engine.dates import month_last
    from jianxi.policy.models import District, DistrictTopUp, PostCategory
    from jianxi.policy.selectors import work_calendar
    from jianxi.posts.models import Post, PostStatus
    from jianxi.youth.models import Person

    start = date(2023, 12, 1)
    districts = list(District.objects.all())
    # Two districts pay a top-up (R-SUB-2), so lines differ by district as in a real city.
    for district, amount in ((districts[0], "300"), (districts[1], "500")):
        DistrictTopUp.objects.get_or_create(district=district, effective_from=date(2023, 1, 1), amount=Decimal(amount))
    category = PostCategory.objects.first()
    hosts_n = max(total // 10, 1)
    hosts = []
    for n in range(hosts_n):
        code = f"921101{n:011d}"
        hosts.append(
            Host(
                credit_code=code + credit_code_check_char(code),
                name=f"申报基准单位{n}",
                host_type=HostType.PRIVATE,
                district=districts[n % len(districts)],
                address="北京",
                contact_name="联系人",
                contact_phone="13900000000",
                status="approved",
            )
        )
    hosts = Host.objects.bulk_create(hosts, batch_size=2000)
    posts = Post.objects.bulk_create(
        [
            Post(
                host=h,
                title="基准岗位",
                category=category,
                description="基准",
                headcount=10,
                months=6,
                allowance=Decimal("2500"),
                district=h.district,
                recruit_start=start,
                recruit_end=start,
                expires_on=start,
                status=PostStatus.FILLED,
            )
            for h in hosts
        ],
        batch_size=2000,
    )
    persons = []
    for n in range(total):
        body = f"110108{date(2000, 1, 1) + timedelta(days=n % 3000):%Y%m%d}{n % 1000:03d}"
        body = f"{110000 + n // 3_000_000 * 0 + (n // 3000) % 900000:06d}{body[6:]}"
        persons.append(
            Person(
                id_number=body + resident_id_check_char(body),
                name=f"基准{n}",
                birth_date=date(2000, 1, 1),
                phone="13800000000",
                group="college_graduate",
                district=districts[n % len(districts)],
            )
        )
    persons = Person.objects.bulk_create(persons, batch_size=2000)
    starts = [start + timedelta(days=(n * 7) % 62) for n in range(total)]
    agreements = Agreement.objects.bulk_create(
        [
            Agreement(
                post=posts[n % hosts_n],
                host=hosts[n % hosts_n],
                person=p,
                start=starts[n],
                end=add_months(starts[n], 3 + n % 10) - timedelta(days=1),
                allowance=Decimal("2500"),
                mentor="带教",
                training_date=start,
                insurance_policy="P",
                status=AgreementStatus.ACTIVE,
                eligibility_rule="R-EL-1",
            )
            for n, p in enumerate(persons)
        ],
        batch_size=2000,
    )
    # Three months of attendance from the start month: a partial first month, then whole ones,
    # mostly fully attended, some with days missed.
    cal = work_calendar([2023, 2024])
    rows = []
    for n, a in enumerate(agreements):
        first = a.start.replace(day=1)
        for i in range(3):
            month = add_months(first, i)
            working = cal.working_days_in_month(month.year, month.month)
            scheduled = cal.working_days_between(max(month, a.start), month_last(month))
            missed = 0 if n % 10 < 7 else min(1 + (n + i) % 3, scheduled)
            rows.append(
                Attendance(
                    agreement=a,
                    month=month,
                    working_days=working,
                    scheduled_days=scheduled,
                    attended_days=scheduled - missed,
                )
            )
    Attendance.objects.bulk_create(rows, batch_size=5000)


TITLE_WORDS = [
    "数据分析师",
    "软件开发",
    "行政管理",
    "人力资源",
    "财务会计",
    "电商运营",
    "社区服务",
    "市场营销",
    "机械设计",
    "电气自动化",
    "人工智能算法",
    "新媒体编辑",
    "客户服务",
    "物流管理",
    "档案管理",
    "法务",
]
TITLE_TAILS = ["助理", "见习生", "专员", "见习岗", "实习研究员"]


def bench_search(total: int, districts: list[Any], record: Callable[..., None], client: Any) -> None:
    """Load ``total`` published posts with varied Chinese titles, then time the public search."""
    from bench.search_load import load_posts

    t0 = time.perf_counter()
    load_posts(total)  # jieba in worker processes; COPY on PostgreSQL (bench/search_load.py)
    load = time.perf_counter() - t0
    print(f"loaded {total:,} posts in {load:.1f} s")
    from django.test.utils import override_settings

    with override_settings(SEARCH_CACHE_SECONDS=0):  # the search, not the cache
        for label, params in [
            ("first page, no filter", {}),
            ("district filter", {"district": "110108"}),
            ("keyword 数据分析 (1 in 16)", {"q": "数据分析"}),
            ("keyword 人工智能算法 + district", {"q": "人工智能算法", "district": "110105"}),
            ("keyword 助理 by relevance (1 in 5)", {"q": "助理", "sort": "relevance"}),
            ("closing soon", {"sort": "closing"}),
        ]:
            record(
                f"GET /api/v1/posts {label} ({total:,} posts)",
                *timed(lambda p=params: client.get("/api/v1/posts", p), 10),
            )


if __name__ == "__main__":
    main()
