from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone

from jianxi.events.services import send_reminders


class Command(BaseCommand):
    help = "Remind everyone signed up for tomorrow's matching events (once each; safe to run again)."

    def handle(self, *args: Any, **options: Any) -> None:
        sent = send_reminders(now=timezone.now())
        self.stdout.write(f"reminded {sent} sign-up(s)")
