"""Reads of placements that other apps' pages show."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.db.models import Count, Exists, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from jianxi.accounts.models import Role
from jianxi.core.errors import RuleError
from jianxi.placements.models import Agreement, AgreementStatus, Application, ApplicationStatus, Attendance
from jianxi.policy import engine
from jianxi.policy.selectors import engine_policy
from jianxi.posts.models import Post
from jianxi.youth.models import Person
from jianxi.youth.selectors import person_eligibility


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
    # An invitation not yet answered is no applicant: counting it would tell the host whether the
    # ID number it typed is registered (issue #11, #12).
    applicants = (
        Application.objects.filter(post=OuterRef("pk"))
        .exclude(status=ApplicationStatus.INVITED)
        .values("post")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return qs.annotate(
        placed=Coalesce(Subquery(placed, output_field=IntegerField()), 0),
        applicants=Coalesce(Subquery(applicants, output_field=IntegerField()), 0),
    )


def internship_starts(person_ids: Sequence[int]) -> dict[int, date]:
    """Each person's latest internship start (agreements not voided): one query."""
    rows = (
        Agreement.objects.filter(person_id__in=person_ids)
        .exclude(status=AgreementStatus.CANCELLED)
        .order_by("person_id", "start")
        .values_list("person_id", "start")
    )
    return dict(rows)  # ordered by start: the latest wins


@dataclass(frozen=True)
class Outlook:
    """What a young person (before applying) and a host (before taking them on) are told:
    eligibility with its reasons (R-EL-1…4, from ``youth.selectors.person_eligibility``), whether
    an internship would be subsidised (R-EL-6: once only), and an internship already under way
    (R-EL-5: periods must not overlap)."""

    on: date
    eligibility: engine.Eligibility
    subsidy_note: str  # why an internship would not be subsidised; "" when it would
    current: Agreement | None  # an internship pending or under way

    @property
    def subsidisable(self) -> bool:
        return self.eligibility.eligible and not self.subsidy_note

    @property
    def reasons(self) -> list[str]:
        return [reason.message for reason in self.eligibility.reasons]


def applicant_outlook(person: Person, *, today: date) -> Outlook:
    """A person's outlook on ``today``, in three queries at most."""
    eligibility = person_eligibility(person, today)
    others = Agreement.objects.filter(person=person).exclude(status=AgreementStatus.CANCELLED)
    note = ""
    if others.filter(subsidy_eligible=True).exists():
        try:
            engine.subsidy_once_check(policy=engine_policy(today), subsidised_before=True)
        except RuleError as once:
            note = once.message
    current = (
        others.filter(status__in=(AgreementStatus.PENDING, AgreementStatus.ACTIVE))
        .select_related("host")
        .order_by("start")
        .first()
    )
    return Outlook(on=today, eligibility=eligibility, subsidy_note=note, current=current)


def outlook_of_user(user: Any, today: date) -> Outlook | None:
    """The signed-in young person's outlook (posts' hook ``applicant_outlook``), else None."""
    if getattr(user, "role", None) != Role.YOUTH:
        return None
    person = Person.objects.filter(user=user).first()
    return None if person is None else applicant_outlook(person, today=today)


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
