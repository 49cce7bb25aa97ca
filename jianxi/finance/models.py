"""The finance bureau's (财政局) data: the programme's budget for a year (issue #10, item 5)."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class YearlyBudget(models.Model):
    """The money set aside for a year's internship subsidy: the city's total, optionally per district."""

    city = models.ForeignKey("policy.City", on_delete=models.PROTECT, related_name="budgets", verbose_name=_("城市"))
    year = models.PositiveSmallIntegerField(_("年度"))
    district = models.ForeignKey(
        "policy.District",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="budgets",
        verbose_name=_("区（空为全市合计）"),
    )
    amount = models.DecimalField(_("预算金额（元）"), max_digits=14, decimal_places=2)
    source = models.CharField(_("依据文件"), max_length=200, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["city", "-year", "district"]
        verbose_name = _("年度见习补贴预算")
        verbose_name_plural = _("年度见习补贴预算")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="budget_not_negative"),
            models.UniqueConstraint(fields=["city", "year", "district"], name="budget_once_per_district"),
            models.UniqueConstraint(
                fields=["city", "year"], condition=Q(district__isnull=True), name="budget_once_per_city"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.district or self.city} ¥{self.amount}"
