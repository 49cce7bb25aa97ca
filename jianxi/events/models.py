"""Matching events (就业见习专项对接活动): an organiser's event, the young people signed up, the
applications made through it.

An event is organised by a district officer (for its district), or by a department or a
university for its own event (``organiser_*``: exactly one is set); ``district`` is where it
counts for R-TG-3. Status: draft → published → cancelled (a published event may be cancelled).

A sign-up (报名) is one row per person and event (unique): confirmed while the event has room,
on the waiting list (候补) otherwise, promoted first come first served when a place frees up.
Every change of a sign-up runs under the event row's lock (services.py).
"""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from jianxi.accounts.scoping import Scope


class EventKind(models.TextChoices):
    RECRUITMENT = "recruitment", _("专场招募")
    TWO_WAY = "two_way", _("双向洽谈")
    FAIR = "fair", _("招聘会")
    CAMPUS = "campus", _("进校园")
    COMMUNITY = "community", _("进社区")
    MARKET = "market", _("进市场")


class EventStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    PUBLISHED = "published", _("已发布")
    CANCELLED = "cancelled", _("已取消")


class Event(models.Model):
    kind = models.CharField(_("活动形式"), max_length=20, choices=EventKind.choices)
    title = models.CharField(_("活动名称"), max_length=100)
    starts_at = models.DateTimeField(_("开始时间"))
    ends_at = models.DateTimeField(_("结束时间"))
    place = models.CharField(_("活动地点"), max_length=200, blank=True)
    online_link = models.URLField(_("线上链接"), max_length=300, blank=True)
    organiser_district = models.ForeignKey(
        "policy.District", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("主办区"),
    )  # fmt: skip
    organiser_department = models.ForeignKey(
        "policy.Department", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("主办部门"),
    )  # fmt: skip
    organiser_university = models.ForeignKey(
        "policy.University", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("主办高校"),
    )  # fmt: skip
    district = models.ForeignKey(
        "policy.District", on_delete=models.PROTECT, related_name="events", verbose_name=_("所在区")
    )
    capacity = models.PositiveIntegerField(_("名额"))
    description = models.TextField(_("活动介绍"), max_length=5000, blank=True)
    posts = models.ManyToManyField("posts.Post", blank=True, related_name="events", verbose_name=_("推介岗位"))
    status = models.CharField(_("状态"), max_length=20, choices=EventStatus.choices, default=EventStatus.DRAFT)
    created_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("取消时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    history = HistoricalRecords(m2m_fields=[posts])

    # Each organiser sees its own events; the city sees all.
    SCOPE = Scope(district="organiser_district", department="organiser_department", university="organiser_university")

    class Meta:
        ordering = ["starts_at", "id"]
        verbose_name = _("对接活动")
        verbose_name_plural = _("对接活动")
        constraints = [
            models.CheckConstraint(
                condition=Q(starts_at__lt=F("ends_at")),
                name="event_ends_after_start",
                violation_error_message=_("结束时间应晚于开始时间。"),
            ),
            models.CheckConstraint(
                condition=Q(capacity__gte=1),
                name="event_capacity_positive",
                violation_error_message=_("名额至少为 1。"),
            ),
            models.CheckConstraint(
                condition=~Q(place="") | ~Q(online_link=""),
                name="event_place_or_link",
                violation_error_message=_("请填写活动地点或线上链接。"),
            ),
            models.CheckConstraint(
                condition=(
                    Q(
                        organiser_district__isnull=False,
                        organiser_department__isnull=True,
                        organiser_university__isnull=True,
                    )
                    | Q(
                        organiser_district__isnull=True,
                        organiser_department__isnull=False,
                        organiser_university__isnull=True,
                    )
                    | Q(
                        organiser_district__isnull=True,
                        organiser_department__isnull=True,
                        organiser_university__isnull=False,
                    )
                ),
                name="event_one_organiser",
            ),
        ]
        indexes = [models.Index(fields=["status", "district", "starts_at"], name="event_public")]

    def __str__(self) -> str:
        return self.title

    @property
    def organiser_name(self) -> str:
        organiser = self.organiser_district or self.organiser_department or self.organiser_university
        return organiser.name if organiser else ""


class SignupStatus(models.TextChoices):
    CONFIRMED = "confirmed", _("已报名")
    WAITING = "waiting", _("候补")
    CANCELLED = "cancelled", _("已取消")


class Signup(models.Model):
    event = models.ForeignKey(Event, on_delete=models.PROTECT, related_name="signups")
    person = models.ForeignKey("youth.Person", on_delete=models.PROTECT, related_name="event_signups")
    status = models.CharField(_("状态"), max_length=20, choices=SignupStatus.choices)
    queued_at = models.DateTimeField(_("报名时间"))  # the waiting list's order (first come, first served)
    checked_in_at = models.DateTimeField(_("签到时间"), null=True, blank=True)
    reminded_at = models.DateTimeField(_("提醒时间"), null=True, blank=True)
    history = HistoricalRecords()

    SCOPE = Scope(
        district="event__organiser_district",
        department="event__organiser_department",
        university="event__organiser_university",
        youth="person__user",
    )

    class Meta:
        ordering = ["queued_at", "id"]
        verbose_name = _("活动报名")
        verbose_name_plural = _("活动报名")
        constraints = [
            models.UniqueConstraint(fields=["event", "person"], name="signup_once_per_event"),
            models.CheckConstraint(
                condition=Q(checked_in_at__isnull=True) | Q(status="confirmed"),
                name="signup_checked_in_confirmed",
            ),
        ]
        indexes = [models.Index(fields=["event", "status", "queued_at"], name="signup_queue")]

    def __str__(self) -> str:
        return f"{self.event_id}/{self.person_id}"


class EventApplication(models.Model):
    """An application made through an event (the tag; placements knows nothing of events)."""

    application = models.OneToOneField("placements.Application", on_delete=models.PROTECT, related_name="event_tag")
    event = models.ForeignKey(Event, on_delete=models.PROTECT, related_name="applications")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("活动渠道申请")
        verbose_name_plural = _("活动渠道申请")

    def __str__(self) -> str:
        return f"{self.event_id}/{self.application_id}"
