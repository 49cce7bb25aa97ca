"""Registry extracts (比对数据): what the registries say about a person, loaded by officers.

A ``Load`` is one extract as it arrived — a file uploaded or a batch posted by a system — with
who, when, how many rows, and every rejected row with its reason. An extract is loaded whole or
not at all: a load with a bad row is recorded as refused and none of its rows are kept. The rows
of an accepted load are ``Record``s, one table for the five sources (the columns a source does
not have stay empty). ``VerdictChange`` lists what a load changed in a person's verdicts, for the
district to act on; ``VerificationPolicy`` (policy data, dated, with history) says which facts
must be verified before a claim is approved.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from jianxi.accounts.scoping import Scope


class Source(models.TextChoices):
    INSURANCE = "insurance", _("社会保险参保")  # 参保
    GRADUATE = "graduate", _("生源学籍")  # 生源/学籍
    HUKOU = "hukou", _("户籍")
    UNEMPLOYMENT = "unemployment", _("失业登记")
    TRANSFER = "transfer", _("转移就业登记")  # 就业登记 of rural labour


class Channel(models.TextChoices):
    FILE = "file", _("Excel 文件")
    API = "api", _("接口")


class LoadStatus(models.TextChoices):
    LOADED = "loaded", _("已载入")
    REFUSED = "refused", _("已拒收")


class Load(models.Model):
    """One extract: loaded whole (``LOADED``) or refused whole (``REFUSED``, with every row error)."""

    source = models.CharField(_("数据来源"), max_length=20, choices=Source.choices)
    channel = models.CharField(_("方式"), max_length=10, choices=Channel.choices)
    # A system's batch id; a file's is "file:" and the digest of its rows (the same file twice).
    batch_id = models.CharField(_("批次号"), max_length=80)
    digest = models.CharField(_("内容摘要"), max_length=64)  # SHA-256 of the rows as read
    file_name = models.CharField(_("文件名"), max_length=255, blank=True)
    status = models.CharField(_("结果"), max_length=10, choices=LoadStatus.choices)
    # The loader's district: its records speak of that district's persons only; None = city-wide.
    district = models.ForeignKey(
        "policy.District", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("区")
    )
    scope_key = models.CharField(max_length=10)  # the district's code, or "city": batch ids are per scope
    loaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    loaded_at = models.DateTimeField(_("载入时间"), auto_now_add=True)
    rows = models.PositiveIntegerField(_("行数"), default=0)
    accepted = models.PositiveIntegerField(_("载入行数"), default=0)
    rejected = models.JSONField(_("拒收的行"), default=list, blank=True)  # [[row, column, message], …]
    changed_verdicts = models.PositiveIntegerField(_("改变的核验结论"), default=0)

    SCOPE = Scope(district="district")

    class Meta:
        ordering = ["-loaded_at", "-id"]
        verbose_name = _("比对数据载入")
        verbose_name_plural = _("比对数据载入")
        constraints = [
            # A batch (or file) is loaded once: the same batch id again answers the first load.
            models.UniqueConstraint(
                fields=["source", "scope_key", "batch_id"],
                condition=Q(status="loaded"),
                name="registry_load_batch_once",
            )
        ]
        indexes = [models.Index(fields=["district", "-loaded_at"])]

    def __str__(self) -> str:
        return f"{self.get_source_display()} {self.batch_id}"


class Record(models.Model):
    """One row of an accepted extract. Which columns are filled depends on ``source``:

    insurance: ``employer_code``, ``start``, ``end`` (None: still insured);
    graduate: ``school``, ``education``, ``graduation_date``, ``flag`` (北京生源);
    hukou: ``flag`` (本市户籍), ``school`` holds nothing; unemployment and transfer: ``start``
    (registered on), ``end`` (deregistered on, None: still registered).
    """

    load = models.ForeignKey(Load, on_delete=models.PROTECT, related_name="records")
    source = models.CharField(max_length=20, choices=Source.choices)
    district = models.ForeignKey("policy.District", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    id_number = models.CharField(_("公民身份号码"), max_length=18)
    employer_code = models.CharField(_("单位统一社会信用代码"), max_length=18, blank=True)
    start = models.DateField(null=True, blank=True)
    end = models.DateField(null=True, blank=True)
    school = models.CharField(max_length=100, blank=True)
    education = models.CharField(max_length=30, blank=True)
    graduation_date = models.DateField(null=True, blank=True)
    flag = models.BooleanField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("比对记录")
        verbose_name_plural = _("比对记录")
        indexes = [models.Index(fields=["id_number", "source"])]

    def __str__(self) -> str:
        return f"{self.source} {self.id_number[:6]}…"


class Fact(models.TextChoices):
    """The eligibility facts a registry can confirm or contradict (R-EL-7)."""

    ORIGIN = "origin", _("北京生源")
    HUKOU = "hukou", _("本市户籍")
    GRADUATION = "graduation", _("毕业日期、学历")
    NOT_EMPLOYED = "not_employed", _("未就业")
    UNEMPLOYMENT = "unemployment", _("登记失业")
    TRANSFER = "transfer", _("转移就业登记")


class Verdict(models.TextChoices):
    VERIFIED = "verified", _("已核验")
    CONTRADICTED = "contradicted", _("与比对数据不符")
    DECLARED = "declared", _("本人申报（未核验）")


class VerdictChange(models.Model):
    """A load changed the verdict on one fact of a person: listed for the person's district."""

    person = models.ForeignKey("youth.Person", on_delete=models.PROTECT, related_name="+")
    load = models.ForeignKey(Load, on_delete=models.PROTECT, related_name="changes")
    fact = models.CharField(_("事项"), max_length=20, choices=Fact.choices)
    before = models.CharField(_("原结论"), max_length=20, choices=Verdict.choices)
    after = models.CharField(_("新结论"), max_length=20, choices=Verdict.choices)
    detail = models.CharField(_("说明"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    handled_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    note = models.CharField(_("处理情况"), max_length=300, blank=True)
    history = HistoricalRecords()

    SCOPE = Scope(district="person__district")

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("核验结论变化")
        verbose_name_plural = _("核验结论变化")
        indexes = [models.Index(fields=["handled_at", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.person_id} {self.fact}: {self.before} → {self.after}"


class VerificationPolicy(models.Model):
    """Which facts must be verified against a registry before a claim is approved (policy data).

    Beijing's default (no row, or a row with the defaults): none required, contradictions block.
    """

    effective_from = models.DateField(_("执行日期"), unique=True)
    source_document = models.CharField(_("依据文件"), max_length=200)
    require_origin = models.BooleanField(_("北京生源须经核验"), default=False)
    require_hukou = models.BooleanField(_("本市户籍须经核验"), default=False)
    require_graduation = models.BooleanField(_("毕业日期、学历须经核验"), default=False)
    require_not_employed = models.BooleanField(_("未就业须经核验"), default=False)
    require_unemployment = models.BooleanField(_("失业登记须经核验"), default=False)
    require_transfer = models.BooleanField(_("转移就业登记须经核验"), default=False)
    contradictions_block = models.BooleanField(_("与比对数据不符时不得核准补贴"), default=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-effective_from"]
        verbose_name = _("核验要求")
        verbose_name_plural = _("核验要求")

    def __str__(self) -> str:
        return f"{self.effective_from} {self.source_document}"
