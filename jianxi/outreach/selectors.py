"""Take-up of a university's outreach (推送成效): invited → registered → applied → placed.

Each figure counts graduates of the list, matched to the registry by ID number at the time of
reading (a graduate who registered after the upload counts). Applied and placed read
``placements.Application`` and ``placements.Agreement`` of the matched persons; for a push, only
applications to and agreements on the posts it carried.

A push's events (对接活动) count in its take-up by sign-ups: for an event it carried, "applied"
is "signed up" — an ``events.Signup`` of the matched person for that event, confirmed or on the
waiting list (a cancelled sign-up does not count) — and ``signed_up`` says how many of the
applied came that way. Placed stays from posts only (agreements on the pushed posts); a place
found at an event is the event's own funnel (``events.selectors.funnel``). The overall figures
(the university's whole list) read applications and agreements only.

A fixed number of queries, whatever the number of graduates and pushes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from jianxi.accounts.scoping import scoped
from jianxi.events.models import Signup, SignupStatus
from jianxi.outreach.models import Graduate, Push, PushReceipt
from jianxi.placements.models import Agreement, AgreementStatus, Application
from jianxi.posts.models import Post, PostStatus
from jianxi.youth.models import Person

PLACED_STATES = (AgreementStatus.ACTIVE, AgreementStatus.ENDED)  # 上岗: the internship started


@dataclass(frozen=True)
class TakeUp:
    graduates: int
    invited: int
    registered: int
    applied: int
    placed: int
    signed_up: int = 0  # of a push's applied: those who signed up for an event it carried


# A graduate on the list stands for the registered person with the same ID number who graduated
# from the same university, or who registered after the university invited them (the take-up of
# an invitation) — never for anyone else in the registry: a university learns nothing of a person
# it merely holds the ID number of (their registration, applications, placement).
def ours(person: str, ref: str, uni: str, invited: str) -> Q:
    """The persons (``person`` the path to them, "" for Person itself) a list row stands for."""
    at = f"{person}__" if person else ""
    return Q(**{f"{at}id_number": OuterRef(ref)}) & (
        Q(**{f"{at}university_id": OuterRef(uni)}) | Q(**{f"{at}created_at__gte": OuterRef(invited)})
    )


def stands_for(
    *, person_university: int | None, registered_at: datetime, university_id: int, invited_at: datetime | None
) -> bool:
    """``ours`` for one person already read: the same university, or registered after the invitation."""
    return person_university == university_id or (invited_at is not None and registered_at >= invited_at)


def _invited(uni: str) -> str:
    """The invitation date beside ``uni``: a list row's own, or a push receipt's graduate's."""
    return "graduate__invited_at" if uni.startswith("push__") else "invited_at"


def _ours(ref: str, uni: str) -> Q:
    return ours("person", ref, uni, _invited(uni))


def _registered(ref: str = "id_number", uni: str = "university_id") -> Exists:
    return Exists(Person.objects.filter(ours("", ref, uni, _invited(uni))))


def _applied(ref: str = "id_number", post: str | None = None, uni: str = "university_id") -> Exists:
    qs = Application.objects.filter(_ours(ref, uni))
    return Exists(qs.filter(post=OuterRef(post)) if post else qs)


def _placed(ref: str = "id_number", post: str | None = None, uni: str = "university_id") -> Exists:
    qs = Agreement.objects.filter(_ours(ref, uni), status__in=PLACED_STATES)
    return Exists(qs.filter(post=OuterRef(post)) if post else qs)


def _signed_up(ref: str = "id_number", event: str = "event", uni: str = "university_id") -> Exists:
    return Exists(
        Signup.objects.filter(
            _ours(ref, uni),
            event=OuterRef(event),
            status__in=(SignupStatus.CONFIRMED, SignupStatus.WAITING),
        )
    )


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


UNI = "push__university_id"  # a receipt's university


def push_takeup(pushes: list[Push]) -> dict[int, TakeUp]:
    """Each push's figures (its recipients, then those of them who — invited by the list —
    registered, applied to a pushed post or signed up for a pushed event, were placed on a pushed
    post), in one query."""
    if not pushes:
        return {}
    rows = (
        PushReceipt.objects.filter(push__in=pushes)
        .values("push")
        .annotate(
            graduates=Count("graduate", distinct=True),
            invited=Count("graduate", distinct=True, filter=Q(graduate__invited_at__isnull=False)),
            registered=Count("graduate", distinct=True, filter=Q(_registered(uni=UNI))),
            applied=Count("graduate", distinct=True, filter=Q(_applied(post="post", uni=UNI)) | Q(_signed_up(uni=UNI))),
            placed=Count("graduate", distinct=True, filter=Q(_placed(post="post", uni=UNI))),
            signed_up=Count("graduate", distinct=True, filter=Q(_signed_up(uni=UNI))),
        )
        .order_by()
    )
    found = {row.pop("push"): TakeUp(**row) for row in rows}
    empty = TakeUp(0, 0, 0, 0, 0, 0)
    return {p.pk: found.get(p.pk, empty) for p in pushes}


def pushes(user: Any) -> QuerySet[Push]:
    return scoped(user, Push.objects.select_related("sent_by")).order_by("-created_at", "-id")


def push_posts(push: Push) -> list[Any]:
    return [item.post for item in push.items.select_related("post__host").order_by("pk") if item.post is not None]


def push_events(push: Push) -> list[Any]:
    items = push.items.select_related("event__district").order_by("pk")
    return [item.event for item in items if item.event is not None]


def pushable_posts(post_ids: Sequence[int]) -> QuerySet[Post]:
    """The posts among ``post_ids`` a push may carry (published and not expired), by number."""
    return (
        Post.objects.filter(pk__in=post_ids, status=PostStatus.PUBLISHED, expires_on__gte=timezone.localdate())
        .select_related("host")
        .order_by("pk")
    )
