"""Reads of placements that other apps' pages show."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce

from jianxi.placements.models import Agreement, AgreementStatus, Application
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


def internship_starts(person_ids: Sequence[int]) -> dict[int, date]:
    """Each person's latest internship start (agreements not voided): one query."""
    rows = (
        Agreement.objects.filter(person_id__in=person_ids)
        .exclude(status=AgreementStatus.CANCELLED)
        .order_by("person_id", "start")
        .values_list("person_id", "start")
    )
    return dict(rows)  # ordered by start: the latest wins
