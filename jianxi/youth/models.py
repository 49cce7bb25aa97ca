"""Young people (见习人员) and the record of every officer view of an unmasked ID number."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from jianxi.accounts.scoping import Scope
from jianxi.core.validators import mask_phone, mask_resident_id, validate_resident_id
from jianxi.policy.models import Group

__all__ = ["Education", "Group", "IdNumberReveal", "Person"]


class Education(models.TextChoices):
    DOCTORATE = "doctorate", _("博士研究生")
    MASTER = "master", _("硕士研究生")
    BACHELOR = "bachelor", _("大学本科")
    JUNIOR_COLLEGE = "junior_college", _("大学专科")
    SECONDARY_VOCATIONAL = "secondary_vocational", _("中专")
    TECHNICIAN = "technician", _("技工院校")
    HIGH_SCHOOL = "high_school", _("高中及以下")


class Person(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="person",
        verbose_name=_("账号"),
    )
    id_number = models.CharField(_("公民身份号码"), max_length=18, unique=True, validators=[validate_resident_id])
    name = models.CharField(_("姓名"), max_length=50)
    birth_date = models.DateField(_("出生日期"))
    phone = models.CharField(_("手机号码"), max_length=11)
    group = models.CharField(_("人员类别"), max_length=40, choices=Group.choices)
    education = models.CharField(_("学历"), max_length=30, choices=Education.choices, blank=True)
    school = models.CharField(_("毕业院校"), max_length=100, blank=True)
    university = models.ForeignKey(
        "policy.University",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="graduates",
        verbose_name=_("毕业高校（本市）"),
    )
    major = models.CharField(_("专业"), max_length=100, blank=True)
    graduation_date = models.DateField(_("毕业日期"), null=True, blank=True)
    district = models.ForeignKey(
        "policy.District", on_delete=models.PROTECT, related_name="persons", verbose_name=_("登记区")
    )
    beijing_origin = models.BooleanField(_("北京生源"), default=False)
    beijing_hukou = models.BooleanField(_("本市户籍"), default=False)
    employed = models.BooleanField(_("已就业"), default=False)
    registered_unemployed = models.BooleanField(_("已登记失业"), default=False)
    transfer_registered = models.BooleanField(_("已办理转移就业登记"), default=False)
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)
    # 个人简历: an optional PDF the young person uploads, which the hosts it applies to may download.
    resume = models.FileField(_("个人简历"), upload_to="resumes/%Y/", blank=True)
    resume_uploaded_at = models.DateTimeField(_("简历上传时间"), null=True, blank=True)
    history = HistoricalRecords()

    # A district sees who registered there, a university its own graduates, a youth itself.
    SCOPE = Scope(district="district", university="university", youth="user")

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("见习人员")
        verbose_name_plural = _("见习人员")
        indexes = [
            models.Index(fields=["district", "created_at"]),
            models.Index(fields=["university"]),
            models.Index(fields=["-created_at", "-id"], name="person_newest"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def id_number_masked(self) -> str:
        return mask_resident_id(self.id_number)

    @property
    def phone_masked(self) -> str:
        return mask_phone(self.phone)


class IdNumberReveal(models.Model):
    """Every time an officer sees an unmasked ID number (docs/rules.md, "Identifiers"), append-only."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="reveals", verbose_name=_("见习人员"))
    viewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("查看人")
    )
    viewed_at = models.DateTimeField(_("查看时间"), auto_now_add=True)
    purpose = models.CharField(_("查看事由"), max_length=200)
    ip_address = models.GenericIPAddressField(_("来源地址"), null=True, blank=True)

    class Meta:
        ordering = ["-viewed_at"]
        verbose_name = _("身份证号查看记录")
        verbose_name_plural = _("身份证号查看记录")

    def __str__(self) -> str:
        return f"{self.viewer} {self.viewed_at:%Y-%m-%d %H:%M} {self.person}"
