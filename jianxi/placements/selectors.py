"""Reads of placements that other apps' pages show."""

from __future__ import annotations

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
