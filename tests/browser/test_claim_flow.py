"""Acceptance of the subsidy pages, in Chromium against the live server.

A host's quarterly claim goes from draft to paid through the pages: the demo host
北京数智科技有限公司 (login ``host``) has an intern whose agreement started four months ago, with
three ended months of attendance (set up through the ORM); it generates the claim and submits it;
the Haidian district officer (``haidian``) approves it, puts it into a payment batch and marks the
batch paid; the host then sees 已拨付. The clock is frozen (conftest.FROZEN_AT); the dates follow its today.
"""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from jianxi.policy.engine import add_months
from tests.browser.conftest import ARTIFACTS
from tests.subsidies.conftest import attend

HOST_NAME = "北京数智科技有限公司"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


def intern_with_three_ended_months() -> Any:
    from jianxi.hosts.models import Host
    from jianxi.placements.models import Agreement, AgreementStatus
    from tests.factories import PersonFactory, PostFactory, district

    host = Host.objects.get(name=HOST_NAME)
    start = add_months(timezone.localdate().replace(day=1), -4)
    post = PostFactory(host=host, recruit_start=start - timedelta(days=30), recruit_end=start, expires_on=start)
    agreement = Agreement.objects.create(
        post=post,
        host=host,
        person=PersonFactory(district=district("110108"), phone="13912345678"),
        start=start,
        end=add_months(start, 6) - timedelta(days=1),
        allowance=Decimal("2600.00"),
        mentor="李老师",
        training_date=start,
        insurance_policy="PICC-2024-001",
        status=AgreementStatus.ACTIVE,
        eligibility_rule="R-EL-1",
    )
    for n in range(3):
        attend(agreement, add_months(start, n))
    return agreement


def screenshot(page: Any, name: str) -> None:
    page.set_viewport_size(PHONE)
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}-phone-390x844.png"
    page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 10_000
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    page.set_viewport_size(DESKTOP)
    assert overflow <= 0, f"{name}: the page is {overflow}px wider than the phone"


@pytest.mark.browser
def test_a_hosts_quarterly_claim_goes_from_draft_to_paid_through_the_pages(page: Any, site: str, login: Any):
    agreement = intern_with_three_ended_months()

    login("host")
    page.goto(f"{site}/subsidies/claims/")
    page.get_by_test_id("prepare").click()
    expect(page.get_by_test_id("claimable")).to_contain_text(agreement.person.name)
    page.get_by_role("button", name="生成申报草稿").click()
    expect(page.get_by_test_id("claim-status")).to_have_text("草稿")
    rows = page.get_by_test_id("lines").locator("tbody tr").filter(has_text=agreement.person.name)
    expect(rows).to_have_count(3)
    expect(rows.first.locator("td.calc")).to_contain_text(re.compile(r"¥[\d.]+ × \d+ ÷ \d+ = ¥[\d.]+"))
    claim_url = page.url
    screenshot(page, "claim-draft")
    page.get_by_test_id("submit").click()
    expect(page.get_by_test_id("claim-status")).to_have_text("待审核")

    page.context.clear_cookies()
    login("haidian")
    page.goto(claim_url)
    page.get_by_role("button", name="审核通过（勾选项除外）").click()
    expect(page.get_by_test_id("claim-status")).to_have_text("已审核")
    page.goto(f"{site}/subsidies/payment/")
    page.get_by_role("button", name="生成拨付批次").click()
    expect(page.get_by_test_id("batch-status")).to_have_text("编制中")
    expect(page.get_by_test_id("batch-items")).to_contain_text(HOST_NAME)
    page.get_by_label("拨付凭证号").fill("GK-2024-0001")
    page.get_by_role("button", name="下一步：核对").click()
    expect(page.get_by_test_id("pay-confirm")).to_contain_text("GK-2024-0001")
    page.get_by_test_id("confirm-pay").click()
    expect(page.get_by_test_id("batch-status")).to_have_text("已拨付")

    page.context.clear_cookies()
    login("host")
    page.goto(claim_url)
    expect(page.get_by_test_id("claim-status")).to_have_text("已拨付")
    screenshot(page, "claim-paid")
