"""Where the money goes: an approved unit's new bank account takes effect only once its district
has reviewed it; until then payment batches keep paying the reviewed account."""

from __future__ import annotations

from datetime import date

import pytest
from django.http import Http404
from django.urls import reverse

from jianxi.core.errors import RuleError
from jianxi.core.models import Notification
from jianxi.hosts import services as host_services
from jianxi.hosts.models import Host, HostStatus
from jianxi.subsidies import services
from tests.subsidies.conftest import approved_claim

pytestmark = pytest.mark.django_db

NEW = {"bank_name": "中国银行北京分行", "bank_account": "6217000099998888"}


def request_change(world, **fields):
    return host_services.host_update(actor=world.host_staff, host_id=world.our_host.pk, **(fields or NEW))


def test_R_SUB_6_an_approved_units_new_account_waits_for_review_and_batches_pay_the_reviewed_one(
    world, django_capture_on_commit_callbacks
):
    old = world.our_host.bank_account
    with django_capture_on_commit_callbacks(execute=True):  # notices go out after commit
        host = request_change(world)
    assert (host.bank_account, host.pending_bank_account) == (old, NEW["bank_account"])
    assert Notification.objects.filter(user=world.district_officer, message__contains="申请变更银行账户").exists()
    batch = services.batch_create(actor=world.district_officer, claim_ids=[approved_claim(world).pk])
    assert batch.items.get().bank_account == old


def test_approving_the_change_makes_it_the_account_paid_and_tells_the_unit(world, django_capture_on_commit_callbacks):
    request_change(world)
    with django_capture_on_commit_callbacks(execute=True):
        host = host_services.host_bank_review(actor=world.district_officer, host_id=world.our_host.pk, approve=True)
    assert (host.bank_name, host.bank_account, host.pending_bank_at) == (NEW["bank_name"], NEW["bank_account"], None)
    assert Notification.objects.filter(user=world.host_staff, message__contains="银行账户变更审核通过").exists()
    batch = services.batch_create(actor=world.district_officer, claim_ids=[approved_claim(world).pk])
    assert batch.items.get().bank_account == NEW["bank_account"]
    reasons = list(Host.history.filter(id=host.pk).values_list("history_change_reason", flat=True))
    assert any("银行账户变更待区人社局审核" in (r or "") for r in reasons)
    assert any("银行账户变更审核通过" in (r or "") for r in reasons)


def test_a_rejected_change_needs_a_reason_and_leaves_the_reviewed_account(world, django_capture_on_commit_callbacks):
    old = world.our_host.bank_account
    request_change(world)
    with pytest.raises(RuleError) as err:
        host_services.host_bank_review(actor=world.district_officer, host_id=world.our_host.pk, approve=False)
    assert err.value.field == "reason"
    with django_capture_on_commit_callbacks(execute=True):
        host = host_services.host_bank_review(
            actor=world.district_officer, host_id=world.our_host.pk, approve=False, reason="开户证明与单位名称不符"
        )
    assert (host.bank_account, host.pending_bank_at) == (old, None)
    assert Notification.objects.filter(user=world.host_staff, message__contains="开户证明与单位名称不符").exists()


def test_only_the_units_district_reviews_its_account_and_a_unit_cannot_approve_itself(world):
    request_change(world)
    with pytest.raises(Http404):
        host_services.host_bank_review(actor=world.other_district_officer, host_id=world.our_host.pk, approve=True)
    with pytest.raises(RuleError) as err:
        host_services.host_bank_review(actor=world.host_staff, host_id=world.our_host.pk, approve=True)
    assert err.value.code == "duty.host.bank_review"
    assert Host.objects.get(pk=world.our_host.pk).pending_bank_at is not None


def test_other_details_save_at_once_and_typing_the_reviewed_account_back_withdraws_the_change(world):
    old = (world.our_host.bank_name, world.our_host.bank_account)
    request_change(world)
    host = host_services.host_update(
        actor=world.host_staff, host_id=world.our_host.pk, contact_phone="13911112222", **NEW
    )
    assert host.contact_phone == "13911112222" and host.pending_bank_account == NEW["bank_account"]
    host = host_services.host_update(
        actor=world.host_staff, host_id=world.our_host.pk, bank_name=old[0], bank_account=old[1]
    )
    assert (host.bank_name, host.bank_account, host.pending_bank_at) == (*old, None)
    with pytest.raises(RuleError) as err:
        host_services.host_bank_review(actor=world.district_officer, host_id=world.our_host.pk, approve=True)
    assert err.value.code == "host.bank_pending"


def test_a_unit_not_yet_approved_has_its_account_reviewed_with_its_registration(world):
    world.our_host.status = HostStatus.RETURNED
    world.our_host.save()
    host = request_change(world)
    assert (host.bank_account, host.pending_bank_at, host.status) == (NEW["bank_account"], None, HostStatus.PENDING)


def test_the_pages_show_the_pending_account_and_let_the_district_decide(client, world):
    client.force_login(world.host_staff)
    edit = reverse("hosts:edit", args=[world.our_host.pk])
    form = client.get(edit).context["form"]
    data = {name: form.initial.get(name) or "" for name in form.fields}
    data.update(NEW, grassroots_base="")
    data["department"] = world.our_host.department_id or ""
    response = client.post(edit, {k: v for k, v in data.items() if v not in (None, False)}, follow=True)
    assert "银行账户变更已提交区人社局审核" in response.content.decode()
    # Opening the form again shows what was asked for, so saving other details keeps it pending.
    assert client.get(edit).context["form"].initial["bank_account"] == NEW["bank_account"]
    client.force_login(world.district_officer)
    approved_claim(world)
    assert 'data-testid="bank-pending"' in client.get(reverse("subsidies:payment")).content.decode()
    detail = reverse("hosts:detail", args=[world.our_host.pk])
    page = client.get(detail).content.decode()
    assert 'data-testid="bank-review"' in page and NEW["bank_account"] in page
    client.post(reverse("hosts:bank_review", args=[world.our_host.pk, "approve"]))
    assert Host.objects.get(pk=world.our_host.pk).bank_account == NEW["bank_account"]
    assert client.post(reverse("hosts:bank_review", args=[world.our_host.pk, "other"])).status_code == 404
    client.force_login(world.host_staff)
    assert client.post(reverse("hosts:bank_review", args=[world.our_host.pk, "approve"])).status_code == 403


def test_the_reviewed_account_stays_until_the_batch_is_made_even_after_approval_of_a_change(world):
    """A batch freezes the account it was made with (an approved change does not redirect it)."""
    claim = approved_claim(world)
    batch = services.batch_create(actor=world.district_officer, claim_ids=[claim.pk])
    frozen = batch.items.get().bank_account
    request_change(world)
    host_services.host_bank_review(actor=world.district_officer, host_id=world.our_host.pk, approve=True)
    assert batch.items.get().bank_account == frozen != NEW["bank_account"]
    services.batch_mark_paid(actor=world.district_officer, batch_id=batch.pk, paid_on=date(2024, 4, 10), reference="R1")
