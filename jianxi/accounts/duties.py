"""Separation of duties (职责分离): which role may do each action, in one table (issue #11).

Money moves only through the district: the district officer reviews hosts, bank accounts, posts
and claims, pays and recovers. The city officer (市人社局) sets policy, watches, audits and ranks,
but approves, pays, reviews bank accounts, bars hosts and reopens attendance never — so that no
account above the districts can move money on its own. docs/architecture.md shows the same
table for people; a test checks every action against it, for every role not in it.

Views declare an action with ``@duty(Duty.X)`` (an access declaration, like ``roles``); services
call ``require(actor, Duty.X)`` so that the API, admin actions and commands are bound too.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from typing import Any, TypeVar

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseBase
from django.utils.translation import gettext as _

from jianxi.accounts.models import Role, User
from jianxi.core.access import roles
from jianxi.core.errors import RuleError

V = TypeVar("V", bound=Callable[..., HttpResponseBase])


class Duty(StrEnum):
    HOST_REVIEW = "host.review"  # approve or return a registration
    HOST_SANCTION = "host.sanction"  # suspend, reinstate, bar (R-SUB-6)
    BANK_REVIEW = "host.bank_review"  # approve or reject a new bank account
    HOST_CHANGE_REVIEW = "host.change_review"  # approve or reject a unit's name, credit code, type, department, 基层
    DEPARTMENT_CONFIRM = "host.department_confirm"  # a recruiting department confirms a unit is theirs
    POST_REVIEW = "post.review"  # publish or return a post
    AGREEMENT_CANCEL = "agreement.cancel"
    ATTENDANCE_REOPEN = "attendance.reopen"
    CLAIM_PREPARE = "claim.prepare"  # draft, submit, discard, attach
    CLAIM_REVIEW = "claim.review"  # approve or reject lines, the R-SUB-5 checklist
    BATCH_PAY = "batch.pay"  # make a batch, mark it paid, cancel it
    RECOVERY = "recovery"  # order, repayment, write-off (R-SUB-6)
    CLAIM_RUN = "claim.run"  # draft every host's claims (drafts move no money)
    MONEY_AUDIT = "money.audit"  # read batches, ledger, fraud signals
    POLICY_EDIT = "policy.edit"  # policy data in the admin
    NOMINATE = "nomination.nominate"  # nominate (or withdraw) a demonstration-unit candidate (R-TG-4)
    NOMINATION_CONFIRM = "nomination.confirm"  # confirm or decline a district's nomination
    YEAR_CLOSE = "year.close"  # record a policy year's close (资金年度结算) after its claim deadline
    REGISTRY_LOAD = "registry.load"  # load a registry extract (比对数据): a district for itself, the city city-wide
    VERDICT_HANDLE = "registry.verdict"  # record what was done about a changed verdict (R-EL-7)


DUTIES: dict[Duty, frozenset[Role]] = {
    Duty.HOST_REVIEW: frozenset({Role.DISTRICT}),
    Duty.HOST_SANCTION: frozenset({Role.DISTRICT}),
    Duty.BANK_REVIEW: frozenset({Role.DISTRICT}),
    Duty.HOST_CHANGE_REVIEW: frozenset({Role.DISTRICT}),
    Duty.DEPARTMENT_CONFIRM: frozenset({Role.DEPARTMENT}),
    Duty.POST_REVIEW: frozenset({Role.DISTRICT}),
    Duty.AGREEMENT_CANCEL: frozenset({Role.HOST, Role.DISTRICT}),
    Duty.ATTENDANCE_REOPEN: frozenset({Role.DISTRICT}),
    Duty.CLAIM_PREPARE: frozenset({Role.HOST}),
    Duty.CLAIM_REVIEW: frozenset({Role.DISTRICT}),
    Duty.BATCH_PAY: frozenset({Role.DISTRICT}),
    Duty.RECOVERY: frozenset({Role.DISTRICT}),
    Duty.CLAIM_RUN: frozenset({Role.DISTRICT, Role.CITY}),
    Duty.MONEY_AUDIT: frozenset({Role.DISTRICT, Role.CITY}),
    Duty.POLICY_EDIT: frozenset({Role.CITY}),
    Duty.NOMINATE: frozenset({Role.DISTRICT}),
    Duty.NOMINATION_CONFIRM: frozenset({Role.CITY}),
    Duty.YEAR_CLOSE: frozenset({Role.CITY}),
    Duty.REGISTRY_LOAD: frozenset({Role.DISTRICT, Role.CITY}),
    Duty.VERDICT_HANDLE: frozenset({Role.DISTRICT}),
}

# Who is named in the refusal, in the words a clerk uses.
HOLDERS = {
    Role.DISTRICT: "区人社局",
    Role.CITY: "市人社局",
    Role.HOST: "见习单位",
    Role.DEPARTMENT: "募集部门",
}


def may(user: Any, duty: Duty) -> bool:
    return getattr(user, "role", None) in DUTIES[duty]


def require(actor: User | AnonymousUser, duty: Duty) -> None:
    """Refuse an actor whose role does not hold ``duty`` (code ``duty.<action>``)."""
    if not may(actor, duty):
        holders = "、".join(HOLDERS.get(role, str(role)) for role in sorted(DUTIES[duty]))
        raise RuleError(f"duty.{duty.value}", _("此操作由%(holders)s办理（职责分离）。") % {"holders": holders})


def forbid_unless(user: Any, duty: Duty) -> None:
    """In a view that both shows (to auditors) and acts (for the holder): a write by anyone else is 403."""
    if not may(user, duty):
        raise PermissionDenied(f"duty {duty.value}")


def duty(*actions: Duty) -> Callable[[V], V]:
    """A view's access declaration for actions of the table: their roles, nobody else.

    A view serving several actions (a host's review and its sanctions) names them all; its
    service then checks the one the request asks for.
    """
    allowed = sorted(set().union(*(DUTIES[action] for action in actions)))

    def decorator(view: V) -> V:
        wrapped = roles(*allowed)(view)
        wrapped.jianxi_duties = actions  # type: ignore[attr-defined]
        return wrapped

    return decorator
