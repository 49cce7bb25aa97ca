"""GET /api/v1/stats/ranking: scoped like the page, exact decimals as strings, errors in the one shape."""

from __future__ import annotations

import pytest

from jianxi.accounts.models import ApiToken
from tests.demonstration.conftest import agreement, post, worked_year
from tests.factories import HostFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/stats/ranking"


def _get(client, user, query: str):
    key = ApiToken.issue(user=user, name="test")[1]
    return client.get(f"{URL}?{query}", HTTP_AUTHORIZATION=f"Bearer {key}")


def _far_host(world):
    far = HostFactory(name="朝阳示范单位", district=world.other_host.district)
    place = post(far, 5)
    for _ in range(5):
        agreement(place)
    return far


def test_the_city_reads_the_whole_city_with_each_factor_and_exact_decimals(client, world):
    year = worked_year(world)
    far = _far_host(world)
    body = _get(client, world.city, "year=2024").json()
    assert (body["year"], body["district"], body["min_interns"]) == (2024, None, 5)
    assert [(i["host_name"], i["district"], i["score"], i["rank"]) for i in body["items"]] == [
        ("乙数据有限公司", "110108", "76.25", 1),
        ("甲科技有限公司", "110108", "73.00", 2),
        ("朝阳示范单位", "110105", "46.25", 3),
    ]
    a = body["items"][1]
    assert a["host_id"] == year.a.pk and a["interns"] == 6
    assert a["factors"]["retention"] == {
        "label": "留用率",
        "value": "2/4",
        "normalised": "0.5000",
        "weight": 20,
        "points": "10.00",
        "explanation": "年内结束的见习 4 人中留用 2 人",
    }
    assert list(a["factors"]) == [
        "posts", "headcount", "fill_rate", "completion", "retention",
        "attendance", "claim_lines", "no_recovery", "no_fraud",
    ]  # fmt: skip
    assert body["not_eligible"] == [
        {
            "host_id": year.small.pk,
            "host_name": "小微工作室",
            "district": "110108",
            "district_name": "海淀区",
            "interns": 4,
            "reason": "年内见习人数 4 人，少于参评最少人数 5 人。",
        }
    ]
    only_far = _get(client, world.city, "year=2024&district=110105").json()
    assert [(i["host_id"], i["rank"]) for i in only_far["items"]] == [(far.pk, 1)]
    assert only_far["district"] == "110105" and only_far["not_eligible"] == []


def test_a_district_officer_reads_its_own_district_and_another_is_not_found(client, world):
    worked_year(world)
    far = _far_host(world)
    own = _get(client, world.other_district_officer, "year=2024").json()
    assert own["district"] == "110105" and [i["host_id"] for i in own["items"]] == [far.pk]
    assert _get(client, world.other_district_officer, "year=2024&district=110105").status_code == 200
    response = _get(client, world.other_district_officer, "year=2024&district=110108")
    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "message": "未找到该记录，或无权查看", "field": None}


def test_an_unknown_district_is_not_found_for_the_city_too(client, world):
    assert _get(client, world.city, "year=2024&district=999999").status_code == 404


@pytest.mark.parametrize("who", ["host_staff", "youth", "department_officer", "university_officer"])
def test_other_roles_are_forbidden(client, world, who):
    response = _get(client, getattr(world, who), "year=2024")
    assert response.status_code == 403 and response.json()["code"] == "forbidden"


def test_anonymous_needs_to_sign_in(client, world):
    response = client.get(f"{URL}?year=2024")
    assert response.status_code == 401 and response.json()["code"] == "auth.required"


@pytest.mark.parametrize(
    ("query", "code", "field"),
    [
        ("", "invalid.missing", "year"),
        ("year=1999", "invalid.range", "year"),
        ("year=99999999999999999999", "invalid.range", "year"),
        ("year=abc", "invalid.integer", "year"),
        ("year=2024&district=%3Cscript%3E", "invalid.string_pattern_mismatch", "district"),
        ("year=2022", "ranking.no_policy", "year"),
    ],
)
def test_bad_parameters_answer_400_in_the_error_shape(client, world, query, code, field):
    response = _get(client, world.city, query)
    assert response.status_code == 400
    assert (response.json()["code"], response.json()["field"]) == (code, field)


def test_the_operation_is_in_the_openapi_document_with_its_errors_and_bounds(client):
    document = client.get("/api/v1/openapi.json").json()
    operation = document["paths"]["/api/v1/stats/ranking"]["get"]
    assert {"400", "401", "403", "404"} <= set(operation["responses"])
    year = next(p for p in operation["parameters"] if p["name"] == "year")
    assert year["required"] and (year["schema"]["minimum"], year["schema"]["maximum"]) == (2000, 2100)
