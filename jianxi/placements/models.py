"""Applications (双向选择) and agreements (就业见习协议书): how a young person is placed in a post."""

from __future__ import annotations

from datetime import date

from django.conf import settings
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


class Outcome(models.TextChoices):
    """How an internship ended (R-IN-3)."""

    COMPLETED = "completed", _("期满结束")
    TERMINATED = "terminated", _("提前终止")
    HIRED = "hired", _("提前留用（签订劳动合同）")


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
    # R-IN-3: how and when it ended; R-SUB-5 needs the labour contract facts of an early hire.
    outcome = models.CharField(_("结束方式"), max_length=20, choices=Outcome.choices, blank=True)
    ended_on = models.DateField(_("最后见习日"), null=True, blank=True)
    outcome_reason = models.CharField(_("结束原因"), max_length=500, blank=True)
    contract_start = models.DateField(_("劳动合同起始日"), null=True, blank=True)
    contract_months = models.PositiveSmallIntegerField(_("劳动合同期限（月）"), null=True, blank=True)
    # R-SUB-5: the day the labour contract was signed (签订日期); which date must fall in the
    # policy period is policy data (CityPolicy.remaining_binding).
    contract_signed = models.DateField(_("劳动合同签订日期"), null=True, blank=True)
    insured_months = models.CharField(_("已缴社保月份"), max_length=400, blank=True, help_text=_("YYYY-MM，逗号分隔"))
    retained = models.BooleanField(_("留用"), null=True, blank=True)
    certificate_code = models.CharField(_("见习证明验证码"), max_length=12, unique=True, null=True, blank=True)
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
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | (Q(ended_on__gte=F("start")) & Q(ended_on__lte=F("end"))),
                name="agreement_ended_inside_period",
                violation_error_message=_("最后见习日须在协议期内。"),
            ),
        ]
        indexes = [
            models.Index(fields=["person", "status"]),
            models.Index(fields=["post", "status"]),
            models.Index(fields=["host", "status"]),
        ]

    def __str__(self) -> str:
        return f"{self.person} @ {self.host} {self.start}~{self.end}"

    @property
    def last_day(self) -> date:
        """The last internship day: the early end if there was one, else the agreed end."""
        return self.ended_on or self.end

    @property
    def grassroots(self) -> bool:
        """R-IN-4: a grassroots internship base counts as grassroots work experience."""
        return bool(self.host.grassroots_base)


class Attendance(models.Model):
    """考勤: attended working days of one internship month (R-IN-2, R-SUB-3)."""

    agreement = models.ForeignKey(Agreement, on_delete=models.PROTECT, related_name="attendance")
    month = models.DateField(_("月份"), help_text=_("当月第一天"))
    working_days = models.PositiveSmallIntegerField(_("当月工作日"))
    scheduled_days = models.PositiveSmallIntegerField(_("见习期内应出勤"))
    attended_days = models.PositiveSmallIntegerField(_("实际出勤"))
    # 实发生活费: what the host paid the intern that month. Recorded where the city caps the
    # subsidy by it (R-SUB-8, Shenzhen); Beijing's policy does not ask for it.
    allowance_paid = models.DecimalField(_("实发生活费（元）"), max_digits=10, decimal_places=2, null=True, blank=True)
    locked = models.BooleanField(_("已锁定（已申报补贴）"), default=False)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    history = HistoricalRecords(excluded_fields=["updated_at"])

    SCOPE = Scope(
        district="agreement__host__district",
        department="agreement__post__department",
        university="agreement__person__university",
        host="agreement__host",
        youth="agreement__person__user",
    )

    class Meta:
        ordering = ["agreement", "month"]
        verbose_name = _("考勤记录")
        verbose_name_plural = _("考勤记录")
        constraints = [
            models.UniqueConstraint(fields=["agreement", "month"], name="attendance_one_per_month"),
            models.CheckConstraint(
                condition=Q(attended_days__lte=F("scheduled_days")),
                name="attendance_within_scheduled_days",
                violation_error_message=_("出勤天数不能超过应出勤天数。"),
            ),
            models.CheckConstraint(condition=Q(month__day=1), name="attendance_month_is_first_day"),
            models.CheckConstraint(
                condition=Q(allowance_paid__isnull=True) | Q(allowance_paid__gte=0),
                name="attendance_allowance_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.agreement_id} {self.month:%Y-%m}: {self.attended_days}/{self.scheduled_days}"


class ServiceKind(models.TextChoices):
    JOB_INFO = "job_info", _("岗位信息")
    GUIDANCE = "guidance", _("职业指导")
    ENTREPRENEURSHIP = "entrepreneurship", _("创业扶持")
    TRAINING = "training", _("培训推荐")


class LaterStatus(models.TextChoices):
    SEEKING = "seeking", _("求职中")
    EMPLOYED = "employed", _("已就业")
    SELF_EMPLOYED = "self_employed", _("已创业")
    TRAINING = "training", _("参加培训")
    STUDYING = "studying", _("升学")
    OTHER = "other", _("其他")


class FollowUp(models.Model):
    """跟踪帮扶 (notice §三(四)): a service given to someone who ended without being retained."""

    agreement = models.ForeignKey(Agreement, on_delete=models.PROTECT, related_name="follow_ups")
    officer = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    served_on = models.DateField(_("服务日期"))
    kind = models.CharField(_("服务内容"), max_length=20, choices=ServiceKind.choices)
    note = models.CharField(_("说明"), max_length=500, blank=True)
    later_status = models.CharField(_("人员现状"), max_length=20, choices=LaterStatus.choices)
    created_at = models.DateTimeField(_("记录时间"), auto_now_add=True)
    history = HistoricalRecords()

    SCOPE = Scope(district="agreement__host__district", university="agreement__person__university")

    class Meta:
        ordering = ["-served_on", "-id"]
        verbose_name = _("跟踪帮扶记录")
        verbose_name_plural = _("跟踪帮扶记录")

    def __str__(self) -> str:
        return f"{self.agreement_id} {self.served_on} {self.kind}"


class ContactReveal(models.Model):
    """Every time a host sees an applicant's phone number unmasked, after an offer (append-only)."""

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="contact_reveals")
    viewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    viewed_at = models.DateTimeField(_("查看时间"), auto_now_add=True)
    ip_address = models.GenericIPAddressField(_("来源地址"), null=True, blank=True)

    SCOPE = Scope(district="application__post__host__district", host="application__post__host")

    class Meta:
        ordering = ["-viewed_at", "-id"]
        verbose_name = _("联系方式查看记录")
        verbose_name_plural = _("联系方式查看记录")

    def __str__(self) -> str:
        return f"{self.viewer} {self.viewed_at:%Y-%m-%d %H:%M} {self.application_id}"
