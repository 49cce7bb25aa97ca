"""Recoveries say what they are (R-SUB-6, issue #12 item 8): an overpayment (多发, an honest error:
recovered, no sanction) or fraud (骗取套取: the unit barred for a period or for good, and the case
referred — 移送 — with whom, when and by whom), on the pages, the statement and the ledger."""

from __future__ import annotations

import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.http import Http404
from django.urls import reverse
from openpyxl import load_workbook

from jianxi.core.errors import RuleError
from jianxi.hosts import services as host_services
from jianxi.hosts.models import Host, HostStatus
from jianxi.subsidies import recovery, selectors
from jianxi.subsidies.models import LedgerEntry, Recovery, RecoveryKind
from tests.subsidies.conftest import TODAY, paid_claim

pytestmark = pytest.mark.django_db


def order(world, claim, **kwargs) -> Recovery:
    values = {"amount": Decimal("500"), "reason": "考勤不实", "today": TODAY}
    values.update(kwargs)
    return recovery.recovery_create(
        actor=world.district_officer, host_id=world.our_host.pk, claim_ids=[claim.pk], **values
    )


def host(world) -> Host:
    return Host.objects.get(pk=world.our_host.pk)


def repay(world, recovery_order: Recovery, amount: str, reference: str) -> None:
    recovery.repayment_record(
        actor=world.district_officer,
        recovery_id=recovery_order.pk,
        amount=Decimal(amount),
        paid_on=TODAY,
        reference=reference,
    )


def test_an_overpayment_is_recovered_without_sanction(world):
    made = order(world, paid_claim(world), kind=RecoveryKind.OVERPAID, reason="工作日计算有误，多发")
    assert (made.kind, made.bar_until, made.referred_to) == ("overpaid", None, "")
    assert host(world).status == HostStatus.APPROVED


@pytest.mark.parametrize(
    "extra",
    [{"bar": True}, {"bar_until": TODAY + timedelta(days=30)}, {"referred_to": "公安机关", "referred_on": TODAY}],
)
def test_an_overpayment_refuses_a_bar_or_a_referral(world, extra):
    with pytest.raises(RuleError) as err:
        order(world, paid_claim(world), kind=RecoveryKind.OVERPAID, **extra)
    assert err.value.code == "R-SUB-6.overpaid"
    assert not Recovery.objects.exists() and host(world).status == HostStatus.APPROVED


def test_without_a_kind_a_bar_means_fraud_and_no_bar_an_overpayment(world):
    claim = paid_claim(world)
    assert order(world, claim, amount=Decimal("100"), bar=False).kind == RecoveryKind.OVERPAID
    fraud = order(world, claim, amount=Decimal("100"), bar=True)
    assert fraud.kind == RecoveryKind.FRAUD and fraud.bar_until is None
    assert host(world).barred_for_good


def test_fraud_bars_for_a_period_that_ends_after_its_last_day(world):
    last_day = TODAY + timedelta(days=365)
    fraud = order(
        world,
        paid_claim(world),
        kind=RecoveryKind.FRAUD,
        bar_until=last_day,
        referred_to="北京市公安局海淀分局",
        referred_on=TODAY,
    )
    assert (fraud.referred_to, fraud.referred_on, fraud.referred_by) == (
        "北京市公安局海淀分局",
        TODAY,
        world.district_officer,
    )
    barred = host(world)
    assert (barred.status, barred.barred_until) == (HostStatus.BARRED, last_day)
    with pytest.raises(RuleError) as err:
        host_services.host_review(actor=world.district_officer, host_id=barred.pk, action="reinstate", today=last_day)
    assert err.value.code == "R-SUB-6.bar" and str(last_day) in err.value.message
    assert host_services.bars_lift(today=last_day) == []  # the last day is still barred
    assert [h.pk for h in host_services.bars_lift(today=last_day + timedelta(days=1))] == [barred.pk]
    lifted = host(world)
    assert (lifted.status, lifted.barred_until) == (HostStatus.APPROVED, None)


def test_the_district_may_reinstate_once_a_period_is_over(world):
    order(world, paid_claim(world), kind=RecoveryKind.FRAUD, bar_until=TODAY)
    after = TODAY + timedelta(days=1)
    reinstated = host_services.host_review(
        actor=world.district_officer, host_id=world.our_host.pk, action="reinstate", today=after
    )
    assert reinstated.status == HostStatus.APPROVED


def test_fraud_for_good_is_never_lifted(world):
    order(world, paid_claim(world), kind=RecoveryKind.FRAUD)
    far = TODAY + timedelta(days=3650)
    assert host_services.bars_lift(today=far) == []
    with pytest.raises(RuleError) as err:
        host_services.host_review(
            actor=world.district_officer, host_id=world.our_host.pk, action="reinstate", today=far
        )
    assert "永久禁入" in err.value.message


def test_a_bar_cannot_end_before_today(world):
    with pytest.raises(RuleError) as err:
        order(world, paid_claim(world), kind=RecoveryKind.FRAUD, bar_until=TODAY - timedelta(days=1))
    assert err.value.field == "bar_until"
    assert order(world, paid_claim(world), kind=RecoveryKind.FRAUD, bar_until=TODAY).bar_until == TODAY


def test_the_referral_is_recorded_later_and_not_before_it_happens(world):
    first, second = paid_claim(world), paid_claim(world)  # paid before the bar stops the unit's claims
    overpaid = order(world, second, kind=RecoveryKind.OVERPAID)
    fraud = order(world, first, kind=RecoveryKind.FRAUD)
    with pytest.raises(RuleError) as err:
        recovery.recovery_refer(
            actor=world.district_officer,
            recovery_id=fraud.pk,
            referred_to="公安机关",
            referred_on=TODAY + timedelta(days=1),
            today=TODAY,
        )
    assert err.value.field == "referred_on"
    with pytest.raises(RuleError) as err:
        recovery.recovery_refer(
            actor=world.host_staff, recovery_id=fraud.pk, referred_to="公安机关", referred_on=TODAY, today=TODAY
        )
    assert err.value.code == "duty.recovery"
    with pytest.raises(Http404):
        recovery.recovery_refer(
            actor=world.other_district_officer,
            recovery_id=fraud.pk,
            referred_to="公安机关",
            referred_on=TODAY,
            today=TODAY,
        )
    done = recovery.recovery_refer(
        actor=world.district_officer, recovery_id=fraud.pk, referred_to="公安机关", referred_on=TODAY, today=TODAY
    )
    assert (done.referred_to, done.referred_on, done.referred_by) == ("公安机关", TODAY, world.district_officer)
    assert done.history.first().history_change_reason == "移送公安机关"
    with pytest.raises(RuleError) as err:
        recovery.recovery_refer(
            actor=world.district_officer,
            recovery_id=overpaid.pk,
            referred_to="公安机关",
            referred_on=TODAY,
            today=TODAY,
        )
    assert err.value.code == "R-SUB-6.overpaid"


def test_the_database_refuses_an_overpayment_with_a_sanction(world):
    made = order(world, paid_claim(world), kind=RecoveryKind.OVERPAID)
    made.bar_until = TODAY
    with pytest.raises(IntegrityError), transaction.atomic():
        made.save()


def test_the_ledger_and_the_statement_split_recoveries_by_kind(client, world):
    overpaid = order(world, paid_claim(world), kind=RecoveryKind.OVERPAID, amount=Decimal("300"))
    fraud = order(world, paid_claim(world), kind=RecoveryKind.FRAUD, amount=Decimal("800"))
    repay(world, overpaid, "300.00", "JH-1")
    repay(world, fraud, "500.00", "JH-2")
    totals = selectors.ledger_totals(LedgerEntry.objects.filter(host=world.our_host))
    assert (totals["recovered"], totals["recovered_overpaid"], totals["recovered_fraud"]) == (
        Decimal("800.00"),
        Decimal("300.00"),
        Decimal("500.00"),
    )
    client.force_login(world.district_officer)
    ledger = client.get(reverse("subsidies:ledger"), {"year": 2024})
    page = ledger.content.decode()
    assert 'data-testid="total-recovered-kinds"' in page and "多发 300.00" in page and "骗取套取 500.00" in page
    assert page.count('data-testid="recovery-kind"') == 2
    export = client.get(reverse("subsidies:ledger"), {"year": 2024, "format": "xlsx"})
    rows = list(load_workbook(io.BytesIO(export.content))["资金台账"].iter_rows(values_only=True))
    kind_column = rows[0].index("追回性质")
    assert {row[kind_column] for row in rows[1:] if row[kind_column]} == {
        "多发（非主观过错，不予处罚）",
        "骗取套取",
    }
    statement = client.get(reverse("subsidies:statement", args=[world.our_host.pk]), {"year": 2024})
    assert statement.context["totals"]["recovered_fraud"] == Decimal("500.00")
    text = statement.content.decode()
    assert 'data-testid="st-recoveries"' in text and "永久禁入" in text and "待移送" in text and "不禁入" in text


def test_the_pages_make_a_fraud_order_with_its_bar_and_referral(client, world):
    claim = paid_claim(world)
    client.force_login(world.district_officer)
    url = reverse("subsidies:recovery_create", args=[world.our_host.pk])
    refused = client.post(
        url,
        {"claim": [claim.pk], "amount": "500.00", "reason": "多发", "kind": "overpaid", "bar_until": "2025-04-10"},
    )
    assert refused.status_code == 200 and "不禁入单位" in refused.content.decode()
    response = client.post(
        url,
        {
            "claim": [claim.pk],
            "amount": "500.00",
            "reason": "虚构见习人员",
            "kind": "fraud",
            "bar_until": "2025-04-10",
            "referred_to": "北京市公安局海淀分局",
            "referred_on": "2024-04-09",
        },
    )
    made = Recovery.objects.get()
    assert response.url == reverse("subsidies:recovery", args=[made.pk])
    page = client.get(response.url).content.decode()
    assert "骗取套取" in page and "禁入至 2025-04-10" in page and "2024-04-09 移送北京市公安局海淀分局" in page
    detail = client.get(reverse("hosts:detail", args=[world.our_host.pk])).content.decode()
    assert 'data-testid="bar-period"' in detail and "至 2025-04-10" in detail
    listing = client.get(reverse("subsidies:recoveries")).content.decode()
    assert "骗取套取" in listing


def test_the_referral_form_on_the_page(client, world):
    fraud = order(world, paid_claim(world), kind=RecoveryKind.FRAUD)
    url = reverse("subsidies:recovery", args=[fraud.pk])
    client.force_login(world.host_staff)
    form = {"action": "refer", "referred_to": "公安机关", "referred_on": "2024-04-10"}
    assert client.post(url, form).status_code in (403, 404)
    client.force_login(world.district_officer)
    assert 'data-testid="referral-form"' in client.get(url).content.decode()
    client.post(url, form)
    fraud.refresh_from_db()
    assert (fraud.referred_to, fraud.referred_on) == ("公安机关", date(2024, 4, 10))
    assert 'data-testid="referral-form"' not in client.get(url).content.decode()
