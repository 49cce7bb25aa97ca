"""A university officer's outreach pages: the list of graduates and its upload, pushes, take-up."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from jianxi.accounts.models import Role
from jianxi.accounts.scoping import get_scoped
from jianxi.core.access import acting_user, roles
from jianxi.core.errors import RuleError
from jianxi.core.excel import XLSX, xlsx_response
from jianxi.core.forms import add_rule_error
from jianxi.core.paging import paginate
from jianxi.core.validators import mask_phone, mask_resident_id
from jianxi.core.views_import import import_job_page, import_page
from jianxi.outreach import imports, selectors, services
from jianxi.outreach.models import Push
from jianxi.youth.models import Education

IMPORT_TEMPLATE = "outreach/import.html"
university = roles(Role.UNIVERSITY)


@require_GET
@university
def home(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    page = paginate(request, selectors.pushes(user))
    figures = selectors.push_takeup(list(page))
    rows = [(push, figures[push.pk]) for push in page]
    return render(
        request,
        "outreach/home.html",
        {"takeup": selectors.takeup(user), "page": page, "rows": rows, "stages": selectors.STAGES},
    )


@require_GET
@university
def graduates(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    stage = request.GET.get("stage", "")
    if stage not in selectors.STAGES:
        stage = ""
    major = request.GET.get("major", "")[:100]
    education = [e for e in request.GET.getlist("education") if e in Education.values]
    qs = selectors.graduates(user, stage=stage)
    if major.strip() or education:
        qs = qs.filter(pk__in=services.audience(user, major=major, educations=education).values("pk"))
    page = paginate(request, qs)
    rows = [(g, mask_resident_id(g.id_number), mask_phone(g.phone) if g.phone else "") for g in page]
    return render(
        request,
        "outreach/graduates.html",
        {
            "page": page,
            "rows": rows,
            "stage": stage,
            "major": major,
            "education": education,
            "educations": Education.choices,
        },
    )


@require_http_methods(["GET", "POST"])
@university
def import_graduates(request: HttpRequest) -> HttpResponse:
    return import_page(request, imports.KIND, IMPORT_TEMPLATE)


@require_GET
@university
def import_graduates_job(request: HttpRequest, pk: int) -> HttpResponse:
    return import_job_page(request, imports.KIND, IMPORT_TEMPLATE, pk)


@require_GET
@university
def import_template(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(imports.template_workbook(), content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote('未就业毕业生名单模板.xlsx')}"
    return response


EVENT_CHOICES = 50  # the soonest pushable events offered on the form


class EventIdsField(forms.MultipleChoiceField):
    """Events chosen by number: the form offers the soonest pushable events as check boxes; any
    number is let through to the service, which refuses a draft, cancelled or past event with its
    own message on this field (not Django's "not one of the choices")."""

    def valid_value(self, value: Any) -> bool:
        text = str(value)
        return text.isascii() and text.isdigit() and len(text) <= 9

    def clean(self, value: Any) -> list[int]:
        return [int(v) for v in super().clean(value)]


class PushForm(forms.Form):
    posts = forms.CharField(
        label=gettext_lazy("岗位编号"),
        max_length=200,
        required=False,
        help_text=gettext_lazy(
            "在岗位页面点“推送给本校毕业生”即可带上该岗位；也可填写编号（岗位页面地址中可见），"
            "多个用逗号或空格分隔，一次最多 10 个。"
        ),
    )
    events = EventIdsField(
        label=gettext_lazy("推送活动"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("即将举行的已发布对接活动（任何主办方），一次最多 5 个；岗位和活动至少选一项。"),
    )
    major = forms.CharField(
        label=gettext_lazy("专业"),
        max_length=100,
        required=False,
        help_text=gettext_lazy("包含这些词的专业（多个用顿号分隔，按分词匹配）；留空为全部。"),
    )
    education = forms.MultipleChoiceField(
        label=gettext_lazy("学历"),
        choices=Education.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("不选为全部。"),
    )
    message = forms.CharField(label=gettext_lazy("附言"), max_length=200, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        events = services.pushable_events().select_related(
            "organiser_district", "organiser_department", "organiser_university"
        )
        field = self.fields["events"]
        assert isinstance(field, EventIdsField)
        field.choices = [
            (
                e.pk,
                f"{e.title}（{services.event_when(e)}，{services.event_where(e)}，{e.organiser_name}，"
                + _("编号 %(pk)s") % {"pk": e.pk}
                + "）",
            )
            for e in events.order_by("starts_at", "pk")[:EVENT_CHOICES]
        ]

    def clean_posts(self) -> list[int]:
        text = self.cleaned_data["posts"]
        parts = [p for p in re.split(r"[\s,，、;；]+", text.strip()) if p]
        if not all(p.isascii() and p.isdigit() and len(p) <= 9 for p in parts):
            raise forms.ValidationError(_("请填写岗位编号（数字），多个用逗号分隔。"))
        return [int(p) for p in parts]


@require_http_methods(["GET", "POST"])
@university
def push_new(request: HttpRequest) -> HttpResponse:
    user = acting_user(request)
    preview: tuple[int, int] | None = None
    if request.method == "POST":
        form = PushForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            args: dict[str, Any] = {
                "actor": user,
                "post_ids": data["posts"],
                "event_ids": data["events"],
                "major": data["major"],
                "educations": data["education"],
            }
            try:
                if "send" in request.POST:
                    push = services.push_create(**args, message=data["message"])
                    messages.success(
                        request, _("已推送，共 %(n)s 人将收到新的岗位或活动信息。") % {"n": push.recipients}
                    )
                    return redirect("outreach:push", pk=push.pk)
                preview = services.push_preview(**args)
            except RuleError as err:
                add_rule_error(form, err)
    else:
        events = [e for e in request.GET.getlist("events")[:10] if e.isascii() and e.isdigit() and len(e) <= 9]
        form = PushForm(initial={"posts": request.GET.get("posts", "")[:200], "events": events})
    context = {"form": form, "preview": preview, "chosen": _chosen_posts(form)}
    return render(request, "outreach/push_new.html", context)


def _chosen_posts(form: PushForm) -> list[Any]:
    """The published posts the form's numbers name, so the officer sees what will be pushed."""
    text = form.data.get("posts", "") if form.is_bound else str(form.initial.get("posts", ""))
    numbers = [int(p) for p in re.split(r"[\s,，、;；]+", text.strip()) if p.isascii() and p.isdigit() and len(p) <= 9]
    return list(selectors.pushable_posts(numbers[:10]))


@require_GET
@university
def push_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = acting_user(request)
    push = get_scoped(user, Push.objects.select_related("sent_by"), pk=pk)
    figures = selectors.push_takeup([push])[push.pk]
    return render(
        request,
        "outreach/push.html",
        {
            "push": push,
            "figures": figures,
            "posts": selectors.push_posts(push),
            "events": selectors.push_events(push),
        },
    )


@require_GET
@university
def takeup_export(request: HttpRequest) -> HttpResponse:
    """The take-up, overall and per push, as an Excel file (two sheets)."""
    user = acting_user(request)
    overall = selectors.takeup(user)
    headers = [_("名单人数"), _("已邀请"), _("已注册"), _("已申请"), _("已上岗")]
    pushes = list(selectors.pushes(user)[:5000])
    per_push = selectors.push_takeup(pushes)

    def push_rows() -> Any:
        for p in pushes:
            f = per_push[p.pk]
            yield [
                f"PUSH-{p.pk}",
                timezone.localtime(p.created_at),
                p.major_filter,
                p.education_filter,
                p.matched,
                f.graduates,
                f.invited,
                f.registered,
                f.applied,
                f.placed,
                f.signed_up,
            ]

    return xlsx_response(
        _("推送成效.xlsx"),
        [
            (
                _("总体"),
                headers,
                [[overall.graduates, overall.invited, overall.registered, overall.applied, overall.placed]],
            ),
            (
                _("各次推送"),
                [
                    _("编号"),
                    _("推送时间"),
                    _("专业筛选"),
                    _("学历筛选"),
                    _("符合条件人数"),
                    _("接收人数"),
                    _("已邀请"),
                    _("已注册"),
                    _("已申请本次岗位或报名本次活动"),
                    _("本次岗位上岗"),
                    _("其中报名本次活动"),
                ],
                push_rows(),
            ),
        ],
    )
