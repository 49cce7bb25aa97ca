"""The ranking parameters are policy data: the city officer edits them in the admin, every version kept."""

from __future__ import annotations

import pytest

from jianxi.demonstration.models import WEIGHT_FIELDS, RankingPolicy

pytestmark = pytest.mark.django_db


def _form(policy: RankingPolicy, **change: object) -> dict[str, object]:
    data: dict[str, object] = {
        "city": policy.city_id,
        "effective_year": policy.effective_year,
        "source": policy.source,
        "min_interns": policy.min_interns,
        "attendance_due_day": policy.attendance_due_day,
        "nomination_quota": policy.nomination_quota,
        **{name: getattr(policy, name) for name in WEIGHT_FIELDS.values()},
    }
    data.update(change)
    return data


def test_beijing_defaults_come_with_their_first_history_row(world):
    policy = RankingPolicy.objects.get(city__code="110000", effective_year=2023)
    assert (policy.min_interns, policy.nomination_quota, sum(policy.weights().values())) == (5, 3, 100)
    assert policy.history.get().history_change_reason == "初始数据（数据迁移）"


def test_the_city_officer_changes_the_quota_and_weights_and_the_change_is_kept(client, world):
    policy = RankingPolicy.objects.get(effective_year=2023)
    client.force_login(world.city)
    url = f"/admin/demonstration/rankingpolicy/{policy.pk}/change/"
    assert client.get(url).status_code == 200
    response = client.post(url, _form(policy, nomination_quota=5, weight_posts=5, weight_retention=25))
    assert response.status_code == 302
    policy.refresh_from_db()
    assert (policy.nomination_quota, policy.weight_posts, policy.weight_retention) == (5, 5, 25)
    latest = policy.history.first()
    assert latest.history_user == world.city and latest.nomination_quota == 5


def test_weights_that_do_not_add_up_to_100_are_refused_in_the_admin(client, world):
    policy = RankingPolicy.objects.get(effective_year=2023)
    client.force_login(world.city)
    response = client.post(f"/admin/demonstration/rankingpolicy/{policy.pk}/change/", _form(policy, weight_posts=30))
    assert response.status_code == 200
    assert "各项权重之和须为 100，现为 120。" in response.content.decode()
    assert RankingPolicy.objects.get(pk=policy.pk).weight_posts == 10


@pytest.mark.parametrize("who", ["district_officer", "host_staff"])
def test_nobody_else_reaches_the_parameters_in_the_admin(client, world, who):
    client.force_login(getattr(world, who))
    response = client.get("/admin/demonstration/rankingpolicy/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
