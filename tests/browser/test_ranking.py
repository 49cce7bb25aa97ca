"""The demonstration-unit ranking as the officers use it (R-TG-4): in Chromium, under the CSP.

Haidian's officer reads the 2024 ranking, opens a host's score factor by factor and nominates
it; the city officer confirms the nomination and downloads the list as Excel.
"""

from __future__ import annotations

import io
from importlib import import_module
from types import SimpleNamespace
from typing import Any

import pytest
from django.apps import apps
from openpyxl import load_workbook
from playwright.sync_api import expect

from jianxi.accounts.models import User
from jianxi.policy.models import District
from tests.demonstration.conftest import worked_year

pytestmark = pytest.mark.browser


def _year_2024() -> Any:
    # The live server's flush removed the ranking parameters of the data migration: load them again.
    import_module("jianxi.demonstration.migrations.0002_beijing_defaults").load(apps, None)
    haidian = District.objects.get(code="110108")
    world = SimpleNamespace(
        our_host=SimpleNamespace(district=haidian), district_officer=User.objects.get(username="haidian")
    )
    return worked_year(world)


def test_a_district_nominates_from_the_explained_ranking_and_the_city_confirms(page: Any, site: str, login: Any):
    year = _year_2024()
    login("haidian")
    page.get_by_role("link", name="示范单位评选").click()
    page.goto(f"{site}/demonstration/ranking/?year=2024")
    first_host = page.get_by_test_id(f"ranked-{year.a.pk}")
    expect(first_host).to_contain_text("73.00")
    first_host.get_by_text("展开").click()
    expect(first_host.get_by_role("row", name="留用率")).to_contain_text("10.00")
    expect(page.get_by_test_id("not-eligible")).to_contain_text("少于参评最少人数 5 人")
    first_host.get_by_role("button", name="推荐").click()
    expect(page.locator(".messages")).to_contain_text("已推荐“甲科技有限公司”，待市人社局确认。")

    page.context.clear_cookies()
    login("city")
    page.goto(f"{site}/demonstration/nominations/?year=2024")
    row = page.get_by_test_id("nominations").locator("tbody > tr").first
    row.get_by_role("button", name="确认", exact=True).click()
    expect(page.get_by_test_id("nominations")).to_contain_text("已确认")
    with page.expect_download() as download:
        page.get_by_test_id("nominations-xlsx").click()
    sheet = load_workbook(io.BytesIO(download.value.path().read_bytes()))["推荐名单"]
    assert [(r[2], r[4], r[6]) for r in sheet.iter_rows(min_row=2, values_only=True)] == [
        ("甲科技有限公司", 73, "已确认")
    ]
