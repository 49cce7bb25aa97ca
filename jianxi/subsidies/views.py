"""Subsidy pages: claims (申报), review (审核), payment (拨付), ledger (台账), audit (风险线索, 追回).

Views parse input, call one service or selector and render its result; every read is in
selectors.py, every write in services.py (remaining.py, recovery.py for theirs). The audit pages
are in views_audit.py.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from functools import partial
from typing import Any, TypeVar

from django.contrib import messages
from django.db.models import Count, QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jianxi.accounts.duties import Duty, duty, forbid_unless, may
from jianxi.accounts.models import Role, User
from jianxi.core.access import acting_user, roles
from jianxi.core.errors import RuleError
from jianxi.core.excel import Sheet, xlsx_response
from jianxi.core.export_jobs import export_response
from jianxi.core.forms import add_rule_error
from jianxi.core.paging import paginate, parse_id
from jianxi.subsidies import remaining, selectors, services, tasks
from jianxi.subsidies.forms import (
    AttachmentForm,
    CancelBatchForm,
    MarkPaidForm,
    RemainingForm,
)
from jianxi.subsidies.models import BatchStatus, Claim, ClaimKind, ClaimStatus, LineStatus

T = TypeVar("T")
OFFICERS = (Role.DISTRICT, Role.CITY)
MONEY_ROLES = (Role.HOST, *OFFICERS)


def local_today() -> date:
    return timezone.localdate()


def _refuse(request: HttpRequest, err: RuleError) -> None:
    messages.error(request, f"{err.message}（{err.code}）" if err.code.startswith("R-") else err.message)


def _done(request: HttpRequest, call: Callable[[], object], message: str) -> bool:
    """Call one service; say ``message`` if it went through, its refusal if not."""
    try:
        call()
    except RuleError as err:
        _refuse(request, err)
        return False
    messages.success(request, message)
    return True


def form_done(request: HttpRequest, form: Any, call: Callable[[], T], message: str | Callable[[T], str]) -> T | None:
    """Call one service for a valid form; say ``message`` (or what it makes of the result) if it
    went through, else show its refusal on the field it names."""
    try:
        result = call()
    except RuleError as err:
        add_rule_error(form, err)
        return None
    messages.success(request, message(result) if callable(message) else message)
    return result


def query_values(request: HttpRequest, *names: str) -> list[str]:
    return [request.GET.get(name, "").strip() for name in names]


# --- claims ----------------------------------------------------------------------------------------


def _claims(user: User, params: dict[str, Any]) -> QuerySet[Claim]:
    """The claims list of ``user`` (a host searches nothing by name), filtered by the list's params."""
    q = params.get("q", "") if user.role != Role.HOST else ""
    return selectors.claims_for(user, status=params.get("status", ""), kind=params.get("kind", ""), q=q)


def export_claims(user: User, params: dict[str, Any]) -> tuple[str, list[Sheet]]:
    """The claims export (export kind "claims"), inline or in a job: the user's scope, re-read."""
    sheet = ("补贴申报", selectors.CLAIM_HEADERS, selectors.claim_rows(_claims(user, params)))
    return f"补贴申报-{local_today():%Y%m%d}.xlsx", [sheet]


@roles(*MONEY_ROLES)
def claims(request: HttpRequest) -> HttpResponse:
    """The host's own claims, or the officer's queue (待审核 first)."""
    user = acting_user(request)
    status, kind, q = query_values(request, "status", "kind", "q")
    qs = _claims(user, {"status": status, "kind": kind, "q": q})
    if request.GET.get("format") == "xlsx":
        return export_response(request, "claims", {"status": status, "kind": kind, "q": q}, rows=qs.count())
    today = local_today()
    context: dict[str, Any] = {"page": paginate(request, qs), "status": status, "kind": kind, "q": q}
    context.update(statuses=ClaimStatus.choices, kinds=ClaimKind.choices, year=today.year)
    if user.role == Role.HOST:
        context["remaining"] = list(selectors.remaining_eligible(user, today)[:50])
    return render(request, "subsidies/claims.html", context)


@duty(Duty.CLAIM_PREPARE)
def claim_prepare(request: HttpRequest) -> HttpResponse:
    """生成申报: the claimable internship-months grouped by intern; the host picks agreements."""
    user = acting_user(request)
    host = selectors.host_for(user, user.host_id)
    today = local_today()
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
    groups = selectors.claimable_for_host(host, today)
    return render(request, "subsidies/prepare.html", {"groups": groups, "host": host})


@roles(*MONEY_ROLES)
def claim_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = acting_user(request)
    claim = selectors.claim_for(user, pk)
    today = local_today()
    page = selectors.claim_page(claim, today)
    can_review = may(user, Duty.CLAIM_REVIEW) and claim.status == ClaimStatus.SUBMITTED
    differences = selectors.claim_differences(claim, today) if can_review and claim.kind == ClaimKind.MONTHLY else {}
    for line in page.lines:
        line.difference = differences.get(line.pk)  # type: ignore[attr-defined]
        # The registry's word (R-EL-7 to everyone; the signals to officers only).
        line.blocks = page.blocks.get(line.agreement_id, [])  # type: ignore[attr-defined]
        line.flags = page.flags.get(line.pk, []) if user.role != Role.HOST else []  # type: ignore[attr-defined]
        line.decisions = page.decisions.get(line.pk, [])  # type: ignore[attr-defined]
    context = {"claim": claim, "upload_form": AttachmentForm(), "is_host": user.role == Role.HOST, **page.__dict__}
    context.update(can_review=can_review, differences=differences)
    return render(request, "subsidies/claim.html", context)


@require_POST
@duty(Duty.CLAIM_PREPARE)
def claim_submit(request: HttpRequest, pk: int) -> HttpResponse:
    submit = partial(services.claim_submit, actor=acting_user(request), claim_id=pk)
    _done(request, submit, _("申报已提交，等待区人社局审核；所申报月份的考勤已锁定。"))
    return redirect("subsidies:claim", pk=pk)


@require_POST
@duty(Duty.CLAIM_PREPARE)
def claim_discard(request: HttpRequest, pk: int) -> HttpResponse:
    discard = partial(services.claim_discard, actor=acting_user(request), claim_id=pk)
    if _done(request, discard, _("申报草稿 BT-%(pk)s 已删除，其中的月份可以重新申报。") % {"pk": pk}):
        return redirect("subsidies:claims")
    return redirect("subsidies:claim", pk=pk)


@require_POST
@duty(Duty.CLAIM_PREPARE)
def claim_upload(request: HttpRequest, pk: int) -> HttpResponse:
    user = acting_user(request)
    selectors.claim_for(user, pk)  # out of scope: 404 before the upload is read
    form = AttachmentForm(request.POST, request.FILES)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
        return redirect("subsidies:claim", pk=pk)
    upload = form.cleaned_data["file"]
    add = partial(services.attachment_add, actor=user, claim_id=pk, upload=upload, content_type=upload.sniffed_type)
    _done(request, add, _("材料已上传。"))
    return redirect("subsidies:claim", pk=pk)


@roles(*MONEY_ROLES)
def attachment(request: HttpRequest, pk: int, attachment_id: int) -> FileResponse:
    item = selectors.attachment_of(selectors.claim_for(acting_user(request), pk), attachment_id)
    if item is None:
        raise Http404
    # A download, never rendered in the page: the file came from a user.
    response = FileResponse(
        item.file.open("rb"), content_type=item.content_type, filename=item.name, as_attachment=True
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


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
        claim = services.claim_review(actor=acting_user(request), claim_id=pk, review=review, today=local_today())
    except RuleError as err:
        _refuse(request, err)
    else:
        lines = dict(claim.lines.values_list("status").annotate(n=Count("pk")).values_list("status", "n"))
        words = {"pk": claim.pk, "total": claim.approved_total, "ok": lines.get(LineStatus.APPROVED, 0),
                 "no": lines.get(LineStatus.REJECTED, 0)}  # fmt: skip
        if claim.status == ClaimStatus.APPROVED:
            messages.success(
                request,
                _("申报 BT-%(pk)s 已审核通过：核准 %(ok)s 条，驳回 %(no)s 条，核准金额 %(total)s 元。") % words,
            )
        else:
            messages.success(request, _("申报 BT-%(pk)s 已驳回（%(no)s 条），单位将看到驳回理由。") % words)
    return redirect("subsidies:claim", pk=pk)


@require_POST
@duty(Duty.CLAIM_REVIEW)
def flag_decide(request: HttpRequest, pk: int, line_id: int) -> HttpResponse:
    """Record the officer's decision on a line's registry signals (风险信号核查结论)."""
    decide = partial(
        services.flag_decide,
        actor=acting_user(request),
        claim_id=pk,
        line_id=line_id,
        note=request.POST.get("note", ""),
    )
    _done(request, decide, _("已记录核查结论。"))
    return redirect("subsidies:claim", pk=pk)


@require_POST
@duty(Duty.CLAIM_REVIEW)
def checklist_tick(request: HttpRequest, pk: int) -> HttpResponse:
    code, note = request.POST.get("code", ""), request.POST.get("note", "")
    tick = partial(remaining.checklist_tick, actor=acting_user(request), claim_id=pk, code=code, note=note)
    _done(request, tick, _("已记录核查。"))
    return redirect("subsidies:claim", pk=pk)


@duty(Duty.CLAIM_PREPARE)
def remaining_create(request: HttpRequest, agreement_id: int) -> HttpResponse:
    """申请剩余期限见习补贴 (R-SUB-5) for an early hire whose original period is over."""
    user = acting_user(request)
    agreement = selectors.agreement_for(user, agreement_id)
    form = RemainingForm(request.POST or None, initial={"employed_through": agreement.end})
    if request.method == "POST" and form.is_valid():
        through = form.cleaned_data["employed_through"]
        create = partial(
            remaining.remaining_claim_create,
            actor=user,
            agreement_id=agreement.pk,
            employed_through=through,
            today=local_today(),
        )
        done = _("已生成剩余期限见习补贴申报草稿，请上传劳动合同、社保缴费记录后提交。")
        if (claim := form_done(request, form, create, done)) is not None:
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
    [q] = query_values(request, "q")
    return render(
        request, "subsidies/payment.html", {"page": paginate(request, selectors.payable_claims(user, q)), "q": q}
    )


@duty(Duty.MONEY_AUDIT)
def batches(request: HttpRequest) -> HttpResponse:
    [status] = query_values(request, "status")
    qs = selectors.batches_for(acting_user(request), status)
    if request.GET.get("format") == "xlsx":
        sheet = ("拨付批次", selectors.BATCH_HEADERS, selectors.batch_rows(qs))
        return xlsx_response(f"拨付批次-{local_today():%Y%m%d}.xlsx", [sheet])
    page = paginate(request, qs)
    return render(request, "subsidies/batches.html", {"page": page, "status": status, "statuses": BatchStatus.choices})


@duty(Duty.MONEY_AUDIT)
def batch_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = acting_user(request)
    batch = selectors.batch_for(user, pk)
    if request.method == "POST":
        forbid_unless(user, Duty.BATCH_PAY)
    form = MarkPaidForm(request.POST or None)
    items = selectors.batch_items(batch)
    total = sum((item.amount for item in items), Decimal(0))
    confirming = False
    if request.method == "POST" and form.is_valid():
        # Marking paid is irreversible (the ledger is append-only): the first POST shows a summary
        # of what will be recorded, the second (``confirmed``) records it.
        if request.POST.get("confirmed") == "1":
            paid_on, reference = form.cleaned_data["paid_on"], form.cleaned_data["reference"]
            pay = partial(services.batch_mark_paid, actor=user, batch_id=batch.pk, paid_on=paid_on, reference=reference)
            done = _("批次 PC-%(pk)s 已标记为已拨付：%(n)s 笔，合计 %(total)s 元，资金台账已记账。") % {
                "pk": batch.pk, "n": len(items), "total": total,
            }  # fmt: skip
            _done(request, pay, done)
            return redirect("subsidies:batch", pk=batch.pk)
        confirming = True
    open_here = may(user, Duty.BATCH_PAY) and batch.status == BatchStatus.OPEN
    context = {"batch": batch, "items": items, "total": total, "confirming": confirming}
    context.update(form=form, can_pay=open_here, cancel_form=CancelBatchForm() if open_here else None)
    return render(request, "subsidies/batch.html", context)


@require_POST
@duty(Duty.BATCH_PAY)
def batch_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    form = CancelBatchForm(request.POST)
    if not form.is_valid():
        for error in form.errors.get("reason", []):
            messages.error(request, f"{_('撤销理由')}：{error}")
        return redirect("subsidies:batch", pk=pk)
    cancel = partial(services.batch_cancel, actor=acting_user(request), batch_id=pk, reason=form.cleaned_data["reason"])
    _done(request, cancel, _("拨付批次 PC-%(pk)s 已撤销，其中的申报恢复为已审核，可编入新的批次。") % {"pk": pk})
    return redirect("subsidies:batch", pk=pk)


@duty(Duty.MONEY_AUDIT)
def batch_bank_file(request: HttpRequest, pk: int) -> HttpResponse:
    batch = selectors.batch_for(acting_user(request), pk)
    if batch.status == BatchStatus.CANCELLED:
        messages.error(request, _("该批次已撤销，没有银行文件。"))
        return redirect("subsidies:batch", pk=pk)
    headers, rows = selectors.BANK_FILE_HEADERS, selectors.bank_file_rows(batch)
    return xlsx_response(f"拨付银行文件-PC-{batch.pk}.xlsx", [(f"PC-{batch.pk}", headers, rows)])


# --- the monthly claim run -------------------------------------------------------------------------


@duty(Duty.CLAIM_RUN)
def claim_run(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        try:
            run = tasks.claim_run_start(actor=acting_user(request), today=local_today())
        except RuleError as err:
            _refuse(request, err)
            return redirect("subsidies:run")
        return redirect("subsidies:run_progress", pk=run.pk)
    runs = selectors.runs_for(acting_user(request))
    now = timezone.now()
    busy = any(r.finished_at is None and not r.is_stale(now) for r in runs)
    return render(request, "subsidies/run.html", {"runs": runs, "busy": busy})


@duty(Duty.CLAIM_RUN)
def claim_run_progress(request: HttpRequest, pk: int) -> HttpResponse:
    run = selectors.run_for(acting_user(request), pk)
    percent = 100 if run.finished_at else (100 * run.done // run.total if run.total else 0)
    context = {"run": run, "percent": percent, "stale": run.is_stale(timezone.now())}
    return render(request, "subsidies/run_progress.html", context)
