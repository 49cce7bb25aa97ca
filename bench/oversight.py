"""Statistics at national scale: ``BENCH_DATABASE_URL=postgres://… python -m bench --only oversight``.

Loads 1,000,000 posts and 1,000,000 agreements (one person each), 50,000 hosts in every
district and a claim, its line and its ledger entries for one ended internship in ten, all
set-based (``INSERT … SELECT … FROM generate_series``), spread over last year and this year to
today. Then times ``refresh_stats`` (every month, from the raw rows), the after-commit refresh
of one district's months, and the dashboard and the overview API over repeated requests.
PostgreSQL only: SQLite is the zero-setup default, not the national database.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import date, datetime
from datetime import time as dtime
from typing import Any

HOST_TYPES = [
    "public_institution", "state_owned", "private", "small_micro", "research", "university", "technician_college",
    "social_org", "community", "ecommerce", "tech_enterprise", "manufacturing", "other",
]  # fmt: skip


def load(posts: int, agreements: int, hosts: int, today: date) -> None:
    from django.db import connection

    from jianxi.policy.models import Department, District, PostCategory, University

    districts = list(District.objects.order_by("pk").values_list("pk", flat=True))
    departments = list(Department.objects.order_by("pk").values_list("pk", flat=True))
    categories = list(PostCategory.objects.order_by("pk").values_list("pk", flat=True))
    universities = list(University.objects.order_by("pk").values_list("pk", flat=True))
    start = datetime.combine(date(today.year - 1, 1, 1), dtime.min).astimezone()
    span = int((datetime.combine(today, dtime(18)).astimezone() - start).total_seconds())
    steps: list[tuple[str, str, dict[str, Any]]] = [
        (
            f"{hosts:,} hosts",
            """
            INSERT INTO hosts_host (credit_code, name, host_type, address, contact_name, contact_phone, contact_email,
                bank_name, bank_account, pending_bank_name, pending_bank_account, grassroots_base, status,
                status_reason, created_at, district_id, department_id)
            SELECT 'BENCH' || lpad(g::text, 13, '0'), '统计基准单位' || g, (%(types)s::text[])[1 + (g * 7) %% 13],
                '北京', '联系人', '13900000000', '', '北京银行', '6222' || g, '', '', false, 'approved', '', now(),
                (%(districts)s::bigint[])[1 + g %% %(nd)s],
                CASE WHEN g %% 10 = 9 THEN NULL ELSE (%(departments)s::bigint[])[1 + g %% %(ndep)s] END
            FROM generate_series(1, %(hosts)s) g
            """,
            {},
        ),
        (
            f"{posts:,} posts",
            """
            INSERT INTO posts_post (title, description, education, majors, headcount, months, allowance,
                recruit_start, recruit_end, expires_on, status, status_reason, published_at, submitted_at,
                created_at, updated_at, search_document, category_id, district_id, host_id, department_id)
            SELECT '基准岗位', '基准', 0, '', 1 + s.g %% 4, 6, 3000, s.d, s.d + 30, s.d + 90,
                CASE WHEN s.d + 90 >= %(today)s THEN 'published' ELSE 'expired' END, '', s.ts, s.ts, s.ts, s.ts, '',
                (%(categories)s::bigint[])[1 + s.g %% 5], h.district_id, h.id, h.department_id
            FROM (
                SELECT g, ts, CAST(ts AT TIME ZONE 'Asia/Shanghai' AS date) AS d FROM (
                    SELECT g, %(start)s::timestamptz + ((g::bigint * 104729) %% %(span)s) * interval '1 second' AS ts
                    FROM generate_series(1, %(posts)s) g
                ) t
            ) s
            JOIN (SELECT id, district_id, department_id, row_number() OVER (ORDER BY id) - 1 AS n
                  FROM hosts_host WHERE credit_code LIKE 'BENCH%%') h ON h.n = (s.g::bigint * 7919) %% %(hosts)s
            """,
            {},
        ),
        (
            f"{agreements:,} persons",
            """
            INSERT INTO youth_person (id_number, name, birth_date, phone, "group", education, school, major,
                beijing_origin, beijing_hukou, employed, registered_unemployed, transfer_registered, created_at,
                resume, district_id, university_id)
            SELECT 'BP' || lpad(g::text, 16, '0'), '基准' || g, date '2001-01-01', '13800000000', 'college_graduate',
                'bachelor', '', '', true, true, false, false, false, now(), '',
                (%(districts)s::bigint[])[1 + g %% %(nd)s],
                CASE WHEN g %% 5 = 0 THEN NULL ELSE (%(universities)s::bigint[])[1 + g %% %(nu)s] END
            FROM generate_series(1, %(agreements)s) g
            """,
            {},
        ),
        (
            f"{agreements:,} agreements",
            """
            INSERT INTO placements_agreement (post_id, host_id, person_id, start, "end", allowance, mentor,
                training_date, insurance_policy, status, subsidy_eligible, subsidy_note, eligibility_rule,
                created_at, insured_months, outcome, outcome_reason, ended_on, retained)
            SELECT a.post_id, a.host_id, a.person_id, a.start, a.last, 3000, '带教', a.start, 'P',
                CASE WHEN a.last < %(today)s THEN 'ended' ELSE 'active' END, true, '', 'R-EL-1', now(), '',
                CASE WHEN a.last >= %(today)s THEN '' WHEN a.g %% 10 < 7 THEN 'completed'
                     WHEN a.g %% 10 < 9 THEN 'terminated' ELSE 'hired' END,
                '',
                CASE WHEN a.last >= %(today)s THEN NULL WHEN a.g %% 10 < 7 THEN a.last
                     WHEN a.g %% 10 < 9 THEN a.start + 30 ELSE a.start + 45 END,
                CASE WHEN a.last >= %(today)s THEN NULL ELSE (a.g %% 10 = 9 OR (a.g %% 10 < 7 AND a.g %% 2 = 0)) END
            FROM (
                SELECT s.g, p.id AS post_id, p.host_id, pe.id AS person_id, s.start,
                    CAST(s.start + (3 + s.g %% 10) * interval '1 month' - interval '1 day' AS date) AS last
                FROM (
                    SELECT g, (g::bigint * 31) %% %(posts)s AS n FROM generate_series(1, %(agreements)s) g
                ) s0
                JOIN (SELECT id, host_id, CAST(published_at AT TIME ZONE 'Asia/Shanghai' AS date) AS d,
                             row_number() OVER (ORDER BY id) - 1 AS n FROM posts_post) p ON p.n = s0.n
                JOIN (SELECT id, row_number() OVER (ORDER BY id) AS n FROM youth_person
                      WHERE id_number LIKE 'BP%%') pe ON pe.n = s0.g
                CROSS JOIN LATERAL (SELECT s0.g, p.d + 20 + s0.g %% 20 AS start) s
            ) a
            """,
            {},
        ),
        (
            "claims",
            """
            INSERT INTO subsidies_claim (kind, status, note, approved_total, created_at, host_id, agreement_id)
            SELECT 'monthly', 'paid', 'bench', 2720.00, now(), a.host_id, a.id
            FROM placements_agreement a WHERE a.status = 'ended' AND a.id %% 10 = 0
            """,
            {},
        ),
        (
            "claim lines",
            """
            INSERT INTO subsidies_claimline (claim_id, agreement_id, kind, month, working_days, scheduled_days,
                attended_days, rate, city, addons, district, amount, rules, status, reject_reason)
            SELECT c.id, a.id, 'monthly', CAST(date_trunc('month', a.start) AS date), 21, 21, 21, 2420.00,
                2420.00, 0, 300.00, 2720.00, 'R-SUB-1', 'approved', ''
            FROM subsidies_claim c JOIN placements_agreement a ON a.id = c.agreement_id WHERE c.note = 'bench'
            """,
            {},
        ),
        (
            "ledger",
            """
            INSERT INTO subsidies_ledgerentry (kind, amount, year, occurred_on, reference, created_at, district_id,
                host_id, claim_id)
            SELECT k.kind, 2720.00, EXTRACT(YEAR FROM k.on_day), k.on_day, '', now(), h.district_id, h.id, c.id
            FROM subsidies_claim c JOIN placements_agreement a ON a.id = c.agreement_id
            JOIN hosts_host h ON h.id = c.host_id
            CROSS JOIN LATERAL (VALUES ('approved', a.ended_on + 20), ('paid', a.ended_on + 35)) AS k (kind, on_day)
            WHERE c.note = 'bench' AND k.on_day <= %(today)s
            """,
            {},
        ),
    ]
    params = {
        "types": HOST_TYPES,
        "districts": districts,
        "nd": len(districts),
        "departments": departments,
        "ndep": len(departments),
        "categories": categories,
        "universities": universities,
        "nu": len(universities),
        "hosts": hosts,
        "posts": posts,
        "agreements": agreements,
        "today": today,
        "start": start,
        "span": span,
    }
    with connection.cursor() as cursor:
        for label, sql, extra in steps:
            t0 = time.perf_counter()
            cursor.execute(sql, {**params, **extra})
            print(f"  loaded {label} ({cursor.rowcount:,} rows) in {time.perf_counter() - t0:.1f} s")


def bench_oversight(
    record: Callable[..., None], timed: Callable[..., tuple[float, float]], *, posts: int, agreements: int
) -> None:
    import secrets

    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from bench.__main__ import settle
    from jianxi.accounts.models import Role
    from jianxi.accounts.services import officer_create
    from jianxi.oversight import refresh
    from jianxi.oversight.models import DailyStat, MonthlyDistrictStat, MonthlyStat, UniversityMonthlyStat
    from jianxi.policy.models import District

    if connection.vendor != "postgresql":
        print("oversight: needs PostgreSQL (BENCH_DATABASE_URL=postgres://…); skipped")
        return
    today = timezone.localdate()
    t0 = time.perf_counter()
    load(posts, agreements, hosts=max(posts // 20, 1), today=today)
    settle()
    print(f"loaded in {time.perf_counter() - t0:.1f} s")

    runs = []
    for _ in range(2):
        t1 = time.perf_counter()
        refresh.refresh_all(today=today)
        runs.append((time.perf_counter() - t1) * 1000)
    sizes = ", ".join(
        f"{m.__name__} {m.objects.count():,}"
        for m in (MonthlyStat, MonthlyDistrictStat, DailyStat, UniversityMonthlyStat)
    )
    record(
        f"refresh_stats: every month ({posts:,} posts, {agreements:,} agreements)",
        min(runs),
        max(runs),
        f"runs {', '.join(f'{ms / 1000:.1f} s' for ms in runs)}; rows: {sizes}",
    )
    settle()
    haidian = District.objects.get(code="110108").pk
    month = today.replace(day=1)
    record(
        "after-commit refresh: one district, one month",
        *timed(lambda: refresh.refresh(first=month, last=month, district_id=haidian), 5),
    )
    first = date(today.year, max(today.month - 5, 1), 1)
    record(
        "after-commit refresh: one district, six months (an agreement)",
        *timed(lambda: refresh.refresh(first=first, last=month, district_id=haidian), 3),
    )

    client = Client()
    city = officer_create(username="bench-stats", password=secrets.token_urlsafe(), role=Role.CITY, display_name="b")
    district = officer_create(
        username="bench-stats-hd", password=secrets.token_urlsafe(), role=Role.DISTRICT, display_name="b",
        district=District.objects.get(code="110108"),
    )  # fmt: skip
    for user, label in ((city, "city"), (district, "district")):
        client.force_login(user)
        assert client.get("/oversight/").status_code == 200  # warm
        with CaptureQueriesContext(connection) as ctx:
            client.get("/oversight/")
        record(f"GET /oversight/ dashboard as {label} officer", *timed(lambda: client.get("/oversight/"), 30),
               f"{len(ctx.captured_queries)} queries")  # fmt: skip
    client.force_login(city)
    url = f"/api/v1/stats/overview?year={today.year}"
    record("GET /api/v1/stats/overview as city officer", *timed(lambda: client.get(url), 30))
    record("GET / city officer's home (to-dos + dashboard)", *timed(lambda: client.get("/"), 10))
    client.force_login(district)
    with CaptureQueriesContext(connection) as ctx:
        client.get("/")
    record("GET / district officer's home (to-dos + dashboard)", *timed(lambda: client.get("/"), 10),
           f"{len(ctx.captured_queries)} queries")  # fmt: skip
