"""Post lifecycle (岗位发布): every transition is one function here.

Each runs in a transaction, locks the post, checks who may act and from which state, does
nothing when nothing changes, records the actor and reason (django-simple-history) and
notifies after commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from jianxi.accounts.duties import Duty, require
from jianxi.accounts.models import Role, User
from jianxi.accounts.scoping import get_scoped
from jianxi.core import audit
from jianxi.core.errors import Refusals, RuleError
from jianxi.core.hooks import stats_changed
from jianxi.core.notify import notify
from jianxi.hosts.models import Host, HostStatus
from jianxi.policy.models import Department, District, PostCategory
from jianxi.posts import search
from jianxi.posts.events import PostChange, posts_changed
from jianxi.posts.models import EducationLevel, Post, PostStatus

EDITABLE_STATES = (PostStatus.DRAFT, PostStatus.RETURNED)
EXPIRY_NOTICE_DAYS = 30


@dataclass(frozen=True)
class PostData:
    """What a host fills in for a post; validated by ``post_validate``."""

    title: str
    category: PostCategory
    description: str
    education: int
    majors: str
    headcount: int
    months: int
    allowance: Decimal
    district: District
    recruit_start: date
    recruit_end: date
    expires_on: date
    department: Department | None = None


def post_validate(data: PostData, host: Host | None = None) -> None:
    """Field rules a clerk can read; the database constraints repeat the ones that matter.

    With ``host``: a post lies in its host's district, which reviews and manages it, so that no
    post is on one district's public list and out of that district's reach (issue #11).
    """
    refusals = Refusals()  # every field's problem in one round
    if host is not None and data.district.pk != host.district_id:
        refusals.add(
            "post.district",
            _("岗位工作地点须为本单位所在区（%(name)s），由该区人社局审核和管理。") % {"name": host.district.name},
            field="district",
        )
    if not data.title.strip():
        refusals.add("title", _("请填写岗位名称。"), field="title")
    if not data.description.strip():
        refusals.add("description", _("请填写岗位职责。"), field="description")
    if data.education not in EducationLevel.values:
        refusals.add("education", _("学历要求不在可选范围内。"), field="education")
    if data.headcount < 1 or data.headcount > 999:
        refusals.add("headcount", _("招募人数应在 1 至 999 之间。"), field="headcount")
    if not 3 <= data.months <= 12:
        refusals.add("R-IN-1", _("见习期限应为 3 至 12 个月（R-IN-1）。"), field="months")
    if data.allowance < 0 or data.allowance > Decimal("100000"):
        refusals.add("allowance", _("生活费应为 0 至 100000 元之间的金额。"), field="allowance")
    if data.recruit_end < data.recruit_start:
        refusals.add("recruit_end", _("招募截止日期不能早于开始日期。"), field="recruit_end")
    if data.expires_on < data.recruit_end:
        refusals.add("expires_on", _("岗位有效期不能早于招募截止日期。"), field="expires_on")
    refusals.raise_any()


def _document(post: Post, host: Host) -> str:
    return search.document(post.title, post.majors, post.category.name, host.name, post.description)


@transaction.atomic
def posts_reindex(*, host: Host) -> int:
    """Rebuild the search documents of a host's posts (after the host's name changed)."""
    # Locked in id order, as every writer of a post's outbox sequence does (no duplicate sequence).
    posts = list(
        Post.objects.select_for_update(of=("self",)).filter(host=host).select_related("category").order_by("pk")
    )
    for post in posts:
        post.search_document = _document(post, host)
    Post.objects.bulk_update(posts, ["search_document"], batch_size=500)
    search.changed()
    # What a published post shows (its host's name) changed.
    posts_changed([PostChange(p.pk, p.status, p.status) for p in posts if p.status == PostStatus.PUBLISHED])
    return len(posts)


def _host_of(actor: User) -> Host:
    host = actor.host if actor.role == Role.HOST else None
    if host is None:
        raise RuleError("post.editor", _("只有见习单位账号可以编辑本单位的岗位。"))
    return host


@transaction.atomic
def post_save_draft(*, actor: User, data: PostData, post_id: int | None = None) -> Post:
    """Create a post as a draft, or change a draft or returned post."""
    host = _host_of(actor)
    if host.status == HostStatus.BARRED:
        raise RuleError("R-SUB-6", _("本单位已被禁入见习计划，不能发布岗位（R-SUB-6）。"))
    post_validate(data, host)
    if post_id is None:
        post = Post(host=host, status=PostStatus.DRAFT)
    else:
        post = get_scoped(actor, Post.objects.select_for_update(), pk=post_id)
        if post.status not in EDITABLE_STATES:
            raise RuleError(
                "post.transition",
                _("岗位当前状态为“%(status)s”，不能修改。") % {"status": post.get_status_display()},
            )
    for key, value in data.__dict__.items():
        setattr(post, key, value)
    if post.department is None:
        post.department = host.department
    post.search_document = _document(post, host)
    audit.save(post, actor=actor)
    return post


def _transition(*, post: Post, actor: User, sources: tuple[str, ...], target: str, verb: str, reason: str = "") -> bool:
    """Move ``post`` (already locked) to ``target``; False when it was there already."""
    if post.status == target:
        return False
    if post.status not in sources:
        raise RuleError(
            "post.transition",
            _("岗位当前状态为“%(status)s”，不能%(verb)s。") % {"status": post.get_status_display(), "verb": _(verb)},
        )
    now = timezone.now()
    before = post.status
    post.status = target
    post.status_reason = reason
    if target == PostStatus.SUBMITTED:
        post.submitted_at = now
    if target == PostStatus.PUBLISHED:
        post.published_at = now
    if target in (PostStatus.CLOSED, PostStatus.EXPIRED, PostStatus.FILLED):
        post.closed_at = now
    audit.save(post, actor=actor, reason=f"{verb}：{reason}" if reason else verb)
    posts_changed([PostChange(post.pk, before, target)])
    return True


@transaction.atomic
def post_submit(*, actor: User, post_id: int, today: date) -> Post:
    """The host sends a draft (or a corrected returned post) to its district for review."""
    host = _host_of(actor)
    post = get_scoped(actor, Post.objects.select_for_update(), pk=post_id)
    if not Host.objects.filter(pk=host.pk, status=HostStatus.APPROVED).exists():
        raise RuleError(
            "host.not_approved",
            _("本单位当前状态为“%(status)s”，审核通过后才能提交岗位。") % {"status": host.get_status_display()},
        )
    if post.expires_on < today:
        raise RuleError("expires_on", _("岗位有效期已过，请修改后再提交。"), field="expires_on")
    _transition(
        post=post, actor=actor, sources=EDITABLE_STATES, target=PostStatus.SUBMITTED, verb=gettext_noop("提交审核")
    )
    return post


def post_review(*, actor: User, post_id: int, approve: bool, reason: str = "") -> Post:
    """The host's district publishes a submitted post, or returns it with a reason the host sees."""
    require(actor, Duty.POST_REVIEW)
    reason = reason.strip()
    if not approve and not reason:
        raise RuleError("reason", _("退回须填写理由，单位将看到该理由。"), field="reason")
    with transaction.atomic():
        post = get_scoped(actor, Post.objects.select_for_update().select_related("host"), pk=post_id)
        if approve and post.host.status != HostStatus.APPROVED:
            raise RuleError("host.not_approved", _("该岗位所属单位未通过审核或已被暂停、禁入，不能发布。"))
        target, verb = (
            (PostStatus.PUBLISHED, gettext_noop("发布")) if approve else (PostStatus.RETURNED, gettext_noop("退回"))
        )
        changed = _transition(
            post=post, actor=actor, sources=(PostStatus.SUBMITTED,), target=target, verb=verb, reason=reason
        )
        if changed and approve:
            stats_changed(first=timezone.localdate(post.published_at), host_id=post.host_id)
    if changed:
        message = f"岗位“{post.title}”已{verb}" + (f"，理由：{reason}" if reason else "。")
        notify(
            users=post.host.staff.all(),
            message=message,
            link=reverse("posts:manage_detail", args=[post.pk]),
            email=post.host.contact_email,
        )
    return post


@transaction.atomic
def post_close(*, actor: User, post_id: int, reason: str = "") -> Post:
    """The host (or its district) closes a post early; it leaves the public list at once."""
    if getattr(actor, "role", None) not in (Role.HOST, Role.DISTRICT, Role.CITY):
        raise RuleError("post.closer", _("只有本单位或所在区人社局可以关闭岗位。"))
    post = get_scoped(actor, Post.objects.select_for_update(), pk=post_id)
    _transition(
        post=post,
        actor=actor,
        sources=OPEN_STATES,
        target=PostStatus.CLOSED,
        verb=gettext_noop("关闭"),
        reason=reason.strip(),
    )
    return post


OPEN_STATES = (PostStatus.DRAFT, PostStatus.SUBMITTED, PostStatus.PUBLISHED, PostStatus.RETURNED, PostStatus.SUSPENDED)


def host_changed(*, host: Host, actor: User, changed: frozenset[str], reason: str) -> None:
    """A host's standing or details changed (registered with hosts.services.host_changed in
    PostsConfig.ready()): its posts follow its status, and their search documents its name."""
    if "status" in changed:
        posts_follow_host(host=host, actor=actor, reason=reason)
    if "name" in changed:
        posts_reindex(host=host)


def posts_follow_host(*, host: Host, actor: User, reason: str) -> int:
    """Keep a host's posts in step with its standing. Runs inside the caller's transaction.

    Barred (R-SUB-6): every open post closes. Suspended: published posts are suspended.
    Approved again: suspended posts are published again (if still valid).
    """
    sources: tuple[str, ...]
    if host.status == HostStatus.BARRED:
        sources, target, verb = OPEN_STATES, PostStatus.CLOSED, "关闭"
    elif host.status == HostStatus.SUSPENDED:
        sources, target, verb = (PostStatus.PUBLISHED,), PostStatus.SUSPENDED, "暂停展示"
    elif host.status == HostStatus.APPROVED:
        sources, target, verb = (PostStatus.SUSPENDED,), PostStatus.PUBLISHED, "恢复展示"
    else:
        return 0
    due = Post.objects.select_for_update().filter(host=host, status__in=sources).order_by("pk")
    if target == PostStatus.PUBLISHED:  # "if still valid": an expired post stays out of the search
        due = due.filter(expires_on__gte=timezone.localdate())
    posts = list(due)
    changes = [PostChange(post.pk, post.status, target) for post in posts]
    now = timezone.now()
    for post in posts:
        post.status, post.status_reason = target, reason
        if target == PostStatus.CLOSED:
            post.closed_at = now
    audit.update_many(
        posts, ["status", "status_reason", "closed_at"], actor=actor, reason=f"{verb}：{reason}", batch_size=500
    )
    if posts:
        search.changed()
    posts_changed(changes)
    return len(posts)


def posts_expire(*, today: date, chunk: int = 2000) -> int:
    """Close every open post whose validity ended before ``today``.

    Run daily (``manage.py expire_posts``). Set-based, in chunks that each commit on their own:
    safe to interrupt and to run twice (a second run finds nothing left to expire).
    """
    open_states = OPEN_STATES
    expired = 0
    while True:
        with transaction.atomic():
            ids = list(
                Post.objects.select_for_update()
                .filter(status__in=open_states, expires_on__lt=today)
                .order_by("pk")
                .values_list("pk", flat=True)[:chunk]
            )
            if not ids:
                return expired
            posts = list(Post.objects.filter(pk__in=ids))
            changes = [PostChange(post.pk, post.status, PostStatus.EXPIRED) for post in posts]
            now = timezone.now()
            for post in posts:
                post.status, post.closed_at, post.status_reason = PostStatus.EXPIRED, now, "岗位有效期已过"
            audit.update_many(
                posts, ["status", "closed_at", "status_reason"], actor=None, reason="到期关闭", batch_size=500
            )
            search.changed()
            posts_changed(changes)
            expired += len(posts)


def posts_notify_expiring(*, today: date) -> int:
    """Tell each host, once, about its published posts that expire within 30 days (R-TG-3)."""
    soon = today + timedelta(days=EXPIRY_NOTICE_DAYS)
    due = list(
        Post.objects.filter(
            status=PostStatus.PUBLISHED, expires_on__gte=today, expires_on__lte=soon, expiry_notified_on__isnull=True
        ).select_related("host")
    )
    by_host: dict[int, list[Post]] = {}
    for post in due:
        by_host.setdefault(post.host_id, []).append(post)
    with transaction.atomic():
        for posts in by_host.values():
            host = posts[0].host
            titles = "、".join(f"“{p.title}”（{p.expires_on:%Y-%m-%d}）" for p in posts[:10])
            more = f"等 {len(posts)} 个岗位" if len(posts) > 10 else ""
            notify(
                users=host.staff.all(),
                message=f"以下岗位将在 {EXPIRY_NOTICE_DAYS} 天内到期，请及时续期或增补岗位：{titles}{more}",
                link=reverse("posts:manage"),
                email=host.contact_email,
            )
        Post.objects.filter(pk__in=[p.pk for p in due]).update(expiry_notified_on=today)
    return len(due)
