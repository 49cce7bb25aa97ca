"""Applications and agreements: every state change is one function here.

Each runs in a transaction, locks what it decides on (the person for R-EL-5 and R-EL-6, the
post for its headcount), checks who may act and from which state, records the actor
(django-simple-history) and notifies the other side after commit.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Protocol

from django.db import IntegrityError, transaction
from django.db.models.functions import Coalesce
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from jianxi.accounts.duties import Duty, require
from jianxi.accounts.models import Role, User
from jianxi.accounts.scoping import get_scoped
from jianxi.core import audit
from jianxi.core.errors import Refusals, RuleError
from jianxi.core.hooks import Hooks, stats_changed
from jianxi.core.notify import notify
from jianxi.core.validators import parse_policy_number, parse_resident_id
from jianxi.hosts.models import HostStatus
from jianxi.placements.models import (
    OPEN_APPLICATION_STATES,
    Agreement,
    AgreementStatus,
    Application,
    ApplicationStatus,
)
from jianxi.policy import engine
from jianxi.policy.selectors import engine_policy
from jianxi.posts.events import PostChange, posts_changed
from jianxi.posts.models import Post, PostStatus
from jianxi.youth.models import Person
from jianxi.youth.selectors import person_facts

S = ApplicationStatus

# action: (who, states it may start from, state it leads to, Chinese verb)
MOVES: dict[str, tuple[str, tuple[str, ...], str, str]] = {
    "accept_invite": (Role.YOUTH, (S.INVITED,), S.APPLIED, gettext_noop("接受邀请")),
    "screen": (Role.HOST, (S.APPLIED,), S.SCREENING, gettext_noop("进入筛选")),
    "interview": (Role.HOST, (S.APPLIED, S.SCREENING, S.INTERVIEW), S.INTERVIEW, gettext_noop("安排面试")),
    "offer": (Role.HOST, (S.APPLIED, S.SCREENING, S.INTERVIEW), S.OFFER, gettext_noop("发出录用通知")),
    "reject": (Role.HOST, OPEN_APPLICATION_STATES, S.DECLINED, gettext_noop("不予录用")),
    "accept": (Role.YOUTH, (S.OFFER,), S.ACCEPTED, gettext_noop("接受录用")),
    "decline": (Role.YOUTH, (S.OFFER, S.INVITED), S.DECLINED, gettext_noop("谢绝")),
    "withdraw": (Role.YOUTH, OPEN_APPLICATION_STATES, S.WITHDRAWN, gettext_noop("撤回申请")),
}
TAKING_PLACES = (AgreementStatus.PENDING, AgreementStatus.ACTIVE, AgreementStatus.ENDED)
# Steps that cannot be undone: the page asks to confirm them with a summary (issue #16). A host's
# 不予录用 also needs a reason, which the applicant sees; the young person's reason is optional.
FINAL_MOVES = ("reject", "decline", "withdraw")
REASON_REQUIRED = ("reject",)
NOTE_MAX = 500


class ApplicationMade(Protocol):
    def __call__(self, *, application: Application, actor: User, via: Mapping[str, str]) -> None: ...


# An application made from a higher app's page (an event's, ``via={"event": id}``): the higher app
# records where it came from, or refuses it (RuleError), inside the application's transaction.
application_made: Hooks[ApplicationMade] = Hooks("an application was made through a channel")


def _person_of(actor: User) -> Person:
    person = Person.objects.filter(user=actor).first() if getattr(actor, "role", None) == Role.YOUTH else None
    if person is None:
        raise RuleError("youth.registry", _("请先完成见习人员登记。"))
    return person


def _notify_application(application: Application, message: str, *, to_host: bool) -> None:
    if to_host:
        users = list(application.post.host.staff.all())
        email = application.post.host.contact_email
    else:
        users = [application.person.user] if application.person.user else []
        email = ""
    notify(users=users, message=message, link=reverse("placements:application", args=[application.pk]), email=email)


def _save_new(application: Application, actor: User, duplicate: str) -> None:
    """Insert; two identical requests at the same moment meet the partial unique index."""
    audit.mark(application, actor=actor)
    try:
        with transaction.atomic():
            application.save()
    except IntegrityError as exc:
        raise RuleError("application.duplicate", duplicate) from exc


def _open_post(post_id: int, today: date, actor: User | None = None) -> Post:
    """A post open for applications. One never published is not found (404), as on public pages;
    with ``actor``, one outside the actor's scope is not found either."""
    posts = Post.objects.select_related("host")
    post = get_scoped(actor, posts, pk=post_id) if actor is not None else posts.filter(pk=post_id).first()
    if post is None or post.published_at is None:
        raise Http404
    if post.status != PostStatus.PUBLISHED or post.expires_on < today:
        raise RuleError("post.closed", _("该岗位未在招募中。"), field="post")
    return post


@transaction.atomic
def application_apply(*, actor: User, post_id: int, today: date, via: Mapping[str, str] | None = None) -> Application:
    """双向选择: a young person applies to a published post (one open application per post).

    ``via`` names the channel the application came through (``{"event": "12"}``); the apps that
    registered ``application_made`` tag it, or refuse it, before anything is committed."""
    person = _person_of(actor)
    post = _open_post(post_id, today)
    if Application.objects.filter(post=post, person=person, status__in=OPEN_APPLICATION_STATES).exists():
        raise RuleError("application.duplicate", _("您已申请该岗位，请等待单位处理。"))
    application = Application(post=post, person=person, status=S.APPLIED)
    _save_new(application, actor, "您已申请该岗位，请等待单位处理。")
    if via:
        for hook in application_made:
            hook(application=application, actor=actor, via=via)
    _notify_application(application, f"{person.name} 申请了岗位“{post.title}”。", to_host=True)
    return application


@transaction.atomic
def application_forwarded(*, actor: User, post_id: int, person: Person, today: date) -> Application:
    """An application a partner system forwarded for a registered young person (the ministry's
    internship zone, jianxi/exchange): the same rules and the same record as ``application_apply``,
    made by the system's account (city scope) on the person's behalf."""
    if getattr(actor, "role", None) != Role.CITY:
        raise RuleError("application.forwarder", _("只有市人社局的对接账号可以转交见习申请。"))
    post = _open_post(post_id, today)
    duplicate = _("该人员已申请该岗位，申请正在处理中。")
    if Application.objects.filter(post=post, person=person, status__in=OPEN_APPLICATION_STATES).exists():
        raise RuleError("application.duplicate", duplicate)
    application = Application(post=post, person=person, status=S.APPLIED, note="经部级见习专区申请")
    _save_new(application, actor, duplicate)
    _notify_application(application, f"{person.name} 通过部级见习专区申请了岗位“{post.title}”。", to_host=True)
    # The young person too (when they have an account here): the application is now followed on
    # this platform, where the host's offer will come.
    _notify_application(
        application,
        f"您通过部级见习专区申请的岗位“{post.title}”（{post.host.name}）已转到本市见习平台，可在这里查看进度。",
        to_host=False,
    )
    return application


@transaction.atomic
def application_invite(*, actor: User, post_id: int, id_number: str, today: date) -> Application | None:
    """A host invites a registered young person, found by ID number, to one of its posts.

    An unknown number, or one already invited, changes nothing and returns None: the host is not
    told which (issue #11: no way to learn whether someone is registered)."""
    if getattr(actor, "role", None) != Role.HOST:
        raise RuleError("application.inviter", _("只能为本单位的在招岗位邀请见习人员。"))
    post = _open_post(post_id, today, actor=actor)
    number = parse_resident_id(id_number, today=today).number
    person = Person.objects.filter(id_number=number).first()
    if person is None or person.user_id is None:
        return None
    if Application.objects.filter(post=post, person=person, status__in=OPEN_APPLICATION_STATES).exists():
        return None
    application = Application(post=post, person=person, status=S.INVITED, invited=True)
    try:
        _save_new(application, actor, "")
    except RuleError:
        return None
    _notify_application(application, f"{post.host.name} 邀请您申请岗位“{post.title}”。", to_host=False)
    return application


@dataclass(frozen=True)
class Interview:
    at: datetime
    place: str = ""
    online: bool = False


def application_move(
    *, actor: User, application_id: int, action: str, interview: Interview | None = None, note: str = ""
) -> Application:
    """One step of the two-way selection, by the side whose turn it is."""
    with transaction.atomic():
        # Scope first: an application outside the actor's scope is not found, whatever the input.
        queryset = Application.objects.select_for_update().select_related("post__host", "person")
        application = get_scoped(actor, queryset, pk=application_id)
        if action not in MOVES:
            raise RuleError("application.action", _("未知的操作：%(action)s") % {"action": action}, field="action")
        who, sources, target, verb = MOVES[action]
        if getattr(actor, "role", None) != who:
            who_may = _("见习单位") if who == Role.HOST else _("见习人员本人")
            raise RuleError(
                "application.actor", _("“%(verb)s”须由%(who_may)s操作。") % {"verb": _(verb), "who_may": who_may}
            )
        if action == "interview" and (interview is None or not (interview.place.strip() or interview.online)):
            raise RuleError("interview", _("请填写面试时间，以及面试地点或选择线上面试。"), field="interview_at")
        if application.status == target and action != "interview":
            return application
        if application.status not in sources:
            raise RuleError(
                "application.transition",
                _("申请当前状态为“%(status)s”，不能%(verb)s。")
                % {"status": application.get_status_display(), "verb": _(verb)},
            )
        note = note.strip()
        if action in REASON_REQUIRED and not note:
            raise RuleError(
                "application.reason", _("请填写%(verb)s的理由，申请人会看到。") % {"verb": _(verb)}, field="note"
            )
        if len(note) > NOTE_MAX:
            raise RuleError(
                "application.reason", _("理由不超过 %(note_max)s 字。") % {"note_max": NOTE_MAX}, field="note"
            )
        application.status = target
        application.note = note
        if interview is not None and action == "interview":
            application.interview_at = interview.at
            application.interview_place = interview.place.strip()
            application.interview_online = interview.online
        audit.save(application, actor=actor, reason=verb)
    post = application.post
    if who == Role.HOST:
        detail = ""
        if action == "interview" and interview is not None:
            where = "线上" if interview.online else interview.place
            detail = f"，时间 {timezone.localtime(interview.at):%Y-%m-%d %H:%M}，地点 {where}"
        if application.note and action in FINAL_MOVES:
            detail = f"。理由：{application.note}"
        _notify_application(application, f"岗位“{post.title}”：{verb}{detail}。", to_host=False)
    else:
        said = f"。说明：{application.note}" if application.note and action in FINAL_MOVES else ""
        _notify_application(
            application, f"{application.person.name} 对岗位“{post.title}”：{verb}{said}。", to_host=True
        )
    return application


@dataclass(frozen=True)
class AgreementTerms:
    start: date
    end: date
    allowance: Decimal
    mentor: str
    training_date: date
    insurance_policy: str


def agreement_dates_check(*, start: date, end: date, training_date: date) -> None:
    """The agreement's dates on their own: the period (R-IN-1) and the training before the start
    (R-IN-2), both refusals together. The form runs it too, beside its own field checks."""
    refusals = Refusals()
    refusals.check(engine.agreement_period_check, start=start, end=end, policy=engine_policy(start))
    if training_date > start:
        refusals.add("training_date", _("岗前培训应在见习开始之前或当天进行（R-IN-2）。"), field="training_date")
    refusals.raise_any()


def agreement_create(*, actor: User, application_id: int, terms: AgreementTerms) -> Agreement:
    """就业见习协议书 from an accepted offer (R-IN-1, R-IN-2, R-EL-1…6, headcount).

    The person's row is locked first, so two agreements for the same person made at the same
    moment are decided one after the other (R-EL-5); then the post's row, for its headcount.
    """
    if getattr(actor, "role", None) != Role.HOST:
        raise RuleError("agreement.creator", _("见习协议由见习单位根据已接受的录用创建。"))
    # The terms' own problems, all in one round; then the checks against the data, in order.
    refusals = Refusals()
    if not terms.mentor.strip():
        refusals.add("mentor", _("请填写带教人（R-IN-2）。"), field="mentor")
    refusals.check(parse_policy_number, terms.insurance_policy)
    if terms.allowance < 0:
        refusals.add("allowance", _("生活费不能为负数。"), field="allowance")
    refusals.check(agreement_dates_check, start=terms.start, end=terms.end, training_date=terms.training_date)
    refusals.raise_any()
    policy = engine_policy(terms.start)
    with transaction.atomic():
        application = get_scoped(actor, Application.objects.select_related("post"), pk=application_id)
        if application.status != S.ACCEPTED:
            raise RuleError("application.not_accepted", _("只有已接受录用的申请可以签订见习协议。"))
        if Agreement.objects.filter(application=application).exists():
            raise RuleError("agreement.duplicate", _("该申请已签订见习协议。"))
        person = Person.objects.select_for_update().get(pk=application.person_id)
        post = Post.objects.select_for_update().select_related("host").get(pk=application.post_id)
        if post.host.status != HostStatus.APPROVED:
            raise RuleError("host.not_approved", _("本单位当前不能签订见习协议（未通过审核、暂停或禁入）。"))
        verdict = engine.eligibility(facts=person_facts(person), on=terms.start, policy=policy)
        if not verdict.eligible:
            raise RuleError(
                verdict.rule,
                _("见习开始日不符合见习对象条件：%(reasons)s")
                % {"reasons": "；".join(r.message for r in verdict.reasons)},
                field="start",
            )
        others = Agreement.objects.filter(person=person).exclude(status=AgreementStatus.CANCELLED)
        spans = others.annotate(last=Coalesce("ended_on", "end")).values_list("start", "last")
        engine.overlap_check(start=terms.start, end=terms.end, others=spans)
        taken = Agreement.objects.filter(post=post, status__in=TAKING_PLACES).count()
        if taken >= post.headcount:
            raise RuleError(
                "headcount", _("该岗位招募 %(headcount)s 人，名额已满。") % {"headcount": post.headcount}, field="post"
            )
        subsidised_before = others.filter(subsidy_eligible=True).exists()
        try:
            engine.subsidy_once_check(policy=policy, subsidised_before=subsidised_before)
            subsidy_eligible, note = True, ""
        except RuleError as once:
            subsidy_eligible, note = False, once.message
        agreement = Agreement(
            application=application,
            post=post,
            host=post.host,
            person=person,
            start=terms.start,
            end=terms.end,
            allowance=terms.allowance,
            mentor=terms.mentor.strip(),
            training_date=terms.training_date,
            insurance_policy=terms.insurance_policy.strip(),
            subsidy_eligible=subsidy_eligible,
            subsidy_note=note,
            eligibility_rule=verdict.rule,
        )
        audit.save(agreement, actor=actor)
        if taken + 1 >= post.headcount:
            before = post.status
            post.status = PostStatus.FILLED
            post.closed_at = timezone.now()
            audit.save(post, actor=actor, reason="名额已满")
            posts_changed([PostChange(post.pk, before, PostStatus.FILLED)])
    if person.user:
        notify(
            users=[person.user],
            message=f"{post.host.name} 已为您生成见习协议（{terms.start} 至 {terms.end}），请查看并确认。",
            link=reverse("placements:agreement", args=[agreement.pk]),
        )
    return agreement


@transaction.atomic
def agreement_confirm(*, actor: User, agreement_id: int) -> Agreement:
    """Each side confirms the agreement; once both have, the internship is under way."""
    agreement = get_scoped(actor, Agreement.objects.select_for_update(), pk=agreement_id)
    role = getattr(actor, "role", None)
    if role not in (Role.HOST, Role.YOUTH):
        raise RuleError("agreement.confirmer", _("见习协议由见习单位和见习人员双方确认。"))
    if agreement.status != AgreementStatus.PENDING:
        raise RuleError(
            "agreement.transition",
            _("协议当前状态为“%(status)s”，无需确认。") % {"status": agreement.get_status_display()},
        )
    field = "host_confirmed_at" if role == Role.HOST else "youth_confirmed_at"
    if getattr(agreement, field) is not None:
        return agreement
    setattr(agreement, field, timezone.now())
    if agreement.host_confirmed_at and agreement.youth_confirmed_at:
        agreement.status = AgreementStatus.ACTIVE
        stats_changed(first=agreement.start, last=agreement.end, host_id=agreement.host_id)
    audit.save(agreement, actor=actor, reason="单位确认" if role == Role.HOST else "见习人员确认")
    return agreement


@transaction.atomic
def agreement_cancel(*, actor: User, agreement_id: int, reason: str) -> Agreement:
    """An agreement not yet confirmed by both sides is voided; its place returns to the post."""
    require(actor, Duty.AGREEMENT_CANCEL)
    if not reason.strip():
        raise RuleError("reason", _("作废须填写理由。"), field="reason")
    agreement = get_scoped(actor, Agreement.objects.select_for_update(), pk=agreement_id)
    if agreement.status != AgreementStatus.PENDING:
        raise RuleError(
            "agreement.transition",
            _("协议当前状态为“%(status)s”，不能作废。") % {"status": agreement.get_status_display()},
        )
    agreement.status = AgreementStatus.CANCELLED
    audit.save(agreement, actor=actor, reason=f"作废：{reason.strip()}")
    post = Post.objects.select_for_update().get(pk=agreement.post_id)
    if post.status == PostStatus.FILLED and post.expires_on >= timezone.localdate():
        post.status = PostStatus.PUBLISHED
        audit.save(post, actor=actor, reason="协议作废，名额释放")
        posts_changed([PostChange(post.pk, PostStatus.FILLED, PostStatus.PUBLISHED)])
    return agreement
