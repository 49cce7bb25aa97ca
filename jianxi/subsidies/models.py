"""Subsidy claims (补贴申报), review, payment batches (拨付), the ledger and recovery (追回).

Money is Decimal yuan with two places. Double payment is impossible by constraint, not by care:
- an internship-month is in at most one claim line that is not rejected (partial unique index);
- a claim is in at most one payment batch (one-to-one);
- the ledger holds at most one "approved" and one "paid" entry per claim (unique together).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from jianxi.accounts.scoping import Scope

if TYPE_CHECKING:
    from jianxi.accounts.models import User


class ClaimKind(models.TextChoices):
    MONTHLY = "monthly", _("见习补贴")
    REMAINING = "remaining", _("剩余期限见习补贴")


class ClaimStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("待审核")
    APPROVED = "approved", _("已审核")
    REJECTED = "rejected", _("已驳回")
    BATCHED = "batched", _("拨付中")
    PAID = "paid", _("已拨付")


class LineStatus(models.TextChoices):
    PENDING = "pending", _("待审核")
    APPROVED = "approved", _("核准")
    REJECTED = "rejected", _("驳回")


class Claim(models.Model):
    host = models.ForeignKey("hosts.Host", on_delete=models.PROTECT, related_name="claims")
    kind = models.CharField(_("类型"), max_length=20, choices=ClaimKind.choices, default=ClaimKind.MONTHLY)
    status = models.CharField(_("状态"), max_length=20, choices=ClaimStatus.choices, default=ClaimStatus.DRAFT)
    note = models.CharField(_("审核意见"), max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    submitted_at = models.DateTimeField(_("申报时间"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    approved_total = models.DecimalField(_("核准金额"), max_digits=12, decimal_places=2, default=0)
    # R-SUB-5 claims only: the agreement whose remaining period is claimed, and the host's
    # statement that the person was still employed through this date.
    agreement = models.ForeignKey(
        "placements.Agreement", on_delete=models.PROTECT, null=True, blank=True, related_name="remaining_claims"
    )
    employed_through = models.DateField(_("在职至"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    history = HistoricalRecords()

    SCOPE = Scope(district="host__district", host="host")

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("补贴申报")
        verbose_name_plural = _("补贴申报")
        constraints = [
            models.CheckConstraint(condition=Q(approved_total__gte=0), name="claim_total_not_negative"),
        ]
        indexes = [models.Index(fields=["host", "status"]), models.Index(fields=["status", "-created_at"])]

    def __str__(self) -> str:
        return f"BT-{self.pk} {self.host}"


class ClaimLine(models.Model):
    """One internship-month of a claim, with the policy engine's figures and their rules."""

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="lines")
    agreement = models.ForeignKey("placements.Agreement", on_delete=models.PROTECT, related_name="claim_lines")
    kind = models.CharField(max_length=20, choices=ClaimKind.choices)
    month = models.DateField(_("月份"))
    working_days = models.PositiveSmallIntegerField(_("当月工作日"))
    scheduled_days = models.PositiveSmallIntegerField(_("应出勤"))
    attended_days = models.PositiveSmallIntegerField(_("实际出勤"))
    rate = models.DecimalField(_("标准"), max_digits=10, decimal_places=2)
    city = models.DecimalField(_("市级补贴"), max_digits=10, decimal_places=2)
    addons = models.DecimalField(_("加发项"), max_digits=10, decimal_places=2)
    district = models.DecimalField(_("区级补贴"), max_digits=10, decimal_places=2)
    amount = models.DecimalField(_("金额"), max_digits=10, decimal_places=2)
    rules = models.CharField(_("依据"), max_length=200)
    status = models.CharField(_("状态"), max_length=20, choices=LineStatus.choices, default=LineStatus.PENDING)
    reject_reason = models.CharField(_("驳回理由"), max_length=300, blank=True)
    history = HistoricalRecords()

    SCOPE = Scope(district="claim__host__district", host="claim__host")

    class Meta:
        ordering = ["agreement", "month"]
        verbose_name = _("申报明细")
        verbose_name_plural = _("申报明细")
        constraints = [
            # R-SUB-4: no month of an internship is claimed twice (unless the first was rejected).
            # Per kind: a month split by an early hire has an internship part and a remaining
            # part; the engine prorates the two so their scheduled days never overlap.
            models.UniqueConstraint(
                fields=["agreement", "month", "kind"],
                condition=~Q(status=LineStatus.REJECTED),
                name="claimline_month_claimed_once",
                violation_error_message=_("该见习月份已在其他申报中（R-SUB-4）。"),
            ),
            models.CheckConstraint(
                condition=Q(amount__gte=0, city__gte=0, addons__gte=0, district__gte=0), name="claimline_not_negative"
            ),
            models.CheckConstraint(condition=Q(month__day=1), name="claimline_month_is_first_day"),
        ]

    def __str__(self) -> str:
        return f"{self.agreement_id} {self.month:%Y-%m} ¥{self.amount}"


class FlagDecision(models.Model):
    """An officer's recorded decision on a line's registry signals (风险信号核查结论), append-only:
    a flagged line is approved only once a decision covers each of its signals."""

    line = models.ForeignKey(ClaimLine, on_delete=models.CASCADE, related_name="flag_decisions")
    codes = models.CharField(_("信号"), max_length=200)  # the signal codes decided, comma-separated
    note = models.CharField(_("核查结论"), max_length=500)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(_("记录时间"), auto_now_add=True)

    class Meta:
        ordering = ["decided_at", "id"]
        verbose_name = _("风险信号核查结论")
        verbose_name_plural = _("风险信号核查结论")

    def __str__(self) -> str:
        return f"{self.line_id} {self.codes}"


class Attachment(models.Model):
    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(_("文件"), upload_to="claims/%Y/%m/")
    name = models.CharField(_("文件名"), max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("申报材料")
        verbose_name_plural = _("申报材料")

    def __str__(self) -> str:
        return self.name


class ChecklistItem(models.Model):
    """R-SUB-5: an officer checks each condition of a remaining-period claim, one by one."""

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="checklist")
    code = models.CharField(_("条件"), max_length=40)
    checked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    checked_at = models.DateTimeField(auto_now_add=True)
    note = models.CharField(_("核查说明"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("核查项")
        verbose_name_plural = _("核查项")
        constraints = [models.UniqueConstraint(fields=["claim", "code"], name="checklist_item_once")]

    def __str__(self) -> str:
        return f"{self.claim_id} {self.code}"


class BatchStatus(models.TextChoices):
    OPEN = "open", _("编制中")
    PAID = "paid", _("已拨付")
    CANCELLED = "cancelled", _("已撤销")


class PaymentBatch(models.Model):
    """拨付批次: approved claims of one district, exported as a bank file and marked paid once."""

    district = models.ForeignKey("policy.District", on_delete=models.PROTECT, related_name="payment_batches")
    status = models.CharField(_("状态"), max_length=20, choices=BatchStatus.choices, default=BatchStatus.OPEN)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    paid_on = models.DateField(_("拨付日期"), null=True, blank=True)
    reference = models.CharField(_("拨付凭证号"), max_length=100, blank=True)
    # A batch withdrawn before payment: its claims are approved again, the claims it held are
    # named here and in its history.
    cancel_reason = models.CharField(_("撤销理由"), max_length=500, blank=True)
    history = HistoricalRecords()

    SCOPE = Scope(district="district")

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("拨付批次")
        verbose_name_plural = _("拨付批次")
        constraints = [
            models.CheckConstraint(
                condition=~Q(status=BatchStatus.PAID) | (Q(paid_on__isnull=False) & ~Q(reference="")),
                name="batch_paid_has_date_and_reference",
            ),
            models.CheckConstraint(
                condition=~Q(status=BatchStatus.CANCELLED) | (Q(paid_on__isnull=True) & ~Q(cancel_reason="")),
                name="batch_cancelled_unpaid_with_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"PC-{self.pk}"


class BatchItem(models.Model):
    batch = models.ForeignKey(PaymentBatch, on_delete=models.PROTECT, related_name="items")
    claim = models.OneToOneField(Claim, on_delete=models.PROTECT, related_name="batch_item")  # one batch per claim
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    # The account paid, as it stood when the batch was made: a later change of the host's
    # details cannot redirect a batch, and the ledger can always say where the money went.
    bank_name = models.CharField(_("开户银行"), max_length=100, default="")
    bank_account = models.CharField(_("银行账号"), max_length=40, default="")

    class Meta:
        verbose_name = _("拨付明细")
        verbose_name_plural = _("拨付明细")
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="batchitem_positive")]

    def __str__(self) -> str:
        return f"{self.batch_id}/{self.claim_id}"


class EntryKind(models.TextChoices):
    APPROVED = "approved", _("核准")
    PAID = "paid", _("拨付")
    RECOVERED = "recovered", _("追回")
    WRITTEN_OFF = "written_off", _("核销")


class LedgerEntry(models.Model):
    """Append-only money ledger: balances per host, district and year are sums of it."""

    kind = models.CharField(max_length=20, choices=EntryKind.choices, verbose_name=_("类型"))
    host = models.ForeignKey("hosts.Host", on_delete=models.PROTECT, related_name="ledger", verbose_name=_("见习单位"))
    district = models.ForeignKey(
        "policy.District", on_delete=models.PROTECT, related_name="ledger", verbose_name=_("区")
    )
    claim = models.ForeignKey(
        Claim, on_delete=models.PROTECT, null=True, blank=True, related_name="ledger", verbose_name=_("补贴申报")
    )
    recovery = models.ForeignKey(
        "Recovery", on_delete=models.PROTECT, null=True, blank=True, related_name="ledger", verbose_name=_("追回")
    )
    amount = models.DecimalField(max_digits=12, decimal_places=2, verbose_name=_("金额（元）"))
    year = models.PositiveSmallIntegerField(verbose_name=_("年度"))
    occurred_on = models.DateField(verbose_name=_("发生日期"))
    reference = models.CharField(max_length=100, blank=True, verbose_name=_("凭证号"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+", verbose_name=_("经办人")
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("记账时间"))

    SCOPE = Scope(district="district", host="host")

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("资金台账")
        verbose_name_plural = _("资金台账")
        constraints = [
            # The same claim can be approved once and paid once: a second payment cannot be written.
            models.UniqueConstraint(
                fields=["claim", "kind"],
                condition=Q(kind__in=["approved", "paid"]),
                name="ledger_claim_paid_once",
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="ledger_amount_positive"),
        ]
        indexes = [models.Index(fields=["district", "year"]), models.Index(fields=["host", "year"])]

    def __str__(self) -> str:
        return f"{self.kind} ¥{self.amount}"

    @classmethod
    def entry(
        cls,
        *,
        kind: str,
        host: Any,
        amount: Decimal,
        on: date,
        actor: User | None,  # None: loaded data (the demo history), not a person's act
        claim: Claim | None = None,
        recovery: Recovery | None = None,
        reference: str = "",
    ) -> LedgerEntry:
        """An unsaved entry; district and year follow from the host and the date."""
        return cls(
            kind=kind,
            host=host,
            district_id=host.district_id,
            claim=claim,
            recovery=recovery,
            amount=amount,
            year=on.year,
            occurred_on=on,
            reference=reference,
            actor=actor,
        )


class RecoveryStatus(models.TextChoices):
    OPEN = "open", _("追回中")
    SETTLED = "settled", _("已追回")
    WRITTEN_OFF = "written_off", _("已核销")


class RecoveryKind(models.TextChoices):
    """What a recovery is (R-SUB-6): an honest error, or fraud."""

    OVERPAID = "overpaid", _("多发（非主观过错，不予处罚）")
    FRAUD = "fraud", _("骗取套取")


class Recovery(models.Model):
    """追回 (R-SUB-6): wrongly or fraudulently obtained subsidy, with its repayments.

    An overpayment (多发) is corrected and nothing more. Fraud (骗取套取) also bars the unit, for a
    period (``Host.barred_until``) or for good, and is referred (移送) to another authority: to
    whom, when and by whom are kept here.
    """

    host = models.ForeignKey("hosts.Host", on_delete=models.PROTECT, related_name="recoveries")
    claims = models.ManyToManyField(Claim, related_name="recoveries")
    amount = models.DecimalField(_("追回金额"), max_digits=12, decimal_places=2)
    reason = models.CharField(_("追回理由"), max_length=500)
    kind = models.CharField(
        _("追回性质"), max_length=20, choices=RecoveryKind.choices, default=RecoveryKind.OVERPAID, db_index=True
    )
    # Fraud only: the bar it brought (the last day, or None for good) and the referral (移送).
    bar_until = models.DateField(_("禁入截止日"), null=True, blank=True)
    referred_to = models.CharField(_("移送机关"), max_length=200, blank=True)
    referred_on = models.DateField(_("移送日期"), null=True, blank=True)
    referred_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("移送经办人"),
    )
    status = models.CharField(_("状态"), max_length=20, choices=RecoveryStatus.choices, default=RecoveryStatus.OPEN)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    SCOPE = Scope(district="host__district", host="host")

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("追回单")
        verbose_name_plural = _("追回单")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="recovery_positive"),
            # An overpayment carries no sanction and no referral; a referral names whom and when.
            models.CheckConstraint(
                condition=Q(kind="overpaid", bar_until__isnull=True, referred_to="", referred_on__isnull=True)
                | Q(kind="fraud", referred_to="", referred_on__isnull=True)
                | Q(kind="fraud", referred_on__isnull=False) & ~Q(referred_to=""),
                name="recovery_kind_consistent",
            ),
        ]

    def __str__(self) -> str:
        return f"ZH-{self.pk} ¥{self.amount}"

    @property
    def is_fraud(self) -> bool:
        return self.kind == RecoveryKind.FRAUD


class Repayment(models.Model):
    recovery = models.ForeignKey(Recovery, on_delete=models.PROTECT, related_name="repayments")
    amount = models.DecimalField(_("金额"), max_digits=12, decimal_places=2)
    paid_on = models.DateField(_("缴回日期"))
    reference = models.CharField(_("凭证号"), max_length=100)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("缴回记录")
        verbose_name_plural = _("缴回记录")
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="repayment_positive")]

    def __str__(self) -> str:
        return f"{self.recovery_id} ¥{self.amount}"


class ClaimRun(models.Model):
    """Web progress of one monthly claim run (run.claim_run) started from the officers' page.

    ``active`` is True while the run is unfinished and NULL afterwards: two partial unique
    indexes let at most one run be unfinished per district, and one city-wide run, whatever
    races two officers' clicks (or the page and cron's command) make. One district's run never
    waits for another's; a city-wide run and a district's may overlap, which is safe (the lines'
    unique index keeps a month in one claim; the chunk that loses is skipped and retried).
    """

    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("发起人")
    )
    # The district the run covers; NULL: the whole city.
    district = models.ForeignKey(
        "policy.District",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="claim_runs",
        verbose_name=_("区"),
    )
    started_at = models.DateTimeField(_("开始时间"), auto_now_add=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    today = models.DateField(_("处理日期"))
    active = models.BooleanField(null=True, default=True, verbose_name=_("运行中"))
    total = models.PositiveIntegerField(_("单位数"), default=0)
    done = models.PositiveIntegerField(_("已处理"), default=0)
    claims = models.PositiveIntegerField(_("生成申报"), default=0)
    lines = models.PositiveIntegerField(_("生成明细"), default=0)
    skipped_chunks = models.PositiveIntegerField(default=0, verbose_name=_("跳过的批次"))
    # Internships the engine refused to quote, [{"agreement", "code", "message"}], the first
    # PROBLEMS_KEPT of them; ``problem_count`` counts them all.
    problems = models.JSONField(_("未生成的协议"), default=list, blank=True)
    problem_count = models.PositiveIntegerField(default=0, verbose_name=_("问题数"))
    error = models.TextField(_("错误"), blank=True)
    # Set at the start and at every chunk: a run silent for longer than STALE_AFTER has died
    # with its process, and no longer blocks the next one.
    heartbeat = models.DateTimeField(_("最近进展"), null=True, blank=True)

    PROBLEMS_KEPT = 200
    STALE_AFTER = timedelta(minutes=10)

    # Runs are seen by the district whose officer started them; the city sees all.
    SCOPE = Scope(district="started_by__district")

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("申报生成任务")
        verbose_name_plural = _("申报生成任务")
        constraints = [
            models.UniqueConstraint(
                fields=["district"], condition=Q(active=True), name="claimrun_one_unfinished_per_district"
            ),
            models.UniqueConstraint(
                fields=["active"], condition=Q(active=True, district__isnull=True), name="claimrun_one_unfinished_city"
            ),
        ]

    def __str__(self) -> str:
        return f"RUN-{self.pk} {self.today}"

    def is_stale(self, now: datetime) -> bool:
        return self.finished_at is None and (self.heartbeat or self.started_at) < now - self.STALE_AFTER


class FundYear(models.Model):
    """资金年度结算 (year close): a policy year's claim deadline, policy data, and its close.

    The months of ``year`` can be claimed until ``claim_deadline`` (inclusive); from the day
    after, no claim holding one of them is drafted or submitted (``R-SUB-4.closed``). Once
    nothing of the year waits for review or payment, the city records the close: who, when,
    and what the year's months came to. A year without a row has no deadline.
    """

    year = models.PositiveSmallIntegerField(_("年度"), unique=True)
    claim_deadline = models.DateField(_("申报截止日"))
    source = models.CharField(_("依据文件"), max_length=200, blank=True)
    closed_at = models.DateTimeField(_("结算时间"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("结算人"),
    )
    # What the year's months came to when it was closed (claim lines, by internship month).
    lines_approved = models.PositiveIntegerField(_("核准月数"), default=0)
    approved = models.DecimalField(_("核准金额"), max_digits=14, decimal_places=2, default=0)
    paid = models.DecimalField(_("已拨付金额"), max_digits=14, decimal_places=2, default=0)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-year"]
        verbose_name = _("资金年度结算")
        verbose_name_plural = _("资金年度结算")
        constraints = [
            models.CheckConstraint(
                condition=Q(closed_at__isnull=True) | Q(closed_by__isnull=False), name="fundyear_closed_by_someone"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.year}"

    @property
    def closed(self) -> bool:
        return self.closed_at is not None

    def open_on(self, today: date) -> bool:
        """Whether the year's months may still be claimed on ``today``."""
        return today <= self.claim_deadline

    def clean(self) -> None:
        if self.claim_deadline and self.year and self.claim_deadline < date(self.year, 2, 1):
            # The first month of a year is claimable from the first day of the next one.
            raise ValidationError(
                {"claim_deadline": _("申报截止日不能早于该年度 2 月 1 日（首月补贴次月起方可申报）。")}
            )


class ClaimRunPart(models.Model):
    """One district's share of a claim run, when the run is fanned out to Celery workers.

    One task per part (``tasks.claim_run_district``); a part's task may run twice (its worker
    died before acknowledging it, and the broker delivered it again): a finished part is not
    run again, an unfinished one simply finishes the job — what its first try committed is no
    longer claimable. The last part to finish closes the run, summing the parts into it.
    """

    run = models.ForeignKey(ClaimRun, on_delete=models.CASCADE, related_name="parts")
    district = models.ForeignKey("policy.District", on_delete=models.PROTECT, related_name="+")
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    claims = models.PositiveIntegerField(default=0)
    lines = models.PositiveIntegerField(default=0)
    skipped_chunks = models.PositiveIntegerField(default=0)
    problems = models.JSONField(default=list, blank=True)
    problem_count = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    attempts = models.PositiveIntegerField(default=0)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["run", "district"]
        constraints = [models.UniqueConstraint(fields=["run", "district"], name="claimrunpart_one_per_district")]

    def __str__(self) -> str:
        return f"RUN-{self.run_id} {self.district_id}"
