"""Subsidy pages: claims (申报), review (审核), payment (拨付), ledger (台账), audit (风险线索, 追回).

Views parse input, call one service and render its result; scoping is ``scoped``/``get_scoped``.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.db.models import Case, Count, Exists, IntegerField, OuterRef, Q, QuerySet, Value, When
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jianxi.accounts.duties import Duty, duty, forbid_unless, may
from jianxi.accounts.models import Role
from jianxi.accounts.scoping import get_scoped, scoped
from jianxi.core.access import acting_user, roles
from jianxi.core.aggregates import MoneySum
from jianxi.core.errors import RuleError
from jianxi.core.excel import xlsx_response
from jianxi.core.forms import add_rule_error
from jianxi.core.money import ZERO
from jianxi.core.paging import paginate, parse_id
from jianxi.hosts.models import Host
from jianxi.placements.models import Agreement, AgreementStatus, Attendance, Outcome
from jianxi.subsidies import recovery as recovery_service
from jianxi.subsidies import remaining, services, signals, tasks
from jianxi.subsidies.forms import (
    AttachmentForm,
    CancelBatchForm,
    MarkPaidForm,
    RecoveryForm,
    RemainingForm,
    RepaymentForm,
    WriteOffForm,
)
from jianxi.subsidies.models import (
    Attachment,
    BatchStatus,
    Claim,
    ClaimKind,
    ClaimRun,
    ClaimStatus,
    EntryKind,
    LedgerEntry,
    LineStatus,
    PaymentBatch,
    Recovery,
    RecoveryStatus,
)

OFFICERS = (Role.DISTRICT, Role.CITY)
MONEY_ROLES = (Role.HOST, *OFFICERS)
R_SUB_7 = "见习补贴相关费用不计入社会保险缴费基数；符合规定的支出可在计算企业所得税应纳税所得额时扣除（R-SUB-7）"


def _today() -> date:
    return timezone.localdate()


def _refuse(request: HttpRequest, err: RuleError) -> None:
    messages.error(request, f"{err.message}（{err.code}）" if err.code.startswith("R-") else err.message)


def _int(value: str | None) -> int | None:
    return parse_id(value)


# --- claims ----------------------------------------------------------------------------------------


def _claims() -> Any:
    return Claim.objects.select_related("host", "agreement__person").annotate(
        line_count=Count("lines"), claimed=MoneySum("lines__amount")
    )


def _remaining_eligible(user: Any, today: date) -> QuerySet[Agreement]:
    """Early hires whose original period is over and whose remaining period is not yet claimed."""
    claimed = Claim.objects.filter(agreement=OuterRef("pk"), kind=ClaimKind.REMAINING).exclude(
        status=ClaimStatus.REJECTED
    )
    return (
        scoped(user, Agreement.objects.select_related("person"))
        .filter(
            status=AgreementStatus.ENDED,
            outcome=Outcome.HIRED,
            subsidy_eligible=True,
            end__lt=today,
        )
        .exclude(Exists(claimed))
        .order_by("-end", "-id")
    )


@roles(*MONEY_ROLES)
def claims(request: HttpRequest) -> HttpResponse:
    """The host's own claims, or the officer's queue (待审核 first)."""
    user = acting_user(request)
    qs: Any = scoped(user, _claims())
    status, kind, q = request.GET.get("status", ""), request.GET.get("kind", ""), request.GET.get("q", "").strip()
    if status in ClaimStatus.values:
        qs = qs.filter(status=status)
    if kind in ClaimKind.values:
        qs = qs.filter(kind=kind)
    if q and user.role != Role.HOST:
        qs = qs.filter(host__name__icontains=q)
    qs = qs.annotate(
        queue=Case(When(status=ClaimStatus.SUBMITTED, then=Value(0)), default=Value(1), output_field=IntegerField())
    ).order_by("queue", "-created_at", "-id")
    if request.GET.get("format") == "xlsx":
        headers = ["申报编号", "见习单位", "类型", "状态", "明细条数", "申报金额", "核准金额", "申报时间", "审核时间"]
        rows = (
            (
                f"BT-{c.pk}",
                c.host.name,
                c.get_kind_display(),
                c.get_status_display(),
                c.line_count,
                c.claimed or ZERO,
                c.approved_total,
                c.submitted_at,
                c.reviewed_at,
            )
            for c in qs
        )
        return xlsx_response(f"补贴申报-{_today():%Y%m%d}.xlsx", [("补贴申报", headers, rows)])
    page = paginate(request, qs)
    today = _today()
    context: dict[str, Any] = {
        "page": page,
        "status": status,
        "kind": kind,
        "q": q,
        "statuses": ClaimStatus.choices,
        "kinds": ClaimKind.choices,
        "year": today.year,
    }
    if user.role == Role.HOST:
        context["remaining"] = list(_remaining_eligible(user, today)[:50])
    return render(request, "subsidies/claims.html", context)


@duty(Duty.CLAIM_PREPARE)
def claim_prepare(request: HttpRequest) -> HttpResponse:
    """生成申报: the claimable internship-months grouped by intern; the host picks agreements."""
    user = acting_user(request)
    host = get_scoped(user, Host.objects.all(), pk=user.host_id)
    today = _today()
    if request.method == "POST":
        ids = [i for i in map(parse_id, request.POST.getlist("agreement")) if i is not None]
        if not ids:
            messages.error(request, _("请至少选择一名见习人员。"))
        else:
            try:
                claim = services.claim_prepare(actor=user, host_id=host.pk, today=today, agreement_ids=ids)
            except RuleError as err:
                _refuse(request, err)
            else:
                if claim is None:
                    messages.error(request, _("所选见习人员没有可申报的月份。"))
                else:
                    messages.success(request, _("已生成申报草稿，请核对明细、上传材料后提交。"))
                    return redirect("subsidies:claim", pk=claim.pk)
    items = services.claimable_months(host=host, today=today)
    groups: dict[int, dict[str, Any]] = {}
    for item in items:
        group = groups.setdefault(item.agreement.pk, {"agreement": item.agreement, "months": []})
        group["months"].append(item.month)
    persons = dict(Agreement.objects.filter(pk__in=groups).select_related("person").values_list("pk", "person__name"))
    for pk, group in groups.items():
        group["person"] = persons.get(pk, "")
    return render(request, "subsidies/prepare.html", {"groups": list(groups.values()), "host": host})


def _claim_for(user: Any, pk: int) -> Claim:
    return get_scoped(
        user, Claim.objects.select_related("host__district", "agreement__person", "created_by", "reviewed_by"), pk=pk
    )


@roles(*MONEY_ROLES)
def claim_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = acting_user(request)
    claim = _claim_for(user, pk)
    today = _today()
    lines = list(claim.lines.select_related("agreement__person"))
    agreements: dict[int, Agreement] = {}
    months: dict[int, list[date]] = defaultdict(list)
    for line in lines:
        agreements[line.agreement_id] = line.agreement
        months[line.agreement_id].append(line.month)
    locked = set(
        Attendance.objects.filter(agreement_id__in=agreements, locked=True).values_list("agreement_id", "month")
    )
    materials = [
        {
            "agreement": agreement,
            "months": [(m, (agreement.pk, m) in locked) for m in months[agreement.pk]],
        }
        for agreement in agreements.values()
    ]
    totals = {
        key: sum((getattr(line, key) for line in lines), ZERO) for key in ("city", "district", "addons", "amount")
    }
    totals["approved"] = sum((line.amount for line in lines if line.status == LineStatus.APPROVED), ZERO)
    context: dict[str, Any] = {
        "claim": claim,
        "lines": lines,
        "totals": totals,
        "materials": materials,
        "attachments": list(claim.attachments.all()),
        "upload_form": AttachmentForm(),
        "is_host": user.role == Role.HOST,
        "can_review": may(user, Duty.CLAIM_REVIEW) and claim.status == ClaimStatus.SUBMITTED,
    }
    if context["can_review"] and claim.kind == ClaimKind.MONTHLY:
        context["differences"] = services.claim_differences(claim, today)
    if claim.kind == ClaimKind.REMAINING:
        ticked = {item.code: item for item in claim.checklist.select_related("checked_by")}
        context["checklist"] = [(code, text, ticked.get(code)) for code, text in remaining.CHECKLIST.items()]
        context["verdict"] = remaining.remaining_verdict(claim, today)
    for line in lines:
        line.difference = context.get("differences", {}).get(line.pk)  # type: ignore[attr-defined]
    return render(request, "subsidies/claim.html", context)


@require_POST
@duty(Duty.CLAIM_PREPARE)
def claim_submit(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        services.claim_submit(actor=request.user, claim_id=pk)
    except RuleError as err:
        _refuse(request, err)
    else:
        messages.success(request, _("申报已提交，等待区人社局审核；所申报月份的考勤已锁定。"))
    return redirect("subsidies:claim", pk=pk)


@require_POST
@duty(Duty.CLAIM_PREPARE)
def claim_discard(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        services.claim_discard(actor=request.user, claim_id=pk)
    except RuleError as err:
        _refuse(request, err)
        return redirect("subsidies:claim", pk=pk)
    messages.success(request, _("申报草稿 BT-%(pk)s 已删除，其中的月份可以重新申报。") % {"pk": pk})
    return redirect("subsidies:claims")


@require_POST
@duty(Duty.CLAIM_PREPARE)
def claim_upload(request: HttpRequest, pk: int) -> HttpResponse:
    claim = _claim_for(acting_user(request), pk)
    if claim.status not in (ClaimStatus.DRAFT, ClaimStatus.SUBMITTED):
        messages.error(request, _("该申报已审核，不能再上传材料。"))
        return redirect("subsidies:claim", pk=pk)
    if claim.attachments.count() >= MAX_ATTACHMENTS:
        messages.error(request, _("每份申报最多上传 %(n)s 个材料文件。") % {"n": MAX_ATTACHMENTS})
        return redirect("subsidies:claim", pk=pk)
    form = AttachmentForm(request.POST, request.FILES)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
        return redirect("subsidies:claim", pk=pk)
    upload = form.cleaned_data["file"]
    Attachment.objects.create(
        claim=claim, file=upload, name=upload.name[:200], content_type=upload.sniffed_type, size=upload.size
    )
    messages.success(request, _("材料已上传。"))
    return redirect("subsidies:claim", pk=pk)


MAX_ATTACHMENTS = 20


@roles(*MONEY_ROLES)
def attachment(request: HttpRequest, pk: int, attachment_id: int) -> FileResponse:
    claim = _claim_for(acting_user(request), pk)
    item = get_scoped_attachment(claim, attachment_id)
    # A download, never rendered in the page: the file came from a user.
    response = FileResponse(
        item.file.open("rb"), content_type=item.content_type, filename=item.name, as_attachment=True
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


def get_scoped_attachment(claim: Claim, attachment_id: int) -> Attachment:
    item = claim.attachments.filter(pk=attachment_id).first()
    if item is None:
        raise Http404
    return item


@require_POST
@duty(Duty.CLAIM_REVIEW)
def claim_review(request: HttpRequest, pk: int) -> HttpResponse:
    approve = request.POST.get("action") == "approve"
    rejected = {
        line_id: request.POST.get(f"reason-{key[7:]}", "")
        for key in request.POST
        if key.startswith("reject-") and (line_id := parse_id(key[7:])) is not None
    }
    review = services.Review(approve=approve, reason=request.POST.get("reason", ""), rejected=rejected)
    try:
        claim = services.claim_review(actor=request.user, claim_id=pk, review=review, today=_today())
    except RuleError as err:
        _refuse(request, err)
    else:
        if claim.status == ClaimStatus.APPROVED:
            messages.success(request, _("已审核通过，核准金额 %(total)s 元。") % {"total": claim.approved_total})
        else:
            messages.success(request, _("已驳回，单位将看到驳回理由。"))
    return redirect("subsidies:claim", pk=pk)


@require_POST
@duty(Duty.CLAIM_REVIEW)
def checklist_tick(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        remaining.checklist_tick(
            actor=request.user, claim_id=pk, code=request.POST.get("code", ""), note=request.POST.get("note", "")
        )
    except RuleError as err:
        _refuse(request, err)
    else:
        messages.success(request, _("已记录核查。"))
    return redirect("subsidies:claim", pk=pk)


@duty(Duty.CLAIM_PREPARE)
def remaining_create(request: HttpRequest, agreement_id: int) -> HttpResponse:
    """申请剩余期限见习补贴 (R-SUB-5) for an early hire whose original period is over."""
    user = acting_user(request)
    agreement = get_scoped(user, Agreement.objects.select_related("person", "host"), pk=agreement_id)
    form = RemainingForm(request.POST or None, initial={"employed_through": agreement.end})
    if request.method == "POST" and form.is_valid():
        try:
            claim = remaining.remaining_claim_create(
                actor=user,
                agreement_id=agreement.pk,
                employed_through=form.cleaned_data["employed_through"],
                today=_today(),
            )
        except RuleError as err:
            add_rule_error(form, err)
        else:
            messages.success(request, _("已生成剩余期限见习补贴申报草稿，请上传劳动合同、社保缴费记录后提交。"))
            return redirect("subsidies:claim", pk=claim.pk)
    return render(request, "subsidies/remaining.html", {"form": form, "agreement": agreement})


# --- payment ---------------------------------------------------------------------------------------


@duty(Duty.BATCH_PAY)
def payment(request: HttpRequest) -> HttpResponse:
    """拨付: approved claims of the district, to put into a new batch."""
    user = acting_user(request)
    if request.method == "POST":
        ids = [i for i in map(parse_id, request.POST.getlist("claim")) if i is not None]
        try:
            batch = services.batch_create(actor=user, claim_ids=ids)
        except RuleError as err:
            _refuse(request, err)
        else:
            messages.success(request, _("已生成拨付批次，请下载银行文件办理拨付。"))
            return redirect("subsidies:batch", pk=batch.pk)
    qs = scoped(user, Claim.objects.select_related("host").filter(status=ClaimStatus.APPROVED)).order_by(
        "reviewed_at", "pk"
    )
    q = request.GET.get("q", "").strip()
    if q:
        qs = qs.filter(host__name__icontains=q)
    page = paginate(request, qs)
    return render(request, "subsidies/payment.html", {"page": page, "q": q})


def _batches() -> Any:
    return (
        PaymentBatch.objects.select_related("district", "created_by")
        .annotate(item_count=Count("items"), total=MoneySum("items__amount"))
        .order_by("-created_at", "-id")
    )


@duty(Duty.MONEY_AUDIT)
def batches(request: HttpRequest) -> HttpResponse:
    qs: Any = scoped(request.user, _batches())
    status = request.GET.get("status", "")
    if status in BatchStatus.values:
        qs = qs.filter(status=status)
    if request.GET.get("format") == "xlsx":
        headers = ["批次", "区", "状态", "笔数", "金额", "创建时间", "拨付日期", "拨付凭证号"]
        rows = (
            (
                f"PC-{b.pk}",
                b.district.name,
                b.get_status_display(),
                b.item_count,
                b.total or ZERO,
                b.created_at,
                b.paid_on,
                b.reference,
            )
            for b in qs
        )
        return xlsx_response(f"拨付批次-{_today():%Y%m%d}.xlsx", [("拨付批次", headers, rows)])
    page = paginate(request, qs)
    return render(request, "subsidies/batches.html", {"page": page, "status": status, "statuses": BatchStatus.choices})


def _batch_items(batch: PaymentBatch) -> list[Any]:
    return list(batch.items.select_related("claim__host").order_by("claim__host__name", "claim_id"))


@duty(Duty.MONEY_AUDIT)
def batch_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = acting_user(request)
    batch = get_scoped(user, PaymentBatch.objects.select_related("district", "created_by"), pk=pk)
    if request.method == "POST":
        forbid_unless(user, Duty.BATCH_PAY)
    form = MarkPaidForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.batch_mark_paid(
                actor=user,
                batch_id=batch.pk,
                paid_on=form.cleaned_data["paid_on"],
                reference=form.cleaned_data["reference"],
            )
        except RuleError as err:
            _refuse(request, err)
        else:
            messages.success(request, _("已标记为已拨付，资金台账已记账。"))
        return redirect("subsidies:batch", pk=batch.pk)
    items = _batch_items(batch)
    total = sum((item.amount for item in items), ZERO)
    open_here = may(user, Duty.BATCH_PAY) and batch.status == BatchStatus.OPEN
    context = {
        "batch": batch,
        "items": items,
        "total": total,
        "form": form,
        "can_pay": open_here,
        "cancel_form": CancelBatchForm() if open_here else None,
    }
    return render(request, "subsidies/batch.html", context)


@require_POST
@duty(Duty.BATCH_PAY)
def batch_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    form = CancelBatchForm(request.POST)
    if not form.is_valid():
        for error in form.errors.get("reason", []):
            messages.error(request, f"{_('撤销理由')}：{error}")
        return redirect("subsidies:batch", pk=pk)
    try:
        services.batch_cancel(actor=request.user, batch_id=pk, reason=form.cleaned_data["reason"])
    except RuleError as err:
        _refuse(request, err)
    else:
        messages.success(request, _("拨付批次已撤销，其中的申报恢复为已审核，可编入新的批次。"))
    return redirect("subsidies:batch", pk=pk)


@duty(Duty.MONEY_AUDIT)
def batch_bank_file(request: HttpRequest, pk: int) -> HttpResponse:
    batch = get_scoped(request.user, PaymentBatch.objects.all(), pk=pk)
    if batch.status == BatchStatus.CANCELLED:
        messages.error(request, _("该批次已撤销，没有银行文件。"))
        return redirect("subsidies:batch", pk=pk)
    headers = ["见习单位", "开户银行", "银行账号", "金额", "附言"]
    rows = [
        (
            item.claim.host.name,
            item.bank_name,
            item.bank_account,
            item.amount,
            f"BT-{item.claim_id}",
        )
        for item in _batch_items(batch)
    ]
    return xlsx_response(f"拨付银行文件-PC-{batch.pk}.xlsx", [(f"PC-{batch.pk}", headers, rows)])


# --- ledger and statement --------------------------------------------------------------------------


def _year(request: HttpRequest) -> int:
    year = _int(request.GET.get("year"))
    return year if year and 2000 <= year <= 2100 else _today().year


@duty(Duty.MONEY_AUDIT)
def ledger(request: HttpRequest) -> HttpResponse:
    year = _year(request)
    entries = scoped(request.user, LedgerEntry.objects.select_related("host", "district", "actor")).filter(year=year)
    kind, q = request.GET.get("kind", ""), request.GET.get("q", "").strip()
    if kind in EntryKind.values:
        entries = entries.filter(kind=kind)
    if q:
        entries = entries.filter(host__name__icontains=q)
    totals = services.ledger_totals(entries)
    if request.GET.get("format") == "xlsx":
        headers = ["日期", "区", "见习单位", "类型", "申报", "追回单", "金额", "凭证号"]
        rows = (
            (
                e.occurred_on,
                e.district.name,
                e.host.name,
                e.get_kind_display(),
                f"BT-{e.claim_id}" if e.claim_id else "",
                f"ZH-{e.recovery_id}" if e.recovery_id else "",
                e.amount,
                e.reference,
            )
            for e in entries.order_by("occurred_on", "id")
        )
        summary = [(EntryKind(k).label, totals[k]) for k in EntryKind.values] + [("净拨付", totals["net_paid"])]
        return xlsx_response(
            f"资金台账-{year}.xlsx", [("资金台账", headers, rows), ("合计", ["项目", "金额"], summary)]
        )
    page = paginate(request, entries.order_by("-occurred_on", "-id"))
    return render(
        request,
        "subsidies/ledger.html",
        {
            "page": page,
            "year": year,
            "kind": kind,
            "q": q,
            "kinds": EntryKind.choices,
            "totals": totals,
        },
    )


@roles(*MONEY_ROLES)
def statement(request: HttpRequest, host_id: int) -> HttpResponse:
    """年度见习补贴结算单: a host's claims and money of one year, printable."""
    host = get_scoped(request.user, Host.objects.select_related("district"), pk=host_id)
    year = _year(request)
    totals = services.ledger_totals(LedgerEntry.objects.filter(host=host, year=year))
    in_ledger = LedgerEntry.objects.filter(host=host, year=year, claim__isnull=False).values("claim")
    rows = list(
        Claim.objects.filter(host=host)
        .filter(Q(created_at__year=year) | Q(pk__in=in_ledger))
        .annotate(claimed=MoneySum("lines__amount"))
        .order_by("created_at", "pk")
    )
    claimed = sum((c.claimed or ZERO for c in rows), ZERO)
    return render(
        request,
        "subsidies/statement.html",
        {"host": host, "year": year, "rows": rows, "claimed": claimed, "totals": totals, "note": R_SUB_7},
    )


@roles(Role.HOST)
def my_statement(request: HttpRequest) -> HttpResponse:
    url = reverse("subsidies:statement", args=[acting_user(request).host_id])
    return redirect(f"{url}?year={_year(request)}")


# --- audit: signals and recoveries -----------------------------------------------------------------


@duty(Duty.MONEY_AUDIT)
def signal_list(request: HttpRequest) -> HttpResponse:
    found = signals.all_signals(request.user)
    if request.GET.get("format") == "xlsx":
        return xlsx_response(f"风险线索-{_today():%Y%m%d}.xlsx", [(s.title, list(s.columns), s.rows) for s in found])
    return render(request, "subsidies/signals.html", {"signals": found})


@roles(*MONEY_ROLES)
def recoveries(request: HttpRequest) -> HttpResponse:
    qs = (
        scoped(request.user, Recovery.objects.select_related("host"))
        .annotate(repaid=MoneySum("repayments__amount"))
        .order_by("-created_at", "-id")
    )
    status, q = request.GET.get("status", ""), request.GET.get("q", "").strip()
    if status in RecoveryStatus.values:
        qs = qs.filter(status=status)
    if q:
        qs = qs.filter(host__name__icontains=q)
    if request.GET.get("format") == "xlsx":
        headers = ["追回单", "见习单位", "追回金额", "已缴回", "状态", "理由", "创建时间"]
        rows = (
            (f"ZH-{r.pk}", r.host.name, r.amount, r.repaid or ZERO, r.get_status_display(), r.reason, r.created_at)
            for r in qs
        )
        return xlsx_response(f"追回单-{_today():%Y%m%d}.xlsx", [("追回单", headers, rows)])
    page = paginate(request, qs)
    return render(
        request,
        "subsidies/recoveries.html",
        {"page": page, "status": status, "q": q, "statuses": RecoveryStatus.choices},
    )


@duty(Duty.RECOVERY)
def recovery_create(request: HttpRequest, host_id: int) -> HttpResponse:
    user = acting_user(request)
    host = get_scoped(user, Host.objects.all(), pk=host_id)
    paid = list(
        Claim.objects.filter(host=host, status=ClaimStatus.PAID).select_related("batch_item").order_by("-pk")[:200]
    )
    form = RecoveryForm(request.POST or None)
    source = request.POST if request.method == "POST" else request.GET
    selected = {i for i in map(parse_id, source.getlist("claim")) if i is not None}
    if request.method == "POST" and form.is_valid():
        try:
            recovery = recovery_service.recovery_create(
                actor=user,
                host_id=host.pk,
                claim_ids=selected,
                amount=form.cleaned_data["amount"],
                reason=form.cleaned_data["reason"],
                bar=form.cleaned_data["bar"],
                today=_today(),
            )
        except RuleError as err:
            add_rule_error(form, err)
        else:
            messages.success(request, _("已生成追回单。"))
            return redirect("subsidies:recovery", pk=recovery.pk)
    return render(
        request, "subsidies/recovery_form.html", {"host": host, "paid": paid, "form": form, "selected": selected}
    )


@roles(*MONEY_ROLES)
def recovery_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = acting_user(request)
    item = get_scoped(user, Recovery.objects.select_related("host", "created_by"), pk=pk)
    repayment_form = RepaymentForm(request.POST if request.POST.get("action") == "repay" else None)
    write_off_form = WriteOffForm(request.POST if request.POST.get("action") == "write_off" else None)
    if request.method == "POST":
        forbid_unless(user, Duty.RECOVERY)
        try:
            if request.POST.get("action") == "repay" and repayment_form.is_valid():
                d = repayment_form.cleaned_data
                recovery_service.repayment_record(
                    actor=user, recovery_id=pk, amount=d["amount"], paid_on=d["paid_on"], reference=d["reference"]
                )
                messages.success(request, _("已记录缴回。"))
                return redirect("subsidies:recovery", pk=pk)
            if request.POST.get("action") == "write_off" and write_off_form.is_valid():
                recovery_service.recovery_write_off(
                    actor=user, recovery_id=pk, reason=write_off_form.cleaned_data["reason"], today=_today()
                )
                messages.success(request, _("已核销。"))
                return redirect("subsidies:recovery", pk=pk)
        except RuleError as err:
            form = repayment_form if request.POST.get("action") == "repay" else write_off_form
            add_rule_error(form, err)
    repayments = list(item.repayments.select_related("recorded_by").order_by("paid_on", "pk"))
    repaid = sum((r.amount for r in repayments), ZERO)
    return render(
        request,
        "subsidies/recovery.html",
        {
            "recovery": item,
            "claims": list(item.claims.order_by("pk")),
            "repayments": repayments,
            "repaid": repaid,
            "outstanding": Decimal(item.amount) - repaid,
            "repayment_form": repayment_form,
            "write_off_form": write_off_form,
            "can_act": may(user, Duty.RECOVERY) and item.status == RecoveryStatus.OPEN,
        },
    )


# --- the monthly claim run -------------------------------------------------------------------------


@duty(Duty.CLAIM_RUN)
def claim_run(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        try:
            run = tasks.claim_run_start(actor=request.user, today=_today())
        except RuleError as err:
            _refuse(request, err)
            return redirect("subsidies:run")
        return redirect("subsidies:run_progress", pk=run.pk)
    runs = list(scoped(request.user, ClaimRun.objects.select_related("started_by"))[:20])
    now = timezone.now()
    busy = any(r.finished_at is None and not r.is_stale(now) for r in runs)
    return render(request, "subsidies/run.html", {"runs": runs, "busy": busy})


@duty(Duty.CLAIM_RUN)
def claim_run_progress(request: HttpRequest, pk: int) -> HttpResponse:
    run = get_scoped(request.user, ClaimRun.objects.select_related("started_by"), pk=pk)
    percent = 100 if run.finished_at else (100 * run.done // run.total if run.total else 0)
    context = {"run": run, "percent": percent, "stale": run.is_stale(timezone.now())}
    return render(request, "subsidies/run_progress.html", context)
