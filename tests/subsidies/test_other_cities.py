"""R-SUB-8 in claims: a city whose formula differs (Gansu's retention tiers, Shenzhen's cap by the
allowance paid) claims on the same code by changing policy data; the claim, the claim run and the
review all compute it the same way."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from jianxi.core.errors import RuleError
from jianxi.placements.attendance import attendance_record
from jianxi.placements.imports import AGREEMENT, ATTENDED, MONTH, NAME, PAID, attendance_import, read_sheet
from jianxi.placements.models import AgreementStatus, Attendance, Outcome
from jianxi.policy.models import CityPolicy, RetentionTier
from jianxi.policy.selectors import invalidate
from jianxi.subsidies import selectors, services
from jianxi.subsidies.models import ClaimLine
from jianxi.subsidies.run import claim_run
from tests.factories import PersonFactory, UserFactory
from tests.placements.test_attendance_import import xlsx
from tests.subsidies.conftest import TODAY, attend, make_agreement

pytestmark = pytest.mark.django_db


@pytest.fixture
def gansu_tiers(db):
    """Gansu: ≥50 % retained → 1,200 a month, ≥60 % → 1,350, ≥70 % → 1,500 (R-SUB-8)."""
    policy = CityPolicy.objects.get()
    for share, amount in (("0.5", "1200"), ("0.6", "1350"), ("0.7", "1500")):
        RetentionTier.objects.create(policy=policy, min_retention=Decimal(share), amount=Decimal(amount))


def ended(world, *, retained: bool):
    """An internship of our host that ended before 2024, retained or not."""
    agreement = make_agreement(
        world, person=PersonFactory(user=UserFactory(role="youth")), start=date(2023, 3, 1), end=date(2023, 8, 31)
    )
    agreement.status, agreement.outcome, agreement.ended_on = AgreementStatus.ENDED, Outcome.COMPLETED, agreement.end
    agreement.retained = retained
    agreement.save()
    return agreement


def march_claimed(world):
    agreement = make_agreement(world)
    attend(agreement, date(2024, 3, 1))
    return agreement


def test_R_SUB_8_a_host_that_retained_half_its_interns_claims_the_first_tier(world, gansu_tiers):
    ended(world, retained=True)
    ended(world, retained=False)
    march_claimed(world)
    claim = services.claim_prepare(actor=world.host_staff, host_id=world.our_host.pk, today=TODAY)
    line = claim.lines.get()
    assert (line.rate, line.amount) == (Decimal("1200.00"), Decimal("1200.00"))
    assert "R-SUB-8.tier" in line.rules.split()


def test_R_SUB_8_below_the_lowest_tier_or_with_nobody_ended_the_base_standard_applies(world, gansu_tiers):
    march_claimed(world)
    first = services.claim_prepare(actor=world.host_staff, host_id=world.our_host.pk, today=TODAY).lines.get()
    assert (first.rate, first.rules) == (Decimal("2420.00"), "R-SUB-1 R-SUB-3")  # nobody ended yet
    ended(world, retained=False)
    later = make_agreement(world, person=PersonFactory(user=UserFactory(role="youth")))
    attend(later, date(2024, 3, 1))
    second = services.claim_prepare(actor=world.host_staff, host_id=world.our_host.pk, today=TODAY).lines.get()
    assert second.rate == Decimal("2420.00")  # 0 % retained


def test_R_SUB_8_the_claim_run_applies_each_hosts_own_tier(world, gansu_tiers):
    for retained in (True, True, False):  # 2 of 3: the 60 % tier
        ended(world, retained=retained)
    ours = march_claimed(world)
    theirs = make_agreement(world, host=world.other_host, person=PersonFactory(user=UserFactory(role="youth")))
    attend(theirs, date(2024, 3, 1))
    claim_run(operator=world.city, today=TODAY)
    assert ClaimLine.objects.get(agreement=ours).amount == Decimal("1350.00")
    assert ClaimLine.objects.get(agreement=theirs).amount == Decimal("2420.00")


def test_R_SUB_8_the_review_recomputes_with_the_retention_rate_at_approval(world, gansu_tiers):
    ended(world, retained=True)
    ended(world, retained=False)
    march_claimed(world)
    claim = services.claim_prepare(actor=world.host_staff, host_id=world.our_host.pk, today=TODAY)
    services.claim_submit(actor=world.host_staff, claim_id=claim.pk)
    ended(world, retained=True)  # 2 of 3 by the time the officer reviews: the 60 % tier
    line = claim.lines.get()
    assert selectors.claim_differences(claim, TODAY) == {line.pk: Decimal("150.00")}
    approved = services.claim_review(
        actor=world.district_officer, claim_id=claim.pk, review=services.Review(approve=True), today=TODAY
    )
    assert approved.approved_total == Decimal("1350.00")


# --- capped by the allowance the host paid (Shenzhen) ---------------------------------------------


@pytest.fixture
def capped(db):
    """The subsidy may not exceed what the host paid the intern that month (R-SUB-8)."""
    CityPolicy.objects.update(cap_by_paid=True)
    invalidate()  # .update() sends no signal


def test_R_SUB_8_the_attendance_grid_asks_for_the_allowance_paid_only_where_it_caps_the_subsidy(client, world, capped):
    agreement = make_agreement(world)
    client.force_login(world.host_staff)
    url = reverse("placements:attendance", args=[agreement.pk])
    assert 'name="paid-2024-03"' in client.get(url).content.decode()
    response = client.post(url, {"att-2024-03": "21", "paid-2024-03": "1,800.50"})
    assert response.status_code == 302
    assert Attendance.objects.get(agreement=agreement).allowance_paid == Decimal("1800.50")
    CityPolicy.objects.update(cap_by_paid=False)
    invalidate()
    assert 'name="paid-2024-03"' not in client.get(url).content.decode()


def test_R_SUB_8_a_wrong_allowance_is_refused_naming_the_month_and_nothing_changes(client, world, capped):
    agreement = make_agreement(world)
    attend(agreement, date(2024, 3, 1))
    for bad, words in (("-1", "0 至 100000 元"), ("1800.555", "最多两位小数"), ("1e999999", "0 至 100000 元")):
        with pytest.raises(RuleError) as err:
            attendance_record(
                actor=world.host_staff,
                agreement_id=agreement.pk,
                days={},
                allowances={"2024-03": Decimal(bad)},
                today=TODAY,
            )
        assert err.value.field == "allowance_paid" and "2024-03" in err.value.message and words in err.value.message
    assert Attendance.objects.get(agreement=agreement).allowance_paid is None
    client.force_login(world.host_staff)
    url = reverse("placements:attendance", args=[agreement.pk])
    page = client.post(url, {"att-2024-03": "21", "paid-2024-03": "一千"}).content.decode()
    assert "实发生活费须为金额" in page and 'value="一千"' in page  # what was typed stays on the page


def test_R_SUB_8_a_month_claims_no_more_than_the_allowance_paid(world, capped):
    agreement = make_agreement(world)
    attend(agreement, date(2024, 2, 1))
    attend(agreement, date(2024, 3, 1))
    attendance_record(
        actor=world.host_staff,
        agreement_id=agreement.pk,
        days={},
        allowances={"2024-02": Decimal("3000"), "2024-03": Decimal("1800")},
        today=TODAY,
    )
    claim = services.claim_prepare(actor=world.host_staff, host_id=world.our_host.pk, today=TODAY)
    february, march = claim.lines.order_by("month")
    assert (february.city, "R-SUB-8.cap" in february.rules) == (Decimal("2420.00"), False)
    assert (march.city, "R-SUB-8.cap" in march.rules) == (Decimal("1800.00"), True)
    services.claim_discard(actor=world.host_staff, claim_id=claim.pk)
    claim_run(operator=world.city, today=TODAY)
    assert sorted(ClaimLine.objects.values_list("city", flat=True)) == [Decimal("1800.00"), Decimal("2420.00")]


def test_R_SUB_8_without_the_allowance_paid_the_month_is_not_claimed_and_the_rule_says_why(world, capped):
    agreement = make_agreement(world)
    attend(agreement, date(2024, 3, 1))
    with pytest.raises(RuleError) as err:
        services.claim_prepare(actor=world.host_staff, host_id=world.our_host.pk, today=TODAY)
    assert err.value.code == "R-SUB-8.cap" and "2024-03" in err.value.message
    result = claim_run(operator=world.city, today=TODAY)
    assert result.lines == 0 and [(p.agreement_id, p.code) for p in result.problems] == [(agreement.pk, "R-SUB-8.cap")]


def test_R_SUB_8_the_attendance_import_records_the_allowance_paid_and_older_files_keep_it(world, capped):
    agreement = make_agreement(world)
    common = {AGREEMENT: f"JX-{agreement.pk}", NAME: agreement.person.name, MONTH: "2024-03", ATTENDED: 21}
    report = attendance_import(
        actor=world.host_staff,
        rows=read_sheet(xlsx([{**common, PAID: "1800.50"}])),
        import_valid_rows=False,
        today=TODAY,
    )
    assert (report.created, report.errors) == (1, [])
    assert Attendance.objects.get(agreement=agreement).allowance_paid == Decimal("1800.50")
    older = xlsx(
        [{**common, ATTENDED: 20}], headers=[AGREEMENT, NAME, MONTH, ATTENDED]
    )  # a template without the column
    report = attendance_import(actor=world.host_staff, rows=read_sheet(older), import_valid_rows=False, today=TODAY)
    record = Attendance.objects.get(agreement=agreement)
    assert (report.updated, record.attended_days, record.allowance_paid) == (1, 20, Decimal("1800.50"))


def test_R_SUB_8_an_allowance_with_fractions_of_a_fen_is_a_row_error_and_nothing_is_recorded(world, capped):
    agreement = make_agreement(world)
    row = {AGREEMENT: f"JX-{agreement.pk}", NAME: agreement.person.name, MONTH: "2024-03", ATTENDED: 21, PAID: 1800.555}
    report = attendance_import(
        actor=world.host_staff, rows=read_sheet(xlsx([row])), import_valid_rows=False, today=TODAY
    )
    assert [(e.row, e.column) for e in report.errors] == [(2, PAID)]
    assert "精确到分" in report.errors[0].message and not Attendance.objects.exists()
