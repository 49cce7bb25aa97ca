"""Internship posts (见习岗位) and their lifecycle.

draft → submitted → published (after district review) or returned → closed / expired / filled;
a published post is suspended with its host and published again when the host is reinstated.
Every transition is a service in ``services.py``; the status is never set anywhere else.

Invariant: a published post belongs to an approved host (review checks it; suspending or
barring a host moves its posts out of "published"), so the public search needs no join.
"""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from jianxi.accounts.scoping import Scope


class PostStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("待审核")
    PUBLISHED = "published", _("已发布")
    SUSPENDED = "suspended", _("暂停展示")  # its host is suspended; back to published on reinstatement
    RETURNED = "returned", _("已退回")
    CLOSED = "closed", _("已关闭")
    EXPIRED = "expired", _("已过期")
    FILLED = "filled", _("已招满")


class EducationLevel(models.IntegerChoices):
    """Minimum education a post asks for, ordered so that ``>=`` means "at least"."""

    ANY = 0, _("不限")
    SECONDARY = 1, _("中专/技工院校")
    JUNIOR_COLLEGE = 2, _("大学专科")
    BACHELOR = 3, _("大学本科")
    MASTER = 4, _("硕士研究生")
    DOCTORATE = 5, _("博士研究生")


class Post(models.Model):
    host = models.ForeignKey("hosts.Host", on_delete=models.PROTECT, related_name="posts", verbose_name=_("见习单位"))
    title = models.CharField(_("岗位名称"), max_length=100)
    category = models.ForeignKey(
        "policy.PostCategory", on_delete=models.PROTECT, related_name="posts", verbose_name=_("岗位类别")
    )
    description = models.TextField(_("岗位职责"), max_length=5000)
    education = models.PositiveSmallIntegerField(
        _("学历要求"), choices=EducationLevel.choices, default=EducationLevel.ANY
    )
    majors = models.CharField(
        _("专业要求"), max_length=200, blank=True, help_text=_("多个专业用顿号或逗号分隔；不限则留空")
    )
    headcount = models.PositiveSmallIntegerField(_("招募人数"))
    months = models.PositiveSmallIntegerField(_("见习期限（月）"))
    allowance = models.DecimalField(_("单位发放生活费（元/月）"), max_digits=8, decimal_places=2)
    district = models.ForeignKey(
        "policy.District", on_delete=models.PROTECT, related_name="posts", verbose_name=_("工作地点（区）")
    )
    department = models.ForeignKey(
        "policy.Department",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="posts",
        verbose_name=_("募集部门"),
    )
    recruit_start = models.DateField(_("招募开始日期"))
    recruit_end = models.DateField(_("招募截止日期"))
    expires_on = models.DateField(_("岗位有效期至"))
    status = models.CharField(_("状态"), max_length=20, choices=PostStatus.choices, default=PostStatus.DRAFT)
    status_reason = models.CharField(_("审核意见"), max_length=500, blank=True)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("关闭时间"), null=True, blank=True)
    expiry_notified_on = models.DateField(_("到期提醒日期"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    # jieba-segmented words of the title, description, majors and host name, space-separated;
    # full-text indexed by the database (GIN on PostgreSQL, FTS5 on SQLite). See search.py.
    search_document = models.TextField(editable=False, default="")
    history = HistoricalRecords(excluded_fields=["search_document", "updated_at"])

    # The host's district reviews its posts; a department sees what it recruited.
    SCOPE = Scope(district="host__district", department="department", host="host")

    class Meta:
        ordering = ["-published_at", "-id"]
        verbose_name = _("见习岗位")
        verbose_name_plural = _("见习岗位")
        constraints = [
            models.CheckConstraint(
                condition=Q(headcount__gte=1),
                name="post_headcount_positive",
                violation_error_message=_("招募人数至少为 1。"),
            ),
            models.CheckConstraint(
                condition=Q(months__gte=3, months__lte=12),
                name="post_months_3_to_12",
                violation_error_message=_("见习期限应为 3 至 12 个月（R-IN-1）。"),
            ),
            models.CheckConstraint(
                condition=Q(allowance__gte=0),
                name="post_allowance_not_negative",
                violation_error_message=_("生活费不能为负数。"),
            ),
            models.CheckConstraint(
                condition=Q(recruit_start__lte=F("recruit_end")),
                name="post_recruit_window",
                violation_error_message=_("招募截止日期不能早于开始日期。"),
            ),
            models.CheckConstraint(
                condition=Q(recruit_start__lte=F("expires_on")),
                name="post_expiry_after_start",
                violation_error_message=_("岗位有效期不能早于招募开始日期。"),
            ),
        ]
        indexes = [
            # The public search filters on status and sorts by newest or closing soon; every
            # filter leads with status so that the index, not a scan, finds a page.
            models.Index(fields=["status", "-published_at", "-id"], name="post_published"),
            models.Index(fields=["status", "district", "-published_at"], name="post_published_district"),
            models.Index(fields=["status", "category", "-published_at"], name="post_published_category"),
            models.Index(fields=["status", "department", "-published_at"], name="post_published_department"),
            models.Index(fields=["status", "expires_on"], name="post_expiry"),
            models.Index(fields=["status", "recruit_end", "id"], name="post_closing"),
            models.Index(fields=["host", "status"], name="post_host"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def remaining(self) -> int | None:
        """Places left: headcount less the agreements holding one (needs ``with_placement_counts``)."""
        placed = getattr(self, "placed", None)
        return None if placed is None else max(self.headcount - placed, 0)
