"""Demonstration units (国家级就业见习示范单位, R-TG-4): the scoring parameters and the nominations.

How hosts are scored is policy data (``RankingPolicy``), per city from a year on, edited by the
city officer in the admin with its history. A district nominates hosts of its district up to the
city's quota (``Nomination``); the city confirms or declines each nomination.
"""

from __future__ import annotations

import operator
from functools import reduce
from typing import Any, cast

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.lookups import Exact
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from jianxi.accounts.scoping import Scope

# The factors of the score, in the order they are shown, with the policy field of each weight.
WEIGHT_FIELDS: dict[str, str] = {
    "posts": "weight_posts",
    "headcount": "weight_headcount",
    "fill_rate": "weight_fill_rate",
    "completion": "weight_completion",
    "retention": "weight_retention",
    "attendance": "weight_attendance",
    "claim_lines": "weight_claim_lines",
    "no_recovery": "weight_no_recovery",
    "no_fraud": "weight_no_fraud",
}
WEIGHT_TOTAL = 100


def _weight(label: Any, default: int) -> models.PositiveSmallIntegerField:
    return models.PositiveSmallIntegerField(label, default=default, validators=[MaxValueValidator(WEIGHT_TOTAL)])


class RankingPolicy(models.Model):
    """R-TG-4: the weights of the score, the minimum size and the districts' quota, from a year on.

    The row in force for a year is the one with the latest ``effective_year`` not after it. The
    weights are whole points that add up to 100, so a score is out of 100.
    """

    city = models.ForeignKey(
        "policy.City", on_delete=models.PROTECT, related_name="ranking_policies", verbose_name=_("城市")
    )
    effective_year = models.PositiveSmallIntegerField(
        _("起始年度"), validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    source = models.CharField(_("依据"), max_length=200)
    min_interns = models.PositiveSmallIntegerField(
        _("参评最少见习人数"),
        default=5,
        validators=[MinValueValidator(1)],
        help_text=_("年内在岗见习人数少于此数的单位不参加排名，单列为“不符合参评条件”。"),
    )
    attendance_due_day = models.PositiveSmallIntegerField(
        _("考勤按时填报期限（次月第几日）"),
        default=10,
        validators=[MinValueValidator(1), MaxValueValidator(28)],
        help_text=_("某月考勤在次月该日（含）以前首次登记的，计为按时。"),
    )
    nomination_quota = models.PositiveSmallIntegerField(_("每区推荐名额"), default=3)
    weight_posts = _weight(_("权重：发布岗位数"), 10)
    weight_headcount = _weight(_("权重：招募人数"), 10)
    weight_fill_rate = _weight(_("权重：岗位使用率"), 15)
    weight_completion = _weight(_("权重：见习完成率"), 15)
    weight_retention = _weight(_("权重：留用率"), 20)
    weight_attendance = _weight(_("权重：考勤按时填报率"), 10)
    weight_claim_lines = _weight(_("权重：补贴申报核准率"), 10)
    weight_no_recovery = _weight(_("权重：无补贴追回"), 5)
    weight_no_fraud = _weight(_("权重：无疑点线索"), 5)
    history = HistoricalRecords()

    class Meta:
        ordering = ["city", "-effective_year"]
        verbose_name = _("示范单位评分参数")
        verbose_name_plural = _("示范单位评分参数")
        constraints = [
            models.UniqueConstraint(fields=["city", "effective_year"], name="rankingpolicy_one_per_year"),
            models.CheckConstraint(
                condition=Exact(reduce(operator.add, (F(name) for name in WEIGHT_FIELDS.values())), WEIGHT_TOTAL),
                name="rankingpolicy_weights_total_100",
                violation_error_message=_("各项权重之和须为 100。"),
            ),
            models.CheckConstraint(
                condition=Q(attendance_due_day__gte=1, attendance_due_day__lte=28),
                name="rankingpolicy_due_day_1_to_28",
            ),
            models.CheckConstraint(condition=Q(min_interns__gte=1), name="rankingpolicy_min_interns_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.city} {self.effective_year}"

    def weights(self) -> dict[str, int]:
        return {code: getattr(self, name) for code, name in WEIGHT_FIELDS.items()}

    def labelled_weights(self) -> list[tuple[str, int]]:
        """(the weight's label, its value) in the order of the factors, for pages and exports."""
        return [
            (str(cast("models.Field[Any, Any]", self._meta.get_field(name)).verbose_name), getattr(self, name))
            for name in WEIGHT_FIELDS.values()
        ]

    def clean(self) -> None:
        total = sum(self.weights().values())
        if total != WEIGHT_TOTAL:
            raise ValidationError(_("各项权重之和须为 100，现为 %(total)s。") % {"total": total})


class NominationStatus(models.TextChoices):
    NOMINATED = "nominated", _("已推荐，待市人社局确认")
    CONFIRMED = "confirmed", _("已确认")
    DECLINED = "declined", _("不予确认")
    WITHDRAWN = "withdrawn", _("已撤回")


# Nominations that take a place of the district's quota.
QUOTA_STATES = (NominationStatus.NOMINATED, NominationStatus.CONFIRMED)


class Nomination(models.Model):
    """A district's nomination of one of its hosts for a year (推荐参评国家级就业见习示范单位)."""

    year = models.PositiveSmallIntegerField(_("年度"))
    host = models.ForeignKey("hosts.Host", on_delete=models.PROTECT, related_name="nominations")
    # The host's district when nominated: the quota is the district's.
    district = models.ForeignKey("policy.District", on_delete=models.PROTECT, related_name="nominations")
    status = models.CharField(
        _("状态"), max_length=20, choices=NominationStatus.choices, default=NominationStatus.NOMINATED
    )
    # The score and the rank in its district when nominated, as the district saw them.
    score = models.DecimalField(_("推荐时得分"), max_digits=5, decimal_places=2)
    district_rank = models.PositiveIntegerField(_("推荐时区内排名"))
    reason = models.CharField(_("说明"), max_length=500, blank=True)
    nominated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    nominated_at = models.DateTimeField(_("推荐时间"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("确认时间"), null=True, blank=True)
    history = HistoricalRecords()

    SCOPE = Scope(district="district")

    class Meta:
        ordering = ["-year", "district__sort_order", "district_rank", "id"]
        verbose_name = _("示范单位推荐")
        verbose_name_plural = _("示范单位推荐")
        constraints = [
            # One nomination per host and year: nominating again after a withdrawal reuses it.
            models.UniqueConstraint(fields=["year", "host"], name="nomination_one_per_host_year"),
            models.CheckConstraint(
                condition=~Q(status=NominationStatus.DECLINED) | ~Q(reason=""),
                name="nomination_declined_with_reason",
            ),
            models.CheckConstraint(condition=Q(score__gte=0, score__lte=100), name="nomination_score_0_to_100"),
        ]
        indexes = [models.Index(fields=["year", "district", "status"])]

    def __str__(self) -> str:
        return f"{self.year} {self.host}"
