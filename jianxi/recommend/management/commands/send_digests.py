"""新岗位推荐: send the digest of new matching posts to each opted-in young person (recommend/digest.py).

Schedule once a day, e.g. cron: ``30 8 * * * cd /srv/jianxi && .venv/bin/python manage.py send_digests``
(or Celery beat with the task ``jianxi.recommend.send_digests``). Safe to run twice: a period's
digest goes out once.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from jianxi.recommend.digest import send_digests


class Command(BaseCommand):
    help = "向订阅了新岗位推荐的见习人员发送符合其偏好的新岗位（每人每周期一次）。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--today", type=date.fromisoformat, help="按该日期处理（YYYY-MM-DD），默认今天")

    def handle(self, *args: Any, **options: Any) -> None:
        today = options["today"] or timezone.localdate()
        run = send_digests(today=today, now=timezone.now())
        self.stdout.write(f"{today}: 发送 {run.sent} 人，无新岗位 {run.empty} 人，本周期已发送 {run.already} 人")
