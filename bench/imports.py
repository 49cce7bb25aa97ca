"""Excel imports under hostile uploads: ``python -m bench --only imports``.

Builds the worst files the import limits (jianxi/core/imports.py) allow and times reading each in
a fresh interpreter, with its peak memory: the process's peak resident set before and after the
read, and the peak of Python allocations (tracemalloc, a second run). Then times the refusal of
hostile files — the old attack (a small file that unpacks to tens of megabytes of valid posts
with the longest descriptions), a compression-ratio bomb, a false sheet range, a false
shared-string count, entity expansion — and, against the benchmark database, the whole import
of the worst posts file as a background job (read, check, jieba segmentation of every
description, insert).
"""

from __future__ import annotations

import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

RUNS = 3


def files() -> tuple[dict[str, bytes], dict[str, bytes]]:
    """(allowed, refused): the worst files the limits allow, and the hostile ones."""
    from bench import xlsx_files as build
    from jianxi.core import imports as limits
    from jianxi.posts.imports import HEADERS

    today = date.today()
    values = [
        "", "数据分析见习生", "技术技能类", None, "大学本科", "统计学", 3, 6, 3000, "海淀区", "",
        *(str(today + timedelta(days=days)) for days in (1, 60, 90)),
    ]  # fmt: skip
    allowed = {
        "most cells": build.worst_cells(
            HEADERS,
            sheet_rows=limits.MAX_SHEET_ROWS,
            columns=limits.MAX_COLUMNS,
            data_rows=limits.MAX_ROWS,
            budget=limits.MAX_UNPACKED_BYTES,
        ),
        "most shared strings": build.worst_shared_strings(
            HEADERS, strings=limits.MAX_SHARED_STRINGS, rows=limits.MAX_ROWS
        ),
        "most text (valid posts)": build.worst_text(
            HEADERS, values, long_column=4, rows=limits.MAX_ROWS, limit=limits.MAX_UNPACKED_BYTES
        ),
    }
    refused = {
        "old attack (5,000 posts × 5,000-char descriptions)": build.old_attack(HEADERS, values, long_column=4),
        "ratio bomb (15 MB, ratio > 100)": build.ratio_bomb(HEADERS, unpacked=15 * 1024 * 1024),
        "declared range A1:XFD1048576": build.declared_range(HEADERS, "A1:XFD1048576"),
        "declared 10,000,000 shared strings": build.declared_strings(HEADERS, 10_000_000),
        "entity expansion (billion laughs)": build.entity_expansion(HEADERS),
    }
    return allowed, refused


def measure_in_child(path: Path, trace: bool) -> dict[str, Any]:
    output = subprocess.run(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "bench.imports", str(path), "trace" if trace else "time"],
        check=True,
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parent.parent,
    ).stdout
    result: dict[str, Any] = json.loads(output.strip().splitlines()[-1])
    return result


def bench_imports(record: Callable[..., None]) -> None:
    allowed, refused = files()
    folder = Path(tempfile.mkdtemp(prefix="jianxi-bench-imports-"))
    from bench.xlsx_files import largest_ratio, unpacked_size
    from jianxi.posts.imports import read_sheet

    for name, data in allowed.items():
        path = folder / "file.xlsx"
        path.write_bytes(data)
        runs = [measure_in_child(path, trace=False) for _ in range(RUNS)]
        traced = measure_in_child(path, trace=True)
        seconds = sorted(r["seconds"] * 1000 for r in runs)
        unpacked = unpacked_size(data) / 2**20
        size = f"{len(data) / 1024:,.0f} KB → {unpacked:.1f} MB unpacked, ratio {largest_ratio(data):.0f}"
        rss = f"max RSS {runs[0]['rss_before_mb']:.0f} → {runs[0]['rss_mb']:.0f} MB"
        record(
            f"read worst file: {name}",
            statistics.median(seconds),
            seconds[-1],
            f"{size}; {runs[0]['rows']} rows; {rss}; Python allocations peak {traced['peak_mb']:.0f} MB",
        )
    for name, data in refused.items():
        samples = []
        message = ""
        for _ in range(20):
            t0 = time.perf_counter()
            try:
                read_sheet(data)
            except Exception as err:  # the refusal is the point
                message = str(err)
            samples.append((time.perf_counter() - t0) * 1000)
        samples.sort()
        size = f"{len(data) / 1024:,.0f} KB → {unpacked_size(data) / 2**20:.1f} MB"
        record(f"refuse: {name}", statistics.median(samples), samples[-1], f"{size}; {message[:60]}")
    bench_worst_posts_job(record)


def bench_worst_posts_job(record: Callable[..., None]) -> None:
    """The whole import of the worst valid posts file (most text), as the background job runs it:
    read, check every row, segment every description for search (jieba), insert."""
    import secrets

    from django.conf import settings

    from bench import xlsx_files as build
    from jianxi.accounts.models import Role
    from jianxi.accounts.services import officer_create
    from jianxi.core import imports as limits
    from jianxi.core.import_jobs import import_start
    from jianxi.core.models import ImportStage
    from jianxi.core.validators import credit_code_check_char
    from jianxi.hosts.models import Host, HostType
    from jianxi.policy.models import District
    from jianxi.posts import imports
    from jianxi.posts.imports import DESCRIPTION, HEADERS
    from jianxi.posts.models import Post
    from jianxi.posts.search import document

    document("预热", "")  # jieba loads its dictionary once per process
    settings.IMPORT_TASKS_EAGER = True
    body = f"931101{secrets.randbelow(10**11):011d}"
    host = Host.objects.create(
        credit_code=body + credit_code_check_char(body),
        name="导入基准单位",
        host_type=HostType.PRIVATE,
        district=District.objects.get(code="110108"),
        address="北京",
        contact_name="联系人",
        contact_phone="13900000000",
        status="approved",
    )
    city = officer_create(
        username=f"bench-import-{secrets.token_hex(4)}",
        password=secrets.token_urlsafe(),
        role=Role.CITY,
        display_name="bench",
    )
    today = date.today()
    values = [
        host.credit_code, "数据分析见习生", "技术技能类", None, "大学本科", "统计学", 3, 6, 3000, "海淀区", "",
        *(str(today + timedelta(days=days)) for days in (1, 60, 90)),
    ]  # fmt: skip
    data = build.worst_text(HEADERS, values, long_column=4, rows=limits.MAX_ROWS, limit=limits.MAX_UNPACKED_BYTES)
    chars = sum(len(str(row.values.get(DESCRIPTION))) for row in imports.read_sheet(data))
    before = Post.objects.count()
    t0 = time.perf_counter()
    job = import_start(actor=city, kind=imports.KIND, source=data, file_name="worst.xlsx", import_valid_rows=False)
    elapsed = (time.perf_counter() - t0) * 1000
    job.refresh_from_db()
    created = Post.objects.count() - before
    assert job.stage == ImportStage.DONE and created == limits.MAX_ROWS, (job.stage, job.message, created)
    record(
        "import worst posts file as a background job",
        elapsed,
        elapsed,
        f"{created:,} posts published; descriptions {chars:,} characters in all",
    )


def peak_rss_kb() -> int:
    """This process's peak resident set (VmHWM). Not ru_maxrss: Linux carries that over from the
    parent across fork and exec, so a child would report the benchmark's own peak."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def child(path: str, mode: str) -> None:
    """In a fresh interpreter: read ``path`` once and print time, rows and memory as JSON."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jianxi.settings")
    import django

    django.setup()
    from jianxi.posts.imports import read_sheet

    data = Path(path).read_bytes()
    if mode == "trace":
        import tracemalloc

        tracemalloc.start()
        rows = read_sheet(data)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        print(json.dumps({"rows": len(rows), "peak_mb": peak / 2**20}))
        return
    before = peak_rss_kb()
    t0 = time.perf_counter()
    rows = read_sheet(data)
    seconds = time.perf_counter() - t0
    after = peak_rss_kb()
    result = {"seconds": seconds, "rows": len(rows), "rss_before_mb": before / 1024, "rss_mb": after / 1024}
    print(json.dumps(result))


if __name__ == "__main__":
    child(sys.argv[1], sys.argv[2])
