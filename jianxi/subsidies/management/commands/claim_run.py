"""Prepare draft subsidy claims for every host and ended month with attendance.

Run monthly (e.g. on the 1st) as an officer (``--operator``): the run is the page's run, under
the same guard (one unfinished run per district, one city-wide), recorded on the same page, and
its claims name the operator as their author. Safe to run twice or after an interruption.
"""

from __future__ import annotations

import sys
from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from jianxi.accounts.models import User
from jianxi.core.errors import RuleError
from jianxi.subsidies.tasks import claim_run_now


class Command(BaseCommand):
    help = "为所有见习单位生成补贴申报草稿（已结束且有考勤的月份）。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--operator",
            required=True,
            help="以该工作人员账号运行（市人社局：全市；区人社局：本区），即所生成申报的创建人",
        )
        parser.add_argument("--today", type=date.fromisoformat, help="按该日期处理（YYYY-MM-DD），默认今天")
        parser.add_argument(
            "--writers", type=int, default=None, help="PostgreSQL 上并行写入的数据库连接数，默认按 CPU 核数（至多 4）"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        today = options["today"] or timezone.localdate()
        operator = User.objects.filter(username=options["operator"], is_active=True).first()
        if operator is None:
            raise CommandError(f"没有名为 {options['operator']} 的有效账号。")

        def progress(done: int, total: int) -> None:
            width = 30
            filled = width * done // total if total else width
            sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} 家单位")
            sys.stderr.flush()

        try:
            run, result = claim_run_now(actor=operator, today=today, writers=options["writers"], progress=progress)
        except RuleError as err:
            raise CommandError(err.message) from err
        sys.stderr.write("\n")
        if result is None:
            raise CommandError(f"申报生成任务 RUN-{run.pk} 失败：\n{run.error}")
        self.stdout.write(
            f"{today}: 生成申报草稿 {result.claims} 份，明细 {result.lines} 条"
            + (f"，{result.skipped_chunks} 批因并发冲突跳过，请再次运行" if result.skipped_chunks else "")
        )
        if result.problems:
            self.stdout.write(f"{len(result.problems)} 份协议未能生成申报（核对后再次运行即可补上）：")
            for problem in result.problems:
                self.stdout.write(f"  协议 {problem.agreement_id}  {problem.code}  {problem.message}")
