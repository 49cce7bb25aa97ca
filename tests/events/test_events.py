"""Matching events (就业见习专项对接活动): organising, sign-up with a waiting list, check-in,
applying through an event, the funnel, reminders and R-TG-3."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
import time_machine
from django.core import signing
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from jianxi.core.errors import RuleError
from jianxi.core.models import Notification
from jianxi.events import selectors, services
from jianxi.events.models import Event, EventApplication, EventStatus, Signup, SignupStatus
from jianxi.placements import services as placements
from jianxi.placements.models import Application
from jianxi.posts.models import PostStatus
from tests.events.conftest import BEIJING, NOW, TOMORROW_9, data, make_event
from tests.factories import PersonFactory, PostFactory, UserFactory, district
from tests.placements.conftest import terms

pytestmark = pytest.mark.django_db


def youth_person(n: int = 0):
    user = UserFactory(role="youth")
    PersonFactory(user=user)
    return user


# --- organising ------------------------------------------------------------------------------------


def test_a_district_officer_creates_a_draft_for_its_district_and_publishes_it(world):
    post = PostFactory(host=world.our_host)
    event = services.event_save(actor=world.district_officer, data=data(post_ids=[post.pk]))
    assert event.status == EventStatus.DRAFT
    assert event.district == world.district_officer.district == event.organiser_district
    assert list(event.posts.all()) == [post]
    assert event.history.first().history_user == world.district_officer
    assert selectors.event_public(event.pk) is None  # a draft is not public
    services.event_publish(actor=world.district_officer, event_id=event.pk)
    assert selectors.event_public(event.pk) is not None


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"place": "", "online_link": ""}, "event.place"),
        ({"ends_at": TOMORROW_9}, "event.time"),
        ({"capacity": 0}, "event.capacity"),
        ({"kind": "party"}, "event.kind"),
    ],
)
def test_an_event_is_refused_with_a_code_naming_the_rule(world, change, code):
    with pytest.raises(RuleError) as err:
        services.event_save(actor=world.district_officer, data=data(**change))
    assert err.value.code == code
    assert not Event.objects.exists()


def test_only_published_posts_of_the_organisers_district_may_be_featured(world):
    draft = PostFactory(host=world.our_host, status=PostStatus.DRAFT, published_at=None)
    theirs = PostFactory(host=world.other_host)
    for post in (draft, theirs):
        with pytest.raises(RuleError) as err:
            services.event_save(actor=world.district_officer, data=data(post_ids=[post.pk]))
        assert err.value.code == "event.posts" and err.value.field == "posts"
    assert not Event.objects.exists()


def test_a_department_and_a_university_organise_their_own_events_in_a_district_they_choose(world):
    ours = PostFactory(host=world.our_host)  # recruited by 科委 (the world's department), in 海淀
    event = make_event(world, actor=world.department_officer, district_id=district("110105").pk, post_ids=[ours.pk])
    assert event.organiser_department == world.department_officer.department and event.district.code == "110105"
    uni = make_event(world, actor=world.university_officer, district_id=district("110108").pk, post_ids=[ours.pk])
    assert uni.organiser_university == world.university_officer.university
    # A university features only posts of the event's district.
    with pytest.raises(RuleError):
        make_event(world, actor=world.university_officer, district_id=district("110105").pk, post_ids=[ours.pk])


def test_a_host_and_a_young_person_cannot_organise(world, client):
    for user in (world.host_staff, world.youth):
        with pytest.raises(RuleError) as err:
            services.event_save(actor=user, data=data())
        assert err.value.code == "event.organiser"
        client.force_login(user)
        assert client.get(reverse("events:create")).status_code == 403
        assert client.post(reverse("events:create"), {"title": "x"}).status_code == 403
    assert not Event.objects.exists()


def test_another_district_cannot_see_edit_publish_or_cancel_our_event(world, client):
    event = make_event(world, publish=False)
    before = Event.objects.values().get(pk=event.pk)
    client.force_login(world.other_district_officer)
    for name in ("manage_detail", "edit", "sheet", "qr"):
        assert client.get(reverse(f"events:{name}", args=[event.pk])).status_code == 404, name
    for name in ("edit", "publish", "cancel", "tick"):
        response = client.post(reverse(f"events:{name}", args=[event.pk]), {"title": "改", "signup": "1"})
        assert response.status_code == 404, name
    with pytest.raises(Exception):  # noqa: B017 - Http404 from the scoping layer
        services.event_publish(actor=world.other_district_officer, event_id=event.pk)
    assert Event.objects.values().get(pk=event.pk) == before
    assert client.get(reverse("events:manage")).context["page"].paginator.count == 0


def test_the_officer_pages_edit_publish_and_export(world, client):
    post = PostFactory(host=world.our_host)
    client.force_login(world.district_officer)
    form = {
        "kind": "campus", "title": "进校园专场", "starts_at": "2026-12-03T14:00", "ends_at": "2026-12-03T17:00",
        "place": "北京大学", "online_link": "", "capacity": "50", "description": "", "posts": [str(post.pk)],
    }  # fmt: skip
    response = client.post(reverse("events:create"), form)
    event = Event.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("events:manage_detail", args=[event.pk])
    assert timezone_local(event.starts_at) == datetime(2026, 12, 3, 14, 0, tzinfo=BEIJING)
    page = client.get(reverse("events:edit", args=[event.pk]))
    assert page.status_code == 200 and "进校园专场" in page.content.decode()
    client.post(reverse("events:edit", args=[event.pk]), {**form, "place": "", "online_link": ""})
    assert Event.objects.get().place == "北京大学"  # refused: a place or a link is needed
    client.post(reverse("events:publish", args=[event.pk]))
    assert Event.objects.get().status == EventStatus.PUBLISHED
    export = client.get(reverse("events:manage") + "?format=xlsx")
    assert export.status_code == 200 and export["Content-Type"].startswith("application/vnd.openxml")
    # A post of another district typed into the form is refused on the field.
    theirs = PostFactory(host=world.other_host)
    response = client.post(reverse("events:edit", args=[event.pk]), {**form, "posts": [str(theirs.pk)]})
    assert response.status_code == 200 and list(Event.objects.get().posts.all()) == [post]


def timezone_local(value):
    return value.astimezone(BEIJING)


def test_the_lists_run_a_constant_number_of_queries(world, client):
    def queries(url: str, user=None) -> int:
        if user is not None:
            client.force_login(user)
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx)

    make_event(world)
    small = (queries(reverse("events:list")), queries(reverse("events:manage"), world.district_officer))
    for _ in range(6):
        event = make_event(world)
        services.signup(actor=youth_person(), event_id=event.pk, now=NOW)
    client.logout()
    large = (queries(reverse("events:list")), queries(reverse("events:manage"), world.district_officer))
    assert small == large
    client.logout()
    assert client.get(reverse("events:list")).context["page"].paginator.count == 7


def test_the_public_list_filters_by_district_and_date(world, client):
    a = make_event(world)
    b = make_event(world, starts_at=TOMORROW_9 + timedelta(days=10), ends_at=TOMORROW_9 + timedelta(days=10, hours=2))
    c = make_event(world, actor=world.other_district_officer, post_ids=[])
    make_event(world, publish=False)

    def listed(query: str) -> set[int]:
        return {e.pk for e in client.get(reverse("events:list") + query).context["page"]}

    assert listed("") == {a.pk, b.pk, c.pk}
    assert listed("?district=110108") == {a.pk, b.pk}
    assert listed("?start=2026-12-01") == {b.pk}
    assert listed("?end=2026-11-27") == {a.pk, c.pk}
    assert listed("?start=nonsense&district=999999") == {a.pk, b.pk, c.pk}  # bad filters ignored, no 500


# --- sign-up and waiting list ----------------------------------------------------------------------


def test_capacity_then_waiting_list_promoted_first_come_first_served_on_cancel(world):
    event = make_event(world, capacity=2)
    a, b, c, d = (youth_person() for _ in range(4))
    assert services.signup(actor=a, event_id=event.pk, now=NOW).status == SignupStatus.CONFIRMED
    assert services.signup(actor=b, event_id=event.pk, now=NOW).status == SignupStatus.CONFIRMED
    assert services.signup(actor=c, event_id=event.pk, now=NOW + timedelta(minutes=1)).status == SignupStatus.WAITING
    assert services.signup(actor=d, event_id=event.pk, now=NOW + timedelta(minutes=2)).status == SignupStatus.WAITING
    with pytest.raises(RuleError) as err:
        services.signup(actor=a, event_id=event.pk, now=NOW)
    assert err.value.code == "event.already_signed_up"
    services.signup_cancel(actor=b, event_id=event.pk)
    status = dict(Signup.objects.values_list("person__user", "status"))
    assert status == {a.pk: "confirmed", b.pk: "cancelled", c.pk: "confirmed", d.pk: "waiting"}
    # Signing up again after cancelling goes to the back of the queue.
    assert services.signup(actor=b, event_id=event.pk, now=NOW + timedelta(minutes=5)).status == "waiting"
    services.signup_cancel(actor=a, event_id=event.pk)
    assert Signup.objects.get(person__user=d).status == SignupStatus.CONFIRMED
    assert Signup.objects.get(person__user=b).status == SignupStatus.WAITING
    assert Signup.objects.filter(event=event, status=SignupStatus.CONFIRMED).count() == 2


def test_one_signup_per_person_per_event_is_a_database_constraint(world):
    event = make_event(world)
    person = PersonFactory()
    Signup.objects.create(event=event, person=person, status=SignupStatus.CONFIRMED, queued_at=NOW)
    with pytest.raises(IntegrityError), transaction.atomic():
        Signup.objects.create(event=event, person=person, status=SignupStatus.WAITING, queued_at=NOW)


def test_a_cancelled_a_draft_or_a_past_event_takes_no_signups(world):
    draft = make_event(world, publish=False)
    with pytest.raises(Exception):  # noqa: B017 - a draft is not found (404)
        services.signup(actor=world.youth, event_id=draft.pk, now=NOW)
    cancelled = make_event(world)
    services.event_cancel(actor=world.district_officer, event_id=cancelled.pk)
    with pytest.raises(RuleError) as err:
        services.signup(actor=world.youth, event_id=cancelled.pk, now=NOW)
    assert err.value.code == "event.closed"
    past = make_event(world)
    with pytest.raises(RuleError) as err:
        services.signup(actor=world.youth, event_id=past.pk, now=TOMORROW_9 + timedelta(hours=4))
    assert err.value.code == "event.closed"
    assert not Signup.objects.exists()


def test_signup_pages_for_a_young_person(world, client):
    event = make_event(world, capacity=1)
    client.force_login(youth_person())
    client.post(reverse("events:signup", args=[event.pk]))
    client.force_login(world.youth)
    assert client.get(reverse("events:detail", args=[event.pk])).status_code == 200
    response = client.post(reverse("events:signup", args=[event.pk]), follow=True)
    assert "候补" in response.content.decode()
    assert Signup.objects.get(person__user=world.youth).status == SignupStatus.WAITING
    client.post(reverse("events:signup_cancel", args=[event.pk]))
    assert Signup.objects.get(person__user=world.youth).status == SignupStatus.CANCELLED
    client.force_login(world.host_staff)
    assert client.post(reverse("events:signup", args=[event.pk])).status_code == 403


# --- check-in --------------------------------------------------------------------------------------


def test_check_in_by_the_signed_url_on_the_day_and_by_the_organisers_tick(world, client):
    event = make_event(world)
    other = youth_person()
    services.signup(actor=world.youth, event_id=event.pk, now=NOW)
    services.signup(actor=other, event_id=event.pk, now=NOW)
    client.force_login(world.district_officer)
    sheet = client.get(reverse("events:sheet", args=[event.pk]))
    url = sheet.context["checkin_url"]
    assert "?t=" in url and sheet.status_code == 200
    qr = client.get(reverse("events:qr", args=[event.pk]))
    assert qr.status_code == 200 and qr["Content-Type"] == "image/svg+xml" and b"<svg" in qr.content
    assert b"style=" not in qr.content
    token = url.split("?t=")[1]
    client.force_login(world.youth)
    checkin = reverse("events:checkin", args=[event.pk])
    # The day before: refused.
    client.post(checkin, {"t": token})
    assert Signup.objects.get(person__user=world.youth).checked_in_at is None
    with time_machine.travel(TOMORROW_9 + timedelta(minutes=5), tick=False):
        assert client.get(f"{checkin}?t={token}").status_code == 200
        client.post(checkin, {"t": "forged:token"})
        assert Signup.objects.get(person__user=world.youth).checked_in_at is None
        bad = signing.dumps({"event": event.pk + 1}, salt=services.CHECKIN_SALT)
        client.post(checkin, {"t": bad})
        assert Signup.objects.get(person__user=world.youth).checked_in_at is None
        client.post(checkin, {"t": token})
        assert Signup.objects.get(person__user=world.youth).checked_in_at is not None
        client.force_login(world.district_officer)
        row = Signup.objects.get(person__user=other)
        client.post(reverse("events:tick", args=[event.pk]), {"signup": str(row.pk)})
        assert Signup.objects.get(pk=row.pk).checked_in_at is not None
    assert selectors.funnel(event).attended == 2


@pytest.mark.parametrize(
    ("at", "open_"),
    [
        (TOMORROW_9 - timedelta(hours=1, seconds=1), False),
        (TOMORROW_9 - timedelta(hours=1), True),  # an hour before the start
        (TOMORROW_9 + timedelta(hours=4), True),  # an hour after the end (09:00–12:00)
        (TOMORROW_9 + timedelta(hours=4, seconds=1), False),  # same day, later: a forwarded link
    ],
)
def test_the_qr_code_checks_in_only_while_the_event_is_on(world, at, open_):
    event = make_event(world)
    services.signup(actor=world.youth, event_id=event.pk, now=NOW)
    token = services.checkin_token(event)
    if open_:
        assert services.check_in_by_token(actor=world.youth, event_id=event.pk, token=token, now=at).checked_in_at
    else:
        with pytest.raises(RuleError) as err:
            services.check_in_by_token(actor=world.youth, event_id=event.pk, token=token, now=at)
        assert err.value.code == "event.checkin_closed"


def test_someone_not_signed_up_cannot_check_in(world):
    event = make_event(world)
    token = services.checkin_token(event)
    with pytest.raises(RuleError) as err:
        services.check_in_by_token(actor=world.youth, event_id=event.pk, token=token, now=TOMORROW_9)
    assert err.value.code == "event.not_signed_up"


# --- applying through an event and the funnel ------------------------------------------------------


def test_applying_through_the_event_tags_the_application_and_moves_the_funnel(world, client):
    featured = PostFactory(host=world.our_host, headcount=3)
    not_featured = PostFactory(host=world.our_host)
    event = make_event(world, post_ids=[featured.pk])
    assert selectors.funnel(event) == selectors.Funnel(0, 0, 0, 0, 0, 0)
    services.signup(actor=world.youth, event_id=event.pk, now=NOW)
    assert selectors.funnel(event).signed_up == 1
    client.force_login(world.youth)
    page = client.get(reverse("placements:apply", args=[featured.pk]) + f"?event={event.pk}")
    assert f'name="event" value="{event.pk}"' in page.content.decode()
    # A post the event does not feature: refused, and no application is made.
    client.post(reverse("placements:apply", args=[not_featured.pk]), {"event": str(event.pk)})
    assert not Application.objects.filter(post=not_featured).exists()
    client.post(reverse("placements:apply", args=[featured.pk]), {"event": "abc"})
    assert not Application.objects.exists()
    client.post(reverse("placements:apply", args=[featured.pk]), {"event": str(event.pk)})
    application = Application.objects.get(post=featured)
    assert EventApplication.objects.get(application=application).event == event
    assert selectors.funnel(event).applied == 1
    with time_machine.travel(TOMORROW_9, tick=False):
        services.check_in_by_token(
            actor=world.youth, event_id=event.pk, token=services.checkin_token(event), now=TOMORROW_9
        )
    assert selectors.funnel(event).attended == 1
    placements.application_move(actor=world.host_staff, application_id=application.pk, action="offer")
    assert selectors.funnel(event).offered == 1
    placements.application_move(actor=world.youth, application_id=application.pk, action="accept")
    agreement = placements.agreement_create(actor=world.host_staff, application_id=application.pk, terms=terms())
    assert selectors.funnel(event).placed == 0  # not started: both sides have not confirmed
    placements.agreement_confirm(actor=world.host_staff, agreement_id=agreement.pk)
    placements.agreement_confirm(actor=world.youth, agreement_id=agreement.pk)
    funnel = selectors.funnel(event)
    assert funnel == selectors.Funnel(signed_up=1, waiting=0, attended=1, applied=1, offered=1, placed=1)
    client.force_login(world.district_officer)
    with CaptureQueriesContext(connection) as ctx:
        page = client.get(reverse("events:manage_detail", args=[event.pk]))
    assert page.context["funnel"] == funnel
    assert 'data-testid="funnel-placed">1<' in page.content.decode()
    # An application without the event is not counted.
    other = PostFactory(host=world.our_host)
    placements.application_apply(actor=youth_person(), post_id=other.pk, today=date(2026, 11, 26))
    assert selectors.funnel(event).applied == 1
    assert len(ctx) < 40


def test_a_placement_starting_more_than_60_days_after_the_event_is_not_counted(world):
    featured = PostFactory(host=world.our_host, headcount=3)
    event = make_event(
        world, post_ids=[featured.pk],
        starts_at=datetime(2026, 9, 1, 9, 0, tzinfo=BEIJING), ends_at=datetime(2026, 12, 31, 9, 0, tzinfo=BEIJING),
    )  # fmt: skip
    application = placements.application_apply(
        actor=world.youth, post_id=featured.pk, today=date(2026, 11, 26), via={"event": str(event.pk)}
    )
    placements.application_move(actor=world.host_staff, application_id=application.pk, action="offer")
    placements.application_move(actor=world.youth, application_id=application.pk, action="accept")
    agreement = placements.agreement_create(actor=world.host_staff, application_id=application.pk, terms=terms())
    placements.agreement_confirm(actor=world.host_staff, agreement_id=agreement.pk)
    placements.agreement_confirm(actor=world.youth, agreement_id=agreement.pk)
    # The event started 2026-09-01: 60 days end on 2026-10-31, the internship starts 2026-12-01.
    assert selectors.funnel(event).placed == 0 and selectors.funnel(event).offered == 1


# --- reminders -------------------------------------------------------------------------------------


def test_the_day_before_each_confirmed_person_is_reminded_once(world, django_capture_on_commit_callbacks):
    event = make_event(world, capacity=1)
    later = make_event(world, starts_at=TOMORROW_9 + timedelta(days=2), ends_at=TOMORROW_9 + timedelta(days=2, hours=1))
    waiting = youth_person()
    services.signup(actor=world.youth, event_id=event.pk, now=NOW)
    services.signup(actor=waiting, event_id=event.pk, now=NOW)
    services.signup(actor=world.youth, event_id=later.pk, now=NOW)
    with django_capture_on_commit_callbacks(execute=True):
        assert services.send_reminders(now=NOW) == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert services.send_reminders(now=NOW) == 0
        call_command("send_event_reminders")
    reminders = Notification.objects.filter(message__startswith="提醒")
    assert [n.user for n in reminders] == [world.youth]
    assert Signup.objects.get(event=event, person__user=world.youth).reminded_at is not None
    assert Signup.objects.get(event=later, person__user=world.youth).reminded_at is None


def test_the_celery_task_sends_the_reminders(world, django_capture_on_commit_callbacks):
    from jianxi.events.tasks import send_event_reminders

    event = make_event(world)
    services.signup(actor=world.youth, event_id=event.pk, now=NOW)
    with django_capture_on_commit_callbacks(execute=True):
        assert send_event_reminders.run() == 1
        assert send_event_reminders.run() == 0
    assert Notification.objects.filter(user=world.youth, message__startswith="提醒").count() == 1


def test_cancelling_an_event_tells_those_signed_up(world, django_capture_on_commit_callbacks):
    event = make_event(world)
    services.signup(actor=world.youth, event_id=event.pk, now=NOW)
    with django_capture_on_commit_callbacks(execute=True):
        services.event_cancel(actor=world.district_officer, event_id=event.pk)
    assert Notification.objects.filter(user=world.youth, message__contains="已取消").exists()


def test_the_demo_has_an_upcoming_haidian_event_with_two_posts_and_is_idempotent(db):
    call_command("demo")
    call_command("demo")
    event = Event.objects.get(title__contains="示例")
    assert event.status == EventStatus.PUBLISHED and event.district.code == "110108"
    assert event.starts_at > NOW and event.posts.count() == 2
