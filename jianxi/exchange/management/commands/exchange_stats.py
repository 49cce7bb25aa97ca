"""``manage.py exchange_stats [--month YYYY-MM]``: enqueue a month's statistics for the zone, once.

Without ``--month``, the previous month (beat runs the same every hour: only the first run of
a month writes a message).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from jianxi.exchange import outbox


class Command(BaseCommand):
    help = "Enqueue a month's statistics message for the ministry's internship zone (once per month)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--month", help="YYYY-MM; the previous month by default")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["month"]:
            try:
                month = date.fromisoformat(f"{options['month']}-01")
            except ValueError as err:
                raise CommandError("--month must be YYYY-MM") from err
        else:
            month = outbox.previous_month(timezone.localdate())
        message = outbox.enqueue_monthly_stats(month=month)
        if message is None:
            self.stdout.write(f"statistics of {month:%Y-%m} were enqueued already")
        else:
            self.stdout.write(f"enqueued {message.idempotency_key}")
