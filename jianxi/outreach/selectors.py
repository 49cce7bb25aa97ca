"""Take-up of a university's outreach (推送成效): invited → registered → applied → placed.

Each figure counts graduates of the list, matched to the registry by ID number at the time of
reading (a graduate who registered after the upload counts). Applied and placed read
``placements.Application`` and ``placements.Agreement`` of the matched persons; for a push, only
applications to and agreements on the posts it carried. A fixed number of queries, whatever
the number of graduates and pushes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from jianxi.accounts.scoping import scoped
from jianxi.outreach.models import Graduate, Push, PushReceipt
from jianxi.placements.models import Agreement, AgreementStatus, Application
from jianxi.youth.models import Person

PLACED_STATES = (AgreementStatus.ACTIVE, AgreementStatus.ENDED)  # 上岗: the internship started


@dataclass(frozen=True)
class TakeUp:
    graduates: int
    invited: int
    registered: int
    applied: int
    placed: int


def _registered(ref: str = "id_number") -> Exists:
    return Exists(Person.objects.filter(id_number=OuterRef(ref)))


def _applied(ref: str = "id_number", post: str | None = None) -> Exists:
    qs = Application.objects.filter(person__id_number=OuterRef(ref))
    return Exists(qs.filter(post=OuterRef(post)) if post else qs)


def _placed(ref: str = "id_number", post: str | None = None) -> Exists:
    qs = Agreement.objects.filter(person__id_number=OuterRef(ref), status__in=PLACED_STATES)
    return Exists(qs.filter(post=OuterRef(post)) if post else qs)


STAGES = ("invited", "registered", "applied", "placed")


def stage_filter(stage: str) -> Q:
    """The graduates at ``stage`` (the list behind each figure of the home page)."""
    return {
        "invited": Q(invited_at__isnull=False),
        "registered": Q(_registered()),
        "applied": Q(_applied()),
        "placed": Q(_placed()),
    }.get(stage, Q())


def graduates(user: Any, *, stage: str = "") -> QuerySet[Graduate]:
    return scoped(user, Graduate.objects.all()).filter(stage_filter(stage)).order_by("-created_at", "-id")


def takeup(user: Any) -> TakeUp:
    """The university's figures, in one query."""
    found = scoped(user, Graduate.objects.all()).aggregate(
        graduates=Count("pk"),
        invited=Count("pk", filter=stage_filter("invited")),
        registered=Count("pk", filter=stage_filter("registered")),
        applied=Count("pk", filter=stage_filter("applied")),
        placed=Count("pk", filter=stage_filter("placed")),
    )
    return TakeUp(**found)


def push_takeup(pushes: list[Push]) -> dict[int, TakeUp]:
    """Each push's figures (its recipients, then those of them who — invited by the list —
    registered, applied to a pushed post, were placed on one), in one query."""
    if not pushes:
        return {}
    rows = (
        PushReceipt.objects.filter(push__in=pushes)
        .values("push")
        .annotate(
            graduates=Count("graduate", distinct=True),
            invited=Count("graduate", distinct=True, filter=Q(graduate__invited_at__isnull=False)),
            registered=Count("graduate", distinct=True, filter=Q(_registered())),
            applied=Count("graduate", distinct=True, filter=Q(_applied(post="post"))),
            placed=Count("graduate", distinct=True, filter=Q(_placed(post="post"))),
        )
        .order_by()
    )
    found = {row.pop("push"): TakeUp(**row) for row in rows}
    empty = TakeUp(0, 0, 0, 0, 0)
    return {p.pk: found.get(p.pk, empty) for p in pushes}


def pushes(user: Any) -> QuerySet[Push]:
    return scoped(user, Push.objects.select_related("sent_by")).order_by("-created_at", "-id")


def push_posts(push: Push) -> list[Any]:
    return [item.post for item in push.items.select_related("post__host").order_by("pk") if item.post is not None]
