"""Deny by default: every page view declares who may use it (STYLE.md habit 4).

A view is served only when it carries an access declaration made by one of the decorators
below; the middleware refuses any other view, so a forgotten declaration fails closed. The
admin (its own staff check) and the JSON API (authenticated per operation by django-ninja)
declare access their own way and are recognised by URL namespace.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import TYPE_CHECKING, Any, TypeVar, cast

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseBase, HttpResponseForbidden

from jianxi.core.roles import Role

if TYPE_CHECKING:  # a type only: accounts sits above core (docs/architecture.md)
    from jianxi.accounts.models import User

V = TypeVar("V", bound=Callable[..., HttpResponseBase])

ACCESS_ATTR = "jianxi_access"
SELF_GUARDED_NAMESPACES = {"admin", "api"}


def public(view: V) -> V:
    """Anyone, signed in or not."""
    setattr(view, ACCESS_ATTR, "public")
    return view


def signed_in(view: V) -> V:
    """Any signed-in user, whatever the role."""
    return roles(*Role.values)(view)


def roles(*allowed: str) -> Callable[[V], V]:
    """Signed-in users with one of the given roles; others get 403, anonymous users the login page."""

    def decorator(view: V) -> V:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            user = request.user
            if not user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if getattr(user, "role", None) not in allowed:
                raise PermissionDenied("role")
            return view(request, *args, **kwargs)

        setattr(wrapped, ACCESS_ATTR, tuple(allowed))
        return wrapped  # type: ignore[return-value]

    return decorator


class AccessMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view_func: Callable[..., HttpResponseBase], args: Any, kwargs: Any
    ) -> HttpResponseBase | None:
        match = request.resolver_match
        if match is not None and SELF_GUARDED_NAMESPACES & set(match.namespaces):
            return None
        if not hasattr(view_func, ACCESS_ATTR):
            # A programming error, not a user's: refuse plainly, without templates that may fail.
            return HttpResponseForbidden("view declares no access")
        return None


def acting_user(request: HttpRequest) -> User:
    """The signed-in user of a view behind ``roles``/``signed_in`` (typed for the checker)."""
    return cast("User", request.user)


def require_role(request: HttpRequest, *allowed: str) -> None:
    """The API's role check: a signed-in user without one of ``allowed`` roles gets 403."""
    if getattr(request.user, "role", None) not in allowed:
        raise PermissionDenied("role")
