"""Reference and policy data (政策参数): everything that differs by city or year is a row here.

Rows are dated (``effective_from``) so that a change never rewrites the past: the engine asks
for the row in force on a date. The city officer edits them in the admin; every change is kept
by django-simple-history.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


# The eligible groups of people (见习对象): the policy's vocabulary; youth.models.Group is this class.
class Group(models.TextChoices):
    """The eligible groups of R-EL-1…4 (见习对象)."""

    COLLEGE_GRADUATE = "college_graduate", _("高校毕业生")
    SECONDARY_VOCATIONAL_GRADUATE = "secondary_vocational_graduate", _("中专毕业生")
    TECHNICIAN_GRADUATE = "technician_graduate", _("技工院校毕业生")
    UNEMPLOYED_YOUTH = "unemployed_youth", _("登记失业青年")
    RURAL_LABOUR = "rural_labour", _("农村转移就业劳动力")


class City(models.Model):
    """A city (or province) running its own programme. Beijing is 110000."""

    code = models.CharField(_("行政区划代码"), max_length=6, unique=True)
    name = models.CharField(_("名称"), max_length=50)

    class Meta:
        verbose_name = _("城市")
        verbose_name_plural = _("城市")

    def __str__(self) -> str:
        return self.name


class District(models.Model):
    """A district (区) of a city; 北京经济技术开发区 is addressed by the notice like a district."""

    city = models.ForeignKey(City, on_delete=models.PROTECT, related_name="districts", verbose_name=_("城市"))
    code = models.CharField(_("区划代码"), max_length=6, unique=True)
    name = models.CharField(_("名称"), max_length=50)
    sort_order = models.PositiveSmallIntegerField(default=0, verbose_name=_("排序"))

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = _("区")
        verbose_name_plural = _("区")

    def __str__(self) -> str:
        return self.name


class Department(models.Model):
    """A recruiting department (募集部门) and its recruiting directions (附件)."""

    code = models.SlugField(_("代码"), max_length=20, unique=True)
    name = models.CharField(_("名称"), max_length=50)
    directions = models.CharField(_("募集主要方向"), max_length=200)
    sort_order = models.PositiveSmallIntegerField(default=0, verbose_name=_("排序"))

    class Meta:
        ordering = ["sort_order"]
        verbose_name = _("募集部门")
        verbose_name_plural = _("募集部门")

    def __str__(self) -> str:
        return self.name


class PostCategory(models.Model):
    """Post category (岗位类别): 科研类, 技术技能类, 管理类, 社会服务类, 电商平台类."""

    code = models.SlugField(_("代码"), max_length=20, unique=True)
    name = models.CharField(_("名称"), max_length=20)
    sort_order = models.PositiveSmallIntegerField(default=0, verbose_name=_("排序"))

    class Meta:
        ordering = ["sort_order"]
        verbose_name = _("岗位类别")
        verbose_name_plural = _("岗位类别")

    def __str__(self) -> str:
        return self.name


class University(models.Model):
    """A university (高校) whose officer pushes internship information to its graduates."""

    code = models.CharField(_("院校代码"), max_length=10, unique=True)
    name = models.CharField(_("名称"), max_length=100)

    class Meta:
        ordering = ["code"]
        verbose_name = _("高校")
        verbose_name_plural = _("高校")

    def __str__(self) -> str:
        return self.name


class MinimumWage(models.Model):
    """R-SUB-1: the city's monthly minimum wage (最低工资标准), dated, with its source."""

    city = models.ForeignKey(City, on_delete=models.PROTECT, related_name="minimum_wages", verbose_name=_("城市"))
    effective_from = models.DateField(_("执行日期"))
    amount = models.DecimalField(_("月最低工资（元）"), max_digits=10, decimal_places=2)
    source = models.CharField(_("依据文件"), max_length=200)
    history = HistoricalRecords()

    class Meta:
        ordering = ["city", "effective_from"]
        verbose_name = _("最低工资标准")
        verbose_name_plural = _("最低工资标准")
        constraints = [
            models.UniqueConstraint(fields=["city", "effective_from"], name="minwage_one_per_date"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="minwage_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.city} {self.effective_from} ¥{self.amount}"


class DistrictTopUp(models.Model):
    """R-SUB-2: a district-level top-up (区级见习补贴) per month, dated."""

    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="topups", verbose_name=_("区"))
    effective_from = models.DateField(_("执行日期"))
    amount = models.DecimalField(_("每月金额（元）"), max_digits=10, decimal_places=2)
    source = models.CharField(_("依据文件"), max_length=200, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["district", "effective_from"]
        verbose_name = _("区级见习补贴")
        verbose_name_plural = _("区级见习补贴")
        constraints = [
            models.UniqueConstraint(fields=["district", "effective_from"], name="topup_one_per_date"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="topup_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.district} {self.effective_from} ¥{self.amount}"


class Proration(models.TextChoices):
    WORKING_DAYS = "working_days", _("按工作日折算")
    CALENDAR_DAYS = "calendar_days", _("按自然日折算")
    NONE = "none", _("不折算（有出勤即按整月）")


class RemainingBinding(models.TextChoices):
    """R-SUB-5: which date must fall in the policy period (政策实施期限)."""

    SIGNED = "signed", _("劳动合同签订日期（未提供时以合同起始日期代替）")
    CONTRACT_START = "contract_start", _("劳动合同起始日期")
    EARLY_END = "early_end", _("提前结束见习日期")


class CityPolicy(models.Model):
    """The subsidy formula and eligibility switches of a city, dated (R-SUB-8, R-EL-2, R-EL-4)."""

    city = models.ForeignKey(City, on_delete=models.PROTECT, related_name="policies", verbose_name=_("城市"))
    effective_from = models.DateField(_("执行日期"))
    source = models.CharField(_("依据文件"), max_length=200)
    percent_of_min_wage = models.DecimalField(
        _("补贴标准占最低工资比例（%）"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("100"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1000"))],
    )
    cap_by_paid = models.BooleanField(_("以单位实发生活费为上限"), default=False)
    min_months_served = models.PositiveSmallIntegerField(_("最少见习月数方可补贴"), default=0)
    proration = models.CharField(
        _("不足整月折算方式"), max_length=20, choices=Proration.choices, default=Proration.WORKING_DAYS
    )
    remaining_window_start = models.DateField(_("剩余期限补贴：劳动合同签订起始日"), null=True, blank=True)
    remaining_window_end = models.DateField(_("剩余期限补贴：劳动合同签订截止日"), null=True, blank=True)
    remaining_min_contract_months = models.PositiveSmallIntegerField(
        _("剩余期限补贴：劳动合同最短期限（月）"), default=12
    )
    remaining_binding = models.CharField(
        _("剩余期限补贴：以哪个日期判断是否在政策实施期限内"),
        max_length=20,
        choices=RemainingBinding.choices,
        default=RemainingBinding.SIGNED,
    )
    vocational_requires_origin = models.BooleanField(_("中专、技工院校毕业生须为本市生源（R-EL-2）"), default=True)
    rural_requires_hukou_and_age = models.BooleanField(_("农村劳动力须本市户籍且16至24岁（R-EL-4）"), default=True)
    graduation_window_years = models.PositiveSmallIntegerField(_("毕业年限（年内）"), default=2)
    youth_min_age = models.PositiveSmallIntegerField(_("最低年龄"), default=16)
    youth_max_age = models.PositiveSmallIntegerField(_("最高年龄"), default=24)
    min_period_months = models.PositiveSmallIntegerField(_("见习期最短（月）"), default=3)
    max_period_months = models.PositiveSmallIntegerField(_("见习期最长（月）"), default=12)
    subsidy_once = models.BooleanField(_("每人仅享受一次见习补贴（R-EL-6）"), default=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["city", "effective_from"]
        verbose_name = _("见习补贴政策")
        verbose_name_plural = _("见习补贴政策")
        constraints = [
            models.UniqueConstraint(fields=["city", "effective_from"], name="policy_one_per_date"),
            models.CheckConstraint(
                condition=Q(min_period_months__lte=models.F("max_period_months")),
                name="policy_period_range",
            ),
            models.CheckConstraint(condition=Q(youth_min_age__lte=models.F("youth_max_age")), name="policy_age_range"),
        ]

    def __str__(self) -> str:
        return f"{self.city} {self.effective_from}"


class PolicyAddon(models.Model):
    """R-SUB-8: a fixed monthly add-on (e.g. Tianjin: 带教费 200, 保险费 10)."""

    policy = models.ForeignKey(CityPolicy, on_delete=models.CASCADE, related_name="addons")
    name = models.CharField(_("名称"), max_length=50)
    amount = models.DecimalField(_("每月金额（元）"), max_digits=10, decimal_places=2)

    class Meta:
        verbose_name = _("固定月度加发项")
        verbose_name_plural = _("固定月度加发项")
        constraints = [models.CheckConstraint(condition=Q(amount__gte=0), name="addon_not_negative")]

    def __str__(self) -> str:
        return f"{self.name} ¥{self.amount}"


class RetentionTier(models.Model):
    """R-SUB-8: a higher monthly standard for hosts whose retention rate reaches a tier (Gansu)."""

    policy = models.ForeignKey(CityPolicy, on_delete=models.CASCADE, related_name="tiers")
    min_retention = models.DecimalField(
        _("留用率下限"),
        max_digits=4,
        decimal_places=3,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1"))],
    )
    amount = models.DecimalField(_("每月标准（元）"), max_digits=10, decimal_places=2)

    class Meta:
        ordering = ["min_retention"]
        verbose_name = _("留用率分档标准")
        verbose_name_plural = _("留用率分档标准")
        constraints = [
            models.UniqueConstraint(fields=["policy", "min_retention"], name="tier_unique"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="tier_positive"),
        ]

    def __str__(self) -> str:
        return f"≥{self.min_retention} ¥{self.amount}"


class YearlyTarget(models.Model):
    """R-TG-1: posts the city recruits in a year (2023: at least 6,000)."""

    city = models.ForeignKey(City, on_delete=models.PROTECT, related_name="targets", verbose_name=_("城市"))
    year = models.PositiveSmallIntegerField(_("年度"))
    posts = models.PositiveIntegerField(_("募集岗位目标"))
    source = models.CharField(_("依据文件"), max_length=200)
    history = HistoricalRecords()

    class Meta:
        ordering = ["city", "-year"]
        verbose_name = _("年度募集目标")
        verbose_name_plural = _("年度募集目标")
        constraints = [models.UniqueConstraint(fields=["city", "year"], name="target_one_per_year")]

    def __str__(self) -> str:
        return f"{self.city} {self.year}: {self.posts}"


class CalendarCorrection(models.Model):
    """An officer's correction of the official working-day calendar; it takes precedence."""

    date = models.DateField(_("日期"), unique=True)
    is_working_day = models.BooleanField(_("是否工作日"))
    note = models.CharField(_("说明"), max_length=200)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("录入人"),
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["date"]
        verbose_name = _("工作日历更正")
        verbose_name_plural = _("工作日历更正")

    def __str__(self) -> str:
        return f"{self.date} {'工作日' if self.is_working_day else '休息日'}"


class CalendarYear(models.Model):
    """A year whose holidays officers have entered by hand (the calendar package lacks it).

    Until a year is either covered by the package or confirmed here, proration by working days
    refuses to run for it (R-SUB-3) instead of silently treating it as weekdays only.
    """

    year = models.PositiveSmallIntegerField(_("年度"), unique=True)
    note = models.CharField(_("依据（国务院办公厅节假日安排通知）"), max_length=200)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("确认人"),
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["-year"]
        verbose_name = _("人工维护的日历年度")
        verbose_name_plural = _("人工维护的日历年度")

    def __str__(self) -> str:
        return str(self.year)
