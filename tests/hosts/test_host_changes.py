"""Privileged host fields (issue #12, item 4): an approved unit's name, credit code, type,
recruiting department and 基层实习见习基地 flag change only through its district's review; a new
recruiting department confirms the attribution first; the certificate (R-IN-4) follows only the
reviewed flag."""

from __future__ import annotations

import pytest
from django.http import Http404
from django.urls import reverse

from jianxi.core.errors import RuleError
from jianxi.core.models import Notification
from jianxi.hosts import services
from jianxi.hosts.models import Host, HostChange, HostChangeStatus, HostStatus
from jianxi.placements.models import AgreementStatus
from jianxi.policy.models import Department, District
from tests.factories import department, make_credit_code
from tests.subsidies.conftest import make_agreement

pytestmark = pytest.mark.django_db


def ask(world, **fields) -> Host:
    return services.host_update(actor=world.host_staff, host_id=world.our_host.pk, **fields)


def host(world) -> Host:
    return Host.objects.get(pk=world.our_host.pk)


def pending(world) -> HostChange:
    return HostChange.objects.get(host=world.our_host, status=HostChangeStatus.PENDING)


def ended_agreement(world):
    agreement = make_agreement(world)
    agreement.status, agreement.outcome, agreement.ended_on = AgreementStatus.ENDED, "completed", agreement.end
    agreement.certificate_code = "ABCDEFGH23"
    agreement.save()
    return agreement


def test_a_grassroots_tick_waits_for_review_and_the_certificate_follows_only_the_reviewed_value(
    client, world, django_capture_on_commit_callbacks
):
    assert world.our_host.status == HostStatus.APPROVED and not world.our_host.grassroots_base
    agreement = ended_agreement(world)
    with django_capture_on_commit_callbacks(execute=True):
        ask(world, grassroots_base=True)
    assert host(world).grassroots_base is False  # the old value stays in force
    assert pending(world).after == {"grassroots_base": True}
    assert Notification.objects.filter(user=world.district_officer, message__contains="基层实习见习基地").exists()
    client.force_login(world.host_staff)
    certificate = reverse("placements:certificate", args=[agreement.pk])
    assert 'data-testid="grassroots"' not in client.get(certificate).content.decode()
    page = client.get(reverse("hosts:detail", args=[world.our_host.pk])).content.decode()
    assert 'data-testid="pending-change"' in page and "待审核" in page
    assert 'data-testid="change-review"' not in page  # the unit does not review itself

    services.host_change_review(actor=world.district_officer, host_id=world.our_host.pk, approve=True)
    assert host(world).grassroots_base is True
    assert 'data-testid="grassroots"' in client.get(certificate).content.decode()
    assert HostChange.objects.get().status == HostChangeStatus.APPROVED


def test_a_rejected_change_needs_a_reason_keeps_the_old_values_and_tells_the_unit(
    world, django_capture_on_commit_callbacks
):
    ask(world, name="新名称有限公司", host_type="state_owned")
    with pytest.raises(RuleError) as err:
        services.host_change_review(actor=world.district_officer, host_id=world.our_host.pk, approve=False)
    assert err.value.field == "reason"
    with django_capture_on_commit_callbacks(execute=True):
        services.host_change_review(
            actor=world.district_officer, host_id=world.our_host.pk, approve=False, reason="营业执照未变更"
        )
    fresh = host(world)
    assert (fresh.name, fresh.host_type) == (world.our_host.name, world.our_host.host_type)
    change = HostChange.objects.get()
    assert (change.status, change.reason, change.reviewed_by) == (
        HostChangeStatus.REJECTED,
        "营业执照未变更",
        world.district_officer,
    )
    assert Notification.objects.filter(user=world.host_staff, message__contains="营业执照未变更").exists()


def test_the_unit_cannot_approve_its_own_change_and_another_district_cannot_review_it(world):
    ask(world, grassroots_base=True)
    with pytest.raises(RuleError) as err:
        services.host_change_review(actor=world.host_staff, host_id=world.our_host.pk, approve=True)
    assert err.value.code == "duty.host.change_review"
    with pytest.raises(Http404):
        services.host_change_review(actor=world.other_district_officer, host_id=world.our_host.pk, approve=True)
    with pytest.raises(RuleError) as err:
        services.host_change_review(actor=world.city, host_id=world.our_host.pk, approve=True)
    assert err.value.code == "duty.host.change_review"
    assert host(world).grassroots_base is False and pending(world)


def test_the_pages_refuse_the_unit_and_hide_the_host_from_another_district(client, world):
    ask(world, grassroots_base=True)
    url = reverse("hosts:change_review", args=[world.our_host.pk, "approve"])
    client.force_login(world.host_staff)
    assert client.post(url).status_code == 403
    client.force_login(world.other_district_officer)
    assert client.post(url).status_code == 404  # another district's unit does not exist for it
    assert host(world).grassroots_base is False
    assert client.get(reverse("hosts:detail", args=[world.our_host.pk])).status_code == 404
    client.force_login(world.district_officer)
    assert client.post(reverse("hosts:change_review", args=[world.our_host.pk, "other"])).status_code == 404
    page = client.get(reverse("hosts:detail", args=[world.our_host.pk])).content.decode()
    assert 'data-testid="change-review"' in page
    client.post(url)
    assert host(world).grassroots_base is True
    page = client.get(reverse("hosts:detail", args=[world.our_host.pk])).content.decode()
    assert 'data-testid="change-history"' in page and "已通过" in page


def test_a_credit_code_change_is_reviewed_and_must_be_free(world):
    with pytest.raises(RuleError) as err:
        ask(world, credit_code=world.other_host.credit_code)
    assert err.value.code == "credit_code.taken"
    with pytest.raises(RuleError):
        ask(world, credit_code="not-a-code")
    assert not HostChange.objects.exists()
    new_code = make_credit_code(987)
    ask(world, credit_code=new_code.lower())  # parsed as the registry writes it
    assert host(world).credit_code == world.our_host.credit_code
    assert pending(world).after == {"credit_code": new_code}
    services.host_change_review(actor=world.district_officer, host_id=world.our_host.pk, approve=True)
    assert host(world).credit_code == new_code


def test_a_new_recruiting_department_confirms_before_the_district_approves(world):
    commerce = department("commerce")
    ask(world, department=commerce)
    assert host(world).department == department("science")
    change = pending(world)
    assert change.needs_department and change.department == commerce
    with pytest.raises(RuleError) as err:
        services.host_change_review(actor=world.district_officer, host_id=world.our_host.pk, approve=True)
    assert err.value.code == "host.department_confirm"
    # The unit's present department cannot confirm for another, nor can the district.
    with pytest.raises(Http404):
        services.host_change_confirm(actor=world.department_officer, host_id=world.our_host.pk, confirm=True)
    with pytest.raises(RuleError) as err:
        services.host_change_confirm(actor=world.district_officer, host_id=world.our_host.pk, confirm=True)
    assert err.value.code == "duty.host.department_confirm"
    confirmed = services.host_change_confirm(
        actor=world.other_department_officer, host_id=world.our_host.pk, confirm=True
    )
    assert confirmed.department_confirmed_by == world.other_department_officer
    services.host_change_review(actor=world.district_officer, host_id=world.our_host.pk, approve=True)
    assert host(world).department == commerce


def test_a_department_may_decline_with_a_reason(world):
    ask(world, department=department("commerce"))
    with pytest.raises(RuleError) as err:
        services.host_change_confirm(actor=world.other_department_officer, host_id=world.our_host.pk, confirm=False)
    assert err.value.field == "reason"
    change = services.host_change_confirm(
        actor=world.other_department_officer, host_id=world.our_host.pk, confirm=False, reason="非本部门募集"
    )
    assert change.status == HostChangeStatus.REJECTED
    assert host(world).department == department("science")


def test_the_department_confirms_on_its_list_page(client, world):
    ask(world, department=department("commerce"))
    client.force_login(world.department_officer)  # science: not the department asked for
    assert 'data-testid="host-changes"' in (page := client.get(reverse("hosts:changes")).content.decode())
    assert world.our_host.name not in page
    client.force_login(world.other_department_officer)
    page = client.get(reverse("hosts:changes")).content.decode()
    assert world.our_host.name in page and "确认归属本部门" in page
    client.post(reverse("hosts:department_confirm", args=[world.our_host.pk, "confirm"]))
    assert pending(world).department_confirmed
    client.force_login(world.district_officer)
    assert client.post(reverse("hosts:department_confirm", args=[world.our_host.pk, "confirm"])).status_code == 403
    assert world.our_host.name in client.get(reverse("hosts:changes")).content.decode()
    client.force_login(world.other_district_officer)
    assert world.our_host.name not in client.get(reverse("hosts:changes")).content.decode()


def test_typing_the_values_in_force_back_withdraws_and_other_details_save_at_once(world):
    ask(world, grassroots_base=True, contact_phone="13911112222")
    fresh = host(world)
    assert fresh.contact_phone == "13911112222" and fresh.grassroots_base is False
    ask(world, contact_phone="13911113333")  # the pending request stays as it was
    assert pending(world).after == {"grassroots_base": True}
    ask(world, grassroots_base=False)
    assert HostChange.objects.get().status == HostChangeStatus.WITHDRAWN
    with pytest.raises(RuleError) as err:
        services.host_change_review(actor=world.district_officer, host_id=world.our_host.pk, approve=True)
    assert err.value.code == "host.change_pending"


def test_a_unit_not_yet_approved_has_its_details_reviewed_with_its_registration(world):
    world.our_host.status = HostStatus.RETURNED
    world.our_host.save()
    fresh = ask(world, grassroots_base=True, name="改名后单位")
    assert (fresh.grassroots_base, fresh.name, fresh.status) == (True, "改名后单位", HostStatus.PENDING)
    assert not HostChange.objects.exists()


def test_registration_with_a_department_waits_for_its_confirmation(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        registered = services.host_staff_register(
            username="hr_new",
            password="Correct-Horse-9",
            contact_name="张三",
            contact_phone="13800001111",
            credit_code=make_credit_code(986),
            host_name="新单位",
            host_type="private",
            district=District.objects.get(code="110108"),
            address="北京市海淀区",
            department=department("science"),
        )
    assert registered is not None and registered.department is None
    change = HostChange.objects.get(host=registered)
    assert change.needs_department and change.department == department("science")
    assert Notification.objects.filter(user=world.department_officer, message__contains="请确认归属").exists()


def test_the_api_shows_the_reviewed_values_and_what_is_pending(client, world):
    ask(world, grassroots_base=True)
    client.force_login(world.host_staff)
    body = client.get(f"/api/v1/hosts/{world.our_host.pk}").json()
    assert body["grassroots_base"] is False and body["pending_change"] == ["grassroots_base"]
    listing = client.get("/api/v1/hosts").json()
    assert listing["items"][0]["pending_change"] == ["grassroots_base"]


def test_the_edit_page_says_pending_and_shows_what_was_asked(client, world):
    client.force_login(world.host_staff)
    edit = reverse("hosts:edit", args=[world.our_host.pk])
    form = client.get(edit).context["form"]
    data = {name: form.initial.get(name) for name in form.fields}
    data = {k: v for k, v in data.items() if v not in (None, False)}
    data["grassroots_base"] = "on"
    response = client.post(edit, data, follow=True)
    assert "待审核" in response.content.decode()
    assert host(world).grassroots_base is False
    again = client.get(edit)
    assert again.context["form"].initial["grassroots_base"] is True
    assert 'data-testid="change-pending"' in again.content.decode()


def test_departments_exist():
    assert Department.objects.filter(code="commerce").exists()
