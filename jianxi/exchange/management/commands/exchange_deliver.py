"""``manage.py exchange_deliver``: deliver the outbox to the zone without Celery (cron, a shell).

Same claims and leases as the Celery task (jianxi/exchange/delivery.py): safe to run beside
workers, and safe to kill at any moment.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from jianxi.exchange import delivery


class Command(BaseCommand):
    help = "Deliver the due messages of the exchange outbox to the ministry's internship zone."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seconds", type=float, default=50.0, help="how long to keep delivering")
        parser.add_argument(
            "--no-wait", action="store_true", help="stop when nothing is due now, rather than wait for back-offs"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not delivery.configured():
            self.stdout.write("EXCHANGE_URL or EXCHANGE_SECRET is not set: nothing is sent, messages wait.")
            return
        outcome = delivery.deliver(seconds=options["seconds"], wait=not options["no_wait"])
        self.stdout.write(f"delivered {outcome.delivered}, failed tries {outcome.failed}, dead-lettered {outcome.dead}")
