"""Host unit review (审核): approve, return with a reason, suspend, reinstate, bar (R-SUB-6).

Every transition runs in a transaction, locks the row, checks who may do it and from which
state, does nothing when nothing changes, keeps an audit row (django-simple-history, with
the actor and the reason) and notifies the host's staff after commit.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from jianxi.accounts.models import Role
from jianxi.accounts.scoping import get_scoped
from jianxi.core.errors import RuleError
from jianxi.core.notify import notify
from jianxi.hosts.models import Host, HostStatus

REVIEWERS = (Role.DISTRICT, Role.CITY)

# action: (states it may start from, state it leads to, needs a reason, Chinese verb)
TRANSITIONS: dict[str, tuple[tuple[str, ...], str, bool, str]] = {
    "approve": ((HostStatus.PENDING, HostStatus.RETURNED), HostStatus.APPROVED, False, "审核通过"),
    "return": ((HostStatus.PENDING,), HostStatus.RETURNED, True, "退回"),
    "suspend": ((HostStatus.APPROVED,), HostStatus.SUSPENDED, True, "暂停"),
    "reinstate": ((HostStatus.SUSPENDED,), HostStatus.APPROVED, False, "恢复"),
    "bar": (
        (HostStatus.PENDING, HostStatus.APPROVED, HostStatus.SUSPENDED, HostStatus.RETURNED),
        HostStatus.BARRED,
        True,
        "禁入",
    ),
}


def host_review(*, actor: Any, host_id: int, action: str, reason: str = "") -> Host:
    """Apply a district officer's decision to a host unit of their district."""
    if action not in TRANSITIONS:
        raise RuleError("host.action", f"未知的审核操作：{action}", field="action")
    if getattr(actor, "role", None) not in REVIEWERS:
        raise RuleError("host.reviewer", "只有见习单位所在区的人社局工作人员可以审核见习单位。")
    sources, target, needs_reason, verb = TRANSITIONS[action]
    reason = reason.strip()
    if needs_reason and not reason:
        raise RuleError("reason", f"{verb}须填写理由，单位将看到该理由。", field="reason")
    with transaction.atomic():
        host = get_scoped(actor, Host.objects.select_for_update(), pk=host_id)
        if host.status == target:
            return host
        if host.status not in sources:
            raise RuleError(
                "host.transition",
                f"该单位当前状态为“{host.get_status_display()}”，不能{verb}。",
            )
        host.status = target
        host.status_reason = reason
        host.reviewed_at = timezone.now()
        host._history_user = actor  # type: ignore[attr-defined]
        host._change_reason = f"{verb}：{reason}" if reason else verb  # type: ignore[attr-defined]
        host.save()
        from jianxi.posts.services import posts_follow_host

        posts_follow_host(host=host, actor=actor, reason=f"单位{verb}" + (f"：{reason}" if reason else ""))
    message = f"您的单位“{host.name}”已被{verb}" + (f"，理由：{reason}" if reason else "。")
    notify(users=host.staff.all(), message=message, link=reverse("hosts:mine"), email=host.contact_email)
    return host


# What host staff may correct about their unit: not the credit code, not the district.
HOST_EDITABLE_FIELDS = (
    "name", "host_type", "address", "contact_name", "contact_phone", "contact_email",
    "bank_name", "bank_account", "grassroots_base", "department",
)  # fmt: skip


@transaction.atomic
def host_update(*, actor: Any, host_id: int, **fields: Any) -> Host:
    """Host staff correct their unit's details; a returned unit goes back to the review queue."""
    unknown = set(fields) - set(HOST_EDITABLE_FIELDS)
    if unknown:
        raise RuleError("host.field", f"不能修改：{'、'.join(sorted(unknown))}")
    host = get_scoped(actor, Host.objects.select_for_update(), pk=host_id)
    if actor.role != Role.HOST:
        raise RuleError("host.editor", "单位信息由本单位账号维护。")
    if host.status == HostStatus.BARRED:
        raise RuleError("R-SUB-6", "该单位已被禁入，不能修改信息（R-SUB-6）。")
    changed = {k: v for k, v in fields.items() if getattr(host, k) != v}
    resubmit = host.status == HostStatus.RETURNED
    if not changed and not resubmit:
        return host
    for key, value in changed.items():
        setattr(host, key, value)
    if resubmit:
        host.status = HostStatus.PENDING
    host._history_user = actor  # type: ignore[attr-defined]
    host._change_reason = "修改单位信息" + ("并重新提交审核" if resubmit else "")  # type: ignore[attr-defined]
    host.save()
    if "name" in changed:  # the host name is part of every post's search document
        from jianxi.posts.services import posts_reindex

        posts_reindex(host=host)
    return host
