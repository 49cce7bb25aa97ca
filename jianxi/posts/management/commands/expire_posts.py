"""Daily post upkeep (R-TG-3): close posts whose validity ended, warn hosts of posts ending soon.

Schedule once a day, e.g. cron: ``5 0 * * * cd /srv/jianxi && .venv/bin/python manage.py expire_posts``.
Safe to run twice: a second run finds nothing left to close and no host left to warn.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from jianxi.posts.services import posts_expire, posts_notify_expiring


class Command(BaseCommand):
    help = "关闭已过有效期的见习岗位，并提醒 30 天内到期的岗位所属单位。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--today", type=date.fromisoformat, help="按该日期处理（YYYY-MM-DD），默认今天")

    def handle(self, *args: Any, **options: Any) -> None:
        today = options["today"] or timezone.localdate()
        expired = posts_expire(today=today)
        warned = posts_notify_expiring(today=today)
        self.stdout.write(f"{today}: 到期关闭 {expired} 个岗位，到期提醒 {warned} 个岗位")
