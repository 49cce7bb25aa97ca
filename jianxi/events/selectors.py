"""Every read of the events pages, the API and the homes: a fixed number of queries each."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from jianxi.accounts.scoping import scoped
from jianxi.events.models import Event, EventApplication, EventStatus, Signup, SignupStatus
from jianxi.placements.models import AgreementStatus, ApplicationStatus
from jianxi.policy.models import District

PLACED_WITHIN_DAYS = 60
# R-TG-3: from this day of the year (month, day) a district without an event is warned.
WARN_FROM = (10, 1)


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


EARLIEST, LATEST = date(1900, 1, 1), date(9000, 12, 31)


def public_events(*, district: str = "", start: date | None = None, end: date | None = None) -> QuerySet[Event]:
    """Published events (and cancelled ones once published, marked so), soonest first; by the
    district's code and the days they start between."""
    events = (
        Event.objects.filter(published_at__isnull=False)
        .select_related("district", "organiser_district", "organiser_department", "organiser_university")
        .annotate(taken=Count("signups", filter=Q(signups__status=SignupStatus.CONFIRMED)))
        .order_by("starts_at", "pk")
    )
    if district:
        events = events.filter(district__code=district)
    # Dates at the calendar's ends (9999-12-31, 0001-01-01) are clamped: no datetime overflow.
    if start is not None:
        events = events.filter(starts_at__gte=_day_start(max(start, EARLIEST)))
    if end is not None:
        events = events.filter(starts_at__lt=_day_start(min(end, LATEST) + timedelta(days=1)))
    return events


def event_public(pk: int) -> Event | None:
    return public_events().filter(pk=pk).first()


def events_for_user(user: Any) -> QuerySet[Event]:
    """The organiser's own events (the city: all), with their sign-up counts."""
    return scoped(
        user,
        Event.objects.select_related(
            "district", "organiser_district", "organiser_department", "organiser_university"
        ).annotate(
            taken=Count("signups", filter=Q(signups__status=SignupStatus.CONFIRMED)),
            waiting=Count("signups", filter=Q(signups__status=SignupStatus.WAITING)),
        ),
    )


def signups_of(event: Event) -> QuerySet[Signup]:
    return (
        Signup.objects.filter(event=event)
        .exclude(status=SignupStatus.CANCELLED)
        .select_related("person")
        .order_by("status", "queued_at", "pk")
    )


@dataclass(frozen=True)
class Funnel:
    signed_up: int
    waiting: int
    attended: int
    applied: int
    offered: int
    placed: int


def funnel(event: Event) -> Funnel:
    """签到漏斗: signed up, attended, applied through the event, offered, placed within 60 days of it.

    Two queries, whatever the numbers."""
    people = Signup.objects.filter(event=event).aggregate(
        signed_up=Count("pk", filter=Q(status=SignupStatus.CONFIRMED)),
        waiting=Count("pk", filter=Q(status=SignupStatus.WAITING)),
        attended=Count("pk", filter=Q(checked_in_at__isnull=False)),
    )
    limit = timezone.localdate(event.starts_at) + timedelta(days=PLACED_WITHIN_DAYS)
    started = (AgreementStatus.ACTIVE, AgreementStatus.ENDED)
    offered = Q(application__status__in=(ApplicationStatus.OFFER, ApplicationStatus.ACCEPTED)) | Q(
        application__agreement__isnull=False
    )
    placed = Q(application__agreement__status__in=started, application__agreement__start__lte=limit)
    applications = EventApplication.objects.filter(event=event).aggregate(
        applied=Count("pk"),
        offered=Count("pk", filter=offered),
        placed=Count("pk", filter=placed),
    )
    return Funnel(**people, **applications)


# --- R-TG-3: at least one dedicated matching event per district a year ------------------------------


def held_this_year(year: int) -> QuerySet[Event]:
    """The events that count for R-TG-3: published (not cancelled), starting in ``year``."""
    return Event.objects.filter(
        status=EventStatus.PUBLISHED, starts_at__gte=_day_start(date(year, 1, 1)),
        starts_at__lt=_day_start(date(year + 1, 1, 1)),
    )  # fmt: skip


def events_per_district(year: int) -> dict[str, int]:
    """District code → events held (R-TG-3) in ``year``: one query."""
    rows = held_this_year(year).order_by().values("district__code").annotate(n=Count("pk"))
    return {r["district__code"]: r["n"] for r in rows}


def districts_without_event(user: Any, *, today: date) -> QuerySet[District]:
    """The districts warned for R-TG-3 on ``today``: from October 1, those (in the user's view: its
    own district, or all for the city) with no event held this year."""
    districts = District.objects.order_by("sort_order", "code")
    role = getattr(user, "role", None)
    if role == "district":
        districts = districts.filter(pk=user.district_id)
    elif role != "city":
        return districts.none()
    if (today.month, today.day) < WARN_FROM:
        return districts.none()
    return districts.exclude(pk__in=held_this_year(today.year).values("district"))
