from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from jianxi.accounts import services
from jianxi.accounts.forms import HostSignupForm, YouthSignupForm
from jianxi.core.access import public
from jianxi.core.errors import RuleError
from jianxi.core.forms import add_rule_error

BACKEND = "django.contrib.auth.backends.ModelBackend"


@public
def signup_youth(request: HttpRequest) -> HttpResponse:
    form = YouthSignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        password = data.pop("password1")
        data.pop("password2")
        try:
            person = services.youth_register(password=password, today=timezone.localdate(), **data)
        except RuleError as err:
            add_rule_error(form, err)
        else:
            login(request, person.user, backend=BACKEND)
            messages.success(request, _("注册成功，欢迎使用见习服务。"))
            return redirect("home")
    return render(request, "accounts/signup.html", {"form": form, "title": _("见习人员注册")})


@public
def signup_host(request: HttpRequest) -> HttpResponse:
    form = HostSignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        password = data.pop("password1")
        data.pop("password2")
        try:
            host = services.host_staff_register(password=password, **data)
        except RuleError as err:
            add_rule_error(form, err)
        else:
            login(request, host.staff.get(), backend=BACKEND)
            messages.success(request, _("单位已登记，请等待所在区人社局审核。"))
            return redirect("home")
    return render(request, "accounts/signup.html", {"form": form, "title": _("见习单位注册")})
