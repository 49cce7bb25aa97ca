"""``GET /api/v1/stats/overview``: the shape the issue asks for, the figures of the pages, the scope."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
import time_machine

from jianxi.accounts.models import ApiToken
from jianxi.oversight import refresh
from jianxi.oversight.models import DepartmentTarget
from jianxi.policy.models import City, YearlyTarget
from tests.factories import HostFactory, PostFactory, department, district

TODAY = date(2024, 6, 15)
URL = "/api/v1/stats/overview"


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(datetime.combine(TODAY, time(12), ZoneInfo("Asia/Shanghai")), tick=False):
        yield


@pytest.fixture
def figures(world):
    YearlyTarget.objects.create(city=City.objects.get(code="110000"), year=2024, posts=100, source="测试")
    DepartmentTarget.objects.create(department=department("science"), year=2024, posts=10)
    haidian = HostFactory(district=district("110108"), department=department("science"))
    chaoyang = HostFactory(district=district("110105"), department=department("commerce"))
    beijing = ZoneInfo("Asia/Shanghai")
    for host, day, headcount in [
        (haidian, date(2023, 3, 1), 6),
        (haidian, date(2024, 3, 1), 4),
        (chaoyang, date(2023, 9, 1), 2),
        (chaoyang, date(2024, 2, 1), 1),
    ]:
        PostFactory(host=host, headcount=headcount, published_at=datetime.combine(day, time(9), beijing))
    refresh.refresh_all(today=TODAY)


def get(client, user, **params):
    client.force_login(user)
    return client.get(URL, params)


def test_the_overview_has_exactly_the_issues_shape_and_the_figures(client, world, figures):
    body = get(client, world.city, year=2024).json()
    assert set(body) == {
        "year", "target", "posts_recruited", "headcount", "placements", "pace_expected", "projected",
        "districts", "departments",
    }  # fmt: skip
    # 5 this year; last year 6 by 15 June of 8 in all: pace 100 × 6/8 = 75, projected 5 ÷ 6/8 = 6.7 → 7.
    assert {k: body[k] for k in ("year", "target", "posts_recruited", "headcount", "placements")} == {
        "year": 2024,
        "target": 100,
        "posts_recruited": 5,
        "headcount": 5,
        "placements": 0,
    }
    assert (body["pace_expected"], body["projected"]) == (75, 7)
    haidian = next(d for d in body["districts"] if d["code"] == "110108")
    assert haidian == {
        "code": "110108",
        "name": "海淀区",
        "posts": 4,
        "posts_last_year_same_period": 6,
        "posts_last_year": 6,
        "placements": 0,
        "placements_last_year_same_period": 0,
        "placements_last_year": 0,
        "below_last_year": True,
    }
    chaoyang = next(d for d in body["districts"] if d["code"] == "110105")
    assert (chaoyang["posts"], chaoyang["posts_last_year_same_period"], chaoyang["below_last_year"]) == (1, 0, False)
    assert len(body["districts"]) == 17
    science = next(d for d in body["departments"] if d["code"] == "science")
    assert science == {"code": "science", "name": "科技部门", "target": 10, "posts": 4, "placements": 0}


def test_a_city_officer_narrows_to_a_district(client, world, figures):
    body = get(client, world.city, year=2024, district="110105").json()
    assert [d["code"] for d in body["districts"]] == ["110105"]
    assert body["posts_recruited"] == 1


def test_a_district_officer_gets_its_district_and_never_another(client, world, figures):
    body = get(client, world.district_officer, year=2024).json()
    assert [d["code"] for d in body["districts"]] == ["110108"] and body["posts_recruited"] == 4
    assert get(client, world.district_officer, year=2024, district="110108").status_code == 200
    other = get(client, world.district_officer, year=2024, district="110105")
    assert other.status_code == 404
    assert other.json() == {"code": "not_found", "message": "未找到该记录，或无权查看", "field": None}


def test_a_department_officer_gets_its_direction(client, world, figures):
    body = get(client, world.department_officer, year=2024).json()
    assert body["posts_recruited"] == 4 and body["target"] == 10
    assert [d["code"] for d in body["departments"]] == ["science"]


@pytest.mark.parametrize("who", ["university_officer", "host_staff", "youth"])
def test_other_roles_are_refused_in_the_error_shape(client, world, who):
    response = get(client, getattr(world, who), year=2024)
    assert response.status_code == 403 and response.json()["code"] == "forbidden"


def test_without_a_login_the_answer_is_401(client, world):
    assert client.get(URL, {"year": 2024}).status_code == 401


def test_a_token_works_like_the_session(client, world, figures):
    _, key = ApiToken.issue(user=world.city, name="t")
    response = client.get(URL, {"year": 2024}, HTTP_AUTHORIZATION=f"Bearer {key}")
    assert response.status_code == 200 and response.json()["posts_recruited"] == 5


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({}, "invalid.missing"),
        ({"year": 1999}, "invalid.range"),
        ({"year": 2101}, "invalid.range"),
        ({"year": "20x4"}, "invalid.integer"),
        ({"year": 2024, "district": "1101089"}, "invalid.string_pattern_mismatch"),
        ({"year": 2024, "district": "海淀"}, "invalid.string_pattern_mismatch"),
    ],
)
def test_bad_parameters_are_400_naming_the_field(client, world, params, code):
    response = get(client, world.city, **params)
    assert response.status_code == 400
    assert response.json()["code"] == code
    assert response.json()["field"] in ("year", "district")


def test_an_unknown_district_is_404(client, world):
    assert get(client, world.city, year=2024, district="999999").status_code == 404


def test_the_overview_is_in_the_openapi_document_with_its_errors(client):
    doc = client.get("/api/v1/openapi.json").json()
    operation = doc["paths"]["/api/v1/stats/overview"]["get"]
    assert {"400", "401", "403", "404"} <= set(operation["responses"])
    year = next(p for p in operation["parameters"] if p["name"] == "year")
    assert (year["schema"]["minimum"], year["schema"]["maximum"]) == (2000, 2100)
