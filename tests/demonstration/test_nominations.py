"""R-TG-4 nominations: a district nominates within the city's quota, the city confirms or declines."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.http import Http404

from jianxi.core.errors import RuleError
from jianxi.core.models import Notification
from jianxi.demonstration import services
from jianxi.demonstration.models import Nomination, NominationStatus, RankingPolicy
from tests.demonstration.conftest import YEAR, agreement, post, worked_year
from tests.factories import HostFactory

pytestmark = pytest.mark.django_db

TODAY = date(2025, 1, 20)


def nominate(world, host, *, actor=None):
    return services.nomination_create(actor=actor or world.district_officer, host_id=host.pk, year=YEAR, today=TODAY)


def act(actor, nomination, action, reason=""):
    return services.nomination_act(actor=actor, nomination_id=nomination.pk, action=action, reason=reason)


def quota(n: int) -> None:
    RankingPolicy.objects.filter(effective_year=2023).update(nomination_quota=n)


def test_a_district_nominates_an_eligible_host_with_its_score_and_rank_kept(world, django_capture_on_commit_callbacks):
    year = worked_year(world)
    with django_capture_on_commit_callbacks(execute=True):
        nomination = nominate(world, year.a)
    assert (nomination.status, nomination.score, nomination.district_rank) == (
        NominationStatus.NOMINATED,
        Decimal("73.00"),
        2,
    )
    assert nomination.district_id == year.a.district_id and nomination.nominated_by == world.district_officer
    record = nomination.history.get()
    assert (record.history_user, record.history_change_reason) == (
        world.district_officer,
        "推荐（得分 73.00，区内第 2 名）",
    )
    assert Notification.objects.filter(user=world.city, message__contains="甲科技有限公司").exists()


def test_nominating_the_same_host_again_changes_nothing(world):
    year = worked_year(world)
    first = nominate(world, year.a)
    again = nominate(world, year.a)
    assert again.pk == first.pk and again.history.count() == 1


def test_over_the_quota_is_refused_with_a_clear_message_and_a_stable_code(world):
    year = worked_year(world)
    quota(1)
    nominate(world, year.a)
    with pytest.raises(RuleError) as refused:
        nominate(world, year.b)
    assert refused.value.code == "nomination.quota"
    assert refused.value.field == "host"
    assert refused.value.message == (
        "海淀区 2024 年度的推荐名额为 1 家，已推荐 1 家，不能再推荐；如需更换，请先撤回一家。"
    )
    assert not Nomination.objects.filter(host=year.b).exists()


def test_a_withdrawn_nomination_frees_its_place_and_a_confirmed_one_keeps_it(world):
    year = worked_year(world)
    quota(1)
    first = nominate(world, year.a)
    act(world.district_officer, first, "withdraw")
    second = nominate(world, year.b)  # the place is free again
    act(world.city, second, "confirm")
    with pytest.raises(RuleError, match="名额为 1 家"):
        nominate(world, year.a)  # a withdrawn host may come back, but only within the quota
    quota(2)
    again = nominate(world, year.a)
    assert again.pk == first.pk and again.status == NominationStatus.NOMINATED  # the same row, nominated again


def test_a_declined_nomination_frees_its_place(world):
    year = worked_year(world)
    quota(1)
    act(world.city, nominate(world, year.a), "decline", "材料不全")
    assert nominate(world, year.b).status == NominationStatus.NOMINATED


def test_each_district_has_its_own_quota(world):
    year = worked_year(world)
    quota(1)
    nominate(world, year.a)
    far = HostFactory(name="朝阳单位", district=world.other_host.district)
    place = post(far, 5)
    for _ in range(5):
        agreement(place)
    assert nominate(world, far, actor=world.other_district_officer).status == NominationStatus.NOMINATED


def test_a_host_not_eligible_cannot_be_nominated_and_the_reason_is_given(world):
    year = worked_year(world)
    with pytest.raises(RuleError) as refused:
        nominate(world, year.small)
    assert refused.value.code == "nomination.not_eligible"
    assert refused.value.message == "“小微工作室”不符合 2024 年度参评条件：年内见习人数 4 人，少于参评最少人数 5 人。"
    with pytest.raises(RuleError, match="年内没有发布岗位，也没有见习人员"):
        nominate(world, world.our_host)


def test_a_year_not_yet_begun_cannot_be_nominated(world):
    year = worked_year(world)
    with pytest.raises(RuleError) as refused:
        services.nomination_create(actor=world.district_officer, host_id=year.a.pk, year=2026, today=TODAY)
    assert refused.value.code == "nomination.year"


def test_a_district_cannot_nominate_another_districts_host(world):
    year = worked_year(world)
    with pytest.raises(Http404):
        nominate(world, year.a, actor=world.other_district_officer)


@pytest.mark.parametrize("who", ["city", "host_staff", "department_officer", "university_officer", "youth"])
def test_only_a_district_nominates(world, who):
    year = worked_year(world)
    with pytest.raises(RuleError) as refused:
        nominate(world, year.a, actor=getattr(world, who))
    assert refused.value.code == "duty.nomination.nominate"
    assert not Nomination.objects.exists()


def test_the_city_confirms_once_and_a_decided_nomination_does_not_change(world, django_capture_on_commit_callbacks):
    year = worked_year(world)
    nomination = nominate(world, year.a)
    with django_capture_on_commit_callbacks(execute=True):
        confirmed = act(world.city, nomination, "confirm")
    assert (confirmed.status, confirmed.decided_by) == (NominationStatus.CONFIRMED, world.city)
    assert Notification.objects.filter(user=world.district_officer, message__contains="已被市人社局确认").exists()
    assert act(world.city, nomination, "confirm").history.count() == 2  # no-op: no new history row
    with pytest.raises(RuleError) as refused:
        act(world.city, nomination, "decline", "名额调整")
    assert refused.value.code == "nomination.transition"
    assert refused.value.message == "该推荐当前状态为“已确认”，不能不予确认。"
    with pytest.raises(RuleError, match="不能撤回"):
        act(world.district_officer, nomination, "withdraw")


def test_declining_needs_a_reason_kept_in_the_history_and_a_declined_host_is_not_nominated_again(world):
    year = worked_year(world)
    nomination = nominate(world, year.a)
    with pytest.raises(RuleError) as refused:
        act(world.city, nomination, "decline", "  ")
    assert (refused.value.code, refused.value.field) == ("reason", "reason")
    declined = act(world.city, nomination, "decline", "存在疑点线索待核查")
    assert (declined.status, declined.reason) == (NominationStatus.DECLINED, "存在疑点线索待核查")
    assert declined.history.first().history_change_reason == "不予确认：存在疑点线索待核查"
    with pytest.raises(RuleError) as again:
        nominate(world, year.a)
    assert again.value.code == "nomination.transition"


@pytest.mark.parametrize("who", ["district_officer", "host_staff", "department_officer", "youth"])
def test_only_the_city_confirms(world, who):
    year = worked_year(world)
    nomination = nominate(world, year.a)
    with pytest.raises(RuleError) as refused:
        act(getattr(world, who), nomination, "confirm")
    assert refused.value.code == "duty.nomination.confirm"
    assert Nomination.objects.get().status == NominationStatus.NOMINATED


def test_another_district_cannot_withdraw_our_nomination(world):
    year = worked_year(world)
    nomination = nominate(world, year.a)
    with pytest.raises(Http404):
        act(world.other_district_officer, nomination, "withdraw")
    with pytest.raises(RuleError) as refused:
        act(world.city, nomination, "withdraw")
    assert refused.value.code == "duty.nomination.nominate"
