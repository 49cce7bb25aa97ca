"""Recompute the statistics aggregates from the raw rows (idempotent; docs/operations.md).

manage.py refresh_stats                 every month that has data (nightly)
manage.py refresh_stats --dirty         only the cells changed since their refresh (every few minutes)
manage.py refresh_stats --month 2024-03 one month, every district
manage.py refresh_stats --year 2024     the twelve months of a year
"""

from __future__ import annotations

import time
from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from jianxi.oversight import refresh
from jianxi.policy.models import District


def _month(value: str) -> date:
    try:
        return date.fromisoformat(f"{value}-01")
    except ValueError as exc:
        raise CommandError(f"--month: expected YYYY-MM, got {value!r}") from exc


class Command(BaseCommand):
    help = "Recompute the statistics aggregates from the raw rows (safe to run twice)."

    def add_arguments(self, parser: CommandParser) -> None:
        which = parser.add_mutually_exclusive_group()
        which.add_argument("--dirty", action="store_true", help="only the cells changed since their last refresh")
        which.add_argument("--month", type=_month, help="one month, YYYY-MM")
        which.add_argument("--year", type=int, help="one year")
        parser.add_argument("--chunk", type=int, default=3, help="months per transaction of a full refresh")

    def handle(self, *args: Any, **options: Any) -> None:
        t0 = time.perf_counter()
        districts = District.objects.count()
        if options["dirty"]:
            done = refresh.refresh_dirty()
        elif options["month"]:
            done = [refresh.refresh(first=options["month"], last=options["month"])]
        elif options["year"]:
            year = options["year"]
            if not 1900 <= year <= 9999:
                raise CommandError("--year: expected a year such as 2024")
            done = [refresh.refresh(first=date(year, 1, 1), last=date(year, 12, 1))]
        else:
            done = refresh.refresh_all(today=timezone.localdate(), months_per_chunk=max(options["chunk"], 1))
        cells = sum(len(refresh.months(r.first, r.last)) * (1 if r.district_id else districts) for r in done)
        seconds = time.perf_counter() - t0
        self.stdout.write(f"refreshed {cells} district-months in {len(done)} transaction(s), {seconds:.2f} s")
