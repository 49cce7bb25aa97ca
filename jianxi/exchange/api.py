"""``POST /exchange/applications``: the ministry's internship zone forwards an application.

Token auth only (``Authorization: Bearer …`` or ``X-API-Key``, an ``ApiToken`` of the city's
exchange account): a browser session is no way in. Idempotent by the zone's reference.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import Http404, HttpRequest
from django.utils import timezone
from ninja import Field, Router, Schema
from ninja.responses import Status
from pydantic import ConfigDict

from jianxi.accounts.api_auth import BearerToken, HeaderToken
from jianxi.accounts.models import Role
from jianxi.core.access import acting_user, require_role
from jianxi.core.api import MAX_ID, ErrorOut, StrictIn, error_response
from jianxi.core.errors import RuleError
from jianxi.exchange import services

router = Router(tags=["exchange"])

CONFLICTS = ("application.duplicate", "exchange.reference_conflict")
FIELDS = {"post": "post_id"}  # the services' field names → this body's


class ForwardedIn(StrictIn):
    model_config = ConfigDict(
        strict=True,
        json_schema_extra={
            "examples": [
                {
                    "reference": "ZQ-2026-000123",
                    "post_id": 42,
                    "id_number": "110108200105201238",
                    "name": "李明",
                    "mobile": "13800138000",
                }
            ]
        },
    )

    reference: str = Field(min_length=1, max_length=64, description="专区的申请编号；同一编号再次提交返回首次结果")
    post_id: int = Field(ge=1, le=MAX_ID, description="岗位编号（专区消息中的 post_id）")
    id_number: str = Field(min_length=1, max_length=40, description="公民身份号码（18 位）")
    name: str = Field(min_length=1, max_length=50, description="姓名，须与见习人员库一致")
    mobile: str = Field(min_length=1, max_length=20, description="手机号码（11 位）")


class ForwardedOut(Schema):
    reference: str
    application: int = Field(description="见习申请编号")
    post_id: int
    status: str = Field(description="申请状态（applied 等）")
    received_at: datetime
    replayed: bool = Field(description="true：该编号此前已接收，返回的是首次结果")


@router.post(
    "/applications",
    auth=[BearerToken(), HeaderToken()],
    response={200: ForwardedOut, 201: ForwardedOut, 409: ErrorOut},
    summary="接收部级见习专区转来的见习申请（接口令牌；按专区申请编号幂等）",
)
def forwarded_application(request: HttpRequest, payload: ForwardedIn) -> Any:
    """The application lands as an ordinary one (状态 applied) of a person in the youth registry.
    201 when new; 200 with ``replayed`` for a reference received before. Refusals:
    400 ``post.closed`` (field ``post_id``: the post is not open), 404 ``not_found`` (no such
    published post), 409 ``application.duplicate`` (the person has an open application to the
    post), 409 ``exchange.reference_conflict`` (the reference names another post or person),
    400 ``id_number.*`` (field ``id_number``), ``phone.format`` (field ``mobile``),
    ``person.not_registered`` (field ``id_number``), ``name.mismatch`` (field ``name``); 403
    ``exchange.not_the_zone`` for a token of any account not named in EXCHANGE_INBOUND_USERNAMES."""
    require_role(request, Role.CITY)
    data = services.Forwarded(
        reference=payload.reference,
        post_id=payload.post_id,
        id_number=payload.id_number,
        name=payload.name,
        mobile=payload.mobile,
    )
    try:
        received = services.receive_application(actor=acting_user(request), data=data, today=timezone.localdate())
    except Http404:
        return error_response(404, "not_found", "未找到该岗位，或该岗位从未发布。", "post_id")
    except RuleError as err:
        field = FIELDS.get(err.field or "", err.field)
        status = 403 if err.code == "exchange.not_the_zone" else 409 if err.code in CONFLICTS else 400
        return error_response(status, err.code, err.message, field)
    inbound = received.inbound
    out = ForwardedOut(
        reference=inbound.reference,
        application=received.application.pk,
        post_id=inbound.post_id,
        status=received.application.status,
        received_at=inbound.received_at,
        replayed=received.replayed,
    )
    return Status(200 if received.replayed else 201, out)
