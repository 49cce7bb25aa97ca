"""Year close (资金年度结算, issue #10 item 7): a claim deadline per policy year, then the close.

Today is 2024-04-10 (the subsidies conftest). The deadline is inclusive: on the deadline the
year's months can still be claimed, from the next day they cannot (``R-SUB-4.closed``).
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from jianxi.accounts.services import city_officer_group
from jianxi.core.errors import RuleError
from jianxi.placements.models import Attendance
from jianxi.subsidies import remaining, services, tasks, yearclose
from jianxi.subsidies.models import Claim, ClaimLine, ClaimStatus, FundYear
from tests.subsidies.conftest import TODAY, approved_claim, attend, make_agreement, paid_claim
from tests.subsidies.test_remaining_recovery import hired

pytestmark = pytest.mark.django_db


def straddling(world):
    """An internship from 2023-11-15 with attendance for Nov 2023 … Mar 2024."""
    agreement = make_agreement(world, start=date(2023, 11, 15), end=date(2024, 5, 14))
    for month in (date(2023, 11, 1), date(2023, 12, 1), date(2024, 1, 1), date(2024, 2, 1), date(2024, 3, 1)):
        attend(agreement, month)
    return agreement


def prepared_months(world, agreement) -> list[date]:
    claim = services.claim_prepare(
        actor=world.host_staff, host_id=world.our_host.pk, today=TODAY, agreement_ids=[agreement.pk]
    )
    return [] if claim is None else sorted(line.month for line in claim.lines.all())


def test_on_the_deadline_the_year_can_still_be_claimed(world):
    FundYear.objects.create(year=2023, claim_deadline=TODAY)
    months = prepared_months(world, straddling(world))
    assert months[:2] == [date(2023, 11, 1), date(2023, 12, 1)]
    assert len(months) == 5


def test_the_day_after_the_deadline_the_years_months_are_no_longer_drafted(world):
    FundYear.objects.create(year=2023, claim_deadline=TODAY - timedelta(days=1))
    assert prepared_months(world, straddling(world)) == [date(2024, 1, 1), date(2024, 2, 1), date(2024, 3, 1)]


def test_a_year_without_a_deadline_and_a_later_years_deadline_do_not_close_it(world):
    FundYear.objects.create(year=2024, claim_deadline=date(2024, 2, 1))  # 2024 closed, 2023 has no row
    assert prepared_months(world, straddling(world)) == [date(2023, 11, 1), date(2023, 12, 1)]


def test_the_monthly_run_skips_a_closed_years_months(world):
    FundYear.objects.create(year=2023, claim_deadline=date(2024, 3, 31))
    agreement = straddling(world)
    tasks.claim_run_now(actor=world.district_officer, today=TODAY)
    months = sorted(ClaimLine.objects.filter(agreement=agreement).values_list("month", flat=True))
    assert months == [date(2024, 1, 1), date(2024, 2, 1), date(2024, 3, 1)]


def test_a_draft_made_on_the_deadline_cannot_be_submitted_the_day_after_and_nothing_changes(world):
    FundYear.objects.create(year=2023, claim_deadline=TODAY)
    agreement = straddling(world)
    claim = services.claim_prepare(
        actor=world.host_staff, host_id=world.our_host.pk, today=TODAY, agreement_ids=[agreement.pk]
    )
    with time_machine.travel(TODAY + timedelta(days=1), tick=False), pytest.raises(RuleError) as refused:
        services.claim_submit(actor=world.host_staff, claim_id=claim.pk)
    assert refused.value.code == "R-SUB-4.closed"
    assert "2023 年度见习补贴已于 2024-04-10 截止申报" in refused.value.message
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.DRAFT and claim.submitted_at is None
    assert not Attendance.objects.filter(agreement=agreement, locked=True).exists()


def test_a_draft_of_open_months_only_is_submitted_after_another_years_deadline(world):
    FundYear.objects.create(year=2023, claim_deadline=date(2024, 3, 31))
    agreement = straddling(world)
    claim = services.claim_prepare(
        actor=world.host_staff, host_id=world.our_host.pk, today=TODAY, agreement_ids=[agreement.pk]
    )
    assert services.claim_submit(actor=world.host_staff, claim_id=claim.pk).status == ClaimStatus.SUBMITTED


@pytest.mark.parametrize(("deadline", "refused"), [(TODAY, False), (TODAY - timedelta(days=1), True)])
def test_a_remaining_period_of_a_closed_year_is_refused(world, deadline, refused):
    FundYear.objects.create(year=2023, claim_deadline=deadline)  # the remaining months are Aug–Sep 2023
    agreement = hired(world)
    create = lambda: remaining.remaining_claim_create(  # noqa: E731
        actor=world.host_staff, agreement_id=agreement.pk, employed_through=date(2023, 9, 30), today=TODAY
    )
    if refused:
        with pytest.raises(RuleError, match="截止申报") as err:
            create()
        assert err.value.code == "R-SUB-4.closed"
        assert not Claim.objects.exists()  # nothing half-done: no claim without lines
    else:
        assert create().lines.count() == 2


# --- the close ---------------------------------------------------------------------------------


def test_the_close_waits_for_the_day_after_the_deadline(world):
    FundYear.objects.create(year=2024, claim_deadline=TODAY)
    with pytest.raises(RuleError) as early:
        yearclose.year_close(actor=world.city, year=2024, today=TODAY)
    assert early.value.code == "year_close.early"
    closed = yearclose.year_close(actor=world.city, year=2024, today=TODAY + timedelta(days=1))
    assert closed.closed and closed.closed_by == world.city


def test_the_close_waits_for_claims_under_review_or_unpaid(world):
    claim = approved_claim(world)  # March 2024, approved, not paid
    FundYear.objects.create(year=2024, claim_deadline=date(2024, 4, 9))
    with pytest.raises(RuleError) as pending:
        yearclose.year_close(actor=world.city, year=2024, today=TODAY)
    assert pending.value.code == "year_close.pending"
    assert "尚有 1 份申报" in pending.value.message
    assert not FundYear.objects.get(year=2024).closed
    claim.status = ClaimStatus.REJECTED  # once nothing waits, the year closes
    claim.save()
    assert yearclose.year_close(actor=world.city, year=2024, today=TODAY).closed


def test_the_close_records_who_when_and_what_the_years_months_came_to(world):
    claim = paid_claim(world)  # one month, March 2024
    FundYear.objects.create(year=2024, claim_deadline=date(2024, 4, 9))
    closed = yearclose.year_close(actor=world.city, year=2024, today=TODAY)
    assert (closed.lines_approved, closed.approved, closed.paid) == (1, claim.approved_total, claim.approved_total)
    assert closed.approved > Decimal(0)
    assert closed.history.first().history_user == world.city
    assert closed.history.first().history_change_reason == "2024 年度资金结算"
    with pytest.raises(RuleError) as again:
        yearclose.year_close(actor=world.city, year=2024, today=TODAY)
    assert again.value.code == "year_close.closed"


def test_a_year_without_a_deadline_cannot_be_closed(world):
    with pytest.raises(RuleError) as refused:
        yearclose.year_close(actor=world.city, year=2023, today=TODAY)
    assert refused.value.code == "year_close.no_deadline"


def test_only_the_city_closes_a_year(world):
    FundYear.objects.create(year=2023, claim_deadline=date(2024, 2, 1))
    for actor in (world.district_officer, world.finance, world.host_staff, world.department_officer):
        with pytest.raises(RuleError) as refused:
            yearclose.year_close(actor=actor, year=2023, today=TODAY)
        assert refused.value.code == "duty.year.close"
    assert not FundYear.objects.get(year=2023).closed


def test_a_deadline_before_february_of_its_year_is_refused_by_the_form_check(world):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="2 月 1 日"):
        FundYear(year=2024, claim_deadline=date(2024, 1, 31)).full_clean()
    FundYear(year=2024, claim_deadline=date(2024, 2, 1)).full_clean()


# --- pages ---------------------------------------------------------------------------------------


def test_the_city_closes_a_year_on_its_page_after_confirming(client, world):
    paid_claim(world)
    FundYear.objects.create(year=2024, claim_deadline=date(2024, 4, 9))
    client.force_login(world.city)
    url = reverse("subsidies:year_close")
    unconfirmed = client.post(url, {"year": "2024"})
    assert unconfirmed.status_code == 400
    assert "请勾选确认后再结算" in unconfirmed.content.decode()
    assert not FundYear.objects.get(year=2024).closed
    done = client.post(url, {"year": "2024", "confirm": "on"}, follow=True)
    assert "2024 年度资金结算已办理：核准 1 个见习月" in done.content.decode()
    assert FundYear.objects.get(year=2024).closed
    again = client.post(url, {"year": "2024", "confirm": "on"})
    assert again.status_code == 400 and "不能重复结算" in again.content.decode()


def test_the_years_page_is_read_by_district_and_finance_and_refused_to_others(client, world):
    FundYear.objects.create(year=2023, claim_deadline=date(2024, 3, 31), source="京人社发〔2024〕1号")
    url = reverse("subsidies:years")
    for officer in (world.city, world.district_officer, world.finance):
        client.force_login(officer)
        page = client.get(url)
        assert page.status_code == 200
        assert "2024-03-31" in page.content.decode() and "已截止申报，待结算" in page.content.decode()
        assert (b"year-close-form" in page.content) == (officer == world.city)
        assert client.get(url, {"format": "xlsx"})["Content-Type"].startswith("application/vnd.openxmlformats")
    for outsider in (world.host_staff, world.youth, world.department_officer, world.university_officer):
        client.force_login(outsider)
        assert client.get(url).status_code == 403
    client.force_login(world.district_officer)
    assert client.post(reverse("subsidies:year_close"), {"year": "2023", "confirm": "on"}).status_code == 403
    assert not FundYear.objects.get(year=2023).closed


def test_the_years_page_runs_a_fixed_number_of_queries(client, world, django_assert_max_num_queries):
    client.force_login(world.city)
    for year in range(2015, 2024):
        FundYear.objects.create(year=year, claim_deadline=date(year + 1, 3, 31))
    paid_claim(world)
    with django_assert_max_num_queries(12):
        assert client.get(reverse("subsidies:years")).status_code == 200


@pytest.mark.parametrize(
    ("deadline", "closed", "says"),
    [
        (None, False, "本年度尚未设定申报截止日"),
        (date(2024, 12, 31), False, "申报截止日为 2024-12-31，逾期不再受理"),
        (date(2024, 4, 9), False, "已于 2024-04-09 截止，资金年度结算尚在办理"),
        (date(2024, 4, 9), True, "完成年度结算；本结算单为结算后的最终数"),
    ],
)
def test_the_statement_says_where_the_year_stands(client, world, deadline, closed, says):
    if deadline is not None:
        FundYear.objects.create(year=2024, claim_deadline=deadline)
    if closed:
        yearclose.year_close(actor=world.city, year=2024, today=TODAY)
    client.force_login(world.host_staff)
    page = client.get(reverse("subsidies:statement", args=[world.our_host.pk]), {"year": "2024"})
    assert says in page.content.decode()


def test_the_city_officer_may_set_deadlines_in_the_admin_but_not_the_close(client, world):
    world.city.is_staff = True
    world.city.save()
    world.city.groups.add(city_officer_group())
    client.force_login(world.city)
    added = client.post(
        reverse("admin:subsidies_fundyear_add"), {"year": "2023", "claim_deadline": "2024-03-31", "source": "通知"}
    )
    assert added.status_code == 302
    fund_year = FundYear.objects.get(year=2023)
    assert not fund_year.closed
    yearclose.year_close(actor=world.city, year=2023, today=TODAY)
    change = client.get(reverse("admin:subsidies_fundyear_change", args=[fund_year.pk]))
    assert b'name="claim_deadline"' not in change.content  # a closed year's deadline is history
