"""The exchange with the ministry's internship zone (部级见习线上服务专区).

``OutboxMessage``: what Jianxi tells the zone — a post published, changed, closed or expired, a
month's statistics — written in the same transaction as the change and delivered later by a
worker (delivery.py), in order per stream (one stream per post; one for the statistics).
``MessageRetry``: the city's record of each dead-lettered message sent back to delivery.
``InboundApplication``: an application the zone forwarded, once per zone reference.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class MessageState(models.TextChoices):
    PENDING = "pending", _("待发送")
    DELIVERED = "delivered", _("已送达")
    DEAD = "dead", _("发送失败")  # dead letter: tried EXCHANGE_MAX_ATTEMPTS times


class MessageKind(models.TextChoices):
    POST_PUBLISHED = "post.published", _("岗位发布")
    POST_CHANGED = "post.changed", _("岗位变更")
    POST_CLOSED = "post.closed", _("岗位关闭")
    POST_EXPIRED = "post.expired", _("岗位到期")
    STATS_MONTHLY = "stats.monthly", _("月度统计")


class OutboxMessage(models.Model):
    """One message to the zone. ``body`` is the exact JSON sent (signed at each try); it never changes."""

    idempotency_key = models.CharField(_("幂等键"), max_length=100, unique=True)
    kind = models.CharField(_("类型"), max_length=20, choices=MessageKind.choices)
    stream = models.CharField(_("顺序流"), max_length=40)  # "post:<id>" or "stats"
    sequence = models.PositiveIntegerField(_("序号"))
    post_id = models.PositiveIntegerField(_("岗位编号"), null=True, blank=True)
    body = models.TextField(_("报文"))
    occurred_at = models.DateTimeField(_("发生时间"))
    state = models.CharField(_("状态"), max_length=12, choices=MessageState.choices, default=MessageState.PENDING)
    attempts = models.PositiveIntegerField(_("已尝试次数"), default=0)
    # Due when pending and this has passed. A worker's claim moves it to the end of its lease, so
    # a worker killed mid-delivery leaves the message due again once the lease runs out.
    next_attempt_at = models.DateTimeField(_("下次尝试"))
    claim_token = models.CharField(max_length=32, blank=True, editable=False)
    last_attempt_at = models.DateTimeField(_("最近尝试"), null=True, blank=True)
    last_status = models.PositiveSmallIntegerField(_("最近响应码"), null=True, blank=True)
    last_error = models.CharField(_("最近错误"), max_length=500, blank=True)
    delivered_at = models.DateTimeField(_("送达时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("生成时间"), auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("专区出站消息")
        verbose_name_plural = _("专区出站消息")
        constraints = [
            models.UniqueConstraint(fields=["stream", "sequence"], name="outbox_stream_sequence"),
        ]
        indexes = [
            # The worker's due query: pending messages by due time.
            models.Index(fields=["next_attempt_at"], condition=Q(state="pending"), name="outbox_due"),
            # "An earlier undelivered message in the same stream?" and the page's state filter.
            models.Index(fields=["stream", "sequence"], condition=~Q(state="delivered"), name="outbox_undelivered"),
            models.Index(fields=["state", "-id"], name="outbox_state"),
            models.Index(fields=["post_id", "sequence"], name="outbox_post"),  # a post's last sequence
        ]

    def __str__(self) -> str:
        return self.idempotency_key


class MessageRetry(models.Model):
    """A city officer sent a dead-lettered message back to delivery (who, when, why)."""

    message = models.ForeignKey(OutboxMessage, on_delete=models.CASCADE, related_name="retries")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(_("时间"), auto_now_add=True)
    attempts_before = models.PositiveIntegerField(_("此前尝试次数"))
    last_error = models.CharField(_("此前错误"), max_length=500, blank=True)
    reason = models.CharField(_("说明"), max_length=200, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("重新发送记录")
        verbose_name_plural = _("重新发送记录")

    def __str__(self) -> str:
        return f"{self.message_id} @ {self.at:%Y-%m-%d %H:%M}"


class InboundApplication(models.Model):
    """An application the zone forwarded: once per zone reference, whatever how often it is sent."""

    reference = models.CharField(_("专区申请编号"), max_length=64, unique=True)
    application = models.OneToOneField(
        "placements.Application", on_delete=models.PROTECT, related_name="+", verbose_name=_("见习申请")
    )
    post_id = models.PositiveIntegerField(_("岗位编号"))
    id_number = models.CharField(_("身份证号"), max_length=18)
    name = models.CharField(_("姓名"), max_length=50)
    mobile = models.CharField(_("手机号"), max_length=20)
    received_at = models.DateTimeField(_("接收时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("专区转来的申请")
        verbose_name_plural = _("专区转来的申请")

    def __str__(self) -> str:
        return self.reference
