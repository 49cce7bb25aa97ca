"""Notices: one row per recipient in the app, and an e-mail where an address is known.

Sent only after the surrounding transaction commits, so a refused operation notifies no one.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction

from jianxi.core.models import Notification


def notify(*, users: Iterable[Any], message: str, link: str = "", email: str = "") -> None:
    recipients = [u for u in users if u is not None]

    def send() -> None:
        Notification.objects.bulk_create([Notification(user=u, message=message, link=link) for u in recipients])
        addresses = sorted({a for a in [email, *(u.email for u in recipients)] if a})
        if addresses:
            send_mail("【见习】" + message[:40], message, settings.DEFAULT_FROM_EMAIL, addresses, fail_silently=True)

    transaction.on_commit(send)
