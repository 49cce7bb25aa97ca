"""Host unit review (审核): approve, return with a reason, suspend, reinstate, bar (R-SUB-6).

Every transition runs in a transaction, locks the row, checks who may do it and from which
state, does nothing when nothing changes, keeps an audit row (django-simple-history, with
the actor and the reason) and notifies the host's staff after commit.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Protocol

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from jianxi.accounts.duties import Duty, require
from jianxi.accounts.models import Role, User
from jianxi.accounts.scoping import get_scoped
from jianxi.accounts.services import new_user, username_free
from jianxi.core import audit
from jianxi.core.errors import RuleError
from jianxi.core.hooks import Hooks
from jianxi.core.notify import notify
from jianxi.core.validators import parse_credit_code, parse_mobile
from jianxi.hosts.models import PRIVILEGED_FIELDS, Host, HostChange, HostChangeStatus, HostStatus, HostType
from jianxi.policy.models import Department, District


class HostFollower(Protocol):
    def __call__(self, *, host: Host, actor: User, changed: frozenset[str], reason: str) -> None: ...


# Apps above hosts keep their rows in step with a host (posts: R-SUB-6, search): each registers
# a follower in its AppConfig.ready(); it is called inside the transaction that changed the host,
# with the names of the fields that changed (core/hooks.py).
host_changed: Hooks[HostFollower] = Hooks("a host's standing or details changed")

# action: (states it may start from, state it leads to, needs a reason, Chinese verb)
TRANSITIONS: dict[str, tuple[tuple[str, ...], str, bool, str]] = {
    "approve": ((HostStatus.PENDING, HostStatus.RETURNED), HostStatus.APPROVED, False, gettext_noop("审核通过")),
    "return": ((HostStatus.PENDING,), HostStatus.RETURNED, True, gettext_noop("退回")),
    "suspend": ((HostStatus.APPROVED,), HostStatus.SUSPENDED, True, gettext_noop("暂停")),
    # A barred unit is reinstated only once a bar for a period is over (R-SUB-6).
    "reinstate": ((HostStatus.SUSPENDED, HostStatus.BARRED), HostStatus.APPROVED, False, gettext_noop("恢复")),
    "bar": (
        (HostStatus.PENDING, HostStatus.APPROVED, HostStatus.SUSPENDED, HostStatus.RETURNED),
        HostStatus.BARRED,
        True,
        gettext_noop("禁入"),
    ),
}
# Reviewing a registration and sanctioning a unit are separate duties (accounts/duties.py).
ACTION_DUTIES = {
    "approve": Duty.HOST_REVIEW,
    "return": Duty.HOST_REVIEW,
    "suspend": Duty.HOST_SANCTION,
    "reinstate": Duty.HOST_SANCTION,
    "bar": Duty.HOST_SANCTION,
}


def host_review(
    *, actor: User, host_id: int, action: str, reason: str = "", until: date | None = None, today: date | None = None
) -> Host:
    """Apply a district officer's decision to a host unit of their district.

    ``until``: a bar for a period ends after that day; without it a bar is for good (R-SUB-6).
    """
    if action not in TRANSITIONS:
        raise RuleError("host.action", _("未知的审核操作：%(action)s") % {"action": action}, field="action")
    require(actor, ACTION_DUTIES[action])
    sources, target, needs_reason, verb = TRANSITIONS[action]
    reason = reason.strip()
    if needs_reason and not reason:
        raise RuleError("reason", _("%(verb)s须填写理由，单位将看到该理由。") % {"verb": _(verb)}, field="reason")
    with transaction.atomic():
        host = get_scoped(actor, Host.objects.select_for_update(), pk=host_id)
        if host.status == target:
            return host
        if host.status not in sources:
            raise RuleError(
                "host.transition",
                _("该单位当前状态为“%(status)s”，不能%(verb)s。")
                % {"status": host.get_status_display(), "verb": _(verb)},
            )
        today = today or timezone.localdate()
        if action == "reinstate" and host.status == HostStatus.BARRED and not host.bar_over(today):
            raise RuleError(
                "R-SUB-6.bar",
                _("该单位已被永久禁入，不能恢复（R-SUB-6）。")
                if host.barred_until is None
                else _("该单位禁入至 %(barred_until)s，期满后才能恢复（R-SUB-6）。")
                % {"barred_until": host.barred_until},
            )
        if action == "bar" and until is not None and until < today:
            raise RuleError("bar_until", _("禁入截止日不能早于今天。"), field="bar_until")
        host.barred_until = until if action == "bar" else None
        host.status = target
        host.status_reason = reason
        host.reviewed_at = timezone.now()
        said = verb + (f"至 {until}" if action == "bar" and until else "")
        audit.save(host, actor=actor, reason=f"{said}：{reason}" if reason else said)
        for follow in host_changed:  # posts: barred or suspended, its posts close or leave the search
            follow(
                host=host,
                actor=actor,
                changed=frozenset({"status"}),
                reason=f"单位{verb}" + (f"：{reason}" if reason else ""),
            )
    period = f"（至 {host.barred_until}）" if action == "bar" and host.barred_until else ""
    message = f"您的单位“{host.name}”已被{verb}{period}" + (f"，理由：{reason}" if reason else "。")
    notify(users=host.staff.all(), message=message, link=reverse("hosts:mine"), email=host.contact_email)
    return host


@transaction.atomic
def bars_lift(*, today: date) -> list[Host]:
    """Reinstate every unit whose bar for a period is over (R-SUB-6): run daily (``lift_bars``)."""
    lifted = []
    for host in Host.objects.select_for_update().filter(status=HostStatus.BARRED, barred_until__lt=today):
        host.status, host.barred_until = HostStatus.APPROVED, None
        host.status_reason = "禁入期满"
        host.reviewed_at = timezone.now()
        audit.save(host, actor=None, reason="禁入期满，恢复")
        for follow in host_changed:
            follow(host=host, actor=None, changed=frozenset({"status"}), reason="单位禁入期满")  # type: ignore[arg-type]
        lifted.append(host)
    return lifted


# What host staff may correct about their unit (not the district). The privileged fields among
# them (models.PRIVILEGED_FIELDS) change only through the district's review once the unit is
# approved; the bank account likewise (its own review, below).
HOST_EDITABLE_FIELDS = (
    "name", "credit_code", "host_type", "address", "contact_name", "contact_phone", "contact_email",
    "bank_name", "bank_account", "grassroots_base", "department",
)  # fmt: skip


BANK_FIELDS = ("bank_name", "bank_account")
BANK_CHANGE_REQUESTED = "；银行账户变更待区人社局审核"
BANK_CHANGE_WITHDRAWN = "；撤回银行账户变更"


def _bank_change(host: Host, fields: dict[str, Any], changed: dict[str, Any]) -> str | None:
    """An approved (or suspended) unit's new bank account is held for review, not applied.

    Takes the bank fields out of ``changed`` for such a unit and records them as pending; a
    unit not yet approved has its account reviewed with the rest of its registration. Returns
    the note for the history row, or None when the pending change stays as it was.
    """
    if host.status not in (HostStatus.APPROVED, HostStatus.SUSPENDED):
        return None
    wanted = tuple(fields.get(k, getattr(host, k)) for k in BANK_FIELDS)
    for key in BANK_FIELDS:
        changed.pop(key, None)
    current = (host.bank_name, host.bank_account)
    pending = (host.pending_bank_name, host.pending_bank_account) if host.pending_bank_at else None
    if wanted == current:
        if pending is None:
            return None
        host.pending_bank_name = host.pending_bank_account = ""
        host.pending_bank_at = None
        return BANK_CHANGE_WITHDRAWN
    if wanted == pending:
        return None
    host.pending_bank_name, host.pending_bank_account = wanted
    host.pending_bank_at = timezone.now()
    return BANK_CHANGE_REQUESTED


@transaction.atomic
def host_bank_review(*, actor: User, host_id: int, approve: bool, reason: str = "") -> Host:
    """The district approves a unit's new bank account (it takes effect) or rejects it (with a reason)."""
    require(actor, Duty.BANK_REVIEW)
    host = get_scoped(actor, Host.objects.select_for_update(), pk=host_id)
    if host.pending_bank_at is None:
        raise RuleError("host.bank_pending", _("该单位没有待审核的银行账户变更。"))
    reason = reason.strip()
    if not approve and not reason:
        raise RuleError("reason", _("驳回银行账户变更须填写理由（单位可见）。"), field="reason")
    new = f"{host.pending_bank_name} {host.pending_bank_account}"
    if approve:
        host.bank_name, host.bank_account = host.pending_bank_name, host.pending_bank_account
    host.pending_bank_name = host.pending_bank_account = ""
    host.pending_bank_at = None
    verdict = f"银行账户变更审核通过：{new}" if approve else f"驳回银行账户变更（{new}）：{reason}"
    audit.save(host, actor=actor, reason=verdict)
    notify(
        users=host.staff.all(),
        message=f"您的单位“{host.name}”{verdict}",
        link=reverse("hosts:mine"),
        email=host.contact_email,
    )
    return host


CHANGE_REQUESTED = "；单位信息变更待区人社局审核"
CHANGE_WITHDRAWN = "；撤回单位信息变更"
FIELD_LABELS = {
    "name": "单位名称",
    "credit_code": "统一社会信用代码",
    "host_type": "单位类型",
    "department": "募集部门",
    "grassroots_base": "基层实习见习基地",
}


def _stored(name: str, value: Any) -> Any:
    """A privileged field's value as a change request keeps it (a department by its id)."""
    if name == "department":
        return value.pk if isinstance(value, Department) else value
    return value


def _current(host: Host, name: str) -> Any:
    return host.department_id if name == "department" else getattr(host, name)


def shown(name: str, value: Any, departments: dict[int, str]) -> str:
    """A privileged field's stored value in the words of the pages."""
    if name == "department":
        return departments.get(value, "—") if value is not None else "—"
    if name == "grassroots_base":
        return "是" if value else "否"
    if name == "host_type":
        return str(HostType(value).label) if value in HostType.values else str(value)
    return str(value)


def _credit_code_free(host: Host, code: str) -> None:
    if Host.objects.filter(credit_code=code).exclude(pk=host.pk).exists():
        raise RuleError(
            "credit_code.taken", _("该统一社会信用代码已由其他单位登记，请联系所在区人社局。"), field="credit_code"
        )


def _privileged_change(host: Host, fields: dict[str, Any], changed: dict[str, Any], actor: User) -> str | None:
    """Hold the privileged fields an approved unit changes for the district's review.

    An approved (or suspended) unit's name, credit code, type, recruiting department and
    grassroots-base flag (R-IN-4) go into its one pending ``HostChange``; the values in force
    stay until the district approves. A unit not yet approved has them reviewed with its
    registration, except the recruiting department, which its department always confirms.
    Fields not given keep what the pending request asks for. Returns the note for the unit's
    history row, or None when the pending request stays as it was.
    """
    if "credit_code" in fields:
        fields["credit_code"] = parse_credit_code(fields["credit_code"])
        if fields["credit_code"] != host.credit_code:
            _credit_code_free(host, fields["credit_code"])
    held_names = PRIVILEGED_FIELDS if host.status in (HostStatus.APPROVED, HostStatus.SUSPENDED) else ("department",)
    pending = host.changes.select_for_update().filter(status=HostChangeStatus.PENDING).first()
    wanted = {name: _current(host, name) for name in held_names}
    if pending is not None:
        wanted.update({name: value for name, value in pending.after.items() if name in wanted})
    wanted.update({name: _stored(name, fields[name]) for name in held_names if name in fields})
    for name in held_names:
        changed.pop(name, None)
    after = {name: value for name, value in wanted.items() if value != _current(host, name)}
    if not after:
        if pending is None:
            return None
        pending.status = HostChangeStatus.WITHDRAWN
        audit.save(pending, actor=actor, reason="单位撤回信息变更")
        return CHANGE_WITHDRAWN
    if pending is not None and pending.after == after:
        return None
    change = pending or HostChange(host=host)
    if change.after.get("department") != after.get("department"):
        change.department_confirmed_by, change.department_confirmed_at = None, None
    change.after = after
    change.before = {name: _current(host, name) for name in after}
    change.department_id = after.get("department")
    change.requested_by = actor
    change.requested_at = timezone.now()
    audit.save(change, actor=actor, reason="单位申请变更：" + "、".join(FIELD_LABELS[name] for name in after))
    _tell_reviewers(change)
    return CHANGE_REQUESTED


def _tell_reviewers(change: HostChange) -> None:
    host = change.host
    officers = User.objects.filter(role=Role.DISTRICT, district_id=host.district_id, is_active=True)
    what = "、".join(FIELD_LABELS[name] for name in change.after)
    notify(
        users=officers,
        message=f"见习单位“{host.name}”申请变更{what}，请审核后生效。",
        link=reverse("hosts:detail", args=[host.pk]),
    )
    if change.needs_department and change.department_id is not None:
        notify(
            users=User.objects.filter(role=Role.DEPARTMENT, department_id=change.department_id, is_active=True),
            message=f"见习单位“{host.name}”申报由本部门募集，请确认归属。",
            link=reverse("hosts:changes"),
        )


def pending_change(host: Host) -> HostChange | None:
    return host.changes.filter(status=HostChangeStatus.PENDING).first()


@transaction.atomic
def host_change_review(*, actor: User, host_id: int, approve: bool, reason: str = "") -> Host:
    """The district approves a unit's pending change of privileged fields (it takes effect) or
    rejects it with a reason. A new recruiting department must have confirmed it first."""
    require(actor, Duty.HOST_CHANGE_REVIEW)
    host = get_scoped(actor, Host.objects.select_for_update(), pk=host_id)
    change = host.changes.select_for_update().filter(status=HostChangeStatus.PENDING).first()
    if change is None:
        raise RuleError("host.change_pending", _("该单位没有待审核的单位信息变更。"))
    reason = reason.strip()
    if not approve and not reason:
        raise RuleError("reason", _("驳回单位信息变更须填写理由（单位可见）。"), field="reason")
    departments = dict(Department.objects.values_list("pk", "name"))
    what = "；".join(
        f"{FIELD_LABELS[name]}：{shown(name, change.before.get(name), departments)} → {shown(name, value, departments)}"
        for name, value in change.after.items()
    )
    if approve:
        if change.needs_department and not change.department_confirmed:
            name = departments.get(change.department_id or 0, "")
            raise RuleError(
                "host.department_confirm",
                _("募集部门“%(name)s”尚未确认该单位的归属，确认后才能审核通过。") % {"name": name},
            )
        if "credit_code" in change.after:
            _credit_code_free(host, change.after["credit_code"])
        for name, value in change.after.items():
            setattr(host, "department_id" if name == "department" else name, value)
        audit.save(host, actor=actor, reason=f"单位信息变更审核通过：{what}")
        for follow in host_changed:  # posts: a renamed host's posts are re-indexed
            follow(host=host, actor=actor, changed=frozenset(change.after), reason="单位信息变更审核通过")
    change.status = HostChangeStatus.APPROVED if approve else HostChangeStatus.REJECTED
    change.reviewed_by, change.reviewed_at, change.reason = actor, timezone.now(), reason
    audit.save(change, actor=actor, reason=("审核通过" if approve else f"驳回：{reason}"))
    if not approve:
        audit.save(host, actor=actor, reason=f"驳回单位信息变更（{what}）：{reason}")
    verdict = "单位信息变更审核通过" if approve else f"单位信息变更未通过审核，理由：{reason}"
    notify(
        users=host.staff.all(),
        message=f"您的单位“{host.name}”{verdict}（{what}）",
        link=reverse("hosts:mine"),
        email=host.contact_email,
    )
    return host


@transaction.atomic
def host_change_confirm(*, actor: User, host_id: int, confirm: bool, reason: str = "") -> HostChange:
    """A recruiting department's officer confirms (or declines) that a unit is theirs (募集归属)."""
    require(actor, Duty.DEPARTMENT_CONFIRM)
    change = get_scoped(
        actor,
        HostChange.objects.select_for_update().filter(status=HostChangeStatus.PENDING).select_related("host"),
        host_id=host_id,
    )
    if not change.needs_department:
        raise RuleError("host.department_confirm", _("该变更无须募集部门确认。"))
    reason = reason.strip()
    if confirm:
        if change.department_confirmed:
            return change
        change.department_confirmed_by, change.department_confirmed_at = actor, timezone.now()
        audit.save(change, actor=actor, reason="募集部门确认归属")
        message = f"募集部门已确认见习单位“{change.host.name}”的归属，请审核单位信息变更。"
    else:
        if not reason:
            raise RuleError("reason", _("不予确认须填写理由（单位可见）。"), field="reason")
        change.status = HostChangeStatus.REJECTED
        change.reviewed_by, change.reviewed_at, change.reason = actor, timezone.now(), reason
        audit.save(change, actor=actor, reason=f"募集部门不予确认：{reason}")
        message = f"募集部门不予确认见习单位“{change.host.name}”的归属：{reason}"
        notify(users=change.host.staff.all(), message=message, link=reverse("hosts:mine"))
    officers = User.objects.filter(role=Role.DISTRICT, district_id=change.host.district_id, is_active=True)
    notify(users=officers, message=message, link=reverse("hosts:detail", args=[change.host_id]))
    return change


@transaction.atomic
def host_update(*, actor: User, host_id: int, **fields: Any) -> Host:
    """Host staff correct their unit's details; a returned unit goes back to the review queue."""
    unknown = set(fields) - set(HOST_EDITABLE_FIELDS)
    if unknown:
        raise RuleError("host.field", _("不能修改：%(unknown)s") % {"unknown": "、".join(sorted(unknown))})
    host = get_scoped(actor, Host.objects.select_for_update(), pk=host_id)
    if actor.role != Role.HOST:
        raise RuleError("host.editor", _("单位信息由本单位账号维护。"))
    if host.status == HostStatus.BARRED:
        raise RuleError("R-SUB-6", _("该单位已被禁入，不能修改信息（R-SUB-6）。"))
    changed = {k: v for k, v in fields.items() if getattr(host, k) != v}
    resubmit = host.status == HostStatus.RETURNED
    bank_note = _bank_change(host, fields, changed)
    change_note = _privileged_change(host, fields, changed, actor)
    changed = {k: fields[k] for k in changed}  # the credit code as parsed
    if not changed and not resubmit and bank_note is None and change_note is None:
        return host
    for key, value in changed.items():
        setattr(host, key, value)
    if resubmit:
        host.status = HostStatus.PENDING
    audit.save(
        host,
        actor=actor,
        reason="修改单位信息" + ("并重新提交审核" if resubmit else "") + (bank_note or "") + (change_note or ""),
    )
    if bank_note == BANK_CHANGE_REQUESTED:
        officers = User.objects.filter(role=Role.DISTRICT, district_id=host.district_id, is_active=True)
        notify(
            users=officers,
            message=f"见习单位“{host.name}”申请变更银行账户，请审核后生效。",
            link=reverse("hosts:detail", args=[host.pk]),
        )
    for follow in host_changed:  # posts: the host name is part of every post's search document
        follow(host=host, actor=actor, changed=frozenset(changed), reason="修改单位信息")
    return host


@transaction.atomic
def host_staff_register(
    *,
    username: str,
    password: str,
    contact_name: str,
    contact_phone: str,
    credit_code: str,
    host_name: str,
    host_type: str,
    district: District,
    address: str,
    department: Department | None = None,
    grassroots_base: bool = False,
    contact_email: str = "",
    bank_name: str = "",
    bank_account: str = "",
) -> Host | None:
    """Host staff sign up with their unit; the unit waits for the district's review.

    A credit code already registered creates nothing and returns None; the unit's staff are told
    (the page answers the same either way, issue #11).
    """
    code = parse_credit_code(credit_code)
    phone = parse_mobile(contact_phone, field="contact_phone")
    username_free(username)
    existing = Host.objects.filter(credit_code=code).first()
    if existing is not None:
        notify(
            users=existing.staff.all(),
            message="有人尝试用本单位的统一社会信用代码登记见习单位，未予登记。如需增加账号，请联系所在区人社局。",
        )
        return None
    host = Host(
        credit_code=code,
        name=host_name,
        host_type=host_type,
        district=district,
        department=None,  # the department confirms its attribution first (HostChange)
        address=address,
        contact_name=contact_name,
        contact_phone=phone,
        contact_email=contact_email,
        bank_name=bank_name,
        bank_account=bank_account,
        grassroots_base=grassroots_base,
        status=HostStatus.PENDING,
    )
    audit.save(host, actor=None, reason="单位注册")
    user = new_user(username=username, password=password, role=Role.HOST, display_name=contact_name, host=host)
    if department is not None:
        change = HostChange(
            host=host,
            before={"department": None},
            after={"department": department.pk},
            department=department,
            requested_by=user,
            requested_at=timezone.now(),
        )
        audit.save(change, actor=None, reason="单位注册：申报募集部门")
        _tell_reviewers(change)
    return host
