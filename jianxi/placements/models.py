"""Applications (双向选择) and agreements (就业见习协议书): how a young person is placed in a post."""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from jianxi.accounts.scoping import Scope


class ApplicationStatus(models.TextChoices):
    INVITED = "invited", _("单位邀请")
    APPLIED = "applied", _("已申请")
    SCREENING = "screening", _("筛选中")
    INTERVIEW = "interview", _("待面试")
    OFFER = "offer", _("拟录用")
    ACCEPTED = "accepted", _("已接受")
    DECLINED = "declined", _("未录用/已拒绝")
    WITHDRAWN = "withdrawn", _("已撤回")


OPEN_APPLICATION_STATES = (
    ApplicationStatus.INVITED,
    ApplicationStatus.APPLIED,
    ApplicationStatus.SCREENING,
    ApplicationStatus.INTERVIEW,
    ApplicationStatus.OFFER,
)


class Application(models.Model):
    post = models.ForeignKey("posts.Post", on_delete=models.PROTECT, related_name="applications")
    person = models.ForeignKey("youth.Person", on_delete=models.PROTECT, related_name="applications")
    status = models.CharField(_("状态"), max_length=20, choices=ApplicationStatus.choices)
    invited = models.BooleanField(_("单位邀请"), default=False)
    interview_at = models.DateTimeField(_("面试时间"), null=True, blank=True)
    interview_place = models.CharField(_("面试地点"), max_length=200, blank=True)
    interview_online = models.BooleanField(_("线上面试"), default=False)
    note = models.CharField(_("说明"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("申请时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    history = HistoricalRecords(excluded_fields=["updated_at"])

    SCOPE = Scope(
        district="post__host__district",
        department="post__department",
        university="person__university",
        host="post__host",
        youth="person__user",
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("见习申请")
        verbose_name_plural = _("见习申请")
        constraints = [
            # At most one open application per person and post, whatever the code does.
            models.UniqueConstraint(
                fields=["post", "person"],
                condition=Q(status__in=OPEN_APPLICATION_STATES),
                name="application_one_open_per_post",
                violation_error_message=_("已有一份进行中的申请。"),
            )
        ]
        indexes = [models.Index(fields=["post", "status"]), models.Index(fields=["person", "status"])]

    def __str__(self) -> str:
        return f"{self.person} → {self.post}"


class AgreementStatus(models.TextChoices):
    PENDING = "pending", _("待双方确认")
    ACTIVE = "active", _("见习中")
    ENDED = "ended", _("已结束")
    CANCELLED = "cancelled", _("已作废")


class Agreement(models.Model):
    """就业见习协议书 (R-IN-2). It takes a place of the post's headcount unless cancelled."""

    application = models.OneToOneField(
        Application, on_delete=models.PROTECT, null=True, blank=True, related_name="agreement"
    )
    post = models.ForeignKey("posts.Post", on_delete=models.PROTECT, related_name="agreements")
    host = models.ForeignKey("hosts.Host", on_delete=models.PROTECT, related_name="agreements")
    person = models.ForeignKey("youth.Person", on_delete=models.PROTECT, related_name="agreements")
    start = models.DateField(_("见习开始日期"))
    end = models.DateField(_("协议约定结束日期"))
    allowance = models.DecimalField(_("生活费（元/月）"), max_digits=8, decimal_places=2)
    mentor = models.CharField(_("带教人"), max_length=50)
    training_date = models.DateField(_("岗前培训日期"))
    insurance_policy = models.CharField(_("意外伤害保险保单号"), max_length=50)
    status = models.CharField(
        _("状态"), max_length=20, choices=AgreementStatus.choices, default=AgreementStatus.PENDING
    )
    subsidy_eligible = models.BooleanField(_("享受见习补贴"), default=True)
    subsidy_note = models.CharField(_("补贴说明"), max_length=200, blank=True)
    eligibility_rule = models.CharField(_("资格依据"), max_length=10)
    host_confirmed_at = models.DateTimeField(_("单位确认时间"), null=True, blank=True)
    youth_confirmed_at = models.DateTimeField(_("见习人员确认时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    history = HistoricalRecords()

    SCOPE = Scope(
        district="host__district",
        department="post__department",
        university="person__university",
        host="host",
        youth="person__user",
    )

    class Meta:
        ordering = ["-start", "-id"]
        verbose_name = _("见习协议")
        verbose_name_plural = _("见习协议")
        constraints = [
            models.CheckConstraint(
                condition=Q(start__lt=F("end")),
                name="agreement_start_before_end",
                violation_error_message=_("结束日期须晚于开始日期。"),
            ),
            models.CheckConstraint(condition=Q(allowance__gte=0), name="agreement_allowance_not_negative"),
        ]
        indexes = [
            models.Index(fields=["person", "status"]),
            models.Index(fields=["post", "status"]),
            models.Index(fields=["host", "status"]),
        ]

    def __str__(self) -> str:
        return f"{self.person} @ {self.host} {self.start}~{self.end}"
