"""Nominations (推荐) of demonstration-unit candidates: a district nominates, the city confirms.

A district officer nominates eligible hosts of its district for a year, up to the quota the
city sets (``RankingPolicy.nomination_quota``), and may withdraw a nomination the city has not
decided. The city officer confirms a nomination or declines it with a reason. Every change runs
in a transaction, locks the row, checks the transition, does nothing when nothing changes and
keeps a history row with the actor and the reason; the other side is notified after commit.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from jianxi.accounts.duties import Duty, require
from jianxi.accounts.models import Role, User
from jianxi.accounts.scoping import get_scoped
from jianxi.core.errors import RuleError
from jianxi.core.notify import notify
from jianxi.demonstration.models import QUOTA_STATES, Nomination, NominationStatus
from jianxi.demonstration.ranking import host_ranking
from jianxi.hosts.models import Host
from jianxi.policy.models import District

# action: (states it may start from, state it leads to, needs a reason, duty, Chinese verb)
TRANSITIONS: dict[str, tuple[tuple[str, ...], str, bool, Duty, str]] = {
    "confirm": (
        (NominationStatus.NOMINATED,),
        NominationStatus.CONFIRMED,
        False,
        Duty.NOMINATION_CONFIRM,
        gettext_noop("确认"),
    ),
    "decline": (
        (NominationStatus.NOMINATED,),
        NominationStatus.DECLINED,
        True,
        Duty.NOMINATION_CONFIRM,
        gettext_noop("不予确认"),
    ),
    "withdraw": ((NominationStatus.NOMINATED,), NominationStatus.WITHDRAWN, False, Duty.NOMINATE, gettext_noop("撤回")),
}
REASON_MAX = Nomination._meta.get_field("reason").max_length or 500


def nomination_create(*, actor: Any, host_id: int, year: int, today: date) -> Nomination:
    """A district officer nominates an eligible host of its district for ``year``, within the quota."""
    require(actor, Duty.NOMINATE)
    if not 2000 <= year <= today.year:
        raise RuleError(
            "nomination.year", _("推荐年度应在 2000 年至 %(year)s 年之间。") % {"year": today.year}, field="year"
        )
    with transaction.atomic():
        host = get_scoped(actor, Host.objects.all(), pk=host_id)
        # The district row serialises its nominations: two officers cannot both take the last place.
        district = District.objects.select_for_update().get(pk=host.district_id)
        nomination = Nomination.objects.select_for_update().filter(year=year, host=host).first()
        if nomination is not None and nomination.status in QUOTA_STATES:
            return nomination
        if nomination is not None and nomination.status == NominationStatus.DECLINED:
            raise RuleError(
                "nomination.transition",
                _("市人社局已对“%(name)s”%(year)s 年度的推荐不予确认（%(reason)s），不能再次推荐。")
                % {"name": host.name, "year": year, "reason": nomination.reason},
                field="host",
            )
        ranking = host_ranking(year=year).in_district(district.code)
        entry = ranking.entry(host.pk)
        if entry is None or entry.score is None or entry.rank is None:
            why = entry.reason if entry is not None else "年内没有发布岗位，也没有见习人员。"
            raise RuleError(
                "nomination.not_eligible",
                _("“%(name)s”不符合 %(year)s 年度参评条件：%(why)s") % {"name": host.name, "year": year, "why": why},
                field="host",
            )
        quota = ranking.policy.nomination_quota
        used = Nomination.objects.filter(year=year, district=district, status__in=QUOTA_STATES).count()
        if used >= quota:
            raise RuleError(
                "nomination.quota",
                _(
                    "%(name)s %(year)s 年度的推荐名额为 %(quota)s 家，"
                    "已推荐 %(used)s 家，不能再推荐；如需更换，请先撤回一家。"
                )
                % {"name": district.name, "year": year, "quota": quota, "used": used},
                field="host",
            )
        nomination = nomination or Nomination(year=year, host=host)
        nomination.district = district
        nomination.status = NominationStatus.NOMINATED
        nomination.score, nomination.district_rank = entry.score, entry.rank
        nomination.reason = ""
        nomination.nominated_by, nomination.nominated_at = actor, timezone.now()
        nomination.decided_by, nomination.decided_at = None, None
        nomination._history_user = actor  # type: ignore[attr-defined]
        nomination._change_reason = f"推荐（得分 {entry.score}，区内第 {entry.rank} 名）"  # type: ignore[attr-defined]
        nomination.save()
    notify(
        users=User.objects.filter(role=Role.CITY, is_active=True),
        message=f"{district.name}推荐“{host.name}”参评 {year} 年度国家级就业见习示范单位，请确认。",
        link=reverse("demonstration:nominations") + f"?year={year}",
    )
    return nomination


def nomination_act(*, actor: Any, nomination_id: int, action: str, reason: str = "") -> Nomination:
    """The city confirms or declines (with a reason) a nomination; the district withdraws its own."""
    if action not in TRANSITIONS:
        raise RuleError("nomination.action", _("未知的操作：%(action)s") % {"action": action}, field="action")
    sources, target, needs_reason, duty, verb = TRANSITIONS[action]
    require(actor, duty)
    reason = reason.strip()
    if len(reason) > REASON_MAX:
        raise RuleError("reason", _("理由最多 %(reason_max)s 字。") % {"reason_max": REASON_MAX}, field="reason")
    if needs_reason and not reason:
        raise RuleError("reason", _("%(verb)s须填写理由，区人社局将看到该理由。") % {"verb": _(verb)}, field="reason")
    with transaction.atomic():
        nomination = get_scoped(actor, Nomination.objects.select_for_update().select_related("host"), pk=nomination_id)
        if nomination.status == target:
            return nomination
        if nomination.status not in sources:
            raise RuleError(
                "nomination.transition",
                _("该推荐当前状态为“%(status)s”，不能%(verb)s。")
                % {"status": nomination.get_status_display(), "verb": _(verb)},
            )
        nomination.status = target
        nomination.reason = reason
        if duty == Duty.NOMINATION_CONFIRM:
            nomination.decided_by, nomination.decided_at = actor, timezone.now()
        nomination._history_user = actor  # type: ignore[attr-defined]
        nomination._change_reason = f"{verb}：{reason}" if reason else verb  # type: ignore[attr-defined]
        nomination.save()
    if duty == Duty.NOMINATION_CONFIRM:
        notify(
            users=User.objects.filter(role=Role.DISTRICT, district_id=nomination.district_id, is_active=True),
            message=f"“{nomination.host.name}”{nomination.year} 年度示范单位推荐已被市人社局{verb}"
            + (f"，理由：{reason}" if reason else "。"),
            link=reverse("demonstration:nominations") + f"?year={nomination.year}",
        )
    return nomination
