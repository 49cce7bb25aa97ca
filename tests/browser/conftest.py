"""Browser tests: Debian's Chromium driven by Playwright (sync API) against pytest-django's live server.

* One browser per test session, a fresh context (cookies, locale zh-CN) per test.
* No browser is ever downloaded: without /usr/bin/chromium every browser test is skipped.
* The clock is frozen (time-machine in this process, the live server's thread included, and
  Playwright's clock in the browser) at ``FROZEN_AT``, a day inside the years the official
  calendar package covers: the flows' dates follow that day, so the tests do not start failing
  when the real year leaves the package's range. It ticks, so timeouts and sessions still work.
* The live server needs ``transactional_db``, whose flush after each test also deletes the
  reference data loaded by the data migration; ``site`` therefore reloads it (the loader is
  idempotent) and then the demo accounts, so every test starts from the same known world.
"""

from __future__ import annotations

import io
import os
import re
from collections.abc import Callable, Generator
from datetime import datetime
from importlib import import_module
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine

# Playwright's sync API keeps an asyncio event loop running in the test thread; Django would then
# refuse ORM calls made from that thread (fixtures, look-ups in tests) as "async unsafe".
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
DEMO_PASSWORD = "jianxi-demo-2023"  # printed by `manage.py demo`, see jianxi/core/management/commands/demo.py
TIMEOUT_MS = 10_000
# A Monday morning in Beijing, inside the years chinesecalendar knows (tests/policy checks the
# calendar itself for every year it covers).
FROZEN_AT = datetime(2026, 6, 15, 9, 30, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[Any]) -> Generator[None, Any, Any]:
    # Keep each phase's report on the item so the page fixture knows whether the test failed.
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


@pytest.fixture(scope="session")
def browser() -> Generator[Any]:
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} not found: install Debian's chromium package to run the browser tests")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def frozen_clock() -> Generator[datetime]:
    with time_machine.travel(FROZEN_AT, tick=True):
        yield FROZEN_AT


@pytest.fixture
def site(frozen_clock: datetime, transactional_db: None, live_server: Any) -> str:
    """The live server's base URL, with reference data and the demo accounts loaded."""
    from django.apps import apps
    from django.core.management import call_command

    import_module("jianxi.policy.migrations.0002_reference_data").load(apps, None)
    call_command("demo", stdout=io.StringIO())
    return live_server.url


@pytest.fixture
def context(browser: Any, site: str, frozen_clock: datetime) -> Generator[Any]:
    ctx = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    ctx.set_default_timeout(TIMEOUT_MS)
    ctx.clock.install(time=frozen_clock)
    yield ctx
    ctx.close()


@pytest.fixture
def page(context: Any, request: pytest.FixtureRequest) -> Generator[Any]:
    pg = context.new_page()
    # Chromium reports what the Content-Security-Policy refused (an inline script, handler or
    # style) on the console; every browser test thereby also checks the pages it visits.
    refused: list[str] = []
    pg.on("console", lambda msg: refused.append(msg.text) if "Content Security Policy" in msg.text else None)
    pg.csp_refused = refused
    yield pg
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        name = re.sub(r"[^\w.-]+", "_", request.node.nodeid.split("::", 1)[-1])
        pg.screenshot(path=str(ARTIFACTS / f"FAILED-{name}.png"), full_page=True)
    else:
        assert refused == [], f"the Content-Security-Policy refused: {refused}"


def sign_in_after_sign_up(page: Any, username: str, password: str) -> None:
    """Sign-up answers "submitted" without signing in (issue #11); the person signs in from there."""
    from playwright.sync_api import expect

    expect(page.get_by_test_id("signup-done")).to_be_visible()
    page.get_by_test_id("signup-done").get_by_role("link", name="去登录").click()
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(password)
    page.locator("main").get_by_role("button", name="登录").click()


@pytest.fixture
def login(page: Any, site: str) -> Callable[..., None]:
    """Sign in through the login page as one of the demo accounts."""

    def sign_in(username: str, password: str = DEMO_PASSWORD) -> None:
        from playwright.sync_api import expect

        page.goto(f"{site}/accounts/login/")
        page.locator("#id_username").fill(username)
        page.locator("#id_password").fill(password)
        page.locator("main").get_by_role("button", name="登录").click()
        expect(page).to_have_url(f"{site}/")
        expect(page.get_by_test_id("who")).to_be_visible()

    return sign_in
