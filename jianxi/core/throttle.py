"""Rate limits for the forms that touch someone else's identifier (issue #11, item 5).

Sign-up (an ID number, a credit code) and invitations (an ID number) answer the same whether the
identifier is registered or not; the limit bounds how many identifiers one address can try, and
how often one identifier can be tried from anywhere, so that nobody can walk a list of ID numbers.
Counters live in the cache (Redis when ``REDIS_URL`` is set, so every web process shares them).
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from django.utils.translation import gettext as _

from jianxi.core.errors import RuleError
from jianxi.core.network import client_address


@dataclass(frozen=True)
class Limit:
    name: str
    per_address: int  # attempts from one client address per window
    per_target: int  # attempts on one identifier per window, from anywhere
    window: int = 3600  # seconds


def _count(key: str, window: int) -> int:
    bucket = f"throttle:{key}:{int(time.time()) // window}"
    cache.add(bucket, 0, timeout=window)
    try:
        return cache.incr(bucket)
    except ValueError:  # expired between add and incr
        cache.set(bucket, 1, timeout=window)
        return 1


def throttle(request: HttpRequest, limit: Limit, *, target: str, field: str) -> None:
    """Count one attempt; refuse it (RuleError ``rate_limited``) when a limit is exceeded."""
    if not settings.FORM_THROTTLE_ENABLED:
        return
    address = client_address(request) or "unknown"
    digest = hashlib.sha256(f"{limit.name}:{target.strip().upper()}".encode()).hexdigest()[:32]
    too_many = _count(f"{limit.name}:a:{address}", limit.window) > limit.per_address
    too_many = _count(f"{limit.name}:t:{digest}", limit.window) > limit.per_target or too_many
    if too_many:
        raise RuleError("rate_limited", _("尝试过于频繁，请一小时后再试，或到所在区人社局窗口办理。"), field=field)


SIGNUP = Limit("signup", per_address=10, per_target=3)
INVITE = Limit("invite", per_address=30, per_target=5)
