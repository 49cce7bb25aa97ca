"""In-app notices (站内通知): what the system tells a user, also sent by e-mail when possible; and
Excel import jobs (导入任务) and export jobs (导出任务)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Notification(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    message = models.CharField(_("内容"), max_length=500)
    link = models.CharField(_("链接"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("站内通知")
        verbose_name_plural = _("站内通知")
        indexes = [models.Index(fields=["user", "read_at"])]

    def __str__(self) -> str:
        return self.message


class ImportStage(models.TextChoices):
    QUEUED = "queued", _("排队中")
    RUNNING = "running", _("正在导入")
    DONE = "done", _("已完成")
    REFUSED = "refused", _("未导入")
    FAILED = "failed", _("出错")


class BackgroundJob(models.Model):
    """What a job run in the background (an import, an export) records of its life: started, its
    last sign of progress (``heartbeat``), finished. A job silent for longer than ``STALE_AFTER``
    died with its process and no longer holds its user's slot."""

    started_at = models.DateTimeField(_("开始时间"), auto_now_add=True)
    heartbeat = models.DateTimeField(_("最近进展"), null=True, blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    STALE_AFTER = timedelta(minutes=10)

    class Meta:
        abstract = True

    def is_stale(self, now: datetime) -> bool:
        return self.finished_at is None and (self.heartbeat or self.started_at) < now - self.STALE_AFTER

    @classmethod
    def close_silent(cls, now: datetime, **outcome: Any) -> int:
        """Close the unfinished jobs silent for longer than ``STALE_AFTER`` with ``outcome``
        (their stage and message): they no longer hold their users' slots."""
        cut = now - cls.STALE_AFTER
        silent = models.Q(heartbeat__lt=cut) | models.Q(heartbeat__isnull=True, started_at__lt=cut)
        return cls._default_manager.filter(silent, finished_at__isnull=True).update(finished_at=now, **outcome)


class ImportJob(BackgroundJob):
    """One Excel import (岗位、见习人员、考勤批量导入) by one user: its slot, its file and its outcome.

    A row is unfinished (``finished_at`` empty) while the import runs; the partial unique index
    lets each user have at most one unfinished import, whatever races two uploads make — in the
    request (a small file) or in the background (a large one, whose upload is kept in ``file``
    until the job ends and then dropped: the registry's ID numbers are not kept twice).
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("用户")
    )
    kind = models.CharField(_("导入类型"), max_length=20)  # "posts", "youth", "attendance"
    file_name = models.CharField(_("文件名"), max_length=255, blank=True)
    file = models.BinaryField(_("文件"), blank=True, default=b"", editable=False)
    import_valid_rows = models.BooleanField(_("仅导入无误的行"), default=False)
    background = models.BooleanField(_("后台任务"), default=False)
    stage = models.CharField(_("状态"), max_length=10, choices=ImportStage.choices, default=ImportStage.RUNNING)
    rows = models.PositiveIntegerField(_("数据行数"), default=0)
    done = models.PositiveIntegerField(_("已检查行数"), default=0)  # progress of a background job
    # The report (jianxi.core.imports.ImportReport.to_json): counts and the first errors.
    report = models.JSONField(_("导入结果"), null=True, blank=True)
    message = models.TextField(_("未导入的原因"), blank=True)  # shown to the user
    error = models.TextField(_("错误"), blank=True)  # an unexpected failure's traceback, for operators

    class Meta(BackgroundJob.Meta):
        ordering = ["-started_at", "-id"]
        verbose_name = _("导入任务")
        verbose_name_plural = _("导入任务")
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=models.Q(finished_at__isnull=True),
                name="core_importjob_one_unfinished_per_user",
            )
        ]

    def __str__(self) -> str:
        return f"IMP-{self.pk} {self.kind}"


class ExportStage(models.TextChoices):
    QUEUED = "queued", _("排队中")
    RUNNING = "running", _("正在生成")
    DONE = "done", _("已完成")
    FAILED = "failed", _("出错")


class ExportJob(BackgroundJob):
    """One large Excel export (导出任务) built in the background (jianxi.core.export_jobs).

    A row is unfinished (``finished_at`` empty) while the file is built; the partial unique index
    lets each user have at most one unfinished export. The finished file is kept in ``file`` for
    ``EXPORT_KEEP_DAYS`` days, then the row is deleted.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("用户")
    )
    kind = models.CharField(_("导出类型"), max_length=40)  # a registered kind: "youth", "posts", …
    file_name = models.CharField(_("文件名"), max_length=255, blank=True)
    params = models.JSONField(_("筛选条件"), default=dict, blank=True)
    stage = models.CharField(_("状态"), max_length=10, choices=ExportStage.choices, default=ExportStage.QUEUED)
    rows = models.PositiveIntegerField(_("数据行数"), default=0)  # counted when the job started
    done = models.PositiveIntegerField(_("已写入行数"), default=0)  # progress
    file = models.BinaryField(_("文件"), blank=True, default=b"", editable=False)
    size = models.PositiveIntegerField(_("文件大小"), default=0)
    # The user's role and scope when the job started (export_jobs.scope_of): a file built for one
    # district is not handed over once its user has moved to another.
    scope = models.CharField(_("范围"), max_length=80, blank=True)
    message = models.TextField(_("说明"), blank=True)  # shown to the user when the job failed
    error = models.TextField(_("错误"), blank=True)  # an unexpected failure's traceback, for operators

    class Meta(BackgroundJob.Meta):
        ordering = ["-started_at", "-id"]
        verbose_name = _("导出任务")
        verbose_name_plural = _("导出任务")
        indexes = [models.Index(fields=["user", "-started_at"]), models.Index(fields=["finished_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=models.Q(finished_at__isnull=True),
                name="core_exportjob_one_unfinished_per_user",
            )
        ]

    def __str__(self) -> str:
        return f"EXP-{self.pk} {self.kind}"


class Channel(models.TextChoices):
    """How a message reaches a person (通知渠道)."""

    INAPP = "inapp", _("站内通知")
    EMAIL = "email", _("电子邮件")
    SMS = "sms", _("短信")


class MessageKind(models.TextChoices):
    """A service notice (an offer, a review) always arrives; a push (推送: outreach) may be refused."""

    SERVICE = "service", _("业务通知")
    PUSH = "push", _("推送")


class DeliveryOutcome(models.TextChoices):
    SENT = "sent", _("已发送")
    FAILED = "failed", _("发送失败")
    OPTED_OUT = "opted_out", _("已退订，未发送")


class Delivery(models.Model):
    """One message on one channel to one person (发送记录): who, how, when, and what came of it."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("用户"),
    )
    channel = models.CharField(_("渠道"), max_length=10, choices=Channel.choices)
    kind = models.CharField(_("类型"), max_length=10, choices=MessageKind.choices)
    address = models.CharField(_("地址"), max_length=254, blank=True)  # e-mail or mobile; empty in-app
    topic = models.CharField(_("事由"), max_length=60, blank=True)  # e.g. "push:12", "invitation"
    outcome = models.CharField(_("结果"), max_length=10, choices=DeliveryOutcome.choices)
    error = models.CharField(_("错误"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("发送记录")
        verbose_name_plural = _("发送记录")
        indexes = [models.Index(fields=["topic", "outcome"]), models.Index(fields=["user", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.channel} {self.outcome}"


class NotificationPreference(models.Model):
    """A user's choice of the channels pushes may use (通知设置). No row: every channel."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preference"
    )
    push_inapp = models.BooleanField(_("接收站内推送"), default=True)
    push_email = models.BooleanField(_("接收邮件推送"), default=True)
    push_sms = models.BooleanField(_("接收短信推送"), default=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("通知设置")
        verbose_name_plural = _("通知设置")

    def __str__(self) -> str:
        return str(self.user_id)

    def allows(self, channel: str) -> bool:
        return bool(getattr(self, f"push_{channel}"))


class OptOut(models.Model):
    """An address that refused pushes through an unsubscribe link (退订), with or without an account."""

    channel = models.CharField(_("渠道"), max_length=10, choices=Channel.choices)
    address = models.CharField(_("地址"), max_length=254)  # lower-cased e-mail, or a mobile number
    created_at = models.DateTimeField(_("退订时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("退订")
        verbose_name_plural = _("退订")
        constraints = [models.UniqueConstraint(fields=["channel", "address"], name="core_optout_unique")]

    def __str__(self) -> str:
        return f"{self.channel} {self.address}"
