"""Daily: reinstate the units whose bar for a period (R-SUB-6) is over.

Schedule once a day, e.g. cron: ``10 0 * * * cd /srv/jianxi && .venv/bin/python manage.py lift_bars``.
Safe to run twice: a second run finds no bar left to lift. A bar for good is never lifted.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from jianxi.hosts.services import bars_lift


class Command(BaseCommand):
    help = "恢复禁入期满的见习单位（永久禁入的不恢复）。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--today", type=date.fromisoformat, help="按该日期处理（YYYY-MM-DD），默认今天")

    def handle(self, *args: Any, **options: Any) -> None:
        today = options["today"] or timezone.localdate()
        lifted = bars_lift(today=today)
        self.stdout.write(f"{today}: 恢复 {len(lifted)} 个禁入期满的单位")
