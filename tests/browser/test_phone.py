"""Every role's day on a phone (issue #16), in Debian's Chromium at 390 × 844.

* Each role starts on its home, follows each to-do and finds a page where it can act.
* Every list page fits the screen: nothing is wider than the viewport.
* axe-core (the npm package, pinned, in tests/browser/vendor/axe-core/) finds no serious or
  critical accessibility violation on each role's main page.
"""

from __future__ import annotations

import hashlib
from collections.abc import Generator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import DEMO_PASSWORD, TIMEOUT_MS

PHONE = {"width": 390, "height": 844}
AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
AXE_SHA256 = "e9e5863c33a874f09bc01acd9234b7e3c871479f5eef8802fa582544465e6d01"  # axe-core 4.11.0

# The list pages of each role (beyond its navigation), all opened at phone size.
EXTRA_LISTS = {
    None: ["/posts/district/110108/", "/placements/verify/"],
    "host": ["/posts/manage/expiring/", "/subsidies/statement/"],
    "haidian": [
        "/posts/district/110108/",
        "/posts/manage/expiring/",
        "/subsidies/payment/",
        "/subsidies/batches/",
        "/subsidies/ledger/",
        "/subsidies/signals/",
        "/subsidies/recoveries/",
    ],
    "kewei": ["/posts/manage/expiring/"],
    "pku": [],
    "youth": [],
}
# A page "where the person can act": a form that changes something, in the main part of the page.
ACTION = "main form[method=post] button[type=submit], main form[method=post] button:not([type])"


@pytest.fixture
def phone(browser: Any, site: str, frozen_clock: datetime) -> Generator[Any]:
    ctx = browser.new_context(locale="zh-CN", viewport=PHONE, is_mobile=True, has_touch=True)
    ctx.set_default_timeout(TIMEOUT_MS)
    ctx.clock.install(time=frozen_clock)
    # Injected before each document by the DevTools protocol, so the site's CSP does not apply to it.
    ctx.add_init_script(path=str(AXE))
    pg = ctx.new_page()
    refused: list[str] = []
    pg.on("console", lambda msg: refused.append(msg.text) if "Content Security Policy" in msg.text else None)
    yield pg
    assert refused == [], f"the Content-Security-Policy refused: {refused}"
    ctx.close()


def sign_in(page: Any, site: str, username: str) -> None:
    page.goto(f"{site}/accounts/login/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(DEMO_PASSWORD)
    page.locator("main").get_by_role("button", name="登录").click()
    expect(page).to_have_url(f"{site}/")


def overflow(page: Any) -> int:
    """How many pixels the page is wider than the screen (0 when it fits)."""
    return int(page.evaluate("document.documentElement.scrollWidth - window.innerWidth"))


def serious_violations(page: Any) -> list[str]:
    result = page.evaluate(
        """async () => {
            const r = await axe.run(document, {resultTypes: ["violations"]});
            const where = (v) => v.nodes.slice(0, 3).map((n) => n.target.join(" ")).join(" | ");
            return r.violations.filter((v) => v.impact === "serious" || v.impact === "critical")
                .map((v) => v.id + ": " + v.help + " → " + where(v));
        }"""
    )
    return list(result)


def test_the_vendored_axe_core_is_the_pinned_release():
    assert hashlib.sha256(AXE.read_bytes()).hexdigest() == AXE_SHA256


@pytest.mark.browser
@pytest.mark.parametrize("username", [None, "host", "haidian", "kewei", "pku", "youth", "city"])
def test_every_list_page_fits_a_phone_screen(phone: Any, site: str, username: str | None):
    page = phone
    if username:
        sign_in(page, site, username)
    else:
        page.goto(f"{site}/")
    nav = [a.get_attribute("href") for a in page.locator("nav.main a").all()]
    urls = list(dict.fromkeys([*nav, *EXTRA_LISTS.get(username, [])]))
    assert len(urls) >= 4
    wide = {}
    for url in urls:
        page.goto(f"{site}{url}")
        if (extra := overflow(page)) > 0:
            wide[url] = extra
    assert wide == {}, f"wider than 390 px: {wide}"


@pytest.mark.browser
@pytest.mark.parametrize("username", [None, "host", "haidian", "kewei", "pku", "youth", "city", "caizheng"])
def test_each_roles_main_page_has_no_serious_accessibility_violation(phone: Any, site: str, username: str | None):
    page = phone
    if username:
        sign_in(page, site, username)
    else:
        page.goto(f"{site}/")
    assert serious_violations(page) == []


def _more_work() -> None:
    from tests.web.test_homes import more_work

    more_work()


@pytest.mark.browser
@pytest.mark.parametrize("username", ["host", "haidian"])
def test_each_todo_on_a_phone_leads_to_a_page_where_the_person_can_act(phone: Any, site: str, username: str):
    _more_work()
    page = phone
    sign_in(page, site, username)
    links = page.locator("[data-testid^=todo-][data-testid$=-link]")
    todos = [(a.get_attribute("data-testid"), a.get_attribute("href")) for a in links.all()]
    assert len(todos) >= 3, todos
    assert overflow(page) == 0
    for testid, href in todos:
        count = int(page.get_by_test_id(testid.removesuffix("-link") + "-count").inner_text())
        page.goto(f"{site}{href}")
        assert overflow(page) == 0, href
        rows = page.locator("main .table-wrap tbody tr").filter(has=page.locator("a"))
        if page.locator(ACTION).count() == 0:
            # The list names the rows; the first one opens a page with the action.
            assert rows.count() >= 1, href
            with page.expect_navigation():  # the next page loaded, its phone layout applied
                rows.first.locator("a").first.click()
            assert overflow(page) == 0, page.url
        assert page.locator(ACTION).count() >= 1 or page.locator("main a.btn").count() >= 1, (testid, page.url)
        page.goto(f"{site}/")
        assert count >= 1


@pytest.mark.browser
@pytest.mark.parametrize("username", ["kewei", "pku"])
def test_the_officers_without_duties_follow_progress_and_are_offered_no_action(phone: Any, site: str, username: str):
    page = phone
    sign_in(page, site, username)
    assert page.locator("[data-testid^=todo-][data-testid$=-link]").count() == 0
    watch = [a.get_attribute("href") for a in page.locator("[data-testid^=watch-][data-testid$=-link]").all()]
    assert watch
    for href in watch:
        page.goto(f"{site}{href}")
        assert overflow(page) == 0, href
        expect(page.locator("main h1")).to_be_visible()


@pytest.mark.browser
def test_the_claim_review_works_at_phone_size_with_each_line_reachable(phone: Any, site: str):
    page = phone
    sign_in(page, site, "haidian")
    page.get_by_test_id("todo-claims-link").click()
    # Measured once the claim's page has loaded: its tables turn into cards on DOMContentLoaded.
    with page.expect_navigation():
        page.locator("main .table-wrap tbody tr a").first.click()
    assert overflow(page) == 0
    boxes = page.locator("input[type=checkbox][name^=reject-]")
    assert boxes.count() >= 1
    for i in range(boxes.count()):
        box = boxes.nth(i).bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    boxes.first.check()
    reason = page.locator("input[name^=reason-]").first
    reason.fill("该月出勤记录与考勤表不符")
    expect(reason).to_be_in_viewport()
