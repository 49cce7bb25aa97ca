"""The youth registry import at national scale: ``python -m bench.youth_import [--rows 100000]``.

Builds a registry export of ``rows`` persons as an office suite writes it (every text a shared
string, dates as numbers), then times, against the benchmark database (BENCH_DATABASE_URL, else
a throw-away SQLite file): reading it (python-calamine after the bounded zip checks, and the
streaming expat reader for comparison), checking every row, and the whole import as the
background job runs it (read, check, write with history rows).
"""

from __future__ import annotations

import argparse
import os
import secrets
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from pathlib import Path

GROUPS = ["高校毕业生", "中专毕业生", "技工院校毕业生", "登记失业青年"]
EDUCATION = ["大学本科", "硕士研究生", "大专", ""]
DISTRICTS = ["海淀区", "朝阳区", "东城区", "西城区", "丰台区", "石景山区", "通州区", "昌平区"]


def youth_file(rows: int, *, seed: int = 0) -> bytes:
    """``rows`` valid persons (ID numbers unique and with their check digit) on the 见习人员 sheet."""
    from bench import xlsx_files as build
    from jianxi.core.validators import resident_id_check_char
    from jianxi.youth.imports import HEADERS

    strings: dict[str, int] = {}

    def shared(text: str) -> int:
        index = strings.get(text)
        if index is None:
            index = strings[text] = len(strings)
        return index

    excel_epoch = date(1899, 12, 30)

    def lines() -> Iterator[str]:
        yield build.row(1, (build.shared_cell(i, 1, shared(h)) for i, h in enumerate(HEADERS, start=1)))
        for n in range(rows):
            born = date(1999, 1, 1) + timedelta(days=(n * 7 + seed) % 2000)
            body = f"{110101 + n % 9:06d}{born:%Y%m%d}{(n // 2000) % 1000:03d}"
            number = body + resident_id_check_char(body)
            group = GROUPS[n % 4]
            graduated = (date(2023, 7, 1) - excel_epoch).days if n % 4 != 3 else None
            values: list[object] = [
                f"见习人员{n}", number, f"1{3 + n % 6}{n % 100_000_000:09d}", group, EDUCATION[n % 4],
                "北京大学" if n % 3 else "", "统计学" if n % 2 else "", graduated, "是" if n % 2 else "否",
                "是", "否", "否", "否", DISTRICTS[n % len(DISTRICTS)],
            ]  # fmt: skip
            cells = []
            for column, value in enumerate(values, start=1):
                if value is None or value == "":
                    continue
                if isinstance(value, int):
                    cells.append(build.number_cell(column, n + 2, value, date=True))
                else:
                    cells.append(build.shared_cell(column, n + 2, shared(str(value))))
            yield build.row(n + 2, cells)

    sheet = list(build.sheet_xml(lines(), dimension=f"A1:N{rows + 1}"))
    return build.xlsx(iter(sheet), shared=build.shared_xml(list(strings)), title="见习人员")


def timed(fn: Callable[[], object]) -> tuple[float, object]:
    t0 = time.perf_counter()
    result = fn()
    return time.perf_counter() - t0, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()
    tmp = tempfile.mkdtemp(prefix="jianxi-bench-youth-")
    from bench.database import bench_database_url

    os.environ["DATABASE_URL"] = bench_database_url(tmp)
    os.environ.setdefault("JIANXI_VAR_DIR", tmp)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jianxi.settings")
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    from bench.__main__ import machine_line
    from bench.xlsx_files import unpacked_size
    from jianxi.accounts.models import Role
    from jianxi.accounts.services import officer_create
    from jianxi.core.import_jobs import import_start
    from jianxi.core.models import ImportJob, ImportStage
    from jianxi.youth import imports
    from jianxi.youth.models import Person

    seconds, data = timed(lambda: youth_file(args.rows))
    assert isinstance(data, bytes)
    size = f"{len(data) / 2**20:.1f} MB, {unpacked_size(data) / 2**20:.1f} MB unpacked"
    print(f"built {args.rows:,} rows: {size} ({seconds:.1f} s)")
    seconds, rows = timed(lambda: imports.read_sheet(data))
    print(f"read (calamine after the zip checks): {seconds:.2f} s, {len(rows):,} rows")  # type: ignore[arg-type]
    city = officer_create(
        username=f"bench-youth-{secrets.token_hex(4)}", password=secrets.token_urlsafe(), role=Role.CITY,
        display_name="bench",
    )  # fmt: skip
    today = date.today()
    seconds, lookups = timed(lambda: imports.import_lookups(actor=city, rows=rows, today=today))  # type: ignore[arg-type]
    print(f"lookups: {seconds:.2f} s")
    seconds, checked = timed(lambda: imports.check_rows(rows, lookups))  # type: ignore[arg-type]
    print(f"check every row: {seconds:.2f} s, {len(checked[0]):,} valid, {len(checked[1]):,} errors")  # type: ignore[index]
    settings.IMPORT_TASKS_EAGER = True
    before = Person.objects.count()
    seconds, job = timed(
        lambda: import_start(
            actor=city, kind=imports.KIND, source=data, file_name="registry.xlsx", import_valid_rows=False
        )
    )
    assert isinstance(job, ImportJob)
    job.refresh_from_db()
    created = Person.objects.count() - before
    history = Person.history.filter(history_user=city).count()
    assert job.stage == ImportStage.DONE and created == args.rows == history, (job.stage, job.message, created)
    print(
        f"import {args.rows:,} youth rows as a background job (read, check, write with history): {seconds:.2f} s "
        f"({created:,} persons, {history:,} history rows)"
    )
    print(f"\n{date.today()} · {machine_line()} · {connection.vendor}")


if __name__ == "__main__":
    main()
