"""Navigation by role: each role sees the links of what it may do, nothing else."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _

from jianxi.core.models import Notification
from jianxi.core.roles import Role


def _items(role: str | None) -> list[tuple[str, str]]:
    items = [
        (_("首页"), reverse("home")),
        (_("岗位搜索"), reverse("posts:search")),
        (_("对接活动"), reverse("events:list")),
    ]
    quote = (_("补贴测算"), reverse("policy:quote"))
    check = (_("资格自测"), reverse("policy:eligibility"))
    if role is None:
        return items + [quote, check, (_("证明验证"), reverse("placements:verify"))]
    applications = (_("见习申请"), reverse("placements:applications"))
    agreements = (_("见习协议"), reverse("placements:agreements"))
    if role == Role.YOUTH:
        for_you = (_("为你推荐"), reverse("recommend:posts"))
        return items + [for_you, (_("我的信息"), reverse("youth:me")), applications, agreements, check]
    if role == Role.HOST:
        return items + [
            (_("我的单位"), reverse("hosts:mine")),
            (_("岗位管理"), reverse("posts:manage")),
            applications,
            agreements,
            (_("补贴申报"), reverse("subsidies:claims")),
            quote,
        ]
    if role in (Role.DISTRICT, Role.DEPARTMENT, Role.CITY):
        items += [
            (_("见习单位"), reverse("hosts:list")),
            (_("岗位管理"), reverse("posts:manage")),
            (_("见习人员"), reverse("youth:list")),
        ]
    if role == Role.UNIVERSITY:
        items += [(_("本校毕业生"), reverse("youth:list"))]
    if role in (Role.DISTRICT, Role.DEPARTMENT, Role.CITY, Role.UNIVERSITY):
        items += [applications, agreements, (_("统计看板"), reverse("oversight:dashboard"))]
        items += [(_("活动管理"), reverse("events:manage"))]
    if role in (Role.DISTRICT, Role.CITY, Role.UNIVERSITY):
        items += [(_("跟踪帮扶"), reverse("placements:follow_ups"))]
    if role in (Role.DISTRICT, Role.CITY):
        items += [(_("补贴审核与拨付"), reverse("subsidies:claims"))]
        items += [(_("示范单位评选"), reverse("demonstration:ranking"))]
    if role in (Role.CITY, Role.FINANCE):
        items += [(_("预算与资金"), reverse("finance:overview"))]
    if role == Role.CITY:
        items += [(_("政策参数"), reverse("policy:overview"))]
    return items + [quote]


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    signed_in = user is not None and user.is_authenticated
    role = getattr(user, "role", None) if signed_in else None
    # Lazy: the unread count costs its one query only on pages that show it.
    unread = SimpleLazyObject(lambda: Notification.objects.filter(user=user, read_at__isnull=True).count())
    return {"nav_items": _items(role), "Role": Role, "unread_notices": unread if signed_in else 0}
