"""University outreach (高校推送): a university's graduates not yet employed, invitations to
register, pushes of published posts and matching events (对接活动) to them, and who received what.

One person gets a given post at most once, and a given event at most once (``PushReceipt``:
unique on the person's ID number and the post, and on the ID number and the event), whatever the
number of pushes and whichever university pushes it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from jianxi.accounts.scoping import Scope
from jianxi.youth.models import Education


class Graduate(models.Model):
    """One row of a university's list of graduates not yet employed (未就业毕业生名单)."""

    university = models.ForeignKey(
        "policy.University", on_delete=models.PROTECT, related_name="outreach_graduates", verbose_name=_("高校")
    )
    id_number = models.CharField(_("身份证号"), max_length=18)
    name = models.CharField(_("姓名"), max_length=50)
    school = models.CharField(_("学校"), max_length=100)
    major = models.CharField(_("专业"), max_length=100)
    education = models.CharField(_("学历"), max_length=30, choices=Education.choices)
    graduation_date = models.DateField(_("毕业日期"))
    phone = models.CharField(_("手机"), max_length=11, blank=True)
    email = models.EmailField(_("电子邮箱"), blank=True)
    # The registered person of the same ID number, when the list was loaded (re-read at each upload).
    person = models.ForeignKey(
        "youth.Person",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("见习人员"),
    )
    invited_at = models.DateTimeField(_("邀请时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("导入时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    SCOPE = Scope(university="university")

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("未就业毕业生")
        verbose_name_plural = _("未就业毕业生")
        constraints = [
            models.UniqueConstraint(fields=["university", "id_number"], name="outreach_graduate_unique"),
        ]
        indexes = [models.Index(fields=["id_number"], name="outreach_graduate_id")]

    def __str__(self) -> str:
        return self.name


class Invitation(models.Model):
    """An invitation to register (注册邀请) sent to a graduate not in the youth registry."""

    graduate = models.ForeignKey(Graduate, on_delete=models.CASCADE, related_name="invitations")
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("发送人")
    )
    created_at = models.DateTimeField(_("邀请时间"), auto_now_add=True)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)  # set by the delivery job

    SCOPE = Scope(university="graduate__university")

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("注册邀请")
        verbose_name_plural = _("注册邀请")
        constraints = [models.UniqueConstraint(fields=["graduate"], name="outreach_invitation_once")]

    def __str__(self) -> str:
        return f"INV-{self.pk}"


# A push item or receipt names exactly one target: a post or an event.
ONE_TARGET = models.Q(post__isnull=False, event__isnull=True) | models.Q(post__isnull=True, event__isnull=False)


class PushStatus(models.TextChoices):
    QUEUED = "queued", _("发送中")
    SENT = "sent", _("已发送")


class Push(models.Model):
    """One push (推送) by a university officer: what was pushed, to whom (the filters), and when."""

    university = models.ForeignKey(
        "policy.University", on_delete=models.PROTECT, related_name="outreach_pushes", verbose_name=_("高校")
    )
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("推送人")
    )
    message = models.CharField(_("附言"), max_length=200, blank=True)
    major_filter = models.CharField(_("专业筛选"), max_length=100, blank=True)
    education_filter = models.CharField(_("学历筛选"), max_length=200, blank=True)  # comma-separated codes
    status = models.CharField(_("状态"), max_length=10, choices=PushStatus.choices, default=PushStatus.QUEUED)
    matched = models.PositiveIntegerField(_("符合条件人数"), default=0)
    recipients = models.PositiveIntegerField(_("本次接收人数"), default=0)  # those who got something new
    created_at = models.DateTimeField(_("推送时间"), auto_now_add=True)
    finished_at = models.DateTimeField(_("发送完成时间"), null=True, blank=True)

    SCOPE = Scope(university="university")

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("推送")
        verbose_name_plural = _("推送")

    def __str__(self) -> str:
        return f"PUSH-{self.pk}"


class PushItem(models.Model):
    """One thing a push carries: a post or a matching event (专项对接活动) — exactly one of them
    (``TARGET_FIELDS`` lists the target columns the services read)."""

    push = models.ForeignKey(Push, on_delete=models.CASCADE, related_name="items")
    post = models.ForeignKey(
        "posts.Post", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("岗位")
    )
    event = models.ForeignKey(
        "events.Event", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("对接活动")
    )

    TARGET_FIELDS = ("post", "event")

    class Meta:
        verbose_name = _("推送内容")
        verbose_name_plural = _("推送内容")
        constraints = [
            models.CheckConstraint(condition=ONE_TARGET, name="outreach_pushitem_one_target"),
            models.UniqueConstraint(fields=["push", "post"], name="outreach_pushitem_post_once"),
            models.UniqueConstraint(fields=["push", "event"], name="outreach_pushitem_event_once"),
        ]

    def __str__(self) -> str:
        return f"{self.push_id}:{self.post_id or f'E{self.event_id}'}"


class PushReceipt(models.Model):
    """That a person (by ID number) was sent a post or an event (exactly one of them): at most once
    per person and post, and once per person and event, ever. The unique constraints are what
    make it hold when two pushes run at the same moment (the services insert with ON CONFLICT DO
    NOTHING and message only the rows they inserted)."""

    id_number = models.CharField(_("身份证号"), max_length=18)
    post = models.ForeignKey(
        "posts.Post", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("岗位")
    )
    event = models.ForeignKey(
        "events.Event", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("对接活动")
    )
    push = models.ForeignKey(Push, on_delete=models.CASCADE, related_name="receipts")
    graduate = models.ForeignKey(Graduate, on_delete=models.CASCADE, related_name="receipts")
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)  # set by the delivery job

    SCOPE = Scope(university="push__university")

    class Meta:
        verbose_name = _("推送记录")
        verbose_name_plural = _("推送记录")
        constraints = [
            models.CheckConstraint(condition=ONE_TARGET, name="outreach_receipt_one_target"),
            models.UniqueConstraint(fields=["id_number", "post"], name="outreach_receipt_once_per_person"),
            models.UniqueConstraint(fields=["id_number", "event"], name="outreach_receipt_event_once_per_person"),
        ]
        indexes = [models.Index(fields=["push", "sent_at"], name="outreach_receipt_push")]

    def __str__(self) -> str:
        return f"{self.push_id}:{self.post_id or f'E{self.event_id}'}"
