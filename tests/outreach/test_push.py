"""Pushing posts to a university's graduates: one message per person and post across any number
of pushes, filters with a preview, opt-outs honoured, scoped to the university."""

from __future__ import annotations

import pytest
from django.core import mail
from django.db import connection
from django.urls import reverse

from jianxi.core.errors import RuleError
from jianxi.core.models import Channel, Delivery, DeliveryOutcome, Notification, NotificationPreference
from jianxi.core.notify import notify
from jianxi.outreach import services
from jianxi.outreach.imports import EDUCATION, EMAIL, ID_NUMBER, MAJOR, graduates_import, read_sheet
from jianxi.outreach.models import Push, PushReceipt, PushStatus
from jianxi.posts.models import PostStatus
from jianxi.youth.models import Education
from tests.concurrency import race
from tests.factories import PostFactory
from tests.outreach.conftest import row, sms_to, xlsx

pytestmark = pytest.mark.django_db


def load(world, capture) -> dict[str, dict]:
    """Our university's list: our registered young person (with an account) and two not registered."""
    rows = {
        "youth": row(
            1, **{ID_NUMBER: world.our_person.id_number, MAJOR: "计算机科学与技术", EMAIL: "youth@example.com"}
        ),
        "data": row(2, **{MAJOR: "数据科学与大数据技术"}),
        "letters": row(3, **{MAJOR: "汉语言文学", EDUCATION: "硕士研究生"}),
    }
    with capture(execute=True):
        graduates_import(actor=world.university_officer, rows=read_sheet(xlsx(list(rows.values()))))
    mail.outbox.clear()  # the invitations
    from jianxi.core.sms import MemoryBackend

    MemoryBackend.outbox.clear()
    return rows


def push(client, user, post_ids, capture, **extra):
    client.force_login(user)
    data = {"posts": ",".join(str(p) for p in post_ids), "send": "1", **extra}
    with capture(execute=True):
        return client.post(reverse("outreach:push_new"), data)


def mails_to(address: str) -> list:
    return [m for m in mail.outbox if m.to == [address]]


def test_two_pushes_of_the_same_post_send_one_message_per_person(client, world, django_capture_on_commit_callbacks):
    rows = load(world, django_capture_on_commit_callbacks)
    post = PostFactory(host=world.our_host, title="数据分析见习岗")
    first = push(client, world.university_officer, [post.pk], django_capture_on_commit_callbacks)
    assert first.status_code == 302
    again = push(client, world.university_officer, [post.pk], django_capture_on_commit_callbacks)
    assert again.status_code == 302
    one, two = Push.objects.order_by("pk")
    assert (one.matched, one.recipients, one.status) == (3, 3, PushStatus.SENT)
    assert (two.matched, two.recipients, two.status) == (3, 0, PushStatus.SENT)
    # Each person: one e-mail, one SMS, and (with an account) one in-app notice — across both pushes.
    for r in rows.values():
        assert len(mails_to(r[EMAIL])) == 1, r[EMAIL]
        assert len(sms_to(r["手机"])) == 1
    assert len(mail.outbox) == 3
    notices = Notification.objects.filter(user=world.youth)
    assert notices.count() == 1 and "数据分析见习岗" in notices.get().message
    assert notices.get().link == reverse("posts:detail", args=[post.pk])
    assert PushReceipt.objects.filter(post=post).count() == 3
    assert not PushReceipt.objects.filter(sent_at__isnull=True).exists()
    pushed = mails_to(rows["data"][EMAIL])[0]
    assert "数据分析见习岗" in pushed.body and "退订" in pushed.body and "List-Unsubscribe" in pushed.extra_headers
    # Delivering a push again (a redelivered job) sends nothing more.
    services.deliver_push(one.pk)
    assert len(mail.outbox) == 3


def test_a_push_of_two_posts_sends_each_person_only_the_new_one(world, django_capture_on_commit_callbacks):
    rows = load(world, django_capture_on_commit_callbacks)
    old, new = PostFactory(host=world.our_host, title="旧岗位"), PostFactory(host=world.our_host, title="新岗位")
    with django_capture_on_commit_callbacks(execute=True):
        services.push_create(actor=world.university_officer, post_ids=[old.pk])
    mail.outbox.clear()
    assert services.push_preview(actor=world.university_officer, post_ids=[old.pk]) == (3, 0)
    assert services.push_preview(actor=world.university_officer, post_ids=[old.pk, new.pk]) == (3, 3)
    with django_capture_on_commit_callbacks(execute=True):
        second = services.push_create(actor=world.university_officer, post_ids=[old.pk, new.pk])
    assert second.recipients == 3
    body = mails_to(rows["letters"][EMAIL])[0].body
    assert "新岗位" in body and "旧岗位" not in body
    assert PushReceipt.objects.filter(post=old).count() == 3  # not one more


def test_filters_by_major_segmented_and_education_with_a_preview(client, world, django_capture_on_commit_callbacks):
    rows = load(world, django_capture_on_commit_callbacks)
    post = PostFactory(host=world.our_host)
    officer = world.university_officer
    assert services.push_preview(actor=officer, post_ids=[post.pk], major="大数据") == (1, 1)
    # 计算机技术 is not a substring of 计算机科学与技术: it matches by its segmented words.
    assert services.push_preview(actor=officer, post_ids=[post.pk], major="计算机技术") == (1, 1)
    assert services.push_preview(actor=officer, post_ids=[post.pk], major="大数据、汉语言") == (2, 2)
    assert services.push_preview(actor=officer, post_ids=[post.pk], major="临床医学") == (0, 0)
    assert services.push_preview(actor=officer, post_ids=[post.pk], educations=[Education.MASTER]) == (1, 1)
    client.force_login(officer)
    page = client.post(reverse("outreach:push_new"), {"posts": str(post.pk), "major": "大数据", "preview": "1"})
    assert "符合条件 1 人，其中 1 人将收到新的岗位或活动信息" in page.content.decode()
    assert not Push.objects.exists() and not mail.outbox  # a preview sends nothing
    push(client, officer, [post.pk], django_capture_on_commit_callbacks, major="大数据")
    assert [m.to for m in mail.outbox] == [[rows["data"][EMAIL]]]


def test_only_published_posts_are_pushed(client, world, django_capture_on_commit_callbacks):
    load(world, django_capture_on_commit_callbacks)
    draft = PostFactory(host=world.our_host, status=PostStatus.DRAFT, published_at=None)
    response = push(client, world.university_officer, [draft.pk, 99999], django_capture_on_commit_callbacks)
    assert response.status_code == 200
    assert "只能推送已发布的岗位" in response.content.decode()
    assert not Push.objects.exists() and not PushReceipt.objects.exists() and not mail.outbox
    with pytest.raises(RuleError) as err:
        services.push_create(actor=world.university_officer, post_ids=[])
    assert err.value.code == "outreach.posts"


def test_opt_outs_are_honoured_and_service_notices_still_arrive(client, world, django_capture_on_commit_callbacks):
    rows = load(world, django_capture_on_commit_callbacks)
    # Our young person refuses e-mail and in-app pushes on the 通知设置 page; SMS stays on.
    client.force_login(world.youth)
    response = client.post(reverse("core:notification_settings"), {"push_sms": "on"})
    assert response.status_code == 302
    pref = NotificationPreference.objects.get(user=world.youth)
    assert (pref.push_inapp, pref.push_email, pref.push_sms) == (False, False, True)
    first = PostFactory(host=world.our_host)
    push(client, world.university_officer, [first.pk], django_capture_on_commit_callbacks)
    assert not mails_to(rows["youth"][EMAIL]) and len(sms_to(rows["youth"]["手机"])) == 1
    assert not Notification.objects.filter(user=world.youth).exists()
    refused = Delivery.objects.filter(user=world.youth, outcome=DeliveryOutcome.OPTED_OUT)
    assert set(refused.values_list("channel", flat=True)) == {Channel.EMAIL, Channel.INAPP}

    # Another graduate follows the unsubscribe link of the pushed e-mail, without signing in.
    client.logout()
    body = mails_to(rows["data"][EMAIL])[0].body
    link = next(word for word in body.split() if "/notifications/unsubscribe/" in word).split("退订：")[-1]
    path = link.removeprefix("https://jianxi.example.cn")
    assert client.get(path).status_code == 200
    done = client.post(path)
    assert 'data-testid="unsubscribe-done"' in done.content.decode()
    second = PostFactory(host=world.our_host)
    mail.outbox.clear()
    push(client, world.university_officer, [second.pk], django_capture_on_commit_callbacks)
    assert not mails_to(rows["data"][EMAIL]) and len(sms_to(rows["data"]["手机"])) == 2
    assert len(mails_to(rows["letters"][EMAIL])) == 1

    # A service notice (an offer) is not a push: it arrives in-app whatever the settings.
    with django_capture_on_commit_callbacks(execute=True):
        notify(users=[world.youth], message="您收到了录用通知。", link="/")
    assert Notification.objects.filter(user=world.youth, message="您收到了录用通知。").exists()


def test_a_tampered_unsubscribe_link_changes_nothing(client, world):
    response = client.post(reverse("core:unsubscribe", args=["eyJjIjoiZW1haWwifQ:bad:signature"]))
    assert response.status_code == 404
    from jianxi.core.models import OptOut

    assert not OptOut.objects.exists()


def test_outsiders_cannot_see_or_push_to_our_graduates(client, world, django_capture_on_commit_callbacks):
    load(world, django_capture_on_commit_callbacks)
    post = PostFactory(host=world.our_host)
    push(client, world.university_officer, [post.pk], django_capture_on_commit_callbacks)
    ours = Push.objects.get()
    mail.outbox.clear()
    before = (Push.objects.count(), PushReceipt.objects.count(), Delivery.objects.count())
    for who in ("district_officer", "city", "host_staff", "youth", "department_officer"):
        client.force_login(getattr(world, who))
        assert client.get(reverse("outreach:home")).status_code == 403
        assert client.get(reverse("outreach:push", args=[ours.pk])).status_code == 403
        response = push(client, getattr(world, who), [post.pk], django_capture_on_commit_callbacks)
        assert response.status_code == 403
    client.force_login(world.other_university_officer)
    assert client.get(reverse("outreach:push", args=[ours.pk])).status_code == 404
    assert client.get(reverse("outreach:home")).context["takeup"].graduates == 0
    assert (Push.objects.count(), PushReceipt.objects.count(), Delivery.objects.count()) == before
    # The other university pushing a new post reaches its own (empty) list, never ours.
    other_post = PostFactory(host=world.our_host)
    push(client, world.other_university_officer, [other_post.pk], django_capture_on_commit_callbacks)
    theirs = Push.objects.exclude(pk=ours.pk).get()
    assert (theirs.matched, theirs.recipients) == (0, 0)
    assert not mail.outbox and not PushReceipt.objects.filter(post=other_post).exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent writers need PostgreSQL")
def test_two_pushes_at_the_same_moment_message_each_person_once(world):
    officer = world.university_officer
    graduates_import(actor=officer, rows=read_sheet(xlsx([row(n) for n in range(1, 21)])))
    mail.outbox.clear()
    post = PostFactory(host=world.our_host)
    results = race(
        lambda: services.push_create(actor=officer, post_ids=[post.pk]),
        lambda: services.push_create(actor=officer, post_ids=[post.pk]),
    )
    assert all(isinstance(r, Push) for r in results)
    assert sorted(r.recipients for r in results) == [0, 20]
    assert PushReceipt.objects.filter(post=post).count() == 20
    assert sorted(len(mails_to(row(n)[EMAIL])) for n in range(1, 21)) == [1] * 20


def test_a_list_reaches_and_reveals_only_the_universitys_own_graduates(
    client, world, django_capture_on_commit_callbacks
):
    """A university that types a stranger's ID number into its list learns nothing of them: the
    registered person of another university (or none) is not matched, not counted as registered,
    applied or placed, and no push reaches their account — only the contacts on the list."""
    from datetime import timedelta

    import time_machine
    from django.utils import timezone

    from jianxi.outreach.models import Graduate
    from jianxi.outreach.selectors import graduates, takeup
    from jianxi.placements import services as placements
    from tests.factories import TODAY, UserFactory

    stranger = world.other_person
    stranger.university = None
    stranger.save()
    stranger.user = UserFactory(username="stranger", role="youth")
    stranger.save()
    post = PostFactory(host=world.our_host, title="数据分析见习岗")
    placements.application_apply(actor=stranger.user, post_id=post.pk, today=TODAY)
    # The list comes a day after the stranger registered (and is invited: the list can't tell).
    day_after = time_machine.travel(timezone.now() + timedelta(days=1), tick=False)
    with day_after, django_capture_on_commit_callbacks(execute=True):
        graduates_import(
            actor=world.university_officer,
            rows=read_sheet(xlsx([row(9, **{ID_NUMBER: stranger.id_number, EMAIL: "list@example.com"})])),
        )
    graduate = Graduate.objects.get(id_number=stranger.id_number)
    assert graduate.person_id is None
    figures = takeup(world.university_officer)
    assert (figures.registered, figures.applied) == (0, 0)
    assert not graduates(world.university_officer, stage="registered").exists()
    push(client, world.university_officer, [post.pk], django_capture_on_commit_callbacks)
    assert not Notification.objects.filter(user=stranger.user).exists()
    assert mails_to("list@example.com")  # the list's own contact is the only way to reach them


def test_a_queued_push_of_a_post_closed_meanwhile_sends_nothing_of_it(world, django_capture_on_commit_callbacks):
    from jianxi.posts import services as posts

    officer = world.university_officer
    graduates_import(actor=officer, rows=read_sheet(xlsx([row(n) for n in range(1, 3)])))
    mail.outbox.clear()
    open_post = PostFactory(host=world.our_host, title="仍在招募")
    closing = PostFactory(host=world.our_host, title="已招满")
    with django_capture_on_commit_callbacks(execute=False):  # the job is queued, not yet run
        made = services.push_create(actor=officer, post_ids=[open_post.pk, closing.pk])
    posts.post_close(actor=world.district_officer, post_id=closing.pk, reason="已招满")
    services.deliver_push(made.pk)
    assert len(mail.outbox) == 2 and all("仍在招募" in m.body and "已招满" not in m.body for m in mail.outbox)
    assert not PushReceipt.objects.filter(post=closing).exists()


def test_a_post_page_offers_a_university_officer_its_push_and_the_form_names_the_post(client, world):
    post = PostFactory(host=world.our_host, title="数据分析见习岗")
    client.force_login(world.university_officer)
    page = client.get(reverse("posts:detail", args=[post.pk])).content.decode()
    assert f"?posts={post.pk}" in page and 'data-testid="push-post"' in page
    form = client.get(reverse("outreach:push_new"), {"posts": str(post.pk)}).content.decode()
    assert 'data-testid="push-chosen"' in form and "数据分析见习岗" in form
    client.force_login(world.youth)  # not for others
    assert 'data-testid="push-post"' not in client.get(reverse("posts:detail", args=[post.pk])).content.decode()


def test_an_expired_post_is_not_pushed(world):
    from datetime import timedelta

    from django.utils import timezone

    graduates_import(actor=world.university_officer, rows=read_sheet(xlsx([row(1)])))
    expired = PostFactory(host=world.our_host, expires_on=timezone.localdate() - timedelta(days=1))
    with pytest.raises(RuleError) as err:
        services.push_create(actor=world.university_officer, post_ids=[expired.pk])
    assert err.value.code == "outreach.posts"
