"""POST /api/v1/quotes/subsidy and /quotes/eligibility: public, stored nowhere, throttled."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest

from jianxi.core.validators import resident_id_check_char
from jianxi.policy.models import CalendarYear, District, DistrictTopUp, MinimumWage

pytestmark = pytest.mark.django_db

URL = "/api/v1/quotes/subsidy"
ISSUE_EXAMPLE = {
    "district": "110108",
    "start": "2023-03-15",
    "end": "2023-09-14",
    "attendance": {"2023-03": 12},
    "as_of": "2023-10-10",
    "ended_early": {
        "date": "2023-07-31",
        "reason": "hired",
        "contract": {
            "start": "2023-08-01",
            "months": 12,
            "insured_months": ["2023-08", "2023-09"],
            "employed_through": "2023-09-30",
        },
    },
}


def post(client, body, url=URL, **extra):
    return client.post(url, json.dumps(body), content_type="application/json", **extra)


def error_of(response, status=400):
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"code", "message", "field"} and body["message"]
    return body


def test_R_SUB_1_R_SUB_3_issue_example_month_by_month(client):
    body = post(client, ISSUE_EXAMPLE).json()
    march = body["months"][0]
    assert march == {
        "month": "2023-03",
        "working_days": 23,
        "scheduled_days": 13,
        "attended_days": 12,
        "rate": "2320.00",
        "city": "1210.43",
        "addons": "0.00",
        "district": "0.00",
        "amount": "1210.43",
        "rules": ["R-SUB-1", "R-SUB-3"],
    }
    # The internship ended 2023-07-31: March..July; April..July are full months at 2320.
    assert [m["month"] for m in body["months"]] == ["2023-03", "2023-04", "2023-05", "2023-06", "2023-07"]
    assert body["internship_total"] == "10490.43"  # 1210.43 + 4 × 2320.00


def test_R_SUB_5_issue_example_is_eligible_and_adds_to_the_total(client):
    body = post(client, ISSUE_EXAMPLE).json()
    rp = body["remaining_period"]
    assert rp["eligible"] is True and rp["reasons"] == []
    # August 2023 fully (23 of 23 working days) at 2320; September 1–14 is 10 of 20 working
    # days (29 September is Mid-Autumn) at the new rate 2420: 2420 × 10 ÷ 20 = 1210.00.
    assert [(m["month"], m["amount"]) for m in rp["months"]] == [("2023-08", "2320.00"), ("2023-09", "1210.00")]
    assert rp["total"] == "3530.00"
    assert body["total"] == str(Decimal(body["internship_total"]) + Decimal(rp["total"])) == "14020.43"


def test_R_SUB_5_window_failure_is_listed_with_its_code_and_pays_nothing(client):
    # The 2023 notice's window closes 2023-12-31: a contract signed in 2024 is too late.
    body = {
        "district": "110108",
        "start": "2023-09-01",
        "end": "2024-06-30",
        "as_of": "2024-07-10",
        "ended_early": {
            "date": "2024-01-04",
            "reason": "hired",
            "contract": {
                "start": "2024-01-05",
                "months": 12,
                "insured_months": [f"2024-{m:02d}" for m in range(1, 7)],
                "employed_through": "2024-12-31",
            },
        },
    }
    rp = post(client, body).json()["remaining_period"]
    assert rp["eligible"] is False and rp["total"] == "0.00"
    assert [r["code"] for r in rp["reasons"]] == ["R-SUB-5.window"]
    assert rp["months"]  # still shown, so the page can explain what would have been paid


def test_without_ended_early_the_remaining_period_is_null(client):
    body = {"district": "110105", "start": "2023-03-15", "end": "2023-09-14", "as_of": "2023-10-10"}
    result = post(client, body).json()
    assert result["remaining_period"] is None
    assert result["total"] == result["internship_total"]


def test_R_SUB_2_district_top_up_is_its_own_line(client):
    DistrictTopUp.objects.create(
        district=District.objects.get(code="110108"), effective_from=date(2023, 1, 1), amount=Decimal("500")
    )
    march = post(client, ISSUE_EXAMPLE).json()["months"][0]
    # 500 × 12 ÷ 23 = 260.869… → 260.87
    assert march["district"] == "260.87" and march["amount"] == "1471.30"
    assert "R-SUB-2" in march["rules"]


def test_a_new_minimum_wage_row_changes_the_quote_at_once(client):
    before = post(client, ISSUE_EXAMPLE).json()["months"][1]["amount"]
    MinimumWage.objects.create(
        city=District.objects.get(code="110108").city,
        effective_from=date(2023, 4, 1),
        amount=Decimal("3000.00"),
        source="测试",
    )
    after = post(client, ISSUE_EXAMPLE).json()["months"][1]["amount"]
    assert (before, after) == ("2320.00", "3000.00")


def test_quote_is_public_and_stores_nothing(client, django_assert_max_num_queries):
    from jianxi.policy.models import MinimumWage as Wage

    count = Wage.objects.count()
    with django_assert_max_num_queries(12):
        assert post(client, ISSUE_EXAMPLE).status_code == 200
    assert Wage.objects.count() == count


@pytest.mark.parametrize(
    ("change", "code", "field"),
    [
        ({"district": "999999"}, "district", "district"),
        ({"end": "2023-05-14"}, "R-IN-1", "end"),
        ({"end": "2024-03-15"}, "R-IN-1", "end"),
        ({"end": "2023-02-14"}, "period.order", "end"),
        ({"start": "2023-13-15"}, "invalid.date", "start"),
        ({"start": "15/03/2023"}, "invalid.date", "start"),
        ({"attendance": {"2023-03": 14}}, "attendance", "attendance"),
        ({"attendance": {"2023-03": -1}}, "attendance", "attendance"),
        ({"attendance": {"2024-03": 1}}, "attendance.month_outside", "attendance"),
        ({"attendance": {"March": 1}}, "attendance", "attendance"),
        ({"attendance": {"2023-03": "many"}}, "invalid.integer", "attendance.2023-03"),
        ({"start": "2027-03-15", "end": "2027-09-14", "ended_early": None}, "R-SUB-3.calendar", None),
        ({"ended_early": {"date": "2023-02-01", "reason": "hired"}}, "ended_early.date", "ended_early.date"),
        ({"ended_early": {"date": "2023-07-31", "reason": "bored"}}, "invalid.choice", "ended_early.reason"),
        ({"district": None}, "invalid.string_type", "district"),
    ],
)
def test_every_input_error_answers_400_with_its_code(client, change, code, field):
    body = {**ISSUE_EXAMPLE, **change}
    error = error_of(post(client, body))
    assert (error["code"], error["field"]) == (code, field)


def test_missing_field_and_broken_json_answer_400(client):
    body = {k: v for k, v in ISSUE_EXAMPLE.items() if k != "start"}
    assert error_of(post(client, body))["code"] == "invalid.missing"
    broken = client.post(URL, "{not json", content_type="application/json")
    assert error_of(broken)["code"].startswith("invalid")


def test_a_year_confirmed_by_officers_is_quoted(client):
    body = {"district": "110108", "start": "2027-03-15", "end": "2027-09-14", "as_of": "2027-10-10"}
    assert error_of(post(client, body))["code"] == "R-SUB-3.calendar"
    CalendarYear.objects.create(year=2027, note="国办发明电〔2026〕…号")
    assert post(client, body).status_code == 200


def test_quotes_are_throttled_per_client_address(client, settings):
    settings.QUOTE_RATE_PER_MINUTE = 3
    small = {"district": "110108", "start": "2023-03-15", "end": "2023-06-14"}
    statuses = [post(client, small, REMOTE_ADDR="10.0.0.1").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    assert error_of(post(client, small, REMOTE_ADDR="10.0.0.1"), 429)["code"] == "rate_limited"
    assert post(client, small, REMOTE_ADDR="10.0.0.2").status_code == 200  # another client


# --- eligibility ---------------------------------------------------------------------------------

ELIGIBILITY = "/api/v1/quotes/eligibility"


def id_number(birth: str) -> str:
    body = f"110108{birth}123"
    return body + resident_id_check_char(body)


def test_R_EL_1_eligible_graduate(client):
    body = {
        "id_number": id_number("20010520"),
        "group": "college_graduate",
        "beijing_origin": True,
        "graduation_date": "2023-07-01",
        "on": "2024-03-01",
    }
    result = post(client, body, ELIGIBILITY).json()
    assert result == {"eligible": True, "rule": "R-EL-1", "age": 22, "reasons": []}


def test_R_EL_1_names_every_failed_condition(client):
    body = {
        "id_number": id_number("20010520"),
        "group": "college_graduate",
        "beijing_origin": False,
        "employed": True,
        "graduation_date": "2020-06-30",
        "on": "2024-03-01",
    }
    result = post(client, body, ELIGIBILITY).json()
    assert result["eligible"] is False
    assert {r["code"] for r in result["reasons"]} == {
        "R-EL-1.origin",
        "R-EL-1.employed",
        "R-EL-1.graduation_window",
    }


def test_R_EL_3_age_comes_from_the_id_number(client):
    body = {
        "id_number": id_number("19980101"),
        "group": "unemployed_youth",
        "beijing_hukou": True,
        "registered_unemployed": True,
        "on": "2024-03-01",
    }
    result = post(client, body, ELIGIBILITY).json()
    assert result["age"] == 26 and [r["code"] for r in result["reasons"]] == ["R-EL-3.age"]


@pytest.mark.parametrize(
    ("change", "code", "field"),
    [
        ({"id_number": "110108200105201234"}, "id_number.checksum", "id_number"),
        ({"id_number": "12345"}, "id_number.length", "id_number"),
        ({"group": "astronaut"}, "invalid.choice", "group"),
        ({"on": "2024-02-30"}, "invalid.date", "on"),
    ],
)
def test_eligibility_input_errors_answer_400_with_their_code(client, change, code, field):
    body = {"id_number": id_number("20010520"), "group": "college_graduate", "on": "2024-03-01", **change}
    error = error_of(post(client, body, ELIGIBILITY))
    assert (error["code"], error["field"]) == (code, field)
