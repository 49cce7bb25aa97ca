"""Reads of placements that other apps' pages show."""

from __future__ import annotations

from datetime import date, timedelta

from django.db.models import Count, Exists, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from jianxi.accounts.models import Role
from jianxi.placements.models import Agreement, AgreementStatus, Application, Attendance
from jianxi.posts.models import Post


def placement_counts(qs: QuerySet[Post]) -> QuerySet[Post]:
    """Annotate ``placed`` (agreements holding a place) and ``applicants``: never typed, always counted.

    Subqueries rather than joins, so that the two counts do not multiply each other.
    """
    placed = (
        Agreement.objects.filter(post=OuterRef("pk"))
        .exclude(status=AgreementStatus.CANCELLED)
        .values("post")
        .annotate(n=Count("pk"))
        .values("n")
    )
    applicants = Application.objects.filter(post=OuterRef("pk")).values("post").annotate(n=Count("pk")).values("n")
    return qs.annotate(
        placed=Coalesce(Subquery(placed, output_field=IntegerField()), 0),
        applicants=Coalesce(Subquery(applicants, output_field=IntegerField()), 0),
    )


def previous_month(today: date) -> date:
    """The first day of the month before ``today``'s: the month whose attendance is due now."""
    first = today.replace(day=1)
    return (first - timedelta(days=1)).replace(day=1)


def attendance_missing(agreements: QuerySet[Agreement], *, month: date) -> QuerySet[Agreement]:
    """Internships that ran in ``month`` (its first day) and have no attendance for it yet (考勤待填报)."""
    month_end = (month + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    recorded = Attendance.objects.filter(agreement=OuterRef("pk"), month=month)
    return (
        agreements.filter(status__in=(AgreementStatus.ACTIVE, AgreementStatus.ENDED), start__lte=month_end)
        .filter(Q(ended_on__isnull=True, end__gte=month) | Q(ended_on__gte=month))
        .exclude(Exists(recorded))
    )


def agreements_to_confirm(agreements: QuerySet[Agreement], *, role: str) -> QuerySet[Agreement]:
    """Agreements waiting for this party's confirmation (待确认): the host's or the young person's."""
    pending = agreements.filter(status=AgreementStatus.PENDING)
    if role == Role.HOST:
        return pending.filter(host_confirmed_at__isnull=True)
    if role == Role.YOUTH:
        return pending.filter(youth_confirmed_at__isnull=True)
    return pending.none()
