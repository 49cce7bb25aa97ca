"""Final selection steps confirm with a summary and carry a reason the other side sees (issue #16)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from jianxi.core.errors import RuleError
from jianxi.core.models import Notification
from jianxi.placements import services
from jianxi.placements.models import Application, ApplicationStatus
from tests.factories import TODAY, PostFactory


@pytest.fixture
def application(world):
    post = PostFactory(host=world.our_host, title="数据分析见习岗")
    return services.application_apply(actor=world.youth, post_id=post.pk, today=TODAY)


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def test_the_hosts_reject_asks_first_and_needs_a_reason(client, world, application, django_capture_on_commit_callbacks):
    client.force_login(world.host_staff)
    url = reverse("placements:move", args=[application.pk, "reject"])
    detail = client.get(reverse("placements:application", args=[application.pk])).content.decode()
    assert f'href="{url}"' in detail  # a link to the confirmation, not a one-click form
    page = client.get(url)
    assert page.status_code == 200
    assert "申请人会收到通知，并看到您填写的理由" in page.content.decode()
    assert Application.objects.get(pk=application.pk).status == ApplicationStatus.APPLIED
    # A POST without ``confirmed`` (an old form, a double submit) only shows the page again.
    client.post(url, {"note": "专业不符"})
    assert Application.objects.get(pk=application.pk).status == ApplicationStatus.APPLIED
    # Confirmed without a reason: refused on the field, nothing changes.
    empty = client.post(url, {"confirmed": "1", "note": "  "})
    assert empty.status_code == 200 and 'data-field="note"' in empty.content.decode()
    assert Application.objects.get(pk=application.pk).status == ApplicationStatus.APPLIED
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(url, {"confirmed": "1", "note": "专业与岗位要求不符"}, follow=True)
    assert Application.objects.get(pk=application.pk).status == ApplicationStatus.DECLINED
    person = application.person.name
    assert f"已不予录用 {person}（“数据分析见习岗”），对方已收到通知和理由。" in _messages(done)
    # The applicant sees the reason, on the page and in the notice.
    client.force_login(world.youth)
    seen = client.get(reverse("placements:application", args=[application.pk])).content.decode()
    assert 'data-testid="application-note"' in seen and "专业与岗位要求不符" in seen
    assert Notification.objects.filter(user=world.youth, message__contains="理由：专业与岗位要求不符").exists()


def test_the_service_refuses_a_reject_without_a_reason(world, application):
    with pytest.raises(RuleError) as err:
        services.application_move(actor=world.host_staff, application_id=application.pk, action="reject")
    assert err.value.code == "application.reason" and err.value.field == "note"
    with pytest.raises(RuleError):
        services.application_move(
            actor=world.host_staff, application_id=application.pk, action="reject", note="长" * 501
        )
    moved = services.application_move(
        actor=world.host_staff, application_id=application.pk, action="reject", note="长" * 500
    )
    assert moved.status == ApplicationStatus.DECLINED


@pytest.mark.parametrize("action", ["withdraw", "decline"])
def test_the_young_persons_withdraw_and_decline_confirm_first_reason_optional(client, world, application, action):
    if action == "decline":
        services.application_move(actor=world.host_staff, application_id=application.pk, action="offer")
    client.force_login(world.youth)
    url = reverse("placements:move", args=[application.pk, action])
    page = client.get(url).content.decode()
    assert "此操作不能撤销" in page and "数据分析见习岗" in page
    before = Application.objects.get(pk=application.pk).status
    client.post(url)
    assert Application.objects.get(pk=application.pk).status == before
    done = client.post(url, {"confirmed": "1", "note": ""}, follow=True)
    after = Application.objects.get(pk=application.pk).status
    assert after == (ApplicationStatus.WITHDRAWN if action == "withdraw" else ApplicationStatus.DECLINED)
    word = "已撤回对“数据分析见习岗”的申请" if action == "withdraw" else "已谢绝“数据分析见习岗”"
    assert any(word in m for m in _messages(done))


def test_a_step_that_is_not_final_goes_through_at_once_and_says_what_happened(client, world, application):
    client.force_login(world.host_staff)
    done = client.post(reverse("placements:move", args=[application.pk, "screen"]), follow=True)
    assert Application.objects.get(pk=application.pk).status == ApplicationStatus.SCREENING
    assert f"已将 {application.person.name} 的申请（“数据分析见习岗”）转入筛选。" in _messages(done)
    # GET of a step that is not final changes nothing.
    client.get(reverse("placements:move", args=[application.pk, "offer"]))
    assert Application.objects.get(pk=application.pk).status == ApplicationStatus.SCREENING


def test_the_confirmation_page_refuses_the_wrong_side_and_another_hosts_application(client, world, application):
    client.force_login(world.youth)
    response = client.get(reverse("placements:move", args=[application.pk, "reject"]), follow=True)
    assert any("不能不予录用" in m for m in _messages(response))
    client.force_login(world.other_host_staff)
    assert client.get(reverse("placements:move", args=[application.pk, "reject"])).status_code == 404
