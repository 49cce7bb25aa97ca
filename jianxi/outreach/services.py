"""University push (高校推送): invitations to register, pushes of posts and events, and their delivery.

The request writes who is to receive what (set-based, in one transaction); a job
(``jianxi.core.jobs``: Celery when configured, else in process) sends the messages through the
channels of ``jianxi.core.notify`` and marks what it sent, so running it again sends nothing twice.

One person gets a given post at most once, and a given event at most once: a push inserts
``PushReceipt`` rows (ID number, post) and (ID number, event) under unique constraints, skipping
those that exist (``ON CONFLICT DO NOTHING``), and messages only the rows it inserted — two pushes
of the same post or event, even at the same moment, message each person once.

Which events: any published event that has not started and is not cancelled (``pushable_events``),
whoever organises it — the university's own or any other organiser's. Every published event is on
the public list and any registered young person may sign up, so each is open to the graduates;
a draft, a cancelled event or one already under way is refused (``outreach.events``).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date, datetime

from celery import shared_task
from django.db import transaction
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from jianxi.accounts.models import Role, User
from jianxi.accounts.scoping import scoped
from jianxi.core import jobs
from jianxi.core.errors import RuleError
from jianxi.core.notify import Recipient, deliver
from jianxi.events.models import Event, EventStatus
from jianxi.outreach.models import Graduate, Invitation, Push, PushItem, PushReceipt, PushStatus
from jianxi.outreach.selectors import pushable_posts, stands_for
from jianxi.policy.models import University
from jianxi.posts.models import Post, PostStatus
from jianxi.posts.search import query_groups
from jianxi.youth.models import Education, Person

MAX_POSTS = 10  # posts in one push
MAX_EVENTS = 5  # events in one push
MAX_MAJOR_TERMS = 10
_SEPARATORS = re.compile(r"[\s,，、;；/]+")
EAGER = "PUSH_TASKS_EAGER"


def _require_university(actor: User) -> int:
    if getattr(actor, "role", None) != Role.UNIVERSITY or not getattr(actor, "university_id", None):
        raise RuleError("outreach.role", _("只有高校账号可以向本校毕业生推送信息。"))
    return int(actor.university_id)  # type: ignore[arg-type]


# --- choosing graduates --------------------------------------------------------------------------


def major_condition(text: str) -> Q:
    """Graduates whose major matches any of the words (顿号, commas or spaces apart): as a whole
    substring, or segmented by jieba as the post search does — every word of it, each word as
    itself or as all its pieces (数据分析 matches 大数据与分析, 软件工程 matches 计算机软件工程)."""
    terms = [t for t in _SEPARATORS.split(text.strip()) if t][:MAX_MAJOR_TERMS]
    condition = Q()
    for term in terms:
        segmented = Q()
        for group in query_groups(term):
            alternatives = Q()
            for words in group:
                every = Q()
                for word in words:
                    every &= Q(major__icontains=word)
                alternatives |= every
            segmented &= alternatives
        condition |= Q(major__icontains=term) | segmented if segmented else Q(major__icontains=term)
    return condition


def parse_educations(values: Iterable[str]) -> list[str]:
    chosen = sorted({v for v in values if v})
    unknown = [v for v in chosen if v not in Education.values]
    if unknown:
        raise RuleError("outreach.education", _("学历筛选不在可选范围内。"), field="education")
    return chosen


def audience(actor: User, *, major: str = "", educations: Sequence[str] = ()) -> QuerySet[Graduate]:
    """The actor's graduates matching the filters (an empty filter matches all)."""
    qs = scoped(actor, Graduate.objects.all())
    if major.strip():
        qs = qs.filter(major_condition(major))
    if educations:
        qs = qs.filter(education__in=list(educations))
    return qs


def _posts(post_ids: Sequence[int]) -> list[Post]:
    ids = sorted(set(post_ids))
    if len(ids) > MAX_POSTS:
        raise RuleError(
            "outreach.posts", _("一次最多推送 %(max_posts)s 个岗位。") % {"max_posts": MAX_POSTS}, field="posts"
        )
    posts = list(pushable_posts(ids)) if ids else []
    missing = sorted(set(ids) - {p.pk for p in posts})
    if missing:
        shown = "、".join(str(i) for i in missing[:5])
        raise RuleError(
            "outreach.posts",
            _("岗位 %(shown)s 不存在或未在招募中，只能推送已发布的岗位。") % {"shown": shown},
            field="posts",
        )
    return posts


def pushable_events(now: datetime | None = None) -> QuerySet[Event]:
    """The events a university may push to its graduates: published, not cancelled, not yet
    started — whoever organises them (its own, a district's, a department's or another
    university's). Every published event is on the public list and open to any registered young
    person, so none is closed to the university's graduates."""
    now = now or timezone.now()
    return Event.objects.filter(status=EventStatus.PUBLISHED, published_at__isnull=False, starts_at__gt=now)


def _events(event_ids: Sequence[int]) -> list[Event]:
    ids = sorted(set(event_ids))
    if len(ids) > MAX_EVENTS:
        raise RuleError(
            "outreach.events",
            _("推送活动：一次最多推送 %(max_events)s 个活动。") % {"max_events": MAX_EVENTS},
            field="events",
        )
    events = list(pushable_events().filter(pk__in=ids).order_by("pk")) if ids else []
    missing = sorted(set(ids) - {e.pk for e in events})
    if missing:
        shown = "、".join(str(i) for i in missing[:5])
        raise RuleError(
            "outreach.events",
            _("推送活动：活动 %(shown)s 不存在、未发布、已取消或已开始，只能推送即将举行的已发布活动。")
            % {"shown": shown},
            field="events",
        )
    return events


def _targets(post_ids: Sequence[int], event_ids: Sequence[int]) -> tuple[list[Post], list[Event]]:
    if not post_ids and not event_ids:
        raise RuleError("outreach.posts", _("请至少选择一个岗位（填写岗位编号）或一个活动。"), field="posts")
    return _posts(post_ids), _events(event_ids)


def push_preview(
    *,
    actor: User,
    post_ids: Sequence[int] = (),
    event_ids: Sequence[int] = (),
    major: str = "",
    educations: Sequence[str] = (),
) -> tuple[int, int]:
    """(graduates matching the filters, those of them who would receive at least one new post or
    event)."""
    _require_university(actor)
    educations = parse_educations(educations)
    posts, events = _targets(post_ids, event_ids)
    matched = audience(actor, major=major, educations=educations)
    total = matched.count()
    # A graduate is new when some post or event has no receipt for them yet (one query).
    fresh = 0
    if total:
        received_all = matched
        for post in posts:
            received_all = received_all.filter(id_number__in=PushReceipt.objects.filter(post=post).values("id_number"))
        for event in events:
            received_all = received_all.filter(
                id_number__in=PushReceipt.objects.filter(event=event).values("id_number")
            )
        fresh = total - received_all.count()
    return total, fresh


def push_create(
    *,
    actor: User,
    post_ids: Sequence[int] = (),
    event_ids: Sequence[int] = (),
    major: str = "",
    educations: Sequence[str] = (),
    message: str = "",
) -> Push:
    """Push the posts and events to the matching graduates; each gets only those never sent to them.

    The messages go out from a job once this commits."""
    university_id = _require_university(actor)
    educations = parse_educations(educations)
    if len(message) > 200:
        raise RuleError("outreach.message", _("附言不能超过 200 个字。"), field="message")
    with transaction.atomic():
        posts, events = _targets(post_ids, event_ids)
        graduates = list(audience(actor, major=major, educations=educations).values_list("pk", "id_number"))
        push = Push.objects.create(
            university_id=university_id,
            sent_by=actor,
            message=message.strip(),
            major_filter=major.strip()[:100],
            education_filter=",".join(educations),
            matched=len(graduates),
        )
        PushItem.objects.bulk_create(
            [PushItem(push=push, post=post) for post in posts] + [PushItem(push=push, event=event) for event in events]
        )
        receipts = [
            PushReceipt(id_number=id_number, post=post, push=push, graduate_id=pk)
            for post in posts
            for pk, id_number in graduates
        ] + [
            PushReceipt(id_number=id_number, event=event, push=push, graduate_id=pk)
            for event in events
            for pk, id_number in graduates
        ]
        # ON CONFLICT DO NOTHING: a (person, post) or (person, event) already sent is skipped.
        PushReceipt.objects.bulk_create(receipts, batch_size=1000, ignore_conflicts=True)
        push.recipients = PushReceipt.objects.filter(push=push).values("graduate").distinct().count()
        if push.recipients == 0:
            push.status, push.finished_at = PushStatus.SENT, timezone.now()
        push.save(update_fields=["recipients", "status", "finished_at"])
    if push.recipients:
        _after_commit(deliver_push_task, push.pk)
    return push


def event_when(event: Event) -> str:
    """An event's time as a message says it: 2026年11月28日 09:00—12:00 (local time)."""
    start, end = timezone.localtime(event.starts_at), timezone.localtime(event.ends_at)
    day = f"{start.year}年{start.month}月{start.day}日"
    if start.date() == end.date():
        return f"{day} {start:%H:%M}—{end:%H:%M}"
    return f"{day} {start:%H:%M}—{end.year}年{end.month}月{end.day}日 {end:%H:%M}"


def event_where(event: Event) -> str:
    return event.place or "线上活动"


def _event_text(event: Event) -> str:
    return f"{event.title}（{event_when(event)}，{event_where(event)}）"


def _message(university: str, posts: list[Post], events: list[Event]) -> tuple[str, str]:
    """(headline, subject) of a push's message carrying these posts and events."""
    parts = []
    if posts:
        parts.append("就业见习岗位：" + "、".join(p.title for p in posts))
    if events:
        parts.append("就业见习对接活动：" + "、".join(_event_text(e) for e in events))
    text = f"{university}向您推荐" + "；".join(parts) + "。"
    what = "见习岗位和对接活动" if posts and events else ("见习岗位" if posts else "对接活动")
    return text, f"{university}推荐的{what}"


def _still_on(receipt: PushReceipt, today: date) -> bool:
    """Whether a receipt's post or event could still be pushed (``pushable_posts``,
    ``pushable_events``): a post published and not expired, an event published and not begun."""
    if receipt.post is not None:
        return receipt.post.status == PostStatus.PUBLISHED and receipt.post.expires_on >= today
    event = receipt.event
    return event is not None and event.status == EventStatus.PUBLISHED and event.starts_at > timezone.now()


def deliver_push(push_id: int) -> int:
    """Send the push's unsent receipts, one message per graduate (its posts and events together);
    answers the messages sent. A post links to its page; an event to its public page
    (``events:detail``), with its time and place in the text."""
    push = Push.objects.select_related("university").filter(pk=push_id).first()
    if push is None:
        return 0
    # Claimed before sending (stamped in a short transaction; rows another job holds are skipped):
    # a redelivered or concurrent job never sends the same receipt twice. A job that dies mid-send
    # leaves its claimed receipts unsent — a push is sent at most once, never twice.
    with transaction.atomic():
        claimed = list(
            PushReceipt.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(push=push, sent_at__isnull=True)
            .select_related("graduate", "post", "event")
            .order_by("graduate_id", "post_id", "event_id")
        )
        # A post closed or an event cancelled since the push was made is not sent: its receipts go
        # (no one received it, so a later push may carry it again once it is back).
        today = timezone.localdate()
        receipts = [r for r in claimed if _still_on(r, today)]
        kept = {r.pk for r in receipts}
        withdrawn = [r.pk for r in claimed if r.pk not in kept]
        if withdrawn:
            PushReceipt.objects.filter(pk__in=withdrawn).delete()
            # Its recipients are those who still get something from it.
            reached = PushReceipt.objects.filter(push=push).values("graduate_id").distinct().count()
            Push.objects.filter(pk=push.pk).update(recipients=reached)
        PushReceipt.objects.filter(pk__in=[r.pk for r in receipts]).update(sent_at=timezone.now())
    if not receipts:
        Push.objects.filter(pk=push.pk, finished_at__isnull=True).update(
            status=PushStatus.SENT, finished_at=timezone.now()
        )
        return 0
    users = _accounts({r.graduate for r in receipts}, push.university_id)
    posts_of: dict[int, list[Post]] = defaultdict(list)
    events_of: dict[int, list[Event]] = defaultdict(list)
    graduates: dict[int, Graduate] = {}
    for r in receipts:
        if r.post is not None:
            posts_of[r.graduate_id].append(r.post)
        if r.event is not None:
            events_of[r.graduate_id].append(r.event)
        graduates[r.graduate_id] = r.graduate
    # Graduates who get the same posts and events get the same message: one delivery call per group.
    groups: dict[tuple[tuple[int, ...], tuple[int, ...]], list[Graduate]] = defaultdict(list)
    for gid, graduate in graduates.items():
        groups[(tuple(p.pk for p in posts_of[gid]), tuple(e.pk for e in events_of[gid]))].append(graduate)
    sent = 0
    for members in groups.values():
        posts, events = posts_of[members[0].pk], events_of[members[0].pk]
        text, subject = _message(push.university.name, posts, events)
        if push.message:
            text += push.message
        links = [(p.title, reverse("posts:detail", args=[p.pk])) for p in posts] + [
            (e.title, reverse("events:detail", args=[e.pk])) for e in events
        ]
        link = links[0][1]
        lines = "\n".join(f"· {title}：{_site(path)}" for title, path in links)
        recipients = [Recipient(user=users.get(g.id_number), email=g.email, phone=g.phone) for g in members]
        deliver(
            recipients,
            message=text if len(links) == 1 else text + "\n" + lines,
            sms_text=text + " " + _site(link),
            link=link,
            subject=subject,
            topic=f"push:{push.pk}",
        )
        sent += len(members)
    Push.objects.filter(pk=push.pk).update(status=PushStatus.SENT, finished_at=timezone.now())
    return sent


def _after_commit(task: jobs.Task, arg: int) -> None:
    """Hand the delivery to a job once the rows it reads are committed (never a message for a
    write that is rolled back, even when the job runs eagerly)."""
    transaction.on_commit(lambda: jobs.dispatch(task, [arg], eager_setting=EAGER))


def _site(path: str) -> str:
    from django.conf import settings

    return getattr(settings, "SITE_URL", "").rstrip("/") + path


def _accounts(graduates: set[Graduate], university_id: int) -> dict[str, User]:
    """The accounts of the persons these list rows stand for (outreach.selectors.ours: the
    university's own graduates, or those who registered after its invitation), in one query —
    nobody else's account is reached through a list of ID numbers."""
    invited = {g.id_number: g.invited_at for g in graduates}
    persons = Person.objects.filter(id_number__in=list(invited), user__isnull=False).select_related("user")
    return {
        p.id_number: p.user
        for p in persons
        if p.user is not None
        and stands_for(
            person_university=p.university_id,
            registered_at=p.created_at,
            university_id=university_id,
            invited_at=invited[p.id_number],
        )
    }


# --- invitations ---------------------------------------------------------------------------------


def invite_unregistered(*, actor: User, id_numbers: Sequence[str]) -> int:
    """Invite (once each) the actor's graduates among ``id_numbers`` who are not registered;
    the messages go out from a job once the transaction commits."""
    university_id = _require_university(actor)
    registered = Person.objects.filter(id_number__in=list(id_numbers), university_id=university_id).values("id_number")
    pending = list(
        Graduate.objects.filter(
            university_id=university_id, id_number__in=list(id_numbers), invited_at__isnull=True
        ).exclude(id_number__in=registered)
    )
    if not pending:
        return 0
    now = timezone.now()
    Invitation.objects.bulk_create(
        [Invitation(graduate=g, sent_by=actor) for g in pending], batch_size=1000, ignore_conflicts=True
    )
    Graduate.objects.filter(pk__in=[g.pk for g in pending]).update(invited_at=now)
    _after_commit(deliver_invitations_task, university_id)
    return len(pending)


def deliver_invitations(university_id: int) -> int:
    """Send the university's unsent invitations; answers how many were sent."""
    university = University.objects.filter(pk=university_id).first()
    if university is None:
        return 0
    # Claimed before sending (stamped in a short transaction, rows locked and skipped by another
    # job at the same time): two jobs for the same university never send the same invitation.
    with transaction.atomic():
        invitations = list(
            Invitation.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(graduate__university_id=university_id, sent_at__isnull=True)
            .select_related("graduate")
        )
        Invitation.objects.filter(pk__in=[i.pk for i in invitations]).update(sent_at=timezone.now())
    if not invitations:
        return 0
    link = reverse("signup_youth")
    text = f"{university.name}邀请您登记为就业见习人员，登记后可申请见习岗位并接收岗位推荐：{_site(link)}"
    deliver(
        [Recipient(email=i.graduate.email, phone=i.graduate.phone) for i in invitations],
        message=text,
        link=link,
        subject="注册邀请",
        topic="invitation",
        channels=("email", "sms"),
    )
    return len(invitations)


# --- the jobs (Celery tasks; jianxi.outreach.tasks lists them for the workers) ------------------
# Each is idempotent: it sends only what is not yet marked sent, so a redelivery sends nothing twice.


@shared_task(name="jianxi.outreach.deliver_push", acks_late=True, reject_on_worker_lost=True)
def deliver_push_task(push_id: int) -> None:
    deliver_push(push_id)


@shared_task(name="jianxi.outreach.deliver_invitations", acks_late=True, reject_on_worker_lost=True)
def deliver_invitations_task(university_id: int) -> None:
    deliver_invitations(university_id)
