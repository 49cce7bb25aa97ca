"""Navigation by role: each role sees the links of what it may do, nothing else."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _

from jianxi.accounts.models import Role


def _items(role: str | None) -> list[tuple[str, str]]:
    items = [(_("首页"), reverse("home"))]
    quote = (_("补贴测算"), reverse("policy:quote"))
    check = (_("资格自测"), reverse("policy:eligibility"))
    if role is None:
        return items + [quote, check]
    if role == Role.YOUTH:
        return items + [(_("我的信息"), reverse("youth:me")), check]
    if role == Role.HOST:
        return items + [(_("我的单位"), reverse("hosts:mine")), quote]
    if role in (Role.DISTRICT, Role.DEPARTMENT, Role.CITY):
        items += [(_("见习单位"), reverse("hosts:list")), (_("见习人员"), reverse("youth:list"))]
    if role == Role.UNIVERSITY:
        items += [(_("本校毕业生"), reverse("youth:list"))]
    if role == Role.CITY:
        items += [(_("政策参数"), reverse("policy:overview"))]
    return items + [quote]


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    role = getattr(user, "role", None) if user is not None and user.is_authenticated else None
    return {"nav_items": _items(role), "Role": Role}
