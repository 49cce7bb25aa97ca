from __future__ import annotations

from functools import partial
from typing import Any

from django import forms
from django.contrib import messages
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from jianxi.accounts.models import OFFICER_ROLES, Role, User
from jianxi.accounts.scoping import get_scoped, scoped
from jianxi.accounts.views import signup_page
from jianxi.core.access import acting_user, public, roles
from jianxi.core.errors import RuleError
from jianxi.core.excel import Sheet
from jianxi.core.export_jobs import export_response
from jianxi.core.network import client_address
from jianxi.core.paging import paginate
from jianxi.youth import services
from jianxi.youth.forms import ResumeForm, YouthSignupForm
from jianxi.youth.models import Group, Person
from jianxi.youth.selectors import person_eligibility, person_fact_verdicts

SORTS = {"created": "created_at", "name": "name", "graduation": "graduation_date"}


class RevealForm(forms.Form):
    purpose = forms.CharField(label=_("查看事由"), max_length=200)


PERSON_HEADERS = [
    "姓名",
    "公民身份号码（脱敏）",
    "手机号码（脱敏）",
    "人员类别",
    "学历",
    "毕业院校",
    "专业",
    "毕业日期",
    "登记区",
    "登记时间",
]


def _persons(user: User, params: dict[str, Any]) -> QuerySet[Person]:
    """The registry list as ``user`` may see it, filtered by the list's ``q`` and ``group``."""
    persons = scoped(user, Person.objects.select_related("district", "university"))
    q = params.get("q", "")
    if q:
        persons = persons.filter(Q(name__icontains=q) | Q(id_number__iexact=q.upper()))
    if params.get("group", "") in Group.values:
        persons = persons.filter(group=params["group"])
    return persons


def export_persons(user: User, params: dict[str, Any]) -> tuple[str, list[Sheet]]:
    """The registry export (export kind "youth"), inline or in a job: the user's scope, re-read."""
    # Exports carry masked ID and phone numbers, like the page (docs/rules.md, "Identifiers").
    rows = (
        (
            p.name,
            p.id_number_masked,
            p.phone_masked,
            p.get_group_display(),
            p.get_education_display(),
            p.university.name if p.university else p.school,
            p.major,
            p.graduation_date,
            p.district.name,
            p.created_at,
        )
        for p in _persons(user, params).order_by("-created_at", "-id").iterator()
    )
    return f"见习人员-{timezone.localdate():%Y%m%d}.xlsx", [("见习人员", PERSON_HEADERS, rows)]


@roles(*OFFICER_ROLES)
def person_list(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()
    group = request.GET.get("group", "")
    params = {"q": q, "group": group}
    persons = _persons(acting_user(request), params)
    if request.GET.get("format") == "xlsx":
        return export_response(request, "youth", params, rows=persons.count())
    page = paginate(request, persons, sorts=SORTS, default="-created")
    return render(request, "youth/list.html", {"page": page, "q": q, "group": group, "groups": Group.choices})


@roles(*OFFICER_ROLES, Role.YOUTH)
def person_detail(request: HttpRequest, pk: int) -> HttpResponse:
    person = get_scoped(request.user, Person.objects.select_related("district", "university"), pk=pk)
    context = {
        "person": person,
        "reveal_form": RevealForm(),
        "eligibility": person_eligibility(person, timezone.localdate()),
        "verdicts": _verdicts(request, person),
        "resume_form": ResumeForm() if acting_user(request).role == Role.YOUTH else None,
    }
    return render(request, "youth/detail.html", context)


def _verdicts(request: HttpRequest, person: Person) -> list[object]:
    """The registry verdicts on the person's facts, for officers (R-EL-7)."""
    if getattr(request.user, "role", None) not in OFFICER_ROLES:
        return []
    return person_fact_verdicts(person, timezone.localdate())


@require_POST
@roles(*OFFICER_ROLES)
def person_reveal_id(request: HttpRequest, pk: int) -> HttpResponse:
    person = get_scoped(request.user, Person.objects.select_related("district", "university"), pk=pk)
    form = RevealForm(request.POST)
    revealed = None
    if form.is_valid():
        revealed = services.id_number_reveal(
            person=person,
            viewer=request.user,
            purpose=form.cleaned_data["purpose"],
            ip_address=client_address(request),
        )
    context = {
        "person": person,
        "reveal_form": form,
        "revealed": revealed,
        "eligibility": person_eligibility(person, timezone.localdate()),
        "verdicts": _verdicts(request, person),
    }
    return render(request, "youth/detail.html", context)


@require_POST
@roles(Role.YOUTH)
def resume_upload(request: HttpRequest) -> HttpResponse:
    """个人简历: the young person uploads a PDF; hosts it applies to may download it."""
    form = ResumeForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("请选择要上传的 PDF 文件。"))
        return redirect("youth:me")
    try:
        services.resume_save(actor=acting_user(request), upload=form.cleaned_data["resume"])
    except RuleError as err:
        messages.error(request, err.message)
    else:
        messages.success(request, _("简历已上传，您申请的单位可以查看。"))
    return redirect("youth:me")


@roles(Role.YOUTH)
def me(request: HttpRequest) -> HttpResponse:
    person = scoped(request.user, Person.objects.all()).first()
    if person is None:
        return redirect("home")
    return redirect("youth:detail", pk=person.pk)


@public
def signup(request: HttpRequest) -> HttpResponse:
    """见习人员注册."""
    form = YouthSignupForm(request.POST or None)
    register = partial(services.youth_register, today=timezone.localdate())
    return signup_page(request, form, register, "id_number", gettext("见习人员注册"))
