"""Every change of an event, a sign-up and an event's application tag is one function here.

Each runs in a transaction; a sign-up's changes lock the event row first (``select_for_update``),
so the places taken never exceed the capacity and the waiting list moves first come, first
served, however many people sign up or cancel at the same moment.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core import signing
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from jianxi.accounts.models import Role, User
from jianxi.accounts.scoping import get_scoped
from jianxi.core import audit
from jianxi.core.errors import RuleError
from jianxi.core.notify import notify
from jianxi.events.models import Event, EventApplication, EventKind, EventStatus, Signup, SignupStatus
from jianxi.placements.models import Application
from jianxi.policy.models import District
from jianxi.posts.models import Post, PostStatus
from jianxi.youth.models import Person

ORGANISERS = (Role.DISTRICT, Role.DEPARTMENT, Role.UNIVERSITY)
CHECKIN_SALT = "jianxi.events.checkin"
PLACE_MAX = 200


@dataclass(frozen=True)
class EventData:
    kind: str
    title: str
    starts_at: datetime
    ends_at: datetime
    place: str
    online_link: str
    capacity: int
    description: str
    district_id: int | None  # where it counts (R-TG-3); a district officer's is its own
    post_ids: Sequence[int]


def featurable_posts(actor: User, district_id: int | None) -> QuerySet[Post]:
    """The published posts an organiser may feature: a district's own posts, a department's own,
    a university's in the event's district."""
    posts = Post.objects.filter(status=PostStatus.PUBLISHED).select_related("host")
    if actor.role == Role.DISTRICT and actor.district_id is not None:
        return posts.filter(host__district_id=actor.district_id)
    if actor.role == Role.DEPARTMENT and actor.department_id is not None:
        return posts.filter(department_id=actor.department_id)
    if actor.role == Role.UNIVERSITY and district_id is not None:
        return posts.filter(district_id=district_id)
    return posts.none()


def _organiser(actor: User) -> dict[str, int | None]:
    if getattr(actor, "role", None) not in ORGANISERS:
        raise RuleError("event.organiser", _("只有区人社局、市级部门和高校可以组织对接活动。"))
    return {
        "organiser_district_id": actor.district_id if actor.role == Role.DISTRICT else None,
        "organiser_department_id": actor.department_id if actor.role == Role.DEPARTMENT else None,
        "organiser_university_id": actor.university_id if actor.role == Role.UNIVERSITY else None,
    }


def _check(actor: User, data: EventData) -> tuple[int, list[Post]]:
    if data.kind not in EventKind.values:
        raise RuleError("event.kind", _("活动形式不在可选范围内。"), field="kind")
    if not data.title.strip():
        raise RuleError("event.title", _("请填写活动名称。"), field="title")
    if data.ends_at <= data.starts_at:
        raise RuleError("event.time", _("结束时间应晚于开始时间。"), field="ends_at")
    if not data.place.strip() and not data.online_link.strip():
        raise RuleError("event.place", _("请填写活动地点或线上链接（至少一项）。"), field="place")
    if data.capacity < 1:
        raise RuleError("event.capacity", _("名额至少为 1。"), field="capacity")
    district_id = actor.district_id if actor.role == Role.DISTRICT else data.district_id
    if district_id is None or not District.objects.filter(pk=district_id).exists():
        raise RuleError("event.district", _("请选择活动所在区。"), field="district")
    wanted = set(data.post_ids)
    posts = list(featurable_posts(actor, district_id).filter(pk__in=wanted))
    if len(posts) != len(wanted):
        raise RuleError("event.posts", _("推介岗位只能是本区（本部门、本活动所在区）已发布的岗位。"), field="posts")
    return district_id, posts


@transaction.atomic
def event_save(*, actor: User, data: EventData, event_id: int | None = None) -> Event:
    """Create an event (a draft) or change one of the organiser's own events."""
    organiser = _organiser(actor)
    district_id, posts = _check(actor, data)
    fields = {
        "kind": data.kind,
        "title": data.title.strip(),
        "starts_at": data.starts_at,
        "ends_at": data.ends_at,
        "place": data.place.strip(),
        "online_link": data.online_link.strip(),
        "capacity": data.capacity,
        "description": data.description.strip(),
        "district_id": district_id,
    }
    if event_id is None:
        event = Event(**fields, **organiser, created_by=actor)
        audit.save(event, actor=actor, reason="创建活动")
    else:
        event = get_scoped(actor, Event.objects.select_for_update(), pk=event_id)
        if event.status == EventStatus.CANCELLED:
            raise RuleError("event.cancelled", _("活动已取消，不能再修改。"))
        taken = event.signups.filter(status=SignupStatus.CONFIRMED).count()
        if data.capacity < taken:
            raise RuleError(
                "event.capacity",
                _("已有 %(taken)s 人报名，名额不能少于已报名人数。") % {"taken": taken},
                field="capacity",
            )
        audit.change(event, actor=actor, reason="修改活动", **fields)
        _promote(event)
    event.posts.set(posts)
    return event


def _locked(actor: User, event_id: int) -> Event:
    return get_scoped(actor, Event.objects.select_for_update(), pk=event_id)


@transaction.atomic
def event_publish(*, actor: User, event_id: int) -> Event:
    event = _locked(actor, event_id)
    if event.status != EventStatus.DRAFT:
        raise RuleError("event.status", _("只有草稿状态的活动可以发布。"))
    audit.change(event, actor=actor, reason="发布活动", status=EventStatus.PUBLISHED, published_at=timezone.now())
    return event


@transaction.atomic
def event_cancel(*, actor: User, event_id: int) -> Event:
    """Cancel an event; everyone signed up or waiting is told."""
    event = _locked(actor, event_id)
    if event.status == EventStatus.CANCELLED:
        raise RuleError("event.status", _("活动已取消。"))
    audit.change(event, actor=actor, reason="取消活动", status=EventStatus.CANCELLED, cancelled_at=timezone.now())
    users = User.objects.filter(
        person__event_signups__event=event,
        person__event_signups__status__in=(SignupStatus.CONFIRMED, SignupStatus.WAITING),
    )
    notify(users=list(users), message=f"活动“{event.title}”已取消。", link=reverse("events:detail", args=[event.pk]))
    return event


# --- sign-up ---------------------------------------------------------------------------------------


def _person(actor: User) -> Person:
    person = Person.objects.filter(user=actor).first() if getattr(actor, "role", None) == Role.YOUTH else None
    if person is None:
        raise RuleError("youth.registry", _("请先完成见习人员登记。"))
    return person


def _open_event(event_id: int, now: datetime) -> Event:
    """The event locked, if it takes sign-ups; a draft is not found (404), as on public pages."""
    event = Event.objects.select_for_update().filter(pk=event_id).first()
    if event is None or event.published_at is None:
        raise Http404
    if event.status != EventStatus.PUBLISHED:
        raise RuleError("event.closed", _("活动已取消，不再接受报名。"))
    if event.ends_at <= now:
        raise RuleError("event.closed", _("活动已结束，不再接受报名。"))
    return event


@transaction.atomic
def signup(*, actor: User, event_id: int, now: datetime) -> Signup:
    """报名: a confirmed place while there is room, else the waiting list (候补)."""
    person = _person(actor)
    event = _open_event(event_id, now)
    existing = Signup.objects.filter(event=event, person=person).first()
    if existing is not None and existing.status != SignupStatus.CANCELLED:
        raise RuleError("event.already_signed_up", _("您已报名该活动。"))
    taken = Signup.objects.filter(event=event, status=SignupStatus.CONFIRMED).count()
    status = SignupStatus.CONFIRMED if taken < event.capacity else SignupStatus.WAITING
    row = existing or Signup(event=event, person=person)
    row.status, row.queued_at, row.checked_in_at, row.reminded_at = status, now, None, None
    try:
        with transaction.atomic():
            audit.save(row, actor=actor, reason="报名" if status == SignupStatus.CONFIRMED else "候补")
    except IntegrityError as exc:  # the same person twice at the same moment
        raise RuleError("event.already_signed_up", _("您已报名该活动。")) from exc
    return row


def _promote(event: Event) -> list[Signup]:
    """Fill free places from the waiting list, first come first served (the event row is locked)."""
    taken = Signup.objects.filter(event=event, status=SignupStatus.CONFIRMED).count()
    free = event.capacity - taken
    if free <= 0:
        return []
    promoted = list(
        Signup.objects.filter(event=event, status=SignupStatus.WAITING)
        .select_related("person__user")
        .order_by("queued_at", "pk")[:free]
    )
    for row in promoted:
        audit.change(row, actor=None, reason="候补转正", status=SignupStatus.CONFIRMED)
        notify(
            users=[row.person.user],
            message=f"您已从候补转为正式报名：活动“{event.title}”。",
            link=reverse("events:detail", args=[event.pk]),
        )
    return promoted


@transaction.atomic
def signup_cancel(*, actor: User, event_id: int) -> Signup:
    """取消报名: the place goes to the first on the waiting list."""
    person = _person(actor)
    event = Event.objects.select_for_update().filter(pk=event_id, published_at__isnull=False).first()
    if event is None:
        raise Http404
    row = Signup.objects.filter(event=event, person=person).exclude(status=SignupStatus.CANCELLED).first()
    if row is None:
        raise RuleError("event.not_signed_up", _("您没有报名该活动。"))
    if row.checked_in_at is not None:
        raise RuleError("event.checked_in", _("已签到，不能取消报名。"))
    audit.change(row, actor=actor, reason="取消报名", status=SignupStatus.CANCELLED)
    if event.status == EventStatus.PUBLISHED:
        _promote(event)
    return row


# --- check-in --------------------------------------------------------------------------------------


def checkin_token(event: Event) -> str:
    """The signed token of an event's check-in URL (its QR code)."""
    return signing.dumps({"event": event.pk}, salt=CHECKIN_SALT)


# Check-in by the QR code is open from an hour before the event starts to an hour after it ends:
# the printed code holds no time of its own, so a link forwarded away from the venue works only
# while the event is on, not all day.
CHECKIN_MARGIN = timedelta(hours=1)


def _checkin_open(event: Event, now: datetime) -> None:
    if event.status != EventStatus.PUBLISHED:
        raise RuleError("event.closed", _("活动未在进行中，不能签到。"))
    if not event.starts_at - CHECKIN_MARGIN <= now <= event.ends_at + CHECKIN_MARGIN:
        raise RuleError("event.checkin_closed", _("只能在活动开始前 1 小时至结束后 1 小时内签到。"))


def _check_in(actor: User, row: Signup, now: datetime) -> Signup:
    if row.status != SignupStatus.CONFIRMED:
        raise RuleError("event.not_signed_up", _("没有正式报名（候补或已取消）的人员不能签到。"))
    if row.checked_in_at is None:
        audit.change(row, actor=actor, reason="签到", checked_in_at=now)
    return row


@transaction.atomic
def check_in_by_token(*, actor: User, event_id: int, token: str, now: datetime) -> Signup:
    """A young person scans the event's QR code at the door."""
    try:
        payload = signing.loads(token, salt=CHECKIN_SALT)
    except signing.BadSignature as exc:
        raise RuleError("event.checkin_token", _("签到码无效，请扫描活动现场的二维码。")) from exc
    if not isinstance(payload, dict) or payload.get("event") != event_id:
        raise RuleError("event.checkin_token", _("签到码无效，请扫描活动现场的二维码。"))
    person = _person(actor)
    event = Event.objects.select_for_update().filter(pk=event_id, published_at__isnull=False).first()
    if event is None:
        raise Http404
    _checkin_open(event, now)
    row = Signup.objects.filter(event=event, person=person).first()
    if row is None:
        raise RuleError("event.not_signed_up", _("您没有报名该活动，请先报名。"))
    return _check_in(actor, row, now)


@transaction.atomic
def check_in_by_organiser(*, actor: User, event_id: int, signup_id: int, now: datetime) -> Signup:
    """The organiser ticks a person on the check-in list."""
    event = _locked(actor, event_id)
    if event.status != EventStatus.PUBLISHED:
        raise RuleError("event.closed", _("活动未发布或已取消，不能签到。"))
    row = Signup.objects.filter(event=event, pk=signup_id).first()
    if row is None:
        raise Http404
    return _check_in(actor, row, now)


# --- applications through an event --------------------------------------------------------------


def tag_application(*, application: Application, actor: User, via: Mapping[str, str]) -> None:
    """``placements.application_made``: an application from an event's page is tagged with it.

    The event must be published and not cancelled, and feature the post; otherwise the
    application is refused (and not made)."""
    raw = via.get("event", "")
    if not raw:
        return
    if not raw.isascii() or not raw.isdecimal() or len(raw) > 18:
        raise RuleError("event.not_featured", _("活动编号无效。"), field="event")
    event = Event.objects.filter(pk=int(raw), status=EventStatus.PUBLISHED).first()
    if event is None or not event.posts.filter(pk=application.post_id).exists():
        raise RuleError("event.not_featured", _("该岗位不是此活动推介的岗位，或活动未在进行中。"), field="event")
    EventApplication.objects.create(application=application, event=event)


# --- reminders -------------------------------------------------------------------------------------


def send_reminders(*, now: datetime) -> int:
    """The day before an event, each person with a confirmed place is reminded once.

    Rows are claimed under a lock (skipped when another run holds them) and stamped in the same
    transaction as the notice, so a second run, or two at once, remind no one twice."""
    tomorrow = timezone.localdate(now) + timedelta(days=1)
    sent = 0
    with transaction.atomic():
        due = list(
            Signup.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(
                status=SignupStatus.CONFIRMED,
                reminded_at__isnull=True,
                event__status=EventStatus.PUBLISHED,
                event__starts_at__date=tomorrow,
            )
            .select_related("event", "person__user")
            .order_by("event_id", "pk")
        )
        if not due:
            return 0
        Signup.objects.filter(pk__in=[s.pk for s in due]).update(reminded_at=now)
        by_event: dict[int, list[Signup]] = {}
        for row in due:
            by_event.setdefault(row.event_id, []).append(row)
        for rows in by_event.values():
            event = rows[0].event
            start = timezone.localtime(event.starts_at)
            where = event.place or event.online_link
            notify(
                users=[r.person.user for r in rows if r.person.user is not None],
                message=f"提醒：您报名的活动“{event.title}”将于明天 {start:%H:%M} 开始，地点：{where}。",
                link=reverse("events:detail", args=[event.pk]),
            )
            sent += len(rows)
    return sent
