"""What a login lockout (django-axes) is keyed on: settings.AXES_LOCKOUT_PARAMETERS points here.

Locking a username for everyone would let anyone lock any officer out by typing wrong passwords
on purpose, so failures count per username *and* client address: after AXES_FAILURE_LIMIT failures
that pair is locked, and nobody else is. One address guessing across many usernames (password
spraying) is caught by a second, higher limit: once an address has failed
AXES_ADDRESS_FAILURE_LIMIT times within the cool-off, whatever the usernames, the whole address is
locked. The address comes from jianxi.core.network.client_address, so behind a reverse proxy it is
the client's, not the proxy's.
"""

from __future__ import annotations

from typing import Any

from axes.helpers import get_cool_off
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum
from django.utils import timezone

PAIR: list[str | list[str]] = [["username", "ip_address"]]
ADDRESS: list[str | list[str]] = ["ip_address"]


def lockout_parameters(request_or_attempt: Any, credentials: dict[str, Any] | None = None) -> list[str | list[str]]:
    # axes calls this with the request (which it has given axes_ip_address) or an AccessAttempt.
    address = getattr(request_or_attempt, "axes_ip_address", None) or getattr(request_or_attempt, "ip_address", None)
    if address and address_failures(address) >= settings.AXES_ADDRESS_FAILURE_LIMIT:
        return ADDRESS
    return PAIR


def address_failures(address: str) -> int:
    """Failed logins from one address within the cool-off, over every username."""
    attempts = AccessAttempt.objects.filter(ip_address=address)
    cool_off = get_cool_off()
    if cool_off is not None:
        attempts = attempts.filter(attempt_time__gte=timezone.now() - cool_off)
    return attempts.aggregate(n=Sum("failures_since_start"))["n"] or 0
