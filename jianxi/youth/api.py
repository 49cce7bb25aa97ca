from __future__ import annotations

from datetime import date

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Router, Schema
from ninja.pagination import paginate

from jianxi.accounts.models import OFFICER_ROLES, Role
from jianxi.accounts.scoping import get_scoped, scoped
from jianxi.core.access import require_role
from jianxi.core.api import Id, Pages
from jianxi.youth.models import Person

router = Router(tags=["youth"])


class PersonOut(Schema):
    """Personal data is masked in the API; unmasked views go through the recorded page."""

    id: int
    name: str
    id_number_masked: str
    phone_masked: str
    group: str
    district: str
    university: str | None
    graduation_date: date | None

    @staticmethod
    def resolve_district(obj: Person) -> str:
        return obj.district.code

    @staticmethod
    def resolve_university(obj: Person) -> str | None:
        return obj.university.code if obj.university else None


def _persons() -> QuerySet[Person]:
    return Person.objects.select_related("district", "university").order_by("-created_at", "-id")


@router.get("", response=list[PersonOut], summary="见习人员列表（按权限范围）")
@paginate(Pages)
def person_list(request: HttpRequest) -> QuerySet[Person]:
    """Officers only; each sees its own district's registrations or university's graduates."""
    require_role(request, *OFFICER_ROLES)
    return scoped(request.user, _persons())


@router.get("/{person_id}", response=PersonOut, summary="见习人员详情")
def person_detail(request: HttpRequest, person_id: Id) -> Person:
    require_role(request, *OFFICER_ROLES, Role.YOUTH)
    return get_scoped(request.user, _persons(), pk=person_id)
