"""What waits for each officer and host (待办): the home page's to-do list.

Each to-do is a count, the list it links to and, where there is one, its date (the soonest
expiry, the oldest claim waiting, the month whose attendance is due). The count is read from the
same selector and the same filter as the list behind the link, so the two always agree (tested:
the home's count equals the linked list's length, for every to-do of every role).

A to-do links only to a page where this person can act. The department (市级部门) and university
(高校) officers hold no duty of the separation-of-duties table: what they follow is shown as
"进展" (``watch``) with links to the lists they may read, never as a to-do.

Like the home page, this module composes the apps (site layer in docs/architecture.md); each
role's list costs a fixed number of queries, whatever the data.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db.models import Count, Min, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from jianxi.accounts.models import Role
from jianxi.accounts.scoping import scoped
from jianxi.events.models import EventStatus, Signup, SignupStatus
from jianxi.events.selectors import districts_without_event
from jianxi.hosts.models import Host, HostStatus
from jianxi.outreach.selectors import takeup
from jianxi.placements.models import (
    OPEN_APPLICATION_STATES,
    Agreement,
    AgreementStatus,
    Application,
    ApplicationStatus,
    Attendance,
)
from jianxi.placements.selectors import agreements_to_confirm, attendance_missing, previous_month
from jianxi.posts.models import Post, PostStatus
from jianxi.posts.selectors import posts_expiring
from jianxi.subsidies.models import BatchStatus, Claim, ClaimStatus, PaymentBatch
from jianxi.subsidies.selectors import payable_claims
from jianxi.youth.models import Person


@dataclass(frozen=True)
class Todo:
    key: str  # stable, for tests and data-testid
    label: str  # what waits, in the words of the person who does it
    count: int
    url: str  # the list of exactly ``count`` rows
    action: str  # the link's words: what the person does there
    when: str = ""  # a deadline or the oldest waiting item, already in words


def _count_and_first(qs: QuerySet[Any], field: str) -> tuple[int, Any]:
    """The number of rows and the smallest ``field`` among them, in one query."""
    found = qs.order_by().aggregate(n=Count("pk", distinct=True), first=Min(field))
    return found["n"], found["first"]


def _day(value: date | datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = timezone.localtime(value).date()
    return f"{value:%Y-%m-%d}"


def _month_words(month: date) -> str:
    return _("%(y)s年%(m)s月") % {"y": month.year, "m": month.month}


def host_todos(user: Any, today: date) -> list[Todo]:
    applications = scoped(user, Application.objects.all())
    agreements = scoped(user, Agreement.objects.all())
    posts = scoped(user, Post.objects.all())
    claims = scoped(user, Claim.objects.all())
    month = previous_month(today)
    applied, applied_first = _count_and_first(applications.filter(status=ApplicationStatus.APPLIED), "created_at")
    interview, interview_first = _count_and_first(
        applications.filter(status=ApplicationStatus.INTERVIEW), "interview_at"
    )
    confirm, _confirm_first = _count_and_first(agreements_to_confirm(agreements, role=Role.HOST), "created_at")
    attendance = attendance_missing(agreements, month=month).count()
    drafts, drafts_first = _count_and_first(claims.filter(status=ClaimStatus.DRAFT), "created_at")
    returned, _returned_first = _count_and_first(posts.filter(status=PostStatus.RETURNED), "created_at")
    expiring, soonest = _count_and_first(posts_expiring(user, today=today), "expires_on")
    applications_url = reverse("placements:applications")
    posts_url = reverse("posts:manage")
    return [
        Todo("applications", _("新的见习申请待处理"), applied, f"{applications_url}?status=applied",
             _("筛选申请人"), _("最早 %(d)s 申请") % {"d": _day(applied_first)} if applied else ""),
        Todo("interviews", _("待面试的申请人"), interview, f"{applications_url}?status=interview",
             _("录用或不予录用"), _("最早面试 %(d)s") % {"d": _day(interview_first)} if interview else ""),
        Todo("confirm", _("见习协议待单位确认"), confirm, f"{reverse('placements:agreements')}?todo=confirm",
             _("确认协议")),
        Todo("attendance", _("上月考勤待填报"), attendance, f"{reverse('placements:agreements')}?todo=attendance",
             _("填报考勤"), _month_words(month)),
        Todo("claims", _("补贴申报草稿待提交"), drafts, f"{reverse('subsidies:claims')}?status=draft",
             _("核对并提交"), _("最早 %(d)s 生成") % {"d": _day(drafts_first)} if drafts else ""),
        Todo("returned_posts", _("被退回的岗位待修改"), returned, f"{posts_url}?status=returned",
             _("修改后重新提交")),
        Todo("expiring_posts", _("30 天内到期的岗位"), expiring, reverse("posts:expiring"),
             _("邀请人选或增补岗位"), _("最早 %(d)s 到期") % {"d": _day(soonest)} if expiring else ""),
    ]  # fmt: skip


def district_todos(user: Any, today: date) -> list[Todo]:
    hosts = scoped(user, Host.objects.all())
    hosts_pending = hosts.filter(status=HostStatus.PENDING).count()
    bank, bank_first = _count_and_first(hosts.filter(pending_bank_at__isnull=False), "pending_bank_at")
    posts, posts_first = _count_and_first(scoped(user, Post.objects.filter(status=PostStatus.SUBMITTED)), "created_at")
    claims, claims_first = _count_and_first(
        scoped(user, Claim.objects.filter(status=ClaimStatus.SUBMITTED)), "submitted_at"
    )
    payable, payable_first = _count_and_first(payable_claims(user), "reviewed_at")
    batches, batches_first = _count_and_first(
        scoped(user, PaymentBatch.objects.filter(status=BatchStatus.OPEN)), "created_at"
    )
    expiring, soonest = _count_and_first(posts_expiring(user, today=today), "expires_on")
    # R-TG-3: from October 1, the district has held no dedicated matching event this year.
    no_event = districts_without_event(user, today=today).count()
    hosts_url = reverse("hosts:list")
    return [
        Todo("hosts", _("见习单位注册待审核"), hosts_pending, f"{hosts_url}?status=pending", _("审核单位")),
        Todo("bank", _("银行账户变更待审核"), bank, f"{hosts_url}?bank=pending", _("审核账户"),
             _("最早 %(d)s 提交") % {"d": _day(bank_first)} if bank else ""),
        Todo("posts", _("见习岗位待审核"), posts, f"{reverse('posts:manage')}?status=submitted", _("审核岗位"),
             _("最早 %(d)s 创建") % {"d": _day(posts_first)} if posts else ""),
        Todo("claims", _("补贴申报待审核"), claims, f"{reverse('subsidies:claims')}?status=submitted",
             _("审核申报"), _("最早 %(d)s 提交") % {"d": _day(claims_first)} if claims else ""),
        Todo("payable", _("已审核待编入拨付批次"), payable, reverse("subsidies:payment"), _("编制批次"),
             _("最早 %(d)s 审核") % {"d": _day(payable_first)} if payable else ""),
        Todo("batches", _("拨付批次待拨付"), batches, f"{reverse('subsidies:batches')}?status=open",
             _("拨付并标记"), _("最早 %(d)s 编制") % {"d": _day(batches_first)} if batches else ""),
        Todo("expiring_posts", _("30 天内到期的岗位"), expiring, reverse("posts:expiring"), _("关注或关闭"),
             _("最早 %(d)s 到期") % {"d": _day(soonest)} if expiring else ""),
        Todo("events_year", _("本年度尚未举办就业见习专项对接活动（R-TG-3）"), no_event, reverse("events:coverage"),
             _("组织对接活动"), _("%(y)s年12月31日前") % {"y": today.year} if no_event else ""),
    ]  # fmt: skip


def department_watch(user: Any, today: date) -> list[Todo]:
    """What a department officer follows: its hosts, their posts in review, its interns."""
    hosts = scoped(user, Host.objects.all()).count()
    posts = scoped(user, Post.objects.all()).aggregate(
        submitted=Count("pk", filter=_q_status(PostStatus.SUBMITTED)),
        published=Count("pk", filter=_q_status(PostStatus.PUBLISHED)),
    )
    active = scoped(user, Agreement.objects.filter(status=AgreementStatus.ACTIVE)).count()
    expiring = posts_expiring(user, today=today).count()
    manage = reverse("posts:manage")
    return [
        Todo("hosts", _("本部门募集的见习单位"), hosts, reverse("hosts:list"), _("查看单位")),
        Todo("published", _("在招岗位"), posts["published"], f"{manage}?status=published", _("查看岗位")),
        Todo("submitted", _("岗位等待区人社局审核"), posts["submitted"], f"{manage}?status=submitted",
             _("查看进度")),
        Todo("interns", _("见习中的人员"), active, f"{reverse('placements:agreements')}?status=active",
             _("查看见习协议")),
        Todo("expiring_posts", _("30 天内到期的岗位"), expiring, reverse("posts:expiring"), _("提醒单位增补")),
    ]  # fmt: skip


def university_watch(user: Any, today: date) -> list[Todo]:
    """What a university officer follows: its graduates applying, interning, ended without a job."""
    applications = scoped(user, Application.objects.all()).aggregate(
        open=Count("pk", filter=_q_status(ApplicationStatus.APPLIED))
    )
    active = scoped(user, Agreement.objects.filter(status=AgreementStatus.ACTIVE)).count()
    not_retained = scoped(user, Agreement.objects.filter(status=AgreementStatus.ENDED, retained=False)).count()
    # The take-up of its outreach (高校推送): the list, invited → registered → applied → placed.
    reached = takeup(user)
    graduates = reverse("outreach:graduates")
    return [
        Todo("applications", _("本校毕业生的申请（等待单位处理）"), applications["open"],
             f"{reverse('placements:applications')}?status=applied", _("查看申请")),
        Todo("interns", _("见习中的本校毕业生"), active, f"{reverse('placements:agreements')}?status=active",
             _("查看见习协议")),
        Todo("follow_ups", _("见习结束未留用的本校毕业生"), not_retained, reverse("placements:follow_ups"),
             _("查看跟踪帮扶")),
        Todo("outreach_graduates", _("未就业毕业生名单"), reached.graduates, graduates, _("查看名单")),
        Todo("outreach_invited", _("名单中已发注册邀请"), reached.invited, f"{graduates}?stage=invited",
             _("查看已邀请")),
        Todo("outreach_registered", _("名单中已登记为见习人员"), reached.registered, f"{graduates}?stage=registered",
             _("查看已登记")),
        Todo("outreach_applied", _("名单中已申请见习"), reached.applied, f"{graduates}?stage=applied",
             _("查看已申请")),
        Todo("outreach_placed", _("名单中已上岗见习"), reached.placed, f"{graduates}?stage=placed",
             _("查看已上岗")),
    ]  # fmt: skip


def _q_status(status: str) -> Q:
    return Q(status=status)


def todos_for(user: Any, today: date, person: Any = None) -> dict[str, Any]:
    """``todo``: what this person does; ``watch``: what this person follows (read-only lists)."""
    role = getattr(user, "role", None)
    todo: list[Todo] = []
    watch: list[Todo] = []
    if role == Role.HOST:
        todo = host_todos(user, today)
    elif role == Role.DISTRICT:
        todo = district_todos(user, today)
    elif role == Role.DEPARTMENT:
        watch = department_watch(user, today)
    elif role == Role.UNIVERSITY:
        watch = university_watch(user, today)
    elif role == Role.YOUTH:
        todo = youth_todos(user, today, person)
    return {"todo": todo, "watch": watch, "todo_waiting": any(t.count for t in todo)}


# --- the young person's next steps (issue #15, item 3) ------------------------------------------

YOUTH_STEPS_MAX = 8  # the newest applications and internships; the lists behind the links hold the rest


def youth_todos(user: Any, today: date, person: Any = None) -> list[Todo]:
    """下一步: what the young person does next, from their own state, most urgent first.

    An agreement to confirm, an offer or invitation to answer, the internship under way (last
    month's attendance as the host recorded it), a certificate to download, applications in
    progress with their status and post; with nothing under way, the eligibility self-check and
    the recommended posts. Each item counts 1 and links to the page where the person acts on it.
    Five queries at most (the person, applications, agreements, attendance, event sign-ups), whatever
    the data.
    """
    if person is None:
        person = Person.objects.filter(user=user).first()
    check = reverse("policy:eligibility")
    if person is None:
        return [Todo("register", _("尚未登记见习人员信息：可先做资格自测，再到所在区人社局登记"), 1, check,
                     _("资格自测"))]  # fmt: skip
    open_states = (*OPEN_APPLICATION_STATES, ApplicationStatus.ACCEPTED)
    applications = list(
        Application.objects.filter(person=person, status__in=open_states)
        .select_related("post__host")
        .order_by("-updated_at", "-id")[:YOUTH_STEPS_MAX]
    )
    agreements = list(
        Agreement.objects.filter(person=person)
        .exclude(status=AgreementStatus.CANCELLED)
        .select_related("host", "post")
        .order_by("-start", "-id")[:YOUTH_STEPS_MAX]
    )
    month = previous_month(today)
    active = [a for a in agreements if a.status == AgreementStatus.ACTIVE]
    recorded = {
        row.agreement_id: row
        for row in Attendance.objects.filter(agreement__in=[a.pk for a in active], month=month)
    } if active else {}  # fmt: skip
    with_agreement = {a.application_id for a in agreements}
    steps: list[Todo] = []
    for a in agreements:
        words = {"host": a.host.name, "post": a.post.title}
        if a.status == AgreementStatus.PENDING and a.youth_confirmed_at is None:
            steps.append(Todo(f"confirm-{a.pk}", _("见习协议待您确认：%(host)s“%(post)s”") % words, 1,
                              reverse("placements:agreement", args=[a.pk]), _("确认协议"),
                              _("%(d)s 开始") % {"d": _day(a.start)}))  # fmt: skip
        elif a.status == AgreementStatus.PENDING:
            steps.append(Todo(f"agreement-{a.pk}", _("见习协议等待单位确认：%(host)s“%(post)s”") % words, 1,
                              reverse("placements:agreement", args=[a.pk]), _("查看协议")))  # fmt: skip
    for app in applications:
        words = {"host": app.post.host.name, "post": app.post.title}
        if app.status == ApplicationStatus.OFFER:
            steps.append(Todo(f"offer-{app.pk}", _("%(host)s 拟录用您：“%(post)s”，待您答复") % words, 1,
                              reverse("placements:application", args=[app.pk]), _("接受或谢绝")))  # fmt: skip
        elif app.status == ApplicationStatus.INVITED:
            steps.append(Todo(f"invited-{app.pk}", _("%(host)s 邀请您申请“%(post)s”") % words, 1,
                              reverse("placements:application", args=[app.pk]), _("接受或谢绝")))  # fmt: skip
    for a in active:
        row = recorded.get(a.pk)
        if row is None:
            when = _("%(m)s考勤单位尚未填报") % {"m": _month_words(month)}
        else:
            when = _("%(m)s单位已记录出勤 %(a)s / %(s)s 天") % {
                "m": _month_words(month), "a": row.attended_days, "s": row.scheduled_days}  # fmt: skip
        steps.append(Todo(f"internship-{a.pk}", _("见习中：%(host)s“%(post)s”") % {"host": a.host.name,
                          "post": a.post.title}, 1, reverse("placements:attendance", args=[a.pk]),
                          _("查看考勤"), when))  # fmt: skip
    for a in agreements:
        if a.status == AgreementStatus.ENDED:
            steps.append(Todo(f"certificate-{a.pk}", _("见习已结束：%(host)s“%(post)s”，可打印见习证明") % {
                "host": a.host.name, "post": a.post.title}, 1, reverse("placements:certificate", args=[a.pk]),
                _("见习证明"), _("最后见习日 %(d)s") % {"d": _day(a.last_day)}))  # fmt: skip
    for app in applications:
        words = {"post": app.post.title, "host": app.post.host.name, "status": app.get_status_display()}
        url = reverse("placements:application", args=[app.pk])
        if app.status in (ApplicationStatus.APPLIED, ApplicationStatus.SCREENING, ApplicationStatus.INTERVIEW):
            when = ""
            if app.status == ApplicationStatus.INTERVIEW and app.interview_at:
                when = _("面试 %(t)s") % {"t": f"{timezone.localtime(app.interview_at):%Y-%m-%d %H:%M}"}
            steps.append(Todo(f"application-{app.pk}", _("申请“%(post)s”（%(host)s）：%(status)s") % words, 1,
                              url, _("查看进度"), when))  # fmt: skip
        elif app.status == ApplicationStatus.ACCEPTED and app.pk not in with_agreement:
            steps.append(Todo(f"accepted-{app.pk}", _("已接受“%(post)s”的录用，等待%(host)s签订见习协议") % words, 1,
                              url, _("查看申请")))  # fmt: skip
    # Matching events signed up for (confirmed or waiting), not yet over: when and where to go.
    signups = (
        Signup.objects.filter(
            person=person,
            status__in=(SignupStatus.CONFIRMED, SignupStatus.WAITING),
            event__status=EventStatus.PUBLISHED,
            event__ends_at__gte=timezone.now(),
        )
        .select_related("event")
        .order_by("event__starts_at", "pk")[:YOUTH_STEPS_MAX]
    )
    for signup in signups:
        event = signup.event
        words = {"title": event.title, "status": signup.get_status_display()}
        starts = f"{timezone.localtime(event.starts_at):%Y-%m-%d %H:%M}"
        steps.append(Todo(f"event-{event.pk}", _("对接活动“%(title)s”：%(status)s") % words, 1,
                          reverse("events:detail", args=[event.pk]), _("查看活动"),
                          _("%(t)s 开始") % {"t": starts}))  # fmt: skip
    if not steps:
        steps.append(Todo("eligibility", _("先做资格自测，确认符合见习条件后即可申请岗位"), 1, check, _("资格自测")))
    under_way = any(a.status in (AgreementStatus.PENDING, AgreementStatus.ACTIVE) for a in agreements)
    waiting = [app for app in applications if app.pk not in with_agreement]
    if not under_way and not waiting:  # looking for an internship: the posts chosen for them
        steps.append(Todo("browse", _("看看为你推荐的见习岗位"), 1, reverse("recommend:posts"), _("查看推荐")))
    return steps[:YOUTH_STEPS_MAX]
