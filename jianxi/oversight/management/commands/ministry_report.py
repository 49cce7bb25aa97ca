"""Write the monthly statistics report to the ministry as .xlsx (docs/operations.md).

manage.py ministry_report --operator city --month 2024-03 --out 月报-2024-03.xlsx

Without --month: last month. The operator's scope decides the districts (the city officer: all).
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from jianxi.accounts.models import Role, User
from jianxi.oversight import ministry


class Command(BaseCommand):
    help = "Write the monthly statistics report to the ministry (one Excel file)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--operator", required=True, help="a city or district officer's username")
        parser.add_argument("--month", help="YYYY-MM (default: last month)")
        parser.add_argument("--out", type=Path, help="file to write (default: the report's own name)")

    def handle(self, *args: Any, **options: Any) -> None:
        operator = User.objects.filter(username=options["operator"], is_active=True).first()
        if operator is None or operator.role not in (Role.CITY, Role.DISTRICT):
            raise CommandError(f"--operator: 没有名为 {options['operator']} 的市、区人社局有效账号。")
        today = timezone.localdate()
        if options["month"]:
            try:
                month = date.fromisoformat(f"{options['month']}-01")
            except ValueError as exc:
                raise CommandError(f"--month: expected YYYY-MM, got {options['month']!r}") from exc
        else:
            month = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
        found = ministry.report(operator, month=month)
        out: Path = options["out"] or Path(ministry.filename(found))
        out.write_bytes(ministry.workbook(found, generated_at=timezone.now()))
        self.stdout.write(f"{out} ({len(found.rows)} districts)")
