"""Subsidy audit pages: the ledger (台账), a host's yearly statement (结算单), fraud leads (风险线索)
and recovery (追回). The claim and payment pages are in views.py.

Views parse input, call one service or selector and render its result.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jianxi.accounts.duties import Duty, duty, forbid_unless, may
from jianxi.accounts.models import Role, User
from jianxi.core.access import acting_user, roles
from jianxi.core.excel import Sheet, xlsx_response
from jianxi.core.export_jobs import export_response
from jianxi.core.paging import paginate, parse_id
from jianxi.subsidies import fraud_leads, selectors, yearclose
from jianxi.subsidies import recovery as recovery_service
from jianxi.subsidies.forms import RecoveryForm, ReferralForm, RepaymentForm, WriteOffForm, YearCloseForm
from jianxi.subsidies.models import EntryKind, FundYear, RecoveryStatus
from jianxi.subsidies.views import MONEY_ROLES, form_done, local_today, query_values

R_SUB_7 = "见习补贴相关费用不计入社会保险缴费基数；符合规定的支出可在计算企业所得税应纳税所得额时扣除（R-SUB-7）"


# --- ledger and statement --------------------------------------------------------------------------


def _year(request: HttpRequest) -> int:
    year = parse_id(request.GET.get("year"))
    return year if year and 2000 <= year <= 2100 else local_today().year


def export_ledger(user: User, params: dict[str, Any]) -> tuple[str, list[Sheet]]:
    """The ledger export (export kind "ledger"), inline or in a job: the user's scope, re-read."""
    year = int(params["year"])
    entries = selectors.ledger_for(user, year=year, kind=params.get("kind", ""), q=params.get("q", ""))
    totals = selectors.ledger_totals(entries)
    summary = [(EntryKind(k).label, totals[k]) for k in EntryKind.values] + [("净拨付", totals["net_paid"])]
    sheets: list[Sheet] = [("资金台账", selectors.LEDGER_HEADERS, selectors.ledger_rows(entries))]
    return f"资金台账-{year}.xlsx", [*sheets, ("合计", ["项目", "金额"], summary)]


@duty(Duty.MONEY_AUDIT)
def ledger(request: HttpRequest) -> HttpResponse:
    year = _year(request)
    kind, q = query_values(request, "kind", "q")
    entries = selectors.ledger_for(acting_user(request), year=year, kind=kind, q=q)
    if request.GET.get("format") == "xlsx":
        return export_response(request, "ledger", {"year": year, "kind": kind, "q": q}, rows=entries.count())
    totals = selectors.ledger_totals(entries)
    page = paginate(request, entries.order_by("-occurred_on", "-id"))
    context = {"page": page, "year": year, "kind": kind, "q": q, "kinds": EntryKind.choices, "totals": totals}
    return render(request, "subsidies/ledger.html", context)


@roles(*MONEY_ROLES)
def statement(request: HttpRequest, host_id: int) -> HttpResponse:
    """年度见习补贴结算单: a host's claims and money of one year, printable."""
    host = selectors.host_for(acting_user(request), host_id)
    year = _year(request)
    found = selectors.statement(host, year)
    context = {"host": host, "year": year, "rows": found.rows, "claimed": found.claimed, "totals": found.totals}
    fund_year = FundYear.objects.select_related("closed_by").filter(year=year).first()
    context |= {"fund_year": fund_year, "claim_open": fund_year is None or fund_year.open_on(local_today())}
    context["recoveries"] = [(r, selectors.bar_text(r)) for r in found.recoveries]
    return render(request, "subsidies/statement.html", {**context, "note": R_SUB_7})


@roles(Role.HOST)
def my_statement(request: HttpRequest) -> HttpResponse:
    url = reverse("subsidies:statement", args=[acting_user(request).host_id])
    return redirect(f"{url}?year={_year(request)}")


# --- audit: signals and recoveries -----------------------------------------------------------------


@duty(Duty.MONEY_AUDIT)
def signal_list(request: HttpRequest) -> HttpResponse:
    found = fraud_leads.all_signals(acting_user(request))
    if request.GET.get("format") == "xlsx":
        return xlsx_response(
            f"风险线索-{local_today():%Y%m%d}.xlsx", [(s.title, list(s.columns), s.rows) for s in found]
        )
    return render(request, "subsidies/signals.html", {"signals": found})


@roles(*MONEY_ROLES)
def recoveries(request: HttpRequest) -> HttpResponse:
    status, q = query_values(request, "status", "q")
    qs = selectors.recoveries_for(acting_user(request), status=status, q=q)
    if request.GET.get("format") == "xlsx":
        sheet = ("追回单", selectors.RECOVERY_HEADERS, selectors.recovery_rows(qs))
        return xlsx_response(f"追回单-{local_today():%Y%m%d}.xlsx", [sheet])
    context = {"page": paginate(request, qs), "status": status, "q": q, "statuses": RecoveryStatus.choices}
    return render(request, "subsidies/recoveries.html", context)


@duty(Duty.RECOVERY)
def recovery_create(request: HttpRequest, host_id: int) -> HttpResponse:
    user = acting_user(request)
    host = selectors.host_for(user, host_id)
    form = RecoveryForm(request.POST or None)
    source = request.POST if request.method == "POST" else request.GET
    selected = {i for i in map(parse_id, source.getlist("claim")) if i is not None}
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        create = partial(
            recovery_service.recovery_create, actor=user, host_id=host.pk, claim_ids=selected, today=local_today()
        )
        order = partial(
            create,
            amount=d["amount"],
            reason=d["reason"],
            bar=d["bar"],
            kind=d["kind"],
            bar_until=d["bar_until"],
            referred_to=d["referred_to"],
            referred_on=d["referred_on"],
        )
        if (recovery := form_done(request, form, order, _("已生成追回单。"))) is not None:
            return redirect("subsidies:recovery", pk=recovery.pk)
    context = {"host": host, "paid": selectors.paid_claims(host), "form": form, "selected": selected}
    return render(request, "subsidies/recovery_form.html", context)


@roles(*MONEY_ROLES)
def recovery_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = acting_user(request)
    item = selectors.recovery_for(user, pk)
    repayment_form = RepaymentForm(request.POST if request.POST.get("action") == "repay" else None)
    write_off_form = WriteOffForm(request.POST if request.POST.get("action") == "write_off" else None)
    referral_form = ReferralForm(request.POST if request.POST.get("action") == "refer" else None)
    action = request.POST.get("action")
    if request.method == "POST":
        forbid_unless(user, Duty.RECOVERY)
        done: object = None
        if action == "repay" and repayment_form.is_valid():
            d = repayment_form.cleaned_data
            repay = partial(recovery_service.repayment_record, actor=user, recovery_id=pk, amount=d["amount"])
            repay = partial(repay, paid_on=d["paid_on"], reference=d["reference"])
            done = form_done(request, repayment_form, repay, _("已记录缴回。"))
        if action == "write_off" and write_off_form.is_valid():
            reason = write_off_form.cleaned_data["reason"]
            write_off = partial(recovery_service.recovery_write_off, actor=user, recovery_id=pk, reason=reason)
            done = form_done(request, write_off_form, partial(write_off, today=local_today()), _("已核销。"))
        if action == "refer" and referral_form.is_valid():
            d = referral_form.cleaned_data
            refer = partial(recovery_service.recovery_refer, actor=user, recovery_id=pk, today=local_today())
            refer = partial(refer, referred_to=d["referred_to"], referred_on=d["referred_on"])
            done = form_done(request, referral_form, refer, _("已登记移送。"))
        if done is not None:
            return redirect("subsidies:recovery", pk=pk)
    context = {"recovery": item, **selectors.recovery_page(item).__dict__}
    context.update(repayment_form=repayment_form, write_off_form=write_off_form, referral_form=referral_form)
    context["can_refer"] = may(user, Duty.RECOVERY) and item.is_fraud
    context["can_act"] = may(user, Duty.RECOVERY) and item.status == RecoveryStatus.OPEN
    return render(request, "subsidies/recovery.html", context)


# --- year close (资金年度结算) -------------------------------------------------------------------------

YEAR_HEADERS = ["年度", "申报截止日", "状态", "核准月数", "核准金额", "已拨付金额", "待办申报", "结算时间", "结算人"]


def _year_status(row: yearclose.YearRow) -> str:
    if row.fund_year.closed:
        return _("已结算")
    return _("受理申报中") if row.open else _("已截止申报，待结算")


@roles(Role.CITY, Role.DISTRICT, Role.FINANCE)
def years(request: HttpRequest, form: YearCloseForm | None = None) -> HttpResponse:
    """Each policy year's claim deadline and close; the city closes a year here."""
    user = acting_user(request)
    rows = yearclose.years_for(user, local_today())
    if request.GET.get("format") == "xlsx":
        data = [
            [
                r.fund_year.year,
                r.fund_year.claim_deadline,
                _year_status(r),
                r.lines_approved,
                r.approved,
                r.paid,
                r.pending_claims,
                r.fund_year.closed_at.replace(tzinfo=None) if r.fund_year.closed_at else "",
                str(r.fund_year.closed_by or ""),
            ]
            for r in rows
        ]
        return xlsx_response(f"资金年度结算-{local_today():%Y%m%d}.xlsx", [("资金年度结算", YEAR_HEADERS, data)])
    context = {
        "rows": [(r, _year_status(r)) for r in rows],
        "form": form or YearCloseForm(),
        "may_close": may(user, Duty.YEAR_CLOSE),
    }
    return render(request, "subsidies/years.html", context, status=400 if form is not None else 200)


@require_POST
@duty(Duty.YEAR_CLOSE)
def year_close(request: HttpRequest) -> HttpResponse:
    form = YearCloseForm(request.POST)
    if form.is_valid():
        year = form.cleaned_data["year"]
        call = partial(yearclose.year_close, actor=acting_user(request), year=year, today=local_today())
        said = _("%(year)s 年度资金结算已办理：核准 %(n)s 个见习月，核准 ¥%(approved)s，已拨付 ¥%(paid)s。")
        done = form_done(
            request,
            form,
            call,
            lambda fy: said % {"year": year, "n": fy.lines_approved, "approved": fy.approved, "paid": fy.paid},
        )
        if done is not None:
            return redirect("subsidies:years")
    return years(request, form)
