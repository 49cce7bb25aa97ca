"""Pushing matching events (对接活动) to a university's graduates: one message per person and event
across any number of pushes, posts and events together each once, only upcoming published events
(whoever organises them), the event's time, place and public page in the message, sign-ups in the
push's take-up, scoped to the university."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from jianxi.core.errors import RuleError
from jianxi.core.models import Delivery, Notification
from jianxi.core.sms import MemoryBackend
from jianxi.events import services as events
from jianxi.events.models import EventKind
from jianxi.outreach import services
from jianxi.outreach.imports import EDUCATION, EMAIL, ID_NUMBER, MAJOR, PHONE, graduates_import, read_sheet
from jianxi.outreach.models import Push, PushItem, PushReceipt, PushStatus
from jianxi.outreach.selectors import TakeUp, push_takeup
from tests.concurrency import race
from tests.factories import PostFactory
from tests.outreach.conftest import row, sms_to, xlsx

pytestmark = pytest.mark.django_db

BEIJING = ZoneInfo("Asia/Shanghai")
FAIR_START = datetime(2026, 11, 28, 9, 0, tzinfo=BEIJING)  # two days after the frozen NOW


def make_event(world, actor=None, *, publish: bool = True, title: str = "海淀区就业见习专场招聘会", **change):
    """An event of ``actor`` (our district's officer by default), published unless told."""
    actor = actor or world.district_officer
    values = {
        "kind": EventKind.FAIR,
        "title": title,
        "starts_at": FAIR_START,
        "ends_at": FAIR_START + timedelta(hours=3),
        "place": "海淀区人才市场",
        "online_link": "",
        "capacity": 50,
        "description": "",
        "district_id": world.our_host.district_id,
        "post_ids": [],
    }
    values.update(change)
    event = events.event_save(actor=actor, data=events.EventData(**values))
    if publish:
        event = events.event_publish(actor=actor, event_id=event.pk)
    return event


def load(world, capture) -> dict[str, dict]:
    """Our university's list: our registered young person (with an account) and two not registered."""
    rows = {
        "youth": row(1, **{ID_NUMBER: world.our_person.id_number, EMAIL: "youth@example.com"}),
        "data": row(2, **{MAJOR: "数据科学与大数据技术"}),
        "letters": row(3, **{MAJOR: "汉语言文学", EDUCATION: "硕士研究生"}),
    }
    with capture(execute=True):
        graduates_import(actor=world.university_officer, rows=read_sheet(xlsx(list(rows.values()))))
    mail.outbox.clear()  # the invitations
    MemoryBackend.outbox.clear()
    return rows


def push(client, user, capture, *, posts=(), events_=(), **extra):
    client.force_login(user)
    data = {"posts": ",".join(str(p) for p in posts), "events": [str(e) for e in events_], "send": "1", **extra}
    with capture(execute=True):
        return client.post(reverse("outreach:push_new"), data)


def mails_to(address: str) -> list:
    return [m for m in mail.outbox if m.to == [address]]


def state() -> tuple[int, int, int, int, int]:
    return (
        Push.objects.count(),
        PushItem.objects.count(),
        PushReceipt.objects.count(),
        Delivery.objects.count(),
        len(mail.outbox) + len(MemoryBackend.outbox),
    )


def test_two_pushes_of_the_same_event_send_one_message_per_person(client, world, django_capture_on_commit_callbacks):
    rows = load(world, django_capture_on_commit_callbacks)
    event = make_event(world)
    first = push(client, world.university_officer, django_capture_on_commit_callbacks, events_=[event.pk])
    assert first.status_code == 302
    again = push(client, world.university_officer, django_capture_on_commit_callbacks, events_=[event.pk])
    assert again.status_code == 302
    one, two = Push.objects.order_by("pk")
    assert (one.matched, one.recipients, one.status) == (3, 3, PushStatus.SENT)
    assert (two.matched, two.recipients, two.status) == (3, 0, PushStatus.SENT)
    for r in rows.values():
        assert len(mails_to(r[EMAIL])) == 1, r[EMAIL]
        assert len(sms_to(r[PHONE])) == 1
    assert len(mail.outbox) == 3
    assert PushReceipt.objects.filter(event=event).count() == 3
    assert not PushReceipt.objects.filter(sent_at__isnull=True).exists()
    # The message says the event's time and place and links to its public page.
    public = reverse("events:detail", args=[event.pk])
    notice = Notification.objects.get(user=world.youth)
    assert notice.link == public
    assert "海淀区就业见习专场招聘会（2026年11月28日 09:00—12:00，海淀区人才市场）" in notice.message
    body = mails_to(rows["data"][EMAIL])[0]
    assert "2026年11月28日 09:00—12:00" in body.body and "海淀区人才市场" in body.body
    assert body.subject.endswith("推荐的对接活动")
    assert f"https://jianxi.example.cn{public}" in sms_to(rows["letters"][PHONE])[0]
    assert client.get(public).status_code == 200  # the page the message links to is public
    services.deliver_push(one.pk)  # a redelivered job sends nothing more
    assert len(mail.outbox) == 3


def test_a_push_of_a_post_and_an_event_sends_each_once(client, world, django_capture_on_commit_callbacks):
    rows = load(world, django_capture_on_commit_callbacks)
    post = PostFactory(host=world.our_host, title="数据分析见习岗")
    event = make_event(world, place="", online_link="https://meeting.example.cn/fair")
    officer = world.university_officer
    push(client, officer, django_capture_on_commit_callbacks, posts=[post.pk], events_=[event.pk])
    both = Push.objects.get()
    assert both.recipients == 3 and both.items.count() == 2
    # One message per person, carrying the post and the event, each with its link.
    for r in rows.values():
        [message] = mails_to(r[EMAIL])
        assert "数据分析见习岗" in message.body and "海淀区就业见习专场招聘会" in message.body
        assert reverse("posts:detail", args=[post.pk]) in message.body
        assert reverse("events:detail", args=[event.pk]) in message.body
        assert "线上活动" in message.body  # an online event says so instead of a place
        assert message.subject.endswith("推荐的见习岗位和对接活动")
    # Again with a new post: each person gets only the new post.
    new = PostFactory(host=world.our_host, title="新岗位")
    mail.outbox.clear()
    assert services.push_preview(actor=officer, post_ids=[post.pk], event_ids=[event.pk]) == (3, 0)
    assert services.push_preview(actor=officer, post_ids=[post.pk, new.pk], event_ids=[event.pk]) == (3, 3)
    push(client, officer, django_capture_on_commit_callbacks, posts=[post.pk, new.pk], events_=[event.pk])
    second = Push.objects.latest("pk")
    assert second.recipients == 3
    for r in rows.values():
        [message] = mails_to(r[EMAIL])
        assert "新岗位" in message.body and "招聘会" not in message.body and "数据分析" not in message.body
    assert PushReceipt.objects.filter(post=post).count() == 3
    assert PushReceipt.objects.filter(event=event).count() == 3
    assert PushReceipt.objects.filter(post=new).count() == 3
    # The push page lists what it carried.
    client.force_login(officer)
    page = client.get(reverse("outreach:push", args=[both.pk]))
    assert [e.pk for e in page.context["events"]] == [event.pk] and len(page.context["posts"]) == 1


def test_the_preview_counts_events(client, world, django_capture_on_commit_callbacks):
    load(world, django_capture_on_commit_callbacks)
    event, later = make_event(world), make_event(world, title="进校园双选会", kind=EventKind.CAMPUS)
    officer = world.university_officer
    assert services.push_preview(actor=officer, event_ids=[event.pk]) == (3, 3)
    assert services.push_preview(actor=officer, event_ids=[event.pk], major="大数据") == (1, 1)
    with django_capture_on_commit_callbacks(execute=True):
        services.push_create(actor=officer, event_ids=[event.pk], major="大数据")
    assert services.push_preview(actor=officer, event_ids=[event.pk]) == (3, 2)
    assert services.push_preview(actor=officer, event_ids=[event.pk], major="大数据") == (1, 0)
    assert services.push_preview(actor=officer, event_ids=[event.pk, later.pk], major="大数据") == (1, 1)
    client.force_login(officer)
    page = client.post(reverse("outreach:push_new"), {"events": [str(event.pk)], "posts": "", "preview": "1"})
    assert "符合条件 3 人，其中 2 人将收到新的岗位或活动信息" in page.content.decode()
    assert Push.objects.count() == 1  # a preview sends nothing


def test_the_form_offers_upcoming_published_events_of_any_organiser(client, world):
    ours = make_event(world, actor=world.university_officer, title="北大进校园专场")
    district = make_event(world, title="海淀区专场招聘会")
    draft = make_event(world, publish=False, title="草稿活动")
    cancelled = make_event(world, title="取消的活动")
    events.event_cancel(actor=world.district_officer, event_id=cancelled.pk)
    started = make_event(world, title="已开始的活动", starts_at=timezone.now() - timedelta(hours=1))
    client.force_login(world.university_officer)
    page = client.get(reverse("outreach:push_new"), {"events": [str(district.pk)]})
    assert page.status_code == 200
    offered = {int(value) for value, _ in page.context["form"].fields["events"].choices}
    assert offered == {ours.pk, district.pk}
    assert {draft.pk, cancelled.pk, started.pk}.isdisjoint(offered)
    html = page.content.decode()
    assert "北大进校园专场" in html and "草稿活动" not in html and "取消的活动" not in html
    assert page.context["form"].initial["events"] == [str(district.pk)]
    # Both organisers' events can be pushed (to an empty list, here).
    for event in (ours, district):
        assert services.push_preview(actor=world.university_officer, event_ids=[event.pk]) == (0, 0)


@pytest.mark.parametrize("which", ["draft", "cancelled", "started", "missing"])
def test_a_draft_cancelled_started_or_unknown_event_is_refused(
    client, world, django_capture_on_commit_callbacks, which
):
    load(world, django_capture_on_commit_callbacks)
    if which == "draft":
        event_id = make_event(world, publish=False).pk
    elif which == "cancelled":
        event_id = make_event(world).pk
        events.event_cancel(actor=world.district_officer, event_id=event_id)
    elif which == "started":
        event_id = make_event(world, starts_at=timezone.now() - timedelta(minutes=5)).pk
    else:
        event_id = 99999
    post = PostFactory(host=world.our_host)
    before = state()
    response = push(
        client, world.university_officer, django_capture_on_commit_callbacks, posts=[post.pk], events_=[event_id]
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-field="events"' in html
    assert f"推送活动：活动 {event_id} 不存在、未发布、已取消或已开始，只能推送即将举行的已发布活动。" in html
    assert state() == before  # nothing pushed, not even the valid post
    with pytest.raises(RuleError) as err:
        services.push_preview(actor=world.university_officer, event_ids=[event_id])
    assert (err.value.code, err.value.field) == ("outreach.events", "events")


def test_a_push_needs_a_post_or_an_event_and_at_most_five_events(client, world, django_capture_on_commit_callbacks):
    load(world, django_capture_on_commit_callbacks)
    before = state()
    response = push(client, world.university_officer, django_capture_on_commit_callbacks)
    assert response.status_code == 200
    assert "请至少选择一个岗位（填写岗位编号）或一个活动。" in response.content.decode()
    many = [make_event(world, title=f"活动{n}").pk for n in range(services.MAX_EVENTS + 1)]
    with pytest.raises(RuleError) as err:
        services.push_create(actor=world.university_officer, event_ids=many)
    assert err.value.field == "events" and "最多推送 5 个活动" in err.value.message
    response = push(client, world.university_officer, django_capture_on_commit_callbacks, events_=["abc"])
    assert response.status_code == 200 and 'data-field="events"' in response.content.decode()
    assert state() == before


def test_outsiders_cannot_push_events_to_our_graduates(client, world, django_capture_on_commit_callbacks):
    load(world, django_capture_on_commit_callbacks)
    event = make_event(world)
    push(client, world.university_officer, django_capture_on_commit_callbacks, events_=[event.pk])
    ours = Push.objects.get()
    mail.outbox.clear()
    MemoryBackend.outbox.clear()
    new_event = make_event(world, title="另一场活动")
    before = state()
    for who in ("district_officer", "city", "host_staff", "youth", "department_officer"):
        response = push(client, getattr(world, who), django_capture_on_commit_callbacks, events_=[new_event.pk])
        assert response.status_code == 403, who
    with pytest.raises(RuleError):
        services.push_create(actor=world.district_officer, event_ids=[new_event.pk])
    client.force_login(world.other_university_officer)
    assert client.get(reverse("outreach:push", args=[ours.pk])).status_code == 404
    assert state() == before
    # The other university pushing the same event reaches its own (empty) list, never ours.
    response = push(client, world.other_university_officer, django_capture_on_commit_callbacks, events_=[new_event.pk])
    assert response.status_code == 302
    theirs = Push.objects.latest("pk")
    assert theirs.university_id == world.other_university_officer.university_id
    assert (theirs.matched, theirs.recipients) == (0, 0)
    assert not PushReceipt.objects.filter(event=new_event).exists()
    assert not mail.outbox and not MemoryBackend.outbox


def test_take_up_counts_sign_ups_for_a_pushed_event(client, world, django_capture_on_commit_callbacks):
    load(world, django_capture_on_commit_callbacks)
    event = make_event(world)
    post = PostFactory(host=world.our_host)
    officer = world.university_officer
    with django_capture_on_commit_callbacks(execute=True):
        event_push = services.push_create(actor=officer, event_ids=[event.pk])
        post_push = services.push_create(actor=officer, post_ids=[post.pk])
    assert push_takeup([event_push])[event_push.pk] == TakeUp(3, 2, 1, 0, 0, 0)
    # Our young person signs up for the event: applied (signed up) on the event's push only.
    with django_capture_on_commit_callbacks(execute=True):
        events.signup(actor=world.youth, event_id=event.pk, now=timezone.now())
    figures = push_takeup([event_push, post_push])
    assert figures[event_push.pk] == TakeUp(graduates=3, invited=2, registered=1, applied=1, placed=0, signed_up=1)
    assert figures[post_push.pk] == TakeUp(graduates=3, invited=2, registered=1, applied=0, placed=0, signed_up=0)
    client.force_login(officer)
    page = client.get(reverse("outreach:push", args=[event_push.pk]))
    assert 'data-testid="push-signed-up">1<' in page.content.decode()
    # A cancelled sign-up no longer counts.
    events.signup_cancel(actor=world.youth, event_id=event.pk)
    assert push_takeup([event_push])[event_push.pk].applied == 0


def test_a_receipt_or_item_names_exactly_one_target(world, django_capture_on_commit_callbacks):
    load(world, django_capture_on_commit_callbacks)
    event, post = make_event(world), PostFactory(host=world.our_host)
    with django_capture_on_commit_callbacks(execute=True):
        done = services.push_create(actor=world.university_officer, event_ids=[event.pk])
    graduate = done.receipts.first().graduate
    for target in ({"post": post, "event": event}, {}):
        with pytest.raises(IntegrityError), transaction.atomic():
            PushItem.objects.create(push=done, **target)
        with pytest.raises(IntegrityError), transaction.atomic():
            PushReceipt.objects.create(push=done, graduate=graduate, id_number=graduate.id_number, **target)
    with pytest.raises(IntegrityError), transaction.atomic():  # the same person and event twice
        PushReceipt.objects.create(push=done, graduate=graduate, id_number=graduate.id_number, event=event)


def test_the_pages_run_a_constant_number_of_queries(client, world, django_capture_on_commit_callbacks):
    load(world, django_capture_on_commit_callbacks)
    officer = world.university_officer
    client.force_login(officer)

    def grow(count: int) -> Push:
        made = [make_event(world, title=f"活动{n}") for n in range(count)]
        with django_capture_on_commit_callbacks(execute=True):
            for event in made:
                services.push_create(actor=officer, event_ids=[event.pk])
            return services.push_create(actor=officer, event_ids=[e.pk for e in made[: services.MAX_EVENTS]])

    def queries(url: str) -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    small_push = grow(2)
    urls = [reverse("outreach:home"), reverse("outreach:push_new"), reverse("outreach:takeup_export")]
    small = [queries(u) for u in urls] + [queries(reverse("outreach:push", args=[small_push.pk]))]
    big_push = grow(12)
    assert big_push.items.count() == services.MAX_EVENTS
    big = [queries(u) for u in urls] + [queries(reverse("outreach:push", args=[big_push.pk]))]
    assert big == small


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent writers need PostgreSQL")
def test_two_pushes_of_an_event_at_the_same_moment_message_each_person_once(world):
    officer = world.university_officer
    graduates_import(actor=officer, rows=read_sheet(xlsx([row(n) for n in range(1, 21)])))
    mail.outbox.clear()
    event = make_event(world)
    results = race(
        lambda: services.push_create(actor=officer, event_ids=[event.pk]),
        lambda: services.push_create(actor=officer, event_ids=[event.pk]),
    )
    assert all(isinstance(r, Push) for r in results)
    assert sorted(r.recipients for r in results) == [0, 20]
    assert PushReceipt.objects.filter(event=event).count() == 20
    assert sorted(len(mails_to(row(n)[EMAIL])) for n in range(1, 21)) == [1] * 20


def test_the_event_page_offers_a_university_officer_the_push_of_that_event(client, world):
    event = make_event(world, title="海淀区专场招聘会")
    client.force_login(world.university_officer)
    page = client.get(reverse("events:detail", args=[event.pk])).content.decode()
    link = f"{reverse('outreach:push_new')}?events={event.pk}"
    assert f'href="{link}" data-testid="push-event"' in page
    form = client.get(link).context["form"]
    assert form.initial["events"] == [str(event.pk)]
    # Nobody else is offered it: a young person, a district officer, a visitor.
    for user in (world.youth, world.district_officer, None):
        client.logout()
        if user is not None:
            client.force_login(user)
        assert 'data-testid="push-event"' not in client.get(reverse("events:detail", args=[event.pk])).content.decode()


def test_a_queued_push_of_an_event_cancelled_meanwhile_sends_nothing_of_it(world, django_capture_on_commit_callbacks):
    officer = world.university_officer
    graduates_import(actor=officer, rows=read_sheet(xlsx([row(n) for n in range(1, 4)])))
    mail.outbox.clear()
    kept, cancelled = make_event(world, title="保留的活动"), make_event(world, title="取消的活动")
    with django_capture_on_commit_callbacks(execute=False):  # the job is queued, not yet run
        made = services.push_create(actor=officer, event_ids=[kept.pk, cancelled.pk])
    assert PushReceipt.objects.filter(push=made).count() == 6
    events.event_cancel(actor=world.district_officer, event_id=cancelled.pk)
    services.deliver_push(made.pk)
    sent = [m.body for m in mail.outbox]
    assert len(sent) == 3 and all("保留的活动" in b and "取消的活动" not in b for b in sent)
    # No one received the cancelled event: its receipts are gone, the others are marked sent.
    assert not PushReceipt.objects.filter(event=cancelled).exists()
    assert PushReceipt.objects.filter(event=kept, sent_at__isnull=False).count() == 3
    made.refresh_from_db()
    assert made.recipients == 3  # each still got the kept event


def test_a_push_whose_only_event_was_cancelled_reaches_no_one(world, django_capture_on_commit_callbacks):
    officer = world.university_officer
    graduates_import(actor=officer, rows=read_sheet(xlsx([row(n) for n in range(1, 3)])))
    mail.outbox.clear()
    cancelled = make_event(world, title="取消的活动")
    with django_capture_on_commit_callbacks(execute=False):
        made = services.push_create(actor=officer, event_ids=[cancelled.pk])
    assert made.recipients == 2
    events.event_cancel(actor=world.district_officer, event_id=cancelled.pk)
    services.deliver_push(made.pk)
    made.refresh_from_db()
    assert (made.recipients, len(mail.outbox), PushReceipt.objects.count()) == (0, 0, 0)
