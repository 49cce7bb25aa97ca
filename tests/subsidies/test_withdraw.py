"""Taking back what has not moved money yet: a host discards a draft claim, a district cancels an unpaid
payment batch. Paid money is never unwound this way (R-SUB-6 recovery is the only way back)."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.http import Http404
from django.urls import reverse

from jianxi.core.errors import RuleError
from jianxi.subsidies import services
from jianxi.subsidies.models import (
    Attachment,
    BatchItem,
    BatchStatus,
    Claim,
    ClaimLine,
    ClaimStatus,
    EntryKind,
    LedgerEntry,
    PaymentBatch,
)
from tests.concurrency import race
from tests.factories import PersonFactory, UserFactory
from tests.subsidies.conftest import TODAY, approved_claim, attend, make_agreement

pytestmark = pytest.mark.django_db


def draft(world):
    agreement = make_agreement(world)
    attend(agreement, date(2024, 2, 1))
    attend(agreement, date(2024, 3, 1))
    return services.claim_prepare(actor=world.host_staff, host_id=world.our_host.pk, today=TODAY)


# --- discarding a draft ---------------------------------------------------------------------------


def test_R_SUB_4_a_discarded_draft_frees_its_months_to_be_claimed_again(
    world, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = tmp_path
    claim = draft(world)
    upload = Attachment.objects.create(
        claim=claim, file=SimpleUploadedFile("协议.pdf", b"%PDF-1.4"), name="协议.pdf", content_type="x", size=8
    )
    stored = tmp_path / upload.file.name
    assert stored.exists()
    with django_capture_on_commit_callbacks(execute=True):  # files go once the deletion is committed
        services.claim_discard(actor=world.host_staff, claim_id=claim.pk)
    assert not Claim.objects.filter(pk=claim.pk).exists() and not ClaimLine.objects.exists()
    assert not stored.exists()
    deleted = Claim.history.filter(id=claim.pk, history_type="-").get()
    assert deleted.history_user == world.host_staff
    again = services.claim_prepare(actor=world.host_staff, host_id=world.our_host.pk, today=TODAY)
    assert again.lines.count() == 2


def test_only_a_draft_can_be_discarded(world):
    claim = draft(world)
    services.claim_submit(actor=world.host_staff, claim_id=claim.pk)
    with pytest.raises(RuleError) as err:
        services.claim_discard(actor=world.host_staff, claim_id=claim.pk)
    assert err.value.code == "claim.transition"
    assert Claim.objects.get(pk=claim.pk).lines.count() == 2


def test_a_draft_is_discarded_by_its_own_host_only(world):
    claim = draft(world)
    with pytest.raises(Http404):
        services.claim_discard(actor=world.other_host_staff, claim_id=claim.pk)
    with pytest.raises(RuleError) as err:
        services.claim_discard(actor=world.district_officer, claim_id=claim.pk)
    assert err.value.code == "claim.maker"
    assert Claim.objects.filter(pk=claim.pk).exists()


def test_the_discard_button_deletes_the_draft_and_says_so(client, world):
    claim = draft(world)
    client.force_login(world.host_staff)
    page = client.get(reverse("subsidies:claim", args=[claim.pk])).content.decode()
    assert 'data-testid="discard"' in page
    response = client.post(reverse("subsidies:discard", args=[claim.pk]), follow=True)
    assert response.redirect_chain[-1][0] == reverse("subsidies:claims")
    assert f"申报草稿 BT-{claim.pk} 已删除" in response.content.decode()
    client.force_login(world.other_host_staff)
    assert client.post(reverse("subsidies:discard", args=[approved_claim(world).pk])).status_code == 404


# --- cancelling an unpaid batch -------------------------------------------------------------------


def batch_of(world, n=2):
    claims = [approved_claim(world)]
    claims += [approved_claim(world, person=PersonFactory(user=UserFactory(role="youth"))) for _ in range(n - 1)]
    return services.batch_create(actor=world.district_officer, claim_ids=[c.pk for c in claims]), claims


def test_a_cancelled_batch_gives_its_claims_back_to_be_batched_again(world):
    batch, claims = batch_of(world)
    services.batch_cancel(actor=world.district_officer, batch_id=batch.pk, reason="账号有误")
    batch.refresh_from_db()
    assert batch.status == BatchStatus.CANCELLED and not batch.items.exists()
    assert batch.cancel_reason == f"账号有误（原含 BT-{claims[0].pk}、BT-{claims[1].pk}）"
    assert set(Claim.objects.values_list("status", flat=True)) == {ClaimStatus.APPROVED}
    reasons = Claim.history.filter(id=claims[0].pk).values_list("history_change_reason", flat=True)
    assert f"拨付批次 PC-{batch.pk} 已撤销：账号有误" in reasons
    again = services.batch_create(actor=world.district_officer, claim_ids=[c.pk for c in claims])
    assert again.items.count() == 2
    assert not LedgerEntry.objects.filter(kind=EntryKind.PAID).exists()


def test_a_batch_is_not_cancelled_without_a_reason(world):
    batch, _ = batch_of(world, n=1)
    with pytest.raises(RuleError) as err:
        services.batch_cancel(actor=world.district_officer, batch_id=batch.pk, reason="  ")
    assert err.value.field == "reason"
    assert PaymentBatch.objects.get(pk=batch.pk).status == BatchStatus.OPEN


def test_R_SUB_6_a_paid_batch_cannot_be_cancelled_and_a_cancelled_one_cannot_be_paid(world):
    paid, _ = batch_of(world, n=1)
    services.batch_mark_paid(actor=world.district_officer, batch_id=paid.pk, paid_on=TODAY, reference="R1")
    with pytest.raises(RuleError) as err:
        services.batch_cancel(actor=world.district_officer, batch_id=paid.pk, reason="错拨")
    assert err.value.code == "batch.paid" and "追回" in err.value.message
    cancelled, _ = batch_of(world, n=1)
    services.batch_cancel(actor=world.district_officer, batch_id=cancelled.pk, reason="暂缓")
    with pytest.raises(RuleError) as err:
        services.batch_mark_paid(actor=world.district_officer, batch_id=cancelled.pk, paid_on=TODAY, reference="R2")
    assert err.value.code == "batch.cancelled"
    assert LedgerEntry.objects.filter(kind=EntryKind.PAID).count() == 1


def test_only_the_batchs_district_cancels_it(world):
    batch, _ = batch_of(world, n=1)
    with pytest.raises(Http404):
        services.batch_cancel(actor=world.other_district_officer, batch_id=batch.pk, reason="x")
    with pytest.raises(RuleError) as err:
        services.batch_cancel(actor=world.city, batch_id=batch.pk, reason="x")
    assert err.value.code == "duty.batch.pay"
    assert PaymentBatch.objects.get(pk=batch.pk).status == BatchStatus.OPEN


def test_the_batch_page_cancels_and_a_cancelled_batch_has_no_bank_file(client, world):
    batch, _ = batch_of(world, n=1)
    client.force_login(world.district_officer)
    assert 'data-testid="cancel-form"' in client.get(reverse("subsidies:batch", args=[batch.pk])).content.decode()
    empty = client.post(reverse("subsidies:batch_cancel", args=[batch.pk]), {"reason": ""}, follow=True)
    assert "撤销理由：这个字段是必填项" in empty.content.decode()
    long = client.post(reverse("subsidies:batch_cancel", args=[batch.pk]), {"reason": "长" * 301}, follow=True)
    assert "撤销理由：" in long.content.decode() and "300" in long.content.decode()
    assert PaymentBatch.objects.get(pk=batch.pk).status == BatchStatus.OPEN
    response = client.post(reverse("subsidies:batch_cancel", args=[batch.pk]), {"reason": "账号有误"}, follow=True)
    page = response.content.decode()
    assert f"拨付批次 PC-{batch.pk} 已撤销" in page and 'data-testid="bank-file"' not in page
    assert 'data-testid="cancel-form"' not in page
    bank = client.get(reverse("subsidies:bank_file", args=[batch.pk]))
    assert bank.status_code == 302
    client.force_login(world.host_staff)
    assert client.post(reverse("subsidies:batch_cancel", args=[batch.pk]), {"reason": "x"}).status_code == 403


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
def test_paying_and_cancelling_a_batch_at_the_same_moment_does_exactly_one(world):
    batch, _ = batch_of(world)
    colleague = UserFactory(username="haidian2", role="district", district=world.our_host.district)
    results = race(
        lambda: services.batch_mark_paid(actor=colleague, batch_id=batch.pk, paid_on=TODAY, reference="R1"),
        lambda: services.batch_cancel(actor=world.district_officer, batch_id=batch.pk, reason="暂缓"),
    )
    assert sum(isinstance(r, RuleError) for r in results) == 1
    batch.refresh_from_db()
    statuses = set(Claim.objects.values_list("status", flat=True))
    paid = LedgerEntry.objects.filter(kind=EntryKind.PAID).count()
    if batch.status == BatchStatus.PAID:
        assert (statuses, paid, BatchItem.objects.count()) == ({ClaimStatus.PAID}, 2, 2)
    else:
        assert batch.status == BatchStatus.CANCELLED
        assert (statuses, paid, BatchItem.objects.count()) == ({ClaimStatus.APPROVED}, 0, 0)
