"""A young person's recommendation preferences (推荐偏好) and the record of each digest sent.

The preferences live here, not on ``youth.Person``: districts and categories the person would
like to work in, and how often a digest of new matching posts (新岗位推荐) should come.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from jianxi.accounts.scoping import Scope


class DigestFrequency(models.TextChoices):
    OFF = "off", _("不接收")
    DAILY = "daily", _("每天")
    WEEKLY = "weekly", _("每周")


class Preference(models.Model):
    person = models.OneToOneField(
        "youth.Person", on_delete=models.CASCADE, related_name="recommend_preference", verbose_name=_("见习人员")
    )
    districts = models.ManyToManyField("policy.District", blank=True, related_name="+", verbose_name=_("希望见习的区"))
    categories = models.ManyToManyField(
        "policy.PostCategory", blank=True, related_name="+", verbose_name=_("感兴趣的岗位类别")
    )
    digest = models.CharField(
        _("新岗位推荐"), max_length=10, choices=DigestFrequency.choices, default=DigestFrequency.OFF
    )
    # Posts published after this moment are "new" for the first digest (set when the person opts in).
    digest_since = models.DateTimeField(_("推荐起算时间"), null=True, blank=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    # A young person sees only its own; no officer page lists them.
    SCOPE = Scope(youth="person__user")

    class Meta:
        verbose_name = _("推荐偏好")
        verbose_name_plural = _("推荐偏好")
        indexes = [models.Index(fields=["digest"], name="preference_digest")]

    def __str__(self) -> str:
        return f"{self.person_id} {self.digest}"


class DigestSent(models.Model):
    """One digest sent to one person for one period (a day ``2026-12-02`` or a week ``2026-W49``).

    The unique constraint makes "never twice for the same period" hold under two runs at once.
    """

    person = models.ForeignKey(
        "youth.Person", on_delete=models.CASCADE, related_name="digests", verbose_name=_("见习人员")
    )
    period = models.CharField(_("周期"), max_length=20)
    sent_at = models.DateTimeField(_("发送时间"))
    posts = models.JSONField(_("推荐的岗位"), default=list)

    SCOPE = Scope(youth="person__user")

    class Meta:
        ordering = ["-sent_at", "-id"]
        verbose_name = _("新岗位推荐记录")
        verbose_name_plural = _("新岗位推荐记录")
        constraints = [models.UniqueConstraint(fields=["person", "period"], name="digest_once_per_period")]
        indexes = [models.Index(fields=["person", "-sent_at"], name="digest_latest")]

    def __str__(self) -> str:
        return f"{self.person_id} {self.period}"
