"""R-SUB-5 in the public quote (API and page): the optional ``contract.signed`` and the policy
parameter that says which date must fall in the policy period (docs/policy.md).

The case: agreed 2023-10-01..2024-03-31 in 海淀, ended early on Friday 2023-12-29, a 36-month
contract from Tuesday 2024-01-02 (after the period, which ends 2023-12-31), insured December to
March, employed to 2024-06-30, quoted on 2024-04-10.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
from django.urls import reverse

from jianxi.policy.models import CityPolicy, RemainingBinding

pytestmark = pytest.mark.django_db

URL = "/api/v1/quotes/subsidy"


def body(*, signed: str | None = None, contract_start: str = "2024-01-02", last_day: str = "2023-12-29") -> dict:
    contract: dict[str, Any] = {
        "start": contract_start,
        "months": 36,
        "insured_months": ["2023-12", "2024-01", "2024-02", "2024-03"],
        "employed_through": "2024-06-30",
    }
    if signed is not None:
        contract["signed"] = signed
    return {
        "district": "110108",
        "start": "2023-10-01",
        "end": "2024-03-31",
        "as_of": "2024-04-10",
        "ended_early": {"date": last_day, "reason": "hired", "contract": contract},
    }


def remaining(client, payload: dict) -> dict:
    response = client.post(URL, json.dumps(payload), content_type="application/json")
    assert response.status_code == 200, response.content
    return response.json()["remaining_period"]


def codes(rp: dict) -> list[str]:
    return [r["code"] for r in rp["reasons"]]


def bind(value: str) -> None:
    """The city officer changes the parameter in the admin (a new version, kept in history)."""
    row = CityPolicy.objects.get()
    row.remaining_binding = value
    row.save()


def test_signed_on_the_last_day_of_the_policy_period_is_paid(client):
    rp = remaining(client, body(signed="2023-12-31"))
    assert rp["eligible"] is True and codes(rp) == []
    assert (rp["binding"], rp["binding_date"]) == ("signed", "2023-12-31")
    # January to March 2024 in full, at the 2420 rate in force: 3 × 2420.
    assert rp["total"] == "7260.00"


def test_signed_on_the_day_after_is_refused_by_the_window(client):
    rp = remaining(client, body(signed="2024-01-01"))
    assert rp["eligible"] is False and rp["total"] == "0.00"
    assert codes(rp) == ["R-SUB-5.window"]
    assert "劳动合同签订日期 2024-01-01" in rp["reasons"][0]["message"]


def test_without_contract_signed_the_contract_start_stands_in(client):
    rp = remaining(client, body())
    assert (rp["binding"], rp["binding_date"]) == ("contract_start", "2024-01-02")
    assert codes(rp) == ["R-SUB-5.window"]
    assert remaining(client, body(contract_start="2023-12-31"))["eligible"] is True


def test_binding_the_contract_start_ignores_contract_signed(client):
    bind(RemainingBinding.CONTRACT_START)
    rp = remaining(client, body(signed="2023-12-31"))
    assert (rp["binding"], codes(rp)) == ("contract_start", ["R-SUB-5.window"])
    assert remaining(client, body(signed="2024-01-01", contract_start="2023-12-31"))["eligible"] is True
    assert CityPolicy.history.filter(remaining_binding="contract_start").exists()


def test_binding_the_early_end_holds_the_last_internship_day(client):
    bind(RemainingBinding.EARLY_END)
    rp = remaining(client, body(signed="2024-01-01", last_day="2023-12-31"))
    assert rp["eligible"] is True and (rp["binding"], rp["binding_date"]) == ("early_end", "2023-12-31")
    rp = remaining(client, body(signed="2023-12-31", last_day="2024-01-01", contract_start="2024-01-03"))
    assert codes(rp) == ["R-SUB-5.window"]


@pytest.mark.parametrize("bad", ["2023-13-01", "31/12/2023", 20231231, ""])
def test_a_bad_signing_date_is_a_400_naming_the_field(client, bad):
    payload = body()
    payload["ended_early"]["contract"]["signed"] = bad
    response = client.post(URL, json.dumps(payload), content_type="application/json")
    assert response.status_code == 400
    error = response.json()
    assert set(error) == {"code", "message", "field"} and "signed" in error["field"]


def test_the_quote_page_takes_the_signing_date_and_names_the_date_it_held(client):
    form = {
        "district": "110108",
        "start": "2023-10-01",
        "end": "2024-03-31",
        "as_of": "2024-04-10",
        "ended_early": "2023-12-29",
        "reason": "hired",
        "contract_start": "2024-01-02",
        "contract_months": "36",
        "insured_months": "2023-12,2024-01,2024-02,2024-03",
        "employed_through": "2024-06-30",
    }
    page = client.post(reverse("policy:quote"), {**form, "contract_signed": "2023-12-31"}).content.decode()
    # A visitor's page speaks without rule codes: the window's reason is told by its words.
    outside = "不在政策实施期限"
    assert 'data-testid="rp-binding"' in page and "劳动合同签订日期 2023-12-31" in page
    assert outside not in page
    page = client.post(reverse("policy:quote"), {**form, "contract_signed": "2024-01-01"}).content.decode()
    assert outside in page
    page = client.post(reverse("policy:quote"), form).content.decode()
    assert "劳动合同起始日期 2024-01-02" in page and outside in page


def test_the_default_policy_row_binds_the_signing_date():
    row = CityPolicy.objects.get()
    assert (row.remaining_binding, row.remaining_window_end) == ("signed", date(2023, 12, 31))
