"""Messages to people through channels (通知渠道): in-app, e-mail and SMS, each delivery recorded.

Two kinds of message (``MessageKind``):

* a **service notice** (业务通知: an offer, a review's outcome) — ``notify``: one in-app row per
  user and an e-mail where an address is known, sent only after the surrounding transaction
  commits, so a refused operation notifies no one. Opting out does not stop these.
* a **push** (推送: outreach to many) — ``deliver``, called from a job (``jianxi.core.jobs``),
  never in the request: each person's opt-outs are honoured per channel (``NotificationPreference``
  of a user, ``OptOut`` of an address), and each pushed e-mail carries a signed unsubscribe
  link that works without signing in (``unsubscribe_token``).

Every attempt on the e-mail and SMS channels, and every push on any channel, is a ``Delivery``
row (who, channel, when, outcome). A failing gateway is recorded, never raised.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMessage, get_connection, send_mail
from django.db import transaction
from django.urls import reverse

from jianxi.core.models import (
    Channel,
    Delivery,
    DeliveryOutcome,
    MessageKind,
    Notification,
    NotificationPreference,
    OptOut,
)
from jianxi.core.sms import send_sms

SUBJECT_PREFIX = "【见习】"
UNSUBSCRIBE_SALT = "jianxi.core.unsubscribe"
ALL_CHANNELS = (Channel.INAPP, Channel.EMAIL, Channel.SMS)


def notify(*, users: Iterable[Any], message: str, link: str = "", email: str = "") -> None:
    """A service notice to ``users`` (in-app and e-mail) and to ``email``, once the transaction commits."""
    recipients = [u for u in users if u is not None]

    def send() -> None:
        Notification.objects.bulk_create([Notification(user=u, message=message, link=link) for u in recipients])
        by_address = {u.email: u for u in recipients if u.email}
        addresses = sorted({a for a in [email, *by_address] if a})
        if not addresses:
            return
        outcome, error = DeliveryOutcome.SENT, ""
        try:
            send_mail(SUBJECT_PREFIX + message[:40], message, settings.DEFAULT_FROM_EMAIL, addresses)
        except Exception as exc:  # a mail server down must not fail the committed operation
            outcome, error = DeliveryOutcome.FAILED, f"{type(exc).__name__}: {exc}"[:500]
        Delivery.objects.bulk_create(
            [
                Delivery(
                    user=by_address.get(a),
                    channel=Channel.EMAIL,
                    kind=MessageKind.SERVICE,
                    address=a,
                    outcome=outcome,
                    error=error,
                )
                for a in addresses
            ]
        )

    transaction.on_commit(send)


@dataclass(frozen=True)
class Recipient:
    """One person a push reaches: an account (in-app) and/or an e-mail address and a mobile number."""

    user: Any | None = None
    email: str = ""
    phone: str = ""

    @property
    def user_id(self) -> int | None:
        return getattr(self.user, "pk", None)


@dataclass
class DeliveryCounts:
    sent: dict[str, int] = field(default_factory=lambda: {c.value: 0 for c in Channel})
    failed: dict[str, int] = field(default_factory=lambda: {c.value: 0 for c in Channel})
    opted_out: dict[str, int] = field(default_factory=lambda: {c.value: 0 for c in Channel})


def normalise_address(channel: str, address: str) -> str:
    return address.strip().lower() if channel == Channel.EMAIL else address.strip()


def unsubscribe_token(channel: str, address: str) -> str:
    """The signed token of an unsubscribe link: the address may refuse pushes on this channel."""
    return signing.dumps({"c": channel, "a": normalise_address(channel, address)}, salt=UNSUBSCRIBE_SALT)


def read_unsubscribe_token(token: str) -> tuple[str, str] | None:
    """(channel, address) of a genuine token, else None (tampered, or not ours)."""
    try:
        data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or data.get("c") not in Channel.values or not data.get("a"):
        return None
    return str(data["c"]), str(data["a"])


def unsubscribe_url(channel: str, address: str) -> str:
    path = reverse("core:unsubscribe", args=[unsubscribe_token(channel, address)])
    return getattr(settings, "SITE_URL", "").rstrip("/") + path


def opt_out(channel: str, address: str) -> None:
    """Refuse pushes on ``channel`` to ``address`` (idempotent)."""
    OptOut.objects.get_or_create(channel=channel, address=normalise_address(channel, address))


def preference_of(user: Any) -> NotificationPreference:
    found = NotificationPreference.objects.filter(user=user).first()
    return found or NotificationPreference(user=user)


def _blocked(recipients: Sequence[Recipient]) -> tuple[dict[int, NotificationPreference], set[tuple[str, str]]]:
    """Each user's preference and the refused addresses, in two queries."""
    user_ids = {r.user_id for r in recipients if r.user_id is not None}
    prefs = {p.user_id: p for p in NotificationPreference.objects.filter(user_id__in=user_ids)}
    emails = {normalise_address(Channel.EMAIL, a) for r in recipients for a in [_email_of(r)] if a}
    phones = {normalise_address(Channel.SMS, r.phone) for r in recipients if r.phone}
    refused = set(
        OptOut.objects.filter(channel=Channel.EMAIL, address__in=emails).values_list("channel", "address")
    ) | set(OptOut.objects.filter(channel=Channel.SMS, address__in=phones).values_list("channel", "address"))
    return prefs, refused


def _email_of(recipient: Recipient) -> str:
    return recipient.email or getattr(recipient.user, "email", "") or ""


def deliver(
    recipients: Sequence[Recipient],
    *,
    message: str,
    link: str = "",
    subject: str = "",
    kind: str = MessageKind.PUSH,
    channels: Sequence[str] = ALL_CHANNELS,
    topic: str = "",
    sms_text: str = "",
) -> DeliveryCounts:
    """Send ``message`` to each recipient on each of ``channels`` it can be reached on, now.

    A push honours opt-outs and puts an unsubscribe link in each e-mail; a service notice does
    not. Each attempt is recorded; nothing raises for a failed channel. Call it from a job.
    """
    counts = DeliveryCounts()
    is_push = kind == MessageKind.PUSH
    prefs, refused = _blocked(recipients) if is_push else ({}, set())
    records: list[Delivery] = []
    notices: list[Notification] = []
    mails: list[tuple[Recipient, str, EmailMessage]] = []

    def record(r: Recipient, channel: str, address: str, outcome: str, error: str = "") -> None:
        getattr(counts, outcome)[channel] += 1
        records.append(
            Delivery(
                user_id=r.user_id,
                channel=channel,
                kind=kind,
                address=address,
                topic=topic[:60],
                outcome=outcome,
                error=error[:500],
            )
        )

    def allowed(r: Recipient, channel: str, address: str) -> bool:
        pref = prefs.get(r.user_id) if r.user_id is not None else None
        if pref is not None and not pref.allows(channel):
            return False
        return (channel, normalise_address(channel, address)) not in refused

    absolute_link = getattr(settings, "SITE_URL", "").rstrip("/") + link if link.startswith("/") else link
    for r in recipients:
        if Channel.INAPP in channels and r.user is not None:
            if not is_push or allowed(r, Channel.INAPP, ""):
                notices.append(Notification(user=r.user, message=message[:500], link=link[:200]))
                if is_push:
                    record(r, Channel.INAPP, "", DeliveryOutcome.SENT)
            else:
                record(r, Channel.INAPP, "", DeliveryOutcome.OPTED_OUT)
        address = _email_of(r)
        if Channel.EMAIL in channels and address:
            if is_push and not allowed(r, Channel.EMAIL, address):
                record(r, Channel.EMAIL, address, DeliveryOutcome.OPTED_OUT)
            else:
                body = message + (f"\n\n{absolute_link}" if absolute_link else "")
                headers = {}
                if is_push:
                    url = unsubscribe_url(Channel.EMAIL, address)
                    body += f"\n\n不想再收到此类推送？退订：{url}"
                    headers["List-Unsubscribe"] = f"<{url}>"
                mail = EmailMessage(
                    SUBJECT_PREFIX + (subject or message[:40]),
                    body,
                    settings.DEFAULT_FROM_EMAIL,
                    [address],
                    headers=headers,
                )
                mails.append((r, address, mail))
        if Channel.SMS in channels and r.phone:
            if is_push and not allowed(r, Channel.SMS, r.phone):
                record(r, Channel.SMS, r.phone, DeliveryOutcome.OPTED_OUT)
            else:
                text = (sms_text or message) + ("（回复TD退订）" if is_push else "")
                result = send_sms(r.phone, text)
                outcome = DeliveryOutcome.SENT if result.ok else DeliveryOutcome.FAILED
                record(r, Channel.SMS, r.phone, outcome, result.error)
    if mails:
        _send_mails(mails, record)
    Notification.objects.bulk_create(notices, batch_size=1000)
    Delivery.objects.bulk_create(records, batch_size=1000)
    return counts


def _send_mails(mails: list[tuple[Recipient, str, EmailMessage]], record: Any) -> None:
    """One connection for all; each message's outcome recorded on its own."""
    try:
        connection = get_connection()
        connection.open()
    except Exception as exc:
        for r, address, _mail in mails:
            record(r, Channel.EMAIL, address, DeliveryOutcome.FAILED, f"{type(exc).__name__}: {exc}")
        return
    try:
        for r, address, mail in mails:
            mail.connection = connection
            try:
                mail.send()
            except Exception as exc:
                record(r, Channel.EMAIL, address, DeliveryOutcome.FAILED, f"{type(exc).__name__}: {exc}")
            else:
                record(r, Channel.EMAIL, address, DeliveryOutcome.SENT)
    finally:
        with contextlib.suppress(Exception):  # closing a broken connection: nothing left to do
            connection.close()
