"""The exchange's writes: a dead letter sent back to delivery, and an application the zone forwards."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jianxi.accounts.models import Role, User
from jianxi.core.errors import RuleError
from jianxi.core.validators import parse_mobile, parse_resident_id
from jianxi.exchange.models import InboundApplication, MessageRetry, MessageState, OutboxMessage
from jianxi.placements import services as placements
from jianxi.placements.models import Application
from jianxi.youth.models import Person

REFERENCE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$")


def retry_message(*, actor: User, message_id: int, reason: str = "") -> OutboxMessage:
    """The city sends a dead-lettered message back to delivery: due now, its tries counted afresh.

    The retry is recorded (``MessageRetry``: who, when, the tries and the error it had); a message
    that is not dead-lettered changes nothing and is refused with ``exchange.not_dead``.
    """
    if getattr(actor, "role", None) != Role.CITY:
        raise RuleError("exchange.city_only", _("只有市人社局可以重新发送专区消息。"))
    with transaction.atomic():
        message = OutboxMessage.objects.select_for_update().filter(pk=message_id).first()
        if message is None:
            raise RuleError("exchange.not_found", _("未找到该消息。"))
        if message.state != MessageState.DEAD:
            raise RuleError(
                "exchange.not_dead",
                _("该消息当前状态为“%(state)s”，无需重新发送。") % {"state": message.get_state_display()},
            )
        MessageRetry.objects.create(
            message=message,
            actor=actor,
            attempts_before=message.attempts,
            last_error=message.last_error,
            reason=reason.strip()[:200],
        )
        OutboxMessage.objects.filter(pk=message.pk).update(
            state=MessageState.PENDING, attempts=0, next_attempt_at=timezone.now(), claim_token=""
        )
    message.refresh_from_db()
    return message


@dataclass(frozen=True)
class Forwarded:
    reference: str
    post_id: int
    id_number: str
    name: str
    mobile: str


@dataclass(frozen=True)
class Received:
    inbound: InboundApplication
    application: Application
    replayed: bool


def _replay(existing: InboundApplication, data: Forwarded, number: str) -> Received:
    if existing.post_id != data.post_id or existing.id_number != number:
        raise RuleError(
            "exchange.reference_conflict",
            _("专区申请编号 %(reference)s 已用于另一份申请（岗位或身份证号不同）。") % {"reference": data.reference},
            field="reference",
        )
    return Received(inbound=existing, application=existing.application, replayed=True)


def receive_application(*, actor: User, data: Forwarded, today: date) -> Received:
    """An application the zone forwards, landing as an ordinary application (placements).

    Idempotent by the zone's reference: the same reference again answers the first result
    (``replayed``); with another post or person it is refused (``exchange.reference_conflict``).
    The person must be in the youth registry (``person.not_registered``): the zone's data lacks
    what eligibility needs (education, graduation, 户籍), which only the registry holds; the
    name must match the registry's (``name.mismatch``).
    """
    if getattr(actor, "username", None) not in settings.EXCHANGE_INBOUND_USERNAMES:
        raise RuleError(
            "exchange.not_the_zone",
            _("只有为部级见习专区设立的账号（EXCHANGE_INBOUND_USERNAMES）可以转来申请。"),
        )
    if not REFERENCE.match(data.reference):
        raise RuleError(
            "reference.format",
            _("专区申请编号应为 1 至 64 位字母、数字或 . _ : -，且以字母或数字开头。"),
            field="reference",
        )
    number = parse_resident_id(data.id_number, field="id_number", today=today).number
    mobile = parse_mobile(data.mobile, field="mobile")
    existing = InboundApplication.objects.select_related("application").filter(reference=data.reference).first()
    if existing is not None:
        return _replay(existing, data, number)
    person = Person.objects.filter(id_number=number).first()
    if person is None:
        raise RuleError(
            "person.not_registered",
            _("该身份证号尚未在本市见习人员库登记，请先到本市平台登记后再申请。"),
            field="id_number",
        )
    if person.name.strip() != data.name.strip():
        raise RuleError("name.mismatch", _("姓名与见习人员库登记的不一致。"), field="name")
    try:
        with transaction.atomic():
            application = placements.application_forwarded(
                actor=actor, post_id=data.post_id, person=person, today=today
            )
            inbound = InboundApplication.objects.create(
                reference=data.reference,
                application=application,
                post_id=data.post_id,
                id_number=number,
                name=data.name.strip(),
                mobile=mobile,
            )
    except (IntegrityError, RuleError):
        # The same reference sent twice at the same moment: the other request's record stands.
        again = InboundApplication.objects.select_related("application").filter(reference=data.reference).first()
        if again is None:
            raise
        return _replay(again, data, number)
    return Received(inbound=inbound, application=application, replayed=False)
