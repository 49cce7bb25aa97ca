"""李明's home on a phone (390 × 844): his next step (the internship under way, with last month's
attendance) and the posts chosen for him, each with its reasons; the preferences page changes them."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.test_phone import overflow, phone, serious_violations, sign_in

__all__ = ["phone"]  # the fixture


@pytest.mark.browser
def test_li_mings_home_on_a_phone_shows_his_next_step_and_posts_for_him(phone: Any, site: str):
    page = phone
    sign_in(page, site, "youth")
    steps = page.get_by_test_id("next-steps")
    expect(steps).to_be_visible()
    expect(steps).to_contain_text("见习中：北京数智科技有限公司“数据分析师助理”")
    expect(steps).to_contain_text("单位已记录出勤")
    expect(steps).not_to_contain_text("先做资格自测")
    for_you = page.get_by_test_id("posts-for-you")
    expect(for_you).to_contain_text("为你推荐")
    cards = for_you.get_by_test_id("recommendation")
    expect(cards.first).to_be_visible()
    assert cards.count() >= 2
    expect(cards.first).to_contain_text("软件开发见习生")
    expect(cards.first.get_by_test_id("recommendation-reasons")).to_contain_text("在您希望见习的海淀区")
    expect(cards.first.get_by_test_id("recommendation-ineligible")).to_be_visible()  # subsidised once already
    assert overflow(page) == 0
    assert serious_violations(page) == []

    # The next step leads to the attendance page, where the host's record is.
    page.get_by_test_id("next-steps").get_by_role("link", name="查看考勤").click()
    expect(page.locator("main")).to_contain_text("考勤")
    assert overflow(page) == 0

    # Preferences: 朝阳区 and 电商平台类 instead of 海淀区; the reasons follow.
    page.goto(f"{site}/recommend/preferences/")
    assert overflow(page) == 0
    assert serious_violations(page) == []
    page.get_by_label("海淀区").uncheck()
    page.get_by_label("朝阳区").check()
    page.get_by_label("电商平台类").check()
    page.get_by_role("button", name="保存").click()
    expect(page).to_have_url(f"{site}/recommend/")
    listed = page.get_by_test_id("recommendations")
    expect(listed).to_contain_text("在您希望见习的朝阳区")
    expect(listed).to_contain_text("属于您感兴趣的电商平台类岗位")
    expect(listed).not_to_contain_text("在您希望见习的海淀区")
    assert overflow(page) == 0
