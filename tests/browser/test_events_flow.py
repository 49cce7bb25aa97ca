"""Acceptance of "Matching events", in Chromium against the live server.

The district officer of 海淀区 creates an event featuring two of the district's posts and
publishes it; 李明 (the demo's young person), on a 390×844 phone screen, signs up, checks in
through the check-in URL of the printable sheet's QR code, and applies to a featured post
through the event; the event's funnel then counts one signed up, one attended, one applied.
"""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
TITLE = "海淀区六月就业见习专场招聘会"


def test_an_event_from_creation_to_its_funnel(page: Any, site: str, login: Any):
    login("haidian")
    page.goto(f"{site}/events/office/")
    page.get_by_test_id("event-new").click()
    expect(page.get_by_role("heading", name="新建活动")).to_be_visible()
    page.get_by_label("活动形式").select_option(label="招聘会")
    page.get_by_label("活动名称").fill(TITLE)
    page.get_by_label("开始时间").fill("2026-06-15T10:00")
    page.get_by_label("结束时间").fill("2026-06-15T17:00")
    page.get_by_label("活动地点").fill("海淀区人才市场")
    page.get_by_label("名额").fill("30")
    boxes = page.locator("input[name=posts]")
    expect(boxes.first).to_be_visible()
    assert boxes.count() >= 2
    boxes.nth(0).check()
    boxes.nth(1).check()
    page.get_by_test_id("event-save").click()
    expect(page.get_by_role("heading", name=TITLE)).to_be_visible()
    page.get_by_test_id("event-publish").click()
    expect(page.get_by_test_id("event-status")).to_have_text("已发布")
    detail_url = page.url
    page.get_by_role("link", name="签到表（打印）").click()
    expect(page.locator("img.qr")).to_be_visible()
    checkin_url = page.get_by_test_id("checkin-url").get_attribute("href")
    assert checkin_url and "?t=" in checkin_url

    # 李明 on a phone.
    page.context.clear_cookies()
    page.set_viewport_size(PHONE)
    login("youth")
    page.goto(f"{site}/events/")
    page.get_by_role("link", name=TITLE).click()
    expect(page.get_by_test_id("event-posts").locator("tbody tr")).to_have_count(2)
    page.get_by_test_id("signup").click()
    expect(page.get_by_test_id("my-signup")).to_contain_text("您已报名")
    page.goto(checkin_url)
    page.get_by_test_id("checkin").click()
    expect(page.get_by_text("签到成功")).to_be_visible()
    expect(page.get_by_test_id("my-signup")).to_contain_text("已签到")
    page.get_by_test_id("event-posts").get_by_role("link", name="通过本活动申请").first.click()
    expect(page.get_by_role("heading", name="申请岗位")).to_be_visible()
    page.get_by_role("button", name="申请这个岗位").click()
    expect(page.get_by_text("申请已提交")).to_be_visible()
    # Nothing wider than the phone's screen on the event's page.
    page.goto(f"{site}/events/")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    # The organiser's funnel.
    page.context.clear_cookies()
    page.set_viewport_size({"width": 1280, "height": 900})
    login("haidian")
    page.goto(detail_url)
    expect(page.get_by_test_id("funnel-signed_up")).to_have_text("1")
    expect(page.get_by_test_id("funnel-attended")).to_have_text("1")
    expect(page.get_by_test_id("funnel-applied")).to_have_text("1")
    # The organiser's pages fit a phone too (tables become cards).
    page.set_viewport_size(PHONE)
    for url in (f"{site}/events/office/", detail_url, f"{detail_url}sheet/", f"{detail_url}edit/"):
        page.goto(url)
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], url
