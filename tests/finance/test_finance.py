"""The finance bureau (财政局, issue #10 item 5): the budget against approved, paid and recovered money.

One internship in 海淀, 2024-03-01 to 2024-08-31 (six full months, Beijing's 2,420 a month, no
district top-up): March is claimed, approved, paid, and 100.00 of it ordered back and repaid. On 2024-04-10
the months not yet claimed are April to August, none with attendance, each counted as fully
attended: 5 × 2,420 = 12,100.00 forecast.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from jianxi.finance.models import YearlyBudget
from jianxi.policy.models import City, District
from jianxi.subsidies import recovery, services
from tests.subsidies.conftest import TODAY, attend, make_agreement
from tests.sweep.test_scoping_sweep import database_fingerprint

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(TODAY, tick=False):
        yield


@pytest.fixture
def money(world):
    agreement = make_agreement(world, start=date(2024, 3, 1), end=date(2024, 8, 31))
    attend(agreement, date(2024, 3, 1))
    claim = services.claim_prepare(actor=world.host_staff, host_id=world.our_host.pk, today=TODAY)
    services.claim_submit(actor=world.host_staff, claim_id=claim.pk)
    services.claim_review(
        actor=world.district_officer, claim_id=claim.pk, review=services.Review(approve=True), today=TODAY
    )
    batch = services.batch_create(actor=world.district_officer, claim_ids=[claim.pk])
    services.batch_mark_paid(actor=world.district_officer, batch_id=batch.pk, paid_on=TODAY, reference="R1")
    order = recovery.recovery_create(
        actor=world.district_officer, host_id=world.our_host.pk, claim_ids=[claim.pk],
        amount=Decimal("100.00"), reason="考勤核查", bar=False, today=TODAY,
    )  # fmt: skip
    recovery.repayment_record(
        actor=world.district_officer, recovery_id=order.pk, amount=Decimal("100.00"), paid_on=TODAY, reference="Z1"
    )
    beijing = City.objects.get(code="110000")
    YearlyBudget.objects.create(city=beijing, year=2024, amount=Decimal("50000.00"), source="京财社〔2024〕")
    YearlyBudget.objects.create(
        city=beijing, year=2024, district=District.objects.get(code="110108"), amount=Decimal("20000.00")
    )
    return claim


def _page(client, user, **query):
    client.force_login(user)
    return client.get(reverse("finance:overview"), {"year": 2024, **query})


def test_budget_against_money_by_district_with_city_and_district_shares(client, world, money):
    view = _page(client, world.finance).context["view"]
    assert view.budget == Decimal("50000.00")
    assert (view.total.approved, view.total.paid, view.total.recovered) == (
        Decimal("2420.00"), Decimal("2420.00"), Decimal("100.00"),
    )  # fmt: skip
    assert view.total.net_paid == Decimal("2320.00")
    assert view.forecast == Decimal("12100.00")
    assert view.left == Decimal("50000.00") - Decimal("2320.00") - Decimal("12100.00")  # 35,580.00
    haidian = next(d for d in view.districts if d.code == "110108")
    assert (haidian.money.approved_city, haidian.money.approved_district) == (Decimal("2420.00"), Decimal("0.00"))
    assert (haidian.money.paid_city, haidian.money.paid_district) == (Decimal("2420.00"), Decimal("0.00"))
    assert haidian.budget == Decimal("20000.00") and haidian.left == Decimal("5580.00")  # 20,000 − 2,320 − 12,100
    chaoyang = next(d for d in view.districts if d.code == "110105")
    assert chaoyang.money.net_paid == Decimal("0") and chaoyang.forecast == Decimal("0") and chaoyang.budget is None
    [(month, april)] = view.months
    assert month == date(2024, 4, 1)  # approved, paid and recovered on 2024-04-10
    assert (april.approved, april.paid, april.recovered) == (Decimal("2420.00"), Decimal("2420.00"), Decimal("100.00"))


def test_the_excel_download_has_the_district_and_month_sheets(client, world, money):
    from io import BytesIO

    from openpyxl import load_workbook

    response = _page(client, world.finance, format="xlsx")
    book = load_workbook(BytesIO(response.content))
    assert book.sheetnames == ["分区", "分月"]
    rows = {row[0]: row for row in book["分区"].iter_rows(values_only=True)}
    assert Decimal(str(rows["海淀区"][1])) == Decimal("20000")
    assert Decimal(str(rows["海淀区"][-2])) == Decimal("12100")


def test_a_year_without_money_or_budget_shows_dashes_not_errors(client, world):
    page = _page(client, world.finance, year=2023)
    assert page.status_code == 200
    assert page.context["view"].budget is None and page.context["view"].left is None


def test_the_city_officer_reads_it_too_and_no_other_role_does(client, world):
    assert _page(client, world.city).status_code == 200
    for user in (world.district_officer, world.host_staff, world.youth, world.department_officer):
        assert _page(client, user).status_code == 403
    client.logout()
    assert client.get(reverse("finance:overview")).status_code == 302


def test_the_finance_role_changes_nothing_on_any_page_or_in_the_api(client, world, money):
    """Read-only: every money action refuses it, and the API's lists are not its business."""
    client.force_login(world.finance)
    before = database_fingerprint()
    for name, args, data in [
        ("subsidies:review", [money.pk], {"action": "approve"}),
        ("subsidies:payment", [], {"claim": [money.pk]}),
        ("hosts:review", [world.our_host.pk, "bar"], {"reason": "x"}),
        ("subsidies:run", [], {}),
        ("posts:create", [], {"title": "x"}),
    ]:
        assert client.post(reverse(name, args=args), data).status_code == 403, name
    assert client.get("/admin/").status_code == 302  # not staff: the admin's login page
    assert database_fingerprint() == before
    from jianxi.accounts.models import ApiToken

    _, key = ApiToken.issue(user=world.finance, name="财政")
    client.logout()
    for url in ("/api/v1/hosts", "/api/v1/persons"):
        assert client.get(url, HTTP_AUTHORIZATION=f"Bearer {key}").status_code == 403, url
