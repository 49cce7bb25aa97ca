"""Host units (见习单位): the employers that take interns and receive the subsidy."""

from __future__ import annotations

from datetime import date

from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from jianxi.accounts.scoping import Scope
from jianxi.core.validators import mask_phone, validate_credit_code


class HostType(models.TextChoices):
    PUBLIC_INSTITUTION = "public_institution", _("事业单位")
    STATE_OWNED = "state_owned", _("国有企业")
    PRIVATE = "private", _("民营企业")
    SMALL_MICRO = "small_micro", _("小微企业")
    RESEARCH = "research", _("科研院所")
    UNIVERSITY = "university", _("高校")
    TECHNICIAN_COLLEGE = "technician_college", _("技工院校")
    SOCIAL_ORG = "social_org", _("社会组织")
    COMMUNITY = "community", _("城乡社区组织")
    ECOMMERCE = "ecommerce", _("电商平台")
    TECH_ENTERPRISE = "tech_enterprise", _("科技型企业")
    MANUFACTURING = "manufacturing", _("制造业企业")
    OTHER = "other", _("其他")


class HostStatus(models.TextChoices):
    PENDING = "pending", _("待审核")
    APPROVED = "approved", _("已通过")
    RETURNED = "returned", _("已退回")
    SUSPENDED = "suspended", _("已暂停")
    BARRED = "barred", _("已禁入")


class Host(models.Model):
    credit_code = models.CharField(_("统一社会信用代码"), max_length=18, unique=True, validators=[validate_credit_code])
    name = models.CharField(_("单位名称"), max_length=200)
    host_type = models.CharField(_("单位类型"), max_length=30, choices=HostType.choices)
    district = models.ForeignKey(
        "policy.District", on_delete=models.PROTECT, related_name="hosts", verbose_name=_("所在区")
    )
    department = models.ForeignKey(
        "policy.Department",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="hosts",
        verbose_name=_("募集部门"),
    )
    address = models.CharField(_("地址"), max_length=200)
    contact_name = models.CharField(_("联系人"), max_length=50)
    contact_phone = models.CharField(_("联系电话"), max_length=20)
    contact_email = models.EmailField(_("联系邮箱"), blank=True)
    bank_name = models.CharField(_("开户银行"), max_length=100, blank=True)
    bank_account = models.CharField(_("银行账号"), max_length=40, blank=True)
    # An approved unit's new account waits here for the district's review: subsidies keep going
    # to the reviewed account until then (a changed account is where diverted money would go).
    pending_bank_name = models.CharField(_("变更后开户银行"), max_length=100, blank=True)
    pending_bank_account = models.CharField(_("变更后银行账号"), max_length=40, blank=True)
    pending_bank_at = models.DateTimeField(_("账户变更提交时间"), null=True, blank=True)
    grassroots_base = models.BooleanField(_("基层实习见习基地"), default=False)
    status = models.CharField(
        _("状态"), max_length=20, choices=HostStatus.choices, default=HostStatus.PENDING, db_index=True
    )
    status_reason = models.CharField(_("审核意见"), max_length=500, blank=True)
    # R-SUB-6: a bar for a period ends after this day (the district may then reinstate the unit,
    # and ``lift_bars`` does it daily); a barred unit without it is barred for good.
    barred_until = models.DateField(_("禁入截止日"), null=True, blank=True)
    reviewed_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    history = HistoricalRecords()

    # A district sees its hosts, a department the hosts it recruited, a host only itself.
    SCOPE = Scope(district="district", department="department", host="pk")

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("见习单位")
        verbose_name_plural = _("见习单位")
        indexes = [
            models.Index(fields=["district", "status"]),
            models.Index(fields=["department", "status"]),
            models.Index(fields=["-created_at", "-id"], name="host_newest"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def contact_phone_masked(self) -> str:
        """For public pages: the directory gives the unit, not a person's full mobile number."""
        return mask_phone(self.contact_phone)

    @property
    def barred_for_good(self) -> bool:
        return self.status == HostStatus.BARRED and self.barred_until is None

    def bar_over(self, today: date) -> bool:
        """A bar for a period whose last day has passed."""
        return self.status == HostStatus.BARRED and self.barred_until is not None and self.barred_until < today

    @property
    def may_publish(self) -> bool:
        """Only an approved host may submit posts (barred and suspended hosts may not)."""
        return self.status == HostStatus.APPROVED


# The facts money and certificates rest on (R-IN-4, R-SUB-*, the recruiting department's
# counts): once a unit is approved, they change only through the district's review.
PRIVILEGED_FIELDS = ("name", "credit_code", "host_type", "department", "grassroots_base")


class HostChangeStatus(models.TextChoices):
    PENDING = "pending", _("待审核")
    APPROVED = "approved", _("已通过")
    REJECTED = "rejected", _("已驳回")
    WITHDRAWN = "withdrawn", _("已撤回")


class HostChange(models.Model):
    """A unit's request to change its privileged fields (单位信息变更), reviewed by its district.

    ``before`` and ``after`` hold the changed fields only (``department`` as its id, or None).
    A new recruiting department (募集部门) is also confirmed by that department's officer:
    ``department`` names it, so that the officer can see the request before the unit is theirs.
    The values in force stay on ``Host`` until the district approves.
    """

    host = models.ForeignKey(Host, on_delete=models.CASCADE, related_name="changes", verbose_name=_("见习单位"))
    before = models.JSONField(_("变更前"), default=dict)
    after = models.JSONField(_("变更后"), default=dict)
    department = models.ForeignKey(
        "policy.Department",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="host_changes",
        verbose_name=_("拟归属募集部门"),
    )
    status = models.CharField(
        _("状态"), max_length=20, choices=HostChangeStatus.choices, default=HostChangeStatus.PENDING
    )
    requested_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("申请人")
    )
    requested_at = models.DateTimeField(_("申请时间"))
    department_confirmed_by = models.ForeignKey(
        "accounts.User",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("募集部门确认人"),
    )
    department_confirmed_at = models.DateTimeField(_("募集部门确认时间"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("审核人")
    )
    reviewed_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    reason = models.CharField(_("审核意见"), max_length=500, blank=True)
    history = HistoricalRecords()

    # The district reviews its units' changes; a department sees those that name it; a unit its own.
    SCOPE = Scope(district="host__district", department="department", host="host")

    class Meta:
        ordering = ["-requested_at", "-id"]
        verbose_name = _("单位信息变更")
        verbose_name_plural = _("单位信息变更")
        constraints = [
            models.UniqueConstraint(
                fields=["host"],
                condition=models.Q(status="pending"),
                name="host_change_one_pending",
            )
        ]

    def __str__(self) -> str:
        return f"{self.host} {self.get_status_display()}"

    @property
    def needs_department(self) -> bool:
        """A new recruiting department must confirm the attribution before the district approves."""
        return self.department_id is not None and "department" in self.after

    @property
    def department_confirmed(self) -> bool:
        return self.department_confirmed_at is not None
