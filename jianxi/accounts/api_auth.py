"""API tokens as django-ninja authenticators: ``Authorization: Bearer <key>`` or ``X-API-Key``.

The site's API accepts these and the session; an endpoint for systems only (the ministry's zone
forwarding applications) accepts these alone.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja.security import APIKeyHeader, HttpBearer

from jianxi.accounts.models import ApiToken


def token_user(request: HttpRequest, key: str | None) -> Any:
    """The active user of an unrevoked token, recorded as the request's user; None otherwise."""
    if not key:
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=ApiToken.hash_key(key), revoked=False, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
    request.user = token.user
    return token.user


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        return token_user(request, token)


class HeaderToken(APIKeyHeader):
    param_name = "X-API-Key"

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        return token_user(request, key)
