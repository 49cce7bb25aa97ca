"""The monthly claim run at national scale on Celery workers:
``BENCH_DATABASE_URL=postgres://… BENCH_BROKER_URL=redis://127.0.0.1:6379/6 python -m bench.claim_national``.

Loads ``--internships`` active internships (ten per host, hosts in every district, starts over
December 2023 and January 2024, periods of 3 to 12 months) with three months of attendance,
set-based (``INSERT … SELECT … FROM generate_series``). Then, on that database:

1. the lower bound: one ``INSERT … SELECT`` of the same lines (constant figures) into a scratch
   table with the claim lines' columns, checks and indexes — what the run could not beat;
2. the run as the officers' page starts it: one task per district on ``--workers`` Celery
   worker processes (``celery -A jianxi worker``, started here), timed from the start to the
   run's row being closed by the last district — then checked: every claimable month drafted
   once;
3. optionally (``--in-process``) the same run in this one process, for comparison.

PostgreSQL only: SQLite is the embedded default, not the national database.
"""

from __future__ import annotations

import argparse
import os
import secrets
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

TODAY = date(2024, 4, 10)
ROOT = Path(__file__).resolve().parent.parent


def load(total: int) -> None:
    """Hosts, posts, persons, agreements and attendance for ``total`` internships, set-based."""
    from datetime import timedelta

    from django.db import connection

    from jianxi.policy.engine import add_months
    from jianxi.policy.models import District, PostCategory
    from jianxi.policy.selectors import work_calendar

    districts = list(District.objects.order_by("pk").values_list("pk", flat=True))
    category = PostCategory.objects.order_by("pk").values_list("pk", flat=True).first()
    hosts = max(total // 10, 1)
    cal = work_calendar([2023, 2024])
    # The 62 start dates and, for each, its three months: working days and days scheduled.
    first_start = date(2023, 12, 1)
    sched = []
    for offset in range(62):
        start = first_start + timedelta(days=offset)
        for i in range(3):
            month = add_months(start.replace(day=1), i)
            last = add_months(month, 1) - timedelta(days=1)
            sched.append(
                (offset, month, cal.working_days_in_month(month.year, month.month),
                 cal.working_days_between(max(month, start), last))
            )  # fmt: skip
    steps = [
        (
            "hosts",
            """INSERT INTO hosts_host (credit_code, name, host_type, address, contact_name, contact_phone,
                contact_email, bank_name, bank_account, pending_bank_name, pending_bank_account, grassroots_base,
                status, status_reason, created_at, district_id)
               SELECT 'CLAIM' || lpad(g::text, 13, '0'), '申报基准单位' || g, 'private', '北京', '联系人',
                '13900000000', '', '', '', '', '', false, 'approved', '', now(),
                (%(districts)s::bigint[])[1 + g %% %(nd)s]
               FROM generate_series(1, %(hosts)s) g""",
        ),
        (
            "posts",
            """INSERT INTO posts_post (title, description, education, majors, headcount, months, allowance,
                recruit_start, recruit_end, expires_on, status, status_reason, created_at, updated_at,
                search_document, category_id, district_id, host_id)
               SELECT '基准岗位', '基准', 0, '', 10, 6, 2500, date '2023-12-01', date '2023-12-01',
                date '2023-12-01', 'filled', '', now(), now(), '', %(category)s, h.district_id, h.id
               FROM hosts_host h WHERE h.credit_code LIKE 'CLAIM%%'""",
        ),
        (
            "persons",
            """INSERT INTO youth_person (id_number, name, birth_date, phone, "group", education, school, major,
                beijing_origin, beijing_hukou, employed, registered_unemployed, transfer_registered, created_at,
                district_id, resume)
               SELECT 'CP' || lpad(g::text, 16, '0'), '基准' || g, date '2000-01-01', '13800000000',
                'college_graduate', '', '', '', true, true, false, false, false, now(),
                (%(districts)s::bigint[])[1 + g %% %(nd)s], ''
               FROM generate_series(1, %(total)s) g""",
        ),
        (
            "agreements",
            """INSERT INTO placements_agreement (post_id, host_id, person_id, start, "end", allowance, mentor,
                training_date, insurance_policy, status, subsidy_eligible, subsidy_note, eligibility_rule,
                created_at, insured_months, outcome, outcome_reason)
               SELECT p.id, p.host_id, pe.id, s.start,
                CAST(s.start + (3 + pe.n %% 10) * interval '1 month' - interval '1 day' AS date),
                2500, '带教', date '2023-12-01', 'P', 'active', true, '', 'R-EL-1', now(), '', '', ''
               FROM (SELECT id, row_number() OVER (ORDER BY id) - 1 AS n FROM youth_person
                     WHERE id_number LIKE 'CP%%') pe
               JOIN (SELECT id, host_id, row_number() OVER (ORDER BY id) - 1 AS n FROM posts_post
                     WHERE title = '基准岗位') p ON p.n = pe.n %% %(hosts)s
               CROSS JOIN LATERAL (SELECT date '2023-12-01' + ((pe.n * 7) %% 62)::int AS start) s""",
        ),
        (
            "attendance",
            """INSERT INTO placements_attendance (agreement_id, month, working_days, scheduled_days, attended_days,
                locked, updated_at)
               SELECT a.id, s.month, s.working, s.scheduled,
                CASE WHEN a.id %% 10 < 7 THEN s.scheduled ELSE greatest(s.scheduled - 1 - (a.id %% 3), 0) END,
                false, now()
               FROM placements_agreement a
               JOIN bench_sched s ON s.offset_days = a.start - date '2023-12-01'
               WHERE a.insurance_policy = 'P' AND a.mentor = '带教'""",
        ),
    ]
    params = {"districts": districts, "nd": len(districts), "hosts": hosts, "total": total, "category": category}
    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMP TABLE bench_sched (offset_days int, month date, working int, scheduled int)")
        cursor.executemany("INSERT INTO bench_sched VALUES (%s, %s, %s, %s)", sched)
        for name, sql in steps:
            t0 = time.perf_counter()
            cursor.execute(sql, params)
            print(f"  loaded {cursor.rowcount:,} {name} in {time.perf_counter() - t0:.1f} s", flush=True)
        cursor.execute("VACUUM ANALYZE")


LOWER_BOUND = """
INSERT INTO bench_lines (claim_id, agreement_id, month, kind, status, reject_reason, working_days, scheduled_days,
    attended_days, rate, city, addons, district, amount, rules)
SELECT a.host_id, a.id, t.month, 'monthly', 'pending', '', t.working_days, t.scheduled_days, t.attended_days,
    2420.00, 2420.00, 0, 0, 2420.00, 'R-SUB-1 R-SUB-3'
FROM placements_attendance t
JOIN placements_agreement a ON a.id = t.agreement_id
JOIN hosts_host h ON h.id = a.host_id
WHERE t.month < %s AND a.subsidy_eligible AND a.status IN ('active', 'ended') AND h.status = 'approved'
ORDER BY a.host_id, a.id, t.month
"""


def lower_bound() -> tuple[float, int]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_lines")
        cursor.execute("CREATE TABLE bench_lines (LIKE subsidies_claimline INCLUDING ALL)")
        t0 = time.perf_counter()
        cursor.execute(LOWER_BOUND, [TODAY.replace(day=1)])
        seconds, rows = time.perf_counter() - t0, cursor.rowcount
        cursor.execute("DROP TABLE bench_lines")
    return seconds, rows


def start_workers(n: int, broker: str, folder: Path) -> list[subprocess.Popen[bytes]]:
    env = {**os.environ, "CELERY_BROKER_URL": broker, "DATABASE_URL": os.environ["DATABASE_URL"]}
    procs = []
    for i in range(n):
        log = (folder / f"worker-{i}.log").open("wb")
        command = [sys.executable, "-m", "celery", "-A", "jianxi", "worker", "--pool=solo", "--loglevel=WARNING"]
        command += ["--without-gossip", "--without-mingle", "-n", f"bench{i}@%h"]
        procs.append(subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT))  # noqa: S603
    return procs


def wait_for_workers(app: object, n: int, limit: float = 120.0) -> None:
    """Until ``n`` workers answer a ping: a loaded machine takes longer than any fixed sleep to
    start them, and a run timed before they listen would count their start-up."""
    deadline = time.perf_counter() + limit
    while time.perf_counter() < deadline:
        if len(app.control.ping(timeout=1.0) or []) >= n:  # type: ignore[attr-defined]
            return
        time.sleep(0.5)
    sys.exit(f"fewer than {n} workers answered within {limit:.0f} s")


def truncate() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE subsidies_claimline, subsidies_claim, subsidies_historicalclaim CASCADE")
        cursor.execute("VACUUM ANALYZE")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--internships", type=int, default=1_000_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--in-process", action="store_true", help="also time the run in this one process")
    parser.add_argument("--skip-load", action="store_true", help="the database is loaded already")
    args = parser.parse_args()
    url = os.environ.get("BENCH_DATABASE_URL", "")
    broker = os.environ.get("BENCH_BROKER_URL", "redis://127.0.0.1:6379/6")
    if not url.startswith("postgres"):
        sys.exit("BENCH_DATABASE_URL must name a PostgreSQL database that may be filled")
    from bench.database import bench_database_url

    os.environ["DATABASE_URL"] = bench_database_url("")
    os.environ["DJANGO_SETTINGS_MODULE"] = "jianxi.settings"
    os.environ["CELERY_BROKER_URL"] = broker
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    import redis
    from django.core.management import call_command
    from django.db import connection

    from bench.__main__ import machine_line
    from jianxi.accounts.models import Role, User
    from jianxi.accounts.services import officer_create
    from jianxi.celery import app
    from jianxi.subsidies import tasks
    from jianxi.subsidies.models import ClaimLine, ClaimRun

    call_command("migrate", verbosity=0)
    if not args.skip_load:
        t0 = time.perf_counter()
        load(args.internships)
        print(f"loaded {args.internships:,} internships in {time.perf_counter() - t0:.0f} s", flush=True)
    operator = User.objects.filter(username="bench-national").first() or officer_create(
        username="bench-national", password=secrets.token_urlsafe(), role=Role.CITY, display_name="bench"
    )
    truncate()
    seconds, rows = lower_bound()
    print(f"lower bound: INSERT … SELECT of {rows:,} lines into a table with the same indexes: {seconds:.2f} s")

    redis.Redis.from_url(broker).flushdb()
    folder = Path(tempfile.mkdtemp(prefix="jianxi-bench-workers-"))
    procs = start_workers(args.workers, broker, folder)
    try:
        app.conf.broker_url = broker
        wait_for_workers(app, args.workers)
        t0 = time.perf_counter()
        run = tasks.claim_run_start(actor=operator, today=TODAY)
        while not ClaimRun.objects.filter(pk=run.pk, finished_at__isnull=False).exists():
            time.sleep(0.2)
        elapsed = time.perf_counter() - t0
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(30)
    run.refresh_from_db()
    assert not run.error, run.error
    drafted = ClaimLine.objects.count()
    assert drafted == rows == run.lines, (drafted, rows, run.lines)
    print(
        f"claim run on {args.workers} Celery workers ({run.parts.count()} district tasks): {elapsed:.1f} s for "
        f"{run.lines:,} lines, {run.claims:,} claims — {elapsed / seconds:.1f}× the lower bound"
    )
    if args.in_process:
        truncate()
        t0 = time.perf_counter()
        result = tasks.claim_run_now(actor=operator, today=TODAY)[1]
        assert result is not None
        print(f"claim run in one process: {time.perf_counter() - t0:.1f} s for {result.lines:,} lines")
    print(f"\n{date.today()} · {machine_line()} · {connection.vendor}")


if __name__ == "__main__":
    main()
