"""The pages under the Content-Security-Policy, in Chromium: nothing inline is allowed, so every
bit of behaviour must come from jianxi/static/jianxi/site.js, and the admin and the API's Swagger
UI must work from our own static files. (The ``page`` fixture fails any test during which
Chromium refused something under the policy.)
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from tests.browser.test_claim_flow import intern_with_three_ended_months

pytestmark = pytest.mark.browser


def test_every_page_carries_the_policy(page: Any, site: str):
    response = page.goto(f"{site}/posts/")
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy


def test_a_draft_claim_is_discarded_only_when_the_host_confirms(page: Any, site: str, login: Any):
    from jianxi.subsidies.models import Claim

    intern_with_three_ended_months()
    login("host")
    page.goto(f"{site}/subsidies/claims/")
    page.get_by_test_id("prepare").click()
    page.get_by_role("button", name="生成申报草稿").click()
    expect(page.get_by_test_id("claim-status")).to_have_text("草稿")
    claim_url = page.url
    claims = Claim.objects.count()

    messages: list[str] = []

    def dismiss(dialog: Any) -> None:
        messages.append(dialog.message)
        dialog.dismiss()

    page.once("dialog", dismiss)
    page.get_by_test_id("discard").click()
    expect(page).to_have_url(claim_url)
    assert messages == ["确定删除这份申报草稿？其中的月份可以重新申报。"]
    assert Claim.objects.count() == claims

    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_test_id("discard").click()
    expect(page).not_to_have_url(claim_url)
    assert Claim.objects.count() == claims - 1


def test_the_district_page_switches_district_and_prints(page: Any, site: str):
    page.goto(f"{site}/posts/district/110108/")
    # Count calls instead of opening the print dialog (evaluate runs outside the page's policy).
    page.evaluate("() => { window.printed = 0; window.print = () => { window.printed += 1; }; }")
    page.get_by_role("button", name="打印").click()
    assert page.evaluate("window.printed") == 1

    page.locator("#district-switch").select_option(label="朝阳区")
    expect(page).to_have_url(f"{site}/posts/district/110105/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("朝阳区")


def test_the_api_docs_run_from_our_own_static_files(page: Any, site: str):
    hosts: set[str] = set()
    page.on("request", lambda request: hosts.add(urlsplit(request.url).netloc))
    page.goto(f"{site}/api/v1/docs")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("见习 Jianxi API")
    expect(page.locator(".opblock").first).to_be_visible()
    page.locator(".opblock-summary").first.click()  # an operation opens: the UI's scripts run
    expect(page.locator(".opblock-body").first).to_be_visible()
    assert hosts == {urlsplit(site).netloc}


def test_the_admin_works_under_the_policy(page: Any, site: str, login: Any):
    from jianxi.accounts.models import User

    login("city")
    page.goto(f"{site}/admin/")
    expect(page.locator("#site-name")).to_contain_text("见习 Jianxi 管理后台")
    page.goto(f"{site}/admin/accounts/user/")
    page.locator("#searchbar").fill("haidian")
    page.locator("#searchbar").press("Enter")
    expect(page.locator("#result_list tbody tr")).to_have_count(1)
    # The action bar is driven by admin's actions.js: selecting a row enables and counts it.
    page.locator("#result_list tbody input.action-select").check()
    expect(page.locator(".action-counter")).to_contain_text("1")

    haidian = User.objects.get(username="haidian")
    page.goto(f"{site}/admin/accounts/user/{haidian.pk}/change/")
    expect(page.locator("#id_username")).to_have_value("haidian")
    page.goto(f"{site}/admin/policy/calendarcorrection/add/")
    expect(page.locator("input[name=date]")).to_be_visible()
    page.locator(".datetimeshortcuts a").first.click()  # 今天: admin's calendar script fills the date
    expect(page.locator("input[name=date]")).not_to_have_value("")

    # django-simple-history's 历史 page: the one thing refused in the admin is its paginator's
    # style="border-top: 0" (cosmetic; docs/operations.md, Security headers).
    page.goto(f"{site}/admin/accounts/user/{haidian.pk}/history/")
    expect(page.locator("#change-history")).to_be_visible()
    page.wait_for_load_state("load")
    assert len(page.csp_refused) == 1 and page.csp_refused[0].startswith("Applying inline style")
    page.csp_refused.clear()
