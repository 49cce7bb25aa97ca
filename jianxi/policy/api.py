from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Schema

from jianxi.policy.models import District

router = Router(tags=["policy"])


class DistrictOut(Schema):
    code: str
    name: str


@router.get("/districts", response=list[DistrictOut], auth=None, summary="区划列表（公开）")
def district_list(request: HttpRequest) -> list[District]:
    return list(District.objects.all())
