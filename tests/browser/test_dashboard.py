"""The city officer's dashboard in Chromium: charts drawn from our own ECharts, tables beside them,
Excel downloads, nothing refused by the Content-Security-Policy (the page fixture checks)."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from tests.browser.conftest import ARTIFACTS


@pytest.mark.browser
def test_the_city_officer_opens_the_dashboard_sees_charts_and_tables_and_downloads_excel(
    page: Any, site: str, login: Any
):
    login("city")
    expect(page.get_by_test_id("dashboard")).to_be_visible()
    # The demo's year: the progress chart is drawn (ECharts paints a canvas) beside its table.
    expect(page.get_by_test_id("chart-progress").locator("canvas").first).to_be_visible()
    expect(page.get_by_test_id("chart-districts").locator("canvas").first).to_be_visible()
    expect(page.get_by_test_id("chart-categories").locator("canvas").first).to_be_visible()
    progress = page.get_by_test_id("table-progress")
    expect(progress.locator("tbody tr")).to_have_count(12)
    expect(progress).to_contain_text("1月")
    districts = page.get_by_test_id("table-districts")
    expect(districts).to_contain_text("海淀区")
    expect(page.get_by_test_id("freshness")).to_contain_text("统计数据更新于")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "dashboard-city-1280.png"), full_page=True)

    with page.expect_download() as info:
        page.get_by_test_id("excel-districts").click()
    download = info.value
    assert download.suggested_filename.endswith("-districts.xlsx")
    sheet = load_workbook(io.BytesIO(Path(download.path()).read_bytes())).active
    headers = [c.value for c in next(sheet.iter_rows(max_row=1))]
    assert headers[:3] == ["区", "本年岗位", "上年同期岗位"]
    names = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert "海淀区" in names and len(names) == 17


@pytest.mark.browser
def test_a_district_officer_sees_its_district_only(page: Any, site: str, login: Any):
    login("haidian")
    rows = page.get_by_test_id("table-districts").locator("tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("海淀区")
    expect(page.get_by_test_id("chart-money").locator("canvas").first).to_be_visible()
