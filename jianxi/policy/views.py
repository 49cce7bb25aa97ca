from __future__ import annotations

import re
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from jianxi.core.access import public, roles
from jianxi.core.errors import RuleError
from jianxi.core.forms import add_rule_error, month_days
from jianxi.core.roles import Role
from jianxi.core.validators import parse_resident_id
from jianxi.policy import engine, services
from jianxi.policy.forms import EligibilityForm, QuoteForm
from jianxi.policy.models import CalendarCorrection, CityPolicy, DistrictTopUp, MinimumWage, YearlyTarget
from jianxi.policy.selectors import calendar_gaps, current_city


def _throttled(request: HttpRequest) -> HttpResponse | None:
    """The public pages share the quote API's limit per client address (QUOTE_RATE_PER_MINUTE)."""
    from jianxi.policy.api import ClientAddressThrottle

    if request.method == "POST" and not ClientAddressThrottle().allow_request(request):
        return render(request, "policy/throttled.html", status=429)
    return None


@public
def quote(request: HttpRequest) -> HttpResponse:
    """补贴测算: anyone can work out what an internship is owed, month by month."""
    if (refused := _throttled(request)) is not None:
        return refused
    form = QuoteForm(request.POST or None)
    context: dict[str, Any] = {"form": form}
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        _typed, attendance, bad = month_days(request.POST)  # a blank month counts as fully attended
        ended_early = None
        if data.get("ended_early"):
            ended_early = engine.early_end(
                data["ended_early"],
                data["reason"],
                contract_start=data.get("contract_start") or None,
                contract_months=data.get("contract_months") if data.get("contract_start") else None,
                insured_months=data["insured_months"],
                employed_through=data.get("employed_through"),
                contract_signed=data.get("contract_signed"),
            )
        if bad:
            form.add_error(None, _("出勤天数须为整数：%(months)s") % {"months": "、".join(bad)})
        else:
            try:
                context["quote"] = services.subsidy_quote(
                    district_code=data["district"].code,
                    start=data["start"],
                    end=data["end"],
                    attendance=attendance,
                    as_of=data.get("as_of") or timezone.localdate(),
                    ended_early=ended_early,
                )
            except RuleError as err:
                add_rule_error(form, public_words(err, request.user))
        context["attendance"] = attendance
    return render(request, "policy/quote.html", context)


def public_words(err: RuleError, user: Any) -> RuleError:
    """A refusal in the words of whoever reads it: "maintain the year's calendar" is the city
    officer's task; anyone else learns that the year cannot be quoted yet, and what to do."""
    if err.code == "R-SUB-3.calendar" and getattr(user, "role", None) != Role.CITY:
        year = re.search(r"\d{4}", err.message)
        message = _(
            "%(year)s 年的法定节假日安排尚未公布，暂时无法按工作日测算该年度的补贴，请选择已公布安排的月份。"
        ) % {"year": year.group(0) if year else ""}
        return RuleError(err.code, message, field=err.field)
    return err


@public
def eligibility(request: HttpRequest) -> HttpResponse:
    """资格自测: a young person checks R-EL-1…4; nothing is stored."""
    if (refused := _throttled(request)) is not None:
        return refused
    form = EligibilityForm(request.POST or None)
    context: dict[str, Any] = {"form": form}
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        rid = parse_resident_id(data["id_number"])
        facts = engine.PersonFacts(
            birth_date=rid.birth_date,
            group=data["group"],
            beijing_origin=data["beijing_origin"],
            beijing_hukou=data["beijing_hukou"],
            graduation_date=data.get("graduation_date"),
            employed=data["employed"],
            registered_unemployed=data["registered_unemployed"],
            transfer_registered=data["transfer_registered"],
        )
        context["result"] = services.eligibility_check(facts=facts, on=data["on"])
        context["age"] = engine.age_on(rid.birth_date, data["on"])
    return render(request, "policy/eligibility.html", context)


@roles(Role.CITY)
def overview(request: HttpRequest) -> HttpResponse:
    """The city officer's view of the policy data in force, and what needs attention."""
    city = current_city()
    return render(
        request,
        "policy/overview.html",
        {
            "city": city,
            "wages": MinimumWage.objects.filter(city=city).order_by("-effective_from"),
            "policies": CityPolicy.objects.filter(city=city).prefetch_related("addons", "tiers"),
            "topups": DistrictTopUp.objects.filter(district__city=city).select_related("district"),
            "targets": YearlyTarget.objects.filter(city=city),
            "corrections": CalendarCorrection.objects.order_by("-date")[:50],
            "calendar_gaps": calendar_gaps(),
        },
    )
