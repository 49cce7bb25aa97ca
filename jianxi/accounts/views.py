from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from jianxi.accounts import services
from jianxi.accounts.forms import HostSignupForm, YouthSignupForm
from jianxi.core.access import public
from jianxi.core.errors import RuleError
from jianxi.core.forms import add_rule_error
from jianxi.core.throttle import SIGNUP, throttle


def _signup(request: HttpRequest, form: Any, register: Callable[..., Any], target: str, title: str) -> HttpResponse:
    """Both sign-ups: throttled, and answered the same whether the identifier was registered.

    A new account is not signed in here: signing in would tell an attacker that the ID number or
    credit code was free. The person signs in with the name and password just chosen.
    """
    status = 200
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        password = data.pop("password1")
        data.pop("password2")
        try:
            throttle(request, SIGNUP, target=str(data[target]), field=target)
            register(password=password, **data)
        except RuleError as err:
            add_rule_error(form, err)
            status = 429 if err.code == "rate_limited" else 200
        else:
            return render(request, "accounts/signup_done.html", {"title": title, "username": data["username"]})
    return render(request, "accounts/signup.html", {"form": form, "title": title}, status=status)


@public
def signup_youth(request: HttpRequest) -> HttpResponse:
    form = YouthSignupForm(request.POST or None)
    register = partial(services.youth_register, today=timezone.localdate())
    return _signup(request, form, register, "id_number", _("见习人员注册"))


@public
def signup_host(request: HttpRequest) -> HttpResponse:
    form = HostSignupForm(request.POST or None)
    return _signup(request, form, services.host_staff_register, "credit_code", _("见习单位注册"))
