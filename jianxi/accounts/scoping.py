"""The scoping layer: the one place that decides which rows a user may list or open.

Each scoped model declares ``SCOPE = Scope(...)``: for every role, the lookup path from the
model to that role's scope. A role whose path is ``None`` sees nothing of that model; the city
officer sees everything. Views and API endpoints never filter by district by hand: they call
``scoped()`` for lists and ``get_scoped()`` for one object (404 when out of scope, so that the
existence of another district's rows does not leak).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar

from django.db.models import Model, QuerySet
from django.http import Http404

from jianxi.accounts.models import Role

M = TypeVar("M", bound=Model)


@dataclass(frozen=True)
class Scope:
    district: str | None = None  # path to a District id
    department: str | None = None  # path to a Department id
    university: str | None = None  # path to a University id
    host: str | None = None  # path to a Host id
    youth: str | None = None  # path to the youth's User id


def _user_filter(user: Any, scope: Scope) -> dict[str, Any] | None:
    """The filter for this user, or None when the user may see none of the model."""
    role = getattr(user, "role", None)
    if not getattr(user, "is_authenticated", False) or role is None:
        return None
    if role == Role.CITY:
        return {}
    path, value = {
        Role.DISTRICT: (scope.district, user.district_id),
        Role.DEPARTMENT: (scope.department, user.department_id),
        Role.UNIVERSITY: (scope.university, user.university_id),
        Role.HOST: (scope.host, user.host_id),
        Role.YOUTH: (scope.youth, user.pk),
    }.get(role, (None, None))
    if path is None or value is None:
        return None
    return {path: value}


def scoped(user: Any, queryset: QuerySet[M]) -> QuerySet[M]:
    """The rows of ``queryset`` this user may see."""
    scope: Scope | None = getattr(queryset.model, "SCOPE", None)
    if scope is None:
        raise TypeError(f"{queryset.model.__name__} declares no SCOPE")
    condition = _user_filter(user, scope)
    if condition is None:
        return queryset.none()
    queryset = queryset.filter(**condition)
    # A path through a to-many relation would repeat rows; none is declared today, but a
    # future one (a host seeing persons through its agreements) must not change the counts.
    if any(_crosses_to_many(queryset.model, path) for path in condition):
        queryset = queryset.distinct()
    return queryset


def _crosses_to_many(model: type[Model], path: str) -> bool:
    for name in path.split("__")[:-1]:
        field = model._meta.get_field(name)
        if field.one_to_many or field.many_to_many:
            return True
        model = field.related_model  # type: ignore[assignment]
    return False


def get_scoped(user: Any, queryset: QuerySet[M], **lookup: Any) -> M:
    """One row the user may see, or 404."""
    found = scoped(user, queryset).filter(**lookup).first()
    if found is None:
        raise Http404
    return found
