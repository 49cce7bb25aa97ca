"""Programme oversight (R-TG-1, R-TG-2): what counts, the targets, and the statistics kept for them.

Two kinds of rows live here:

- **Policy data** the city officer edits in the admin, with history: the counting definitions
  (统计口径) and the yearly targets of districts and recruiting departments. The city's own target
  stays in ``policy.YearlyTarget`` (R-TG-1), where it always was.
- **Aggregates** (统计汇总) computed from the raw rows by ``refresh.py`` and never edited: monthly
  figures per district, recruiting department, post category and host type, a daily tally of
  what R-TG-1 and R-TG-2 count, and the take-up of each university's graduates. The dashboard
  and the API read only these. Money in them is integer fen (分), so that sums are exact on
  SQLite too; it becomes Decimal yuan at the edge (``core.money``).
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from jianxi.accounts.scoping import Scope

# --- definitions and targets (policy data) --------------------------------------------------------


class TargetMeasure(models.TextChoices):
    HEADCOUNT = "headcount", _("招募人数（一个岗位招 3 人计 3 个）")
    POSTS = "posts", _("岗位个数（一个岗位计 1 个）")


class RetentionBase(models.TextChoices):
    ENDED = "ended", _("见习结束人数（含提前终止）")
    COMPLETED = "completed", _("期满结束和提前留用人数")


class StatDefinition(models.Model):
    """统计口径: how R-TG-1 and R-TG-2 count, and how the rates are formed, from a year on.

    The row with the latest ``from_year`` not after a year applies to that year. Placements
    (组织见习人数) are always the agreements confirmed by both sides whose start falls in the
    period; what differs between cities is what a "post" is and how the rates are formed.
    """

    city = models.ForeignKey(
        "policy.City", on_delete=models.PROTECT, related_name="stat_definitions", verbose_name=_("城市")
    )
    from_year = models.PositiveSmallIntegerField(_("自年度起"))
    target_measure = models.CharField(
        _("募集岗位计数方式"),
        max_length=20,
        choices=TargetMeasure.choices,
        default=TargetMeasure.HEADCOUNT,
        help_text=_("计入年度募集目标（R-TG-1）和各区同比（R-TG-2）的岗位数：按当年首次发布岗位的招募人数或岗位个数。"),
    )
    completion_counts_hired = models.BooleanField(
        _("提前留用计入完成"),
        default=True,
        help_text=_("完成率 =（期满结束 + 提前留用）÷ 见习结束人数；不勾选则只计期满结束。"),
    )
    retention_base = models.CharField(
        _("留用率分母"), max_length=20, choices=RetentionBase.choices, default=RetentionBase.ENDED
    )
    source = models.CharField(_("依据文件"), max_length=200, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["city", "-from_year"]
        verbose_name = _("统计口径")
        verbose_name_plural = _("统计口径")
        constraints = [models.UniqueConstraint(fields=["city", "from_year"], name="statdef_one_per_year")]

    def __str__(self) -> str:
        return f"{self.city} {self.from_year}—"


class DistrictTarget(models.Model):
    """A district's yearly target (区年度目标); optional, either figure may be left empty."""

    district = models.ForeignKey(
        "policy.District", on_delete=models.PROTECT, related_name="targets", verbose_name=_("区")
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    posts = models.PositiveIntegerField(_("募集岗位目标"), null=True, blank=True)
    placements = models.PositiveIntegerField(_("组织见习人数目标"), null=True, blank=True)
    source = models.CharField(_("依据文件"), max_length=200, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-year", "district__sort_order"]
        verbose_name = _("区年度目标")
        verbose_name_plural = _("区年度目标")
        constraints = [
            models.UniqueConstraint(fields=["district", "year"], name="district_target_one_per_year"),
            models.CheckConstraint(
                condition=Q(posts__isnull=False) | Q(placements__isnull=False),
                name="district_target_not_empty",
                violation_error_message=_("请至少填写一项目标。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.district} {self.year}"


class DepartmentTarget(models.Model):
    """A recruiting department's yearly target (募集部门年度目标, 附件's nine directions); optional."""

    department = models.ForeignKey(
        "policy.Department", on_delete=models.PROTECT, related_name="targets", verbose_name=_("募集部门")
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    posts = models.PositiveIntegerField(_("募集岗位目标"), null=True, blank=True)
    placements = models.PositiveIntegerField(_("组织见习人数目标"), null=True, blank=True)
    source = models.CharField(_("依据文件"), max_length=200, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-year", "department__sort_order"]
        verbose_name = _("部门年度目标")
        verbose_name_plural = _("部门年度目标")
        constraints = [
            models.UniqueConstraint(fields=["department", "year"], name="department_target_one_per_year"),
            models.CheckConstraint(
                condition=Q(posts__isnull=False) | Q(placements__isnull=False),
                name="department_target_not_empty",
                violation_error_message=_("请至少填写一项目标。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.department} {self.year}"


# --- aggregates (written by refresh.py only) ------------------------------------------------------

COUNTS = ("posts", "headcount", "placements", "in_internship", "completed", "terminated", "hired", "retained")
MONEY = ("approved_city", "approved_district", "paid_city", "paid_district", "recovered_city", "recovered_district")
PLACEMENT_COUNTS = ("placements", "in_internship", "completed", "terminated", "hired", "retained")


def _ref(model: str) -> models.ForeignKey:
    # Aggregates are rebuilt from the raw rows, never the other way round: no database
    # constraint, so that a refresh writes without taking locks on the reference tables.
    return models.ForeignKey(model, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+")


class Counts(models.Model):
    """What happened in a month (first day in ``month``), counted from posts and agreements.

    posts, headcount: posts first published in the month (R-TG-1), and their headcount;
    placements: agreements confirmed by both sides that start in the month (组织见习人数);
    in_internship: agreements running on the month's last day (见习中, 月末在岗);
    completed, terminated, hired: agreements whose last day falls in the month, by outcome (R-IN-3);
    retained: of those, the ones the host kept (留用; an early hire always is).
    """

    posts = models.IntegerField(default=0)
    headcount = models.IntegerField(default=0)
    placements = models.IntegerField(default=0)
    in_internship = models.IntegerField(default=0)
    completed = models.IntegerField(default=0)
    terminated = models.IntegerField(default=0)
    hired = models.IntegerField(default=0)
    retained = models.IntegerField(default=0)

    class Meta:
        abstract = True


class Money(models.Model):
    """Subsidy money of a month in fen, city share (市级补贴 and add-ons) and district share apart.

    approved / paid: the approved lines of the claims whose ledger entry (核准, 拨付) falls in the
    month — exactly the ledger's amounts, split as the lines split them; recovered: repayments
    (追回) in the month, spread over the paid lines of the claims the recovery names in proportion
    to their amounts, to the fen (refresh.py says how).
    """

    approved_city = models.BigIntegerField(default=0)
    approved_district = models.BigIntegerField(default=0)
    paid_city = models.BigIntegerField(default=0)
    paid_district = models.BigIntegerField(default=0)
    recovered_city = models.BigIntegerField(default=0)
    recovered_district = models.BigIntegerField(default=0)

    class Meta:
        abstract = True


class MonthlyStat(Counts, Money):
    """The finest grain: month × district × recruiting department × post category × host type.

    The district is the host's (the district that reviews and pays it, as everywhere in Jianxi).
    """

    month = models.DateField()
    district = _ref("policy.District")
    department = models.ForeignKey(
        "policy.Department", on_delete=models.DO_NOTHING, db_constraint=False, null=True, related_name="+"
    )
    category = _ref("policy.PostCategory")
    host_type = models.CharField(max_length=30)

    SCOPE = Scope(district="district", department="department")

    class Meta:
        verbose_name = _("月度统计")
        verbose_name_plural = _("月度统计")
        indexes = [models.Index(fields=["month", "district"], name="monthlystat_month")]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.district_id}/{self.department_id}/{self.category_id}/{self.host_type}"


class MonthlyDistrictStat(Counts, Money):
    """``MonthlyStat`` summed over category and host type: what the dashboard reads most."""

    month = models.DateField()
    district = _ref("policy.District")
    department = models.ForeignKey(
        "policy.Department", on_delete=models.DO_NOTHING, db_constraint=False, null=True, related_name="+"
    )

    SCOPE = Scope(district="district", department="department")

    class Meta:
        verbose_name = _("月度分区统计")
        verbose_name_plural = _("月度分区统计")
        indexes = [models.Index(fields=["month", "district"], name="monthlydistrictstat_month")]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.district_id}/{self.department_id}"


class DailyStat(models.Model):
    """Per day what R-TG-1 and R-TG-2 count, for "the same period last year" to the day."""

    day = models.DateField()
    district = _ref("policy.District")
    department = models.ForeignKey(
        "policy.Department", on_delete=models.DO_NOTHING, db_constraint=False, null=True, related_name="+"
    )
    posts = models.IntegerField(default=0)
    headcount = models.IntegerField(default=0)
    placements = models.IntegerField(default=0)

    SCOPE = Scope(district="district", department="department")

    class Meta:
        verbose_name = _("每日统计")
        verbose_name_plural = _("每日统计")
        indexes = [models.Index(fields=["day", "district"], name="dailystat_day")]

    def __str__(self) -> str:
        return f"{self.day} {self.district_id}/{self.department_id}"


class UniversityMonthlyStat(models.Model):
    """A university's graduates in internships (高校毕业生参加见习), by month, district and category."""

    month = models.DateField()
    university = _ref("policy.University")
    district = _ref("policy.District")
    category = _ref("policy.PostCategory")
    placements = models.IntegerField(default=0)
    in_internship = models.IntegerField(default=0)
    completed = models.IntegerField(default=0)
    terminated = models.IntegerField(default=0)
    hired = models.IntegerField(default=0)
    retained = models.IntegerField(default=0)

    SCOPE = Scope(university="university")

    class Meta:
        verbose_name = _("高校月度统计")
        verbose_name_plural = _("高校月度统计")
        indexes = [models.Index(fields=["month", "university"], name="unistat_month")]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.university_id}/{self.district_id}/{self.category_id}"


class StatStamp(models.Model):
    """How fresh the aggregates of one district's month are.

    ``refreshed_at``: when the last refresh of the cell began reading the raw rows;
    ``changed_at``: when a service last committed a change to them. A cell changed after it was
    refreshed is stale until the next refresh (``refresh_stats --dirty``).
    """

    month = models.DateField()
    district = _ref("policy.District")
    refreshed_at = models.DateTimeField(null=True)
    changed_at = models.DateTimeField(null=True)

    class Meta:
        verbose_name = _("统计刷新记录")
        verbose_name_plural = _("统计刷新记录")
        constraints = [models.UniqueConstraint(fields=["month", "district"], name="statstamp_one_per_cell")]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.district_id}"
