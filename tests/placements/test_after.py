"""Attendance (考勤), outcomes (R-IN-3), retention, certificate (R-IN-4) and follow-up (跟踪帮扶)."""

from __future__ import annotations

from datetime import date

import pytest
import time_machine
from django.urls import reverse

from jianxi.core.errors import RuleError
from jianxi.placements import attendance, outcomes, services
from jianxi.placements.models import AgreementStatus, Attendance
from tests.placements.conftest import accepted, terms

pytestmark = pytest.mark.django_db


@pytest.fixture
def active(world):
    app = accepted(world)
    agreement = services.agreement_create(actor=world.host_staff, application_id=app.pk, terms=terms())
    services.agreement_confirm(actor=world.host_staff, agreement_id=agreement.pk)
    return services.agreement_confirm(actor=world.youth, agreement_id=agreement.pk)


LATER = date(2027, 3, 10)  # December 2026 to March 2027 have begun
AFTER = date(2027, 6, 1)  # the agreement (to 2027-05-31) has ended


def end_(**kwargs):
    return outcomes.agreement_end(today=kwargs.pop("today", AFTER), **kwargs)


def test_grid_shows_the_official_working_days(active):
    grid = attendance.attendance_grid(agreement=active, today=LATER)
    assert [r.key for r in grid] == ["2026-12", "2027-01", "2027-02", "2027-03", "2027-04", "2027-05"]
    december = grid[0]
    assert (december.working_days, december.scheduled_days) == (23, 23)  # 1–31 Dec 2026, no holiday
    assert [r.open for r in grid] == [True, True, True, True, False, False]


def test_R_SUB_3_a_month_cannot_claim_more_days_than_scheduled(world, active):
    with pytest.raises(RuleError) as err:
        attendance.attendance_record(actor=world.host_staff, agreement_id=active.pk, days={"2026-12": 24}, today=LATER)
    assert err.value.code == "attendance" and "23" in err.value.message
    assert not Attendance.objects.exists()


def test_attendance_is_recorded_once_per_month_and_kept_in_history(world, active):
    assert (
        attendance.attendance_record(actor=world.host_staff, agreement_id=active.pk, days={"2026-12": 20}, today=LATER)
        == 1
    )
    assert (
        attendance.attendance_record(actor=world.host_staff, agreement_id=active.pk, days={"2026-12": 21}, today=LATER)
        == 1
    )
    record = Attendance.objects.get()
    assert record.attended_days == 21 and record.history.count() == 2


def test_future_months_and_months_outside_the_internship_are_refused(world, active):
    with pytest.raises(RuleError, match="尚未开始"):
        attendance.attendance_record(actor=world.host_staff, agreement_id=active.pk, days={"2027-05": 1}, today=LATER)
    with pytest.raises(RuleError, match="不在见习期内"):
        attendance.attendance_record(actor=world.host_staff, agreement_id=active.pk, days={"2027-08": 1}, today=LATER)


def test_a_locked_month_changes_only_after_an_officer_reopens_it(world, active):
    attendance.attendance_record(actor=world.host_staff, agreement_id=active.pk, days={"2026-12": 20}, today=LATER)
    attendance.attendance_lock(
        actor=world.host_staff, months={active.pk: [date(2026, 12, 1)]}, reason="随补贴申报提交锁定"
    )
    with pytest.raises(RuleError) as err:
        attendance.attendance_record(actor=world.host_staff, agreement_id=active.pk, days={"2026-12": 22}, today=LATER)
    assert err.value.code == "attendance.locked"
    with pytest.raises(RuleError):
        attendance.attendance_reopen(
            actor=world.host_staff, agreement_id=active.pk, month=date(2026, 12, 1), reason="x"
        )
    record = attendance.attendance_reopen(
        actor=world.district_officer, agreement_id=active.pk, month=date(2026, 12, 1), reason="单位填报有误"
    )
    assert record.history.first().history_change_reason == "重新开放：单位填报有误"
    attendance.attendance_record(actor=world.host_staff, agreement_id=active.pk, days={"2026-12": 22}, today=LATER)


def test_only_the_host_records_and_other_hosts_cannot(world, active):
    with pytest.raises(RuleError):
        attendance.attendance_record(actor=world.district_officer, agreement_id=active.pk, days={}, today=LATER)
    from django.http import Http404

    with pytest.raises(Http404):
        attendance.attendance_record(actor=world.other_host_staff, agreement_id=active.pk, days={}, today=LATER)


def test_attendance_page_grid_saves_through_http(client, world, active):
    with time_machine.travel(LATER, tick=False):
        client.force_login(world.host_staff)  # inside: a session from November has expired by March
        client.post(reverse("placements:attendance", args=[active.pk]), {"att-2026-12": "19", "att-2027-01": ""})
    assert list(Attendance.objects.values_list("attended_days", flat=True)) == [19]


# --- outcomes -------------------------------------------------------------------------------------


def test_R_IN_3_early_hire_records_the_contract_and_counts_as_retained(world, active):
    ending = outcomes.Ending(
        outcome="hired",
        ended_on=date(2027, 2, 28),
        contract_start=date(2027, 3, 1),
        contract_months=12,
        insured_months=("2027-03", "2027-04"),
    )
    agreement = end_(actor=world.host_staff, agreement_id=active.pk, ending=ending)
    assert (agreement.status, agreement.retained, agreement.insured_months) == (
        AgreementStatus.ENDED,
        True,
        "2027-03,2027-04",
    )
    assert len(agreement.certificate_code) == 10


def test_R_IN_3_early_termination_needs_a_reason_and_hire_needs_a_contract(world, active):
    with pytest.raises(RuleError) as err:
        end_(actor=world.host_staff, agreement_id=active.pk, ending=outcomes.Ending("terminated", date(2027, 2, 28)))
    assert err.value.field == "reason"
    with pytest.raises(RuleError) as err:
        end_(actor=world.host_staff, agreement_id=active.pk, ending=outcomes.Ending("hired", date(2027, 2, 28)))
    assert err.value.field == "contract_start"
    with pytest.raises(RuleError) as err:
        end_(actor=world.host_staff, agreement_id=active.pk, ending=outcomes.Ending("completed", date(2027, 2, 28)))
    assert err.value.field == "ended_on"


def test_retention_rate_is_retained_over_ended_per_host_and_overall(world, active):
    end_(actor=world.host_staff, agreement_id=active.pk, ending=outcomes.Ending("completed", active.end))
    from jianxi.placements.models import Agreement

    assert outcomes.retention_rates(Agreement.objects.all())[None].rate == 0.0
    outcomes.agreement_retention(actor=world.host_staff, agreement_id=active.pk, retained=True)
    rates = outcomes.retention_rates(Agreement.objects.all(), by="host")
    assert rates[world.our_host.pk].rate == 1.0 and rates[world.our_host.pk].ended == 1


def test_R_EL_5_an_early_end_frees_the_rest_of_the_period(world, active):
    end_(
        actor=world.host_staff,
        agreement_id=active.pk,
        ending=outcomes.Ending("terminated", date(2027, 1, 31), reason="个人原因"),
    )
    from tests.factories import PostFactory

    second = accepted(world, post=PostFactory(host=world.other_host))
    agreement = services.agreement_create(
        actor=world.other_host_staff,
        application_id=second.pk,
        terms=terms(start=date(2027, 2, 1), end=date(2027, 7, 31), training_date=date(2027, 2, 1)),
    )
    assert agreement.subsidy_eligible is False  # R-EL-6: the first one was subsidised


# --- certificate (R-IN-4) and follow-up ----------------------------------------------------------


def test_R_IN_4_certificate_of_a_grassroots_base_states_the_grassroots_experience(client, world, active):
    world.our_host.grassroots_base = True
    world.our_host.save()
    agreement = end_(actor=world.host_staff, agreement_id=active.pk, ending=outcomes.Ending("completed", active.end))
    client.force_login(world.youth)
    page = client.get(reverse("placements:certificate", args=[agreement.pk])).content.decode()
    assert "视同基层工作经历，自报到之日（2026年12月1日）起算" in page and agreement.certificate_code in page
    client.logout()
    verified = client.get(reverse("placements:verify"), {"code": agreement.certificate_code.lower()}).content.decode()
    assert "证明真实有效" in verified and world.our_person.id_number not in verified
    assert "未找到" in client.get(reverse("placements:verify"), {"code": "XXXXXXXXXX"}).content.decode()


def test_certificate_without_grassroots_base_has_no_grassroots_sentence(client, world, active):
    agreement = end_(actor=world.host_staff, agreement_id=active.pk, ending=outcomes.Ending("completed", active.end))
    client.force_login(world.host_staff)
    assert "基层工作经历" not in client.get(reverse("placements:certificate", args=[agreement.pk])).content.decode()


def test_follow_up_list_holds_those_not_retained_and_records_services(client, world, active):
    agreement = end_(actor=world.host_staff, agreement_id=active.pk, ending=outcomes.Ending("completed", active.end))
    client.force_login(world.district_officer)
    assert world.our_person.name not in client.get(reverse("placements:follow_ups")).content.decode()
    outcomes.agreement_retention(actor=world.host_staff, agreement_id=agreement.pk, retained=False)
    assert world.our_person.name in client.get(reverse("placements:follow_ups")).content.decode()
    client.post(
        reverse("placements:follow_up", args=[agreement.pk]),
        {"served_on": "2027-06-10", "kind": "guidance", "later_status": "seeking", "note": "推荐3个岗位"},
    )
    assert agreement.follow_ups.get().officer == world.district_officer
    client.force_login(world.other_district_officer)
    assert client.get(reverse("placements:follow_up", args=[agreement.pk])).status_code == 404
    assert world.our_person.name not in client.get(reverse("placements:follow_ups")).content.decode()


def test_home_pages_show_the_retention_rate_computed_from_agreements(
    client, world, active, django_capture_on_commit_callbacks
):
    # The officers' figure comes from the statistics aggregates, refreshed after each commit.
    with django_capture_on_commit_callbacks(execute=True):
        end_(actor=world.host_staff, agreement_id=active.pk, ending=outcomes.Ending("completed", active.end))
    with django_capture_on_commit_callbacks(execute=True):
        outcomes.agreement_retention(actor=world.host_staff, agreement_id=active.pk, retained=True)
    client.force_login(world.host_staff)
    assert "已结束 1 人，留用 1 人（100%）" in client.get("/").content.decode()
    client.force_login(world.district_officer)
    page = client.get("/").content.decode()
    assert "100%" in page and "留用 1 / 结束 1" in page
    client.force_login(world.other_district_officer)
    assert "留用 0 / 结束 0" in client.get("/").content.decode()


def test_person_page_shows_eligibility_with_reasons(client, world):
    world.our_person.beijing_origin = False
    world.our_person.save()
    client.force_login(world.district_officer)
    page = client.get(reverse("youth:detail", args=[world.our_person.pk])).content.decode()
    assert 'data-testid="person-eligibility"' in page and "R-EL-1.origin" in page


def test_R_IN_4_an_end_cannot_be_recorded_before_it_has_happened(world, active):
    with pytest.raises(RuleError) as err:
        end_(
            actor=world.host_staff, agreement_id=active.pk, ending=outcomes.Ending("completed", active.end), today=LATER
        )
    assert err.value.field == "ended_on"


def test_R_IN_3_an_early_end_must_leave_recorded_attendance_inside_the_internship(world, active):
    attendance.attendance_record(actor=world.host_staff, agreement_id=active.pk, days={"2027-01": 18}, today=LATER)
    early = outcomes.Ending("terminated", date(2026, 12, 31), reason="个人原因")
    with pytest.raises(RuleError, match="之后的月份已有考勤"):
        end_(actor=world.host_staff, agreement_id=active.pk, ending=early)
    # 1–12 Jan 2027 holds 8 working days (1 Jan is New Year's Day): 18 attended days no longer fit.
    with pytest.raises(RuleError, match="超过提前结束后该月的"):
        end_(
            actor=world.host_staff,
            agreement_id=active.pk,
            ending=outcomes.Ending("terminated", date(2027, 1, 12), reason="个人原因"),
        )


def test_a_district_officer_reopens_a_locked_month_on_the_page_with_a_reason(client, world, active):
    attendance.attendance_record(actor=world.host_staff, agreement_id=active.pk, days={"2026-12": 20}, today=LATER)
    attendance.attendance_lock(
        actor=world.host_staff, months={active.pk: [date(2026, 12, 1)]}, reason="随补贴申报提交锁定"
    )
    client.force_login(world.district_officer)
    url = reverse("placements:attendance_reopen", args=[active.pk])
    client.post(url, {"month": "2026-12", "reason": ""})
    assert Attendance.objects.get().locked  # no reason, no reopening
    client.post(url, {"month": "2026-12", "reason": "单位申请更正"})
    record = Attendance.objects.get()
    assert not record.locked and record.history.first().history_user == world.district_officer
    client.force_login(world.other_district_officer)
    assert client.post(url, {"month": "2026-12", "reason": "x"}).status_code in (302, 404)
    client.force_login(world.host_staff)
    assert client.post(url, {"month": "2026-12", "reason": "x"}).status_code == 403


def test_the_grid_says_when_the_calendar_does_not_know_a_year(client, world):
    app = accepted(world)
    agreement = services.agreement_create(
        actor=world.host_staff,
        application_id=app.pk,
        terms=terms(start=date(2026, 12, 1), end=date(2027, 5, 31)),
    )
    grid = attendance.attendance_grid(agreement=agreement, today=LATER)
    assert [row.covered for row in grid] == [True, False, False, False, False, False]  # the package stops at 2026
    client.force_login(world.host_staff)
    assert "日历未收录" in client.get(reverse("placements:attendance", args=[agreement.pk])).content.decode()
