from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib import messages
from django.db.models import Count, Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from jianxi.accounts.duties import Duty, duty
from jianxi.accounts.models import OFFICER_ROLES, Role
from jianxi.accounts.scoping import get_scoped, scoped
from jianxi.core.access import acting_user, public, roles
from jianxi.core.errors import RuleError
from jianxi.core.excel import Sheet, xlsx_response
from jianxi.core.export_jobs import export_response
from jianxi.core.forms import add_rule_error, month_amounts, month_days
from jianxi.core.network import client_address
from jianxi.core.paging import paginate, parse_id
from jianxi.core.throttle import INVITE, throttle
from jianxi.placements import attendance as attendance_service
from jianxi.placements import outcomes, selectors, services
from jianxi.placements.forms import (
    AgreementForm,
    EndForm,
    FollowUpForm,
    InterviewForm,
    InviteForm,
    MoveReasonForm,
    ReasonForm,
)
from jianxi.placements.models import Agreement, AgreementStatus, Application, ApplicationStatus, ContactReveal
from jianxi.policy.engine.dates import parse_month_key
from jianxi.posts.models import Post
from jianxi.posts.selectors import post_public
from jianxi.registry.verdicts import subsidy_blocks

PARTIES = (Role.YOUTH, Role.HOST)
EVERYONE = (*PARTIES, *OFFICER_ROLES)


def _applications() -> Any:
    return Application.objects.select_related("post__host", "person__university", "person__district")


def _visible(user: Any, applications: Any) -> Any:
    """Applications in the user's scope. A host does not see its invitations until the person
    answers: the list would otherwise tell whether an ID number it typed is registered (#11)."""
    applications = scoped(user, applications)
    if user.role == Role.HOST:
        applications = applications.exclude(status=ApplicationStatus.INVITED)
    return applications


def _agreements() -> Any:
    return Agreement.objects.select_related("post", "host__district", "person__university")


@require_http_methods(["GET", "POST"])
@roles(Role.YOUTH)
def apply(request: HttpRequest, post_id: int) -> HttpResponse:
    """Applying: the page first shows the person's eligibility and what it means (issue #12)."""
    if request.method == "GET":
        post = post_public(pk=post_id, today=timezone.localdate())
        if post is None:
            raise Http404
        outlook = selectors.outlook_of_user(acting_user(request), timezone.localdate())
        # Applying through a matching event (?event=ID): carried by the form, checked on POST.
        event = parse_id(request.GET.get("event"))
        return render(request, "placements/apply.html", {"post": post, "outlook": outlook, "via_event": event})
    event_id = parse_id(request.POST.get("event"))
    via = {"event": str(event_id)} if event_id else None
    if request.POST.get("event") and event_id is None:
        messages.error(request, _("活动编号无效。"))
        return redirect("posts:detail", pk=post_id)
    try:
        application = services.application_apply(
            actor=acting_user(request), post_id=post_id, today=timezone.localdate(), via=via
        )
    except RuleError as err:
        messages.error(request, err.message)
        return redirect("posts:detail", pk=post_id)
    messages.success(request, _("申请已提交，单位处理后会通知您。"))
    return redirect("placements:application", pk=application.pk)


@require_POST
@roles(Role.HOST)
def invite(request: HttpRequest, post_id: int) -> HttpResponse:
    get_scoped(request.user, Post.objects.all(), pk=post_id)  # another host's post: 404
    form = InviteForm(request.POST)
    if form.is_valid():
        try:
            throttle(request, INVITE, target=form.cleaned_data["id_number"], field="id_number")
            services.application_invite(
                actor=acting_user(request),
                post_id=post_id,
                id_number=form.cleaned_data["id_number"],
                today=timezone.localdate(),
            )
        except RuleError as err:
            messages.error(request, err.message)
        else:
            # The same words whether or not the number is registered (issue #11).
            messages.success(
                request, _("如该身份证号已登记为见习人员，对方将收到邀请；对方接受后，申请会出现在应聘列表中。")
            )
    return redirect("posts:manage_detail", pk=post_id)


@roles(*EVERYONE)
def application_list(request: HttpRequest) -> HttpResponse:
    """Applications in scope: a youth's own, a host's applicants, a university's graduates, …"""
    applications = _visible(request.user, _applications())
    status = request.GET.get("status", "")
    if status in ApplicationStatus.values:
        applications = applications.filter(status=status)
    post = parse_id(request.GET.get("post"))
    if post is not None:
        applications = applications.filter(post_id=post)
    counts = dict(
        _visible(request.user, Application.objects.all())
        .values_list("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
    )
    if request.GET.get("format") == "xlsx":
        headers = ["岗位", "见习单位", "姓名", "毕业院校", "状态", "申请时间"]
        rows = (
            (
                a.post.title,
                a.post.host.name,
                a.person.name,
                a.person.university or a.person.school,
                a.get_status_display(),
                a.created_at,
            )
            for a in applications.order_by("-created_at", "-id").iterator()
        )
        return xlsx_response(f"见习申请-{timezone.localdate():%Y%m%d}.xlsx", [("见习申请", headers, rows)])
    page = paginate(request, applications, sorts={"created": "created_at", "updated": "updated_at"}, default="-created")
    statuses = [(value, label, counts.get(value, 0)) for value, label in ApplicationStatus.choices]
    return render(request, "placements/applications.html", {"page": page, "status": status, "statuses": statuses})


# After an offer the host may see the applicant's phone number; each time is recorded.
CONTACT_STATES = (ApplicationStatus.OFFER, ApplicationStatus.ACCEPTED)


def _application_page(request: HttpRequest, application: Application, *, contact: str = "") -> HttpResponse:
    role = acting_user(request).role
    moves = [
        (name, verb)
        for name, (who, sources, _target, verb) in services.MOVES.items()
        if who == role and application.status in sources and name != "interview"
    ]
    agreement = Agreement.objects.filter(application=application).first()
    # Eligibility, subsidy and an internship under way, as the person is told before applying.
    outlook = selectors.applicant_outlook(application.person, today=timezone.localdate())
    context = {
        "outlook": outlook,
        "for_host": role != Role.YOUTH,
        "application": application,
        "moves": moves,
        "interview_form": InterviewForm(),
        "can_interview": role == Role.HOST and application.status in services.MOVES["interview"][1],
        "agreement": agreement,
        "final_moves": services.FINAL_MOVES,
        "history": application.history.select_related("history_user").order_by("-history_date")[:20],
        "contact": contact,
        "may_reveal": role == Role.HOST and application.status in CONTACT_STATES,
    }
    # 申请人概况 (hosts): education, school, major, graduation; the eligibility is the outlook's card.
    return render(request, "placements/application.html", context)


@roles(*EVERYONE)
def application_detail(request: HttpRequest, pk: int) -> HttpResponse:
    application = get_object_or_404(_visible(request.user, _applications()), pk=pk)
    return _application_page(request, application)


@roles(Role.HOST, Role.YOUTH)
def application_resume(request: HttpRequest, pk: int) -> FileResponse:
    """The applicant's résumé (PDF), for the host it applied to and for the young person itself."""
    application = get_object_or_404(_visible(request.user, _applications()), pk=pk)
    resume = application.person.resume
    if not resume:
        raise Http404
    response = FileResponse(
        resume.open("rb"),
        content_type="application/pdf",
        filename=f"简历-{application.person.name}.pdf",
        as_attachment=True,
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_POST
@roles(Role.HOST)
def application_contact(request: HttpRequest, pk: int) -> HttpResponse:
    """查看联系方式: after an offer, the host sees the applicant's phone number; recorded each time."""
    application = get_object_or_404(_visible(request.user, _applications()), pk=pk)
    if application.status not in CONTACT_STATES:
        messages.error(request, _("发出录用通知后才能查看申请人的联系方式。"))
        return redirect("placements:application", pk=pk)
    ContactReveal.objects.create(
        application=application, viewer=acting_user(request), ip_address=client_address(request)
    )
    return _application_page(request, application, contact=application.person.phone)


MOVE_DONE = {
    "accept_invite": gettext_lazy("已接受邀请：%(person)s 申请“%(post)s”，等待单位处理。"),
    "screen": gettext_lazy("已将 %(person)s 的申请（“%(post)s”）转入筛选。"),
    "interview": gettext_lazy("已安排 %(person)s 面试（“%(post)s”），对方已收到通知。"),
    "offer": gettext_lazy("已向 %(person)s 发出录用通知（“%(post)s”），等待对方答复。"),
    "reject": gettext_lazy("已不予录用 %(person)s（“%(post)s”），对方已收到通知和理由。"),
    "accept": gettext_lazy("已接受“%(post)s”的录用，单位将与您签订见习协议。"),
    "decline": gettext_lazy("已谢绝“%(post)s”，单位已收到通知。"),
    "withdraw": gettext_lazy("已撤回对“%(post)s”的申请，单位已收到通知。"),
}
# What a final step will do, in the confirmation page's words.
MOVE_SUMMARY = {
    "reject": gettext_lazy("%(person)s 对“%(post)s”的申请将结束，不能再录用；申请人会收到通知，并看到您填写的理由。"),
    "decline": gettext_lazy("您将谢绝“%(post)s”（%(host)s）的录用或邀请，此后不能再接受；单位会收到通知。"),
    "withdraw": gettext_lazy("您对“%(post)s”（%(host)s）的申请将撤回，单位不再处理；如需再申请，须重新提交。"),
}


@require_http_methods(["GET", "POST"])
@roles(*PARTIES)
def application_move(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """One step of the selection. A final step (不予录用, 谢绝, 撤回申请) first shows what it will do
    and asks for a reason: GET, or a POST without ``confirmed``, answers the confirmation page."""
    final = action in services.FINAL_MOVES
    if request.method == "GET" and not final:
        return redirect("placements:application", pk=pk)
    interview = None
    if action == "interview":
        form = InterviewForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("请填写正确的面试时间。"))
            return redirect("placements:application", pk=pk)
        interview = form.interview()
    if final and (request.method == "GET" or request.POST.get("confirmed") != "1"):
        return _confirm_move(request, pk, action, MoveReasonForm(required=action in services.REASON_REQUIRED))
    note = ""
    if final:
        reason_form = MoveReasonForm(request.POST, required=action in services.REASON_REQUIRED)
        if not reason_form.is_valid():
            return _confirm_move(request, pk, action, reason_form)
        note = reason_form.cleaned_data["note"]
    try:
        application = services.application_move(
            actor=acting_user(request), application_id=pk, action=action, interview=interview, note=note
        )
    except RuleError as err:
        if final and err.field == "note":
            reason_form = MoveReasonForm(request.POST, required=True)
            add_rule_error(reason_form, err)
            return _confirm_move(request, pk, action, reason_form)
        messages.error(request, err.message)
    else:
        words = {"person": application.person.name, "post": application.post.title}
        messages.success(request, MOVE_DONE.get(action, _("已处理。")) % words)
    return redirect("placements:application", pk=pk)


def _confirm_move(request: HttpRequest, pk: int, action: str, form: MoveReasonForm) -> HttpResponse:
    application = get_object_or_404(_visible(request.user, _applications()), pk=pk)
    role = acting_user(request).role
    who, sources, _target, verb = services.MOVES[action]
    if who != role or application.status not in sources:
        messages.error(
            request, _("申请当前状态为“%(s)s”，不能%(verb)s。") % {"s": application.get_status_display(), "verb": verb}
        )
        return redirect("placements:application", pk=pk)
    words = {"person": application.person.name, "post": application.post.title, "host": application.post.host.name}
    context = {"application": application, "action": action, "verb": verb, "form": form,
               "summary": MOVE_SUMMARY[action] % words}  # fmt: skip
    return render(request, "placements/move_confirm.html", context)


@roles(Role.HOST)
def agreement_create(request: HttpRequest, pk: int) -> HttpResponse:
    application = get_scoped(request.user, _applications(), pk=pk)
    existing = Agreement.objects.filter(application=application).first()
    if existing is not None:
        # Issue #16: not a blank form for an application that has its agreement already.
        messages.info(request, _("该申请已签订见习协议，以下是协议内容。"))
        return redirect("placements:agreement", pk=existing.pk)
    form = AgreementForm(request.POST or None, post=application.post)
    if request.method == "POST" and form.is_valid():
        try:
            agreement = services.agreement_create(actor=acting_user(request), application_id=pk, terms=form.terms())
        except RuleError as err:
            add_rule_error(form, err)
        else:
            if agreement.subsidy_note:
                messages.warning(request, agreement.subsidy_note)
            messages.success(request, _("见习协议已生成，请打印并由双方确认。"))
            return redirect("placements:agreement", pk=agreement.pk)
    outlook = selectors.applicant_outlook(application.person, today=timezone.localdate())
    return render(
        request,
        "placements/agreement_form.html",
        {"form": form, "application": application, "outlook": outlook},
    )


AGREEMENT_HEADERS = [
    "见习人员",
    "身份证号（脱敏）",
    "见习单位",
    "岗位",
    "开始",
    "结束",
    "生活费（元/月）",
    "带教人",
    "状态",
    "享受补贴",
]


def _agreement_query(user: Any, params: dict[str, Any]) -> Any:
    """The agreements ``user`` may see, filtered by the list's ``status``, ``todo`` and ``q``."""
    agreements = scoped(user, _agreements())
    if params.get("status", "") in AgreementStatus.values:
        agreements = agreements.filter(status=params["status"])
    # The home page's to-dos link here: ?todo=attendance (last month's attendance not yet recorded),
    # ?todo=confirm (waiting for this party's confirmation). The count there is this list's length.
    todo = params.get("todo", "")
    if todo == "attendance":
        month = selectors.previous_month(timezone.localdate())
        agreements = selectors.attendance_missing(agreements, month=month)
    elif todo == "confirm":
        agreements = selectors.agreements_to_confirm(agreements, role=user.role)
    q = params.get("q", "")
    if q:
        agreements = agreements.filter(Q(person__name__icontains=q) | Q(host__name__icontains=q))
    return agreements


def export_agreements(user: Any, params: dict[str, Any]) -> tuple[str, list[Sheet]]:
    """The agreements export (export kind "agreements"), inline or in a job: the user's scope, re-read."""
    rows = (
        (
            a.person.name,
            a.person.id_number_masked,
            a.host.name,
            a.post.title,
            a.start,
            a.end,
            a.allowance,
            a.mentor,
            a.get_status_display(),
            "是" if a.subsidy_eligible else "否",
        )
        for a in _agreement_query(user, params).order_by("-start", "-id").iterator()
    )
    return f"见习协议-{timezone.localdate():%Y%m%d}.xlsx", [("见习协议", AGREEMENT_HEADERS, rows)]


@roles(*EVERYONE)
def agreement_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    todo = request.GET.get("todo", "")
    q = request.GET.get("q", "").strip()
    params = {"status": status, "todo": todo, "q": q}
    agreements = _agreement_query(acting_user(request), params)
    if request.GET.get("format") == "xlsx":
        return export_response(request, "agreements", params, rows=agreements.count())
    page = paginate(request, agreements, sorts={"start": "start", "created": "created_at"}, default="-start")
    return render(
        request,
        "placements/agreements.html",
        {"page": page, "status": status, "statuses": AgreementStatus.choices, "q": q, "todo": todo},
    )


@roles(*EVERYONE)
def agreement_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The printable agreement (就业见习协议书), with both parties' details."""
    agreement = get_scoped(request.user, _agreements().select_related("host", "person"), pk=pk)
    # R-EL-7: a fact the subsidy rests on contradicted by a registry extract (shown to both parties).
    blocks = subsidy_blocks([(agreement.person, agreement.start)])[0] if agreement.subsidy_eligible else []
    context = {"agreement": agreement, "reason_form": ReasonForm(), "subsidy_blocks": blocks}
    return render(request, "placements/agreement.html", context)


@require_POST
@roles(*PARTIES)
def agreement_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        services.agreement_confirm(actor=acting_user(request), agreement_id=pk)
    except RuleError as err:
        messages.error(request, err.message)
    else:
        messages.success(request, _("已确认见习协议；双方都确认后见习开始，可填报考勤。"))
    return redirect("placements:agreement", pk=pk)


@require_POST
@duty(Duty.AGREEMENT_CANCEL)
def agreement_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        services.agreement_cancel(actor=acting_user(request), agreement_id=pk, reason=request.POST.get("reason", ""))
    except RuleError as err:
        messages.error(request, err.message)
    else:
        messages.success(request, _("协议已作废，名额已释放。"))
    return redirect("placements:agreement", pk=pk)


def parse_month(value: str) -> date | None:
    parsed = parse_month_key(value.strip())
    return date(parsed[0], parsed[1], 1) if parsed else None


# --- attendance, outcomes, certificate, follow-up ---------------------------------------------


@roles(*EVERYONE)
def attendance(request: HttpRequest, pk: int) -> HttpResponse:
    """The month grid of one internship: the host fills it in, everyone in scope reads it."""
    agreement = get_scoped(request.user, _agreements(), pk=pk)
    today = timezone.localdate()
    typed: dict[str, str] = {}
    typed_paid: dict[str, str] = {}
    if request.method == "POST":
        if acting_user(request).role != Role.HOST:
            messages.error(request, _("考勤由见习单位填报。"))
            return redirect("placements:attendance", pk=pk)
        typed, days, bad = month_days(request.POST)
        typed_paid, paid, bad_paid = month_amounts(request.POST)
        if bad:
            messages.error(request, _("出勤天数须为整数：%(months)s") % {"months": "、".join(bad)})
        elif bad_paid:
            messages.error(request, _("实发生活费须为金额（元）：%(months)s") % {"months": "、".join(bad_paid)})
        else:
            try:
                changed = attendance_service.attendance_record(
                    actor=acting_user(request), agreement_id=pk, days=days, today=today, allowances=paid
                )
            except RuleError as err:
                messages.error(request, err.message)
            else:
                messages.success(request, _("已保存 %(n)s 个月的考勤。") % {"n": changed})
                return redirect("placements:attendance", pk=pk)
    # After a refusal, show what the host typed rather than the stored values: nothing is lost.
    grid = [
        (
            row,
            typed.get(row.key, "" if row.attended_days is None else str(row.attended_days)),
            typed_paid.get(row.key, "" if row.allowance_paid is None else str(row.allowance_paid)),
        )
        for row in attendance_service.attendance_grid(agreement=agreement, today=today)
    ]
    context = {"agreement": agreement, "grid": grid, "caps_by_paid": attendance_service.caps_by_paid(agreement)}
    return render(request, "placements/attendance.html", context)


@require_POST
@duty(Duty.ATTENDANCE_REOPEN)
def attendance_reopen(request: HttpRequest, pk: int) -> HttpResponse:
    """A district officer reopens a locked month, with a reason kept in its history."""
    get_scoped(request.user, Agreement.objects.all(), pk=pk)  # out of scope: 404 before the input
    month = parse_month(request.POST.get("month", ""))
    try:
        if month is None:
            raise RuleError("month", _("月份格式不正确。"), field="month")
        attendance_service.attendance_reopen(
            actor=acting_user(request), agreement_id=pk, month=month, reason=request.POST.get("reason", "")
        )
    except RuleError as err:
        messages.error(request, err.message)
    else:
        messages.success(request, _("已重新开放该月考勤，单位可以修改。"))
    return redirect("placements:attendance", pk=pk)


@roles(Role.HOST)
def agreement_end(request: HttpRequest, pk: int) -> HttpResponse:
    agreement = get_scoped(request.user, _agreements(), pk=pk)
    form = EndForm(request.POST or None, initial={"ended_on": agreement.end, "outcome": "completed"})
    if request.method == "POST" and form.is_valid():
        try:
            outcomes.agreement_end(
                actor=acting_user(request), agreement_id=pk, ending=form.ending(), today=timezone.localdate()
            )
        except RuleError as err:
            add_rule_error(form, err)
        else:
            messages.success(request, _("已登记见习结束，可打印见习证明。"))
            return redirect("placements:agreement", pk=pk)
    return render(request, "placements/end.html", {"agreement": agreement, "form": form})


@require_POST
@roles(Role.HOST)
def agreement_retention(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        outcomes.agreement_retention(
            actor=acting_user(request), agreement_id=pk, retained=request.POST.get("retained") == "1"
        )
    except RuleError as err:
        messages.error(request, err.message)
    return redirect("placements:agreement", pk=pk)


@roles(*EVERYONE)
def certificate(request: HttpRequest, pk: int) -> HttpResponse:
    """见习证明 (R-IN-4): printable, with a code anyone can verify."""
    agreement = get_scoped(request.user, _agreements().select_related("host", "person"), pk=pk)
    if agreement.status != AgreementStatus.ENDED:
        messages.error(request, _("见习结束后才能出具见习证明。"))
        return redirect("placements:agreement", pk=pk)
    return render(request, "placements/certificate.html", {"agreement": agreement})


@public
def verify(request: HttpRequest) -> HttpResponse:
    """Anyone checks a certificate by its verification code; only what the paper shows is shown."""
    code = request.GET.get("code", "")
    agreement = outcomes.certificate_lookup(code) if code else None
    return render(request, "placements/verify.html", {"code": code, "agreement": agreement})


@roles(Role.DISTRICT, Role.CITY, Role.UNIVERSITY)
def follow_ups(request: HttpRequest) -> HttpResponse:
    due = outcomes.follow_up_due(request.user)
    page = paginate(request, due)
    return render(request, "placements/follow_ups.html", {"page": page})


@roles(Role.DISTRICT, Role.CITY, Role.UNIVERSITY)
def follow_up_detail(request: HttpRequest, pk: int) -> HttpResponse:
    agreement = get_scoped(request.user, _agreements(), pk=pk)
    form = FollowUpForm(request.POST or None, initial={"served_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            outcomes.follow_up_record(actor=acting_user(request), agreement_id=pk, **form.cleaned_data)
        except RuleError as err:
            add_rule_error(form, err)
        else:
            messages.success(request, _("已记录一次跟踪帮扶服务。"))
            return redirect("placements:follow_up", pk=pk)
    records = agreement.follow_ups.select_related("officer")
    return render(request, "placements/follow_up.html", {"agreement": agreement, "form": form, "records": records})
