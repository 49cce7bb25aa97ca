"""The sign-up page both sign-ups share (the young person's in youth/, the host unit's in hosts/)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from jianxi.core.errors import RuleError
from jianxi.core.forms import add_rule_error
from jianxi.core.throttle import SIGNUP, throttle


def signup_page(request: HttpRequest, form: Any, register: Callable[..., Any], target: str, title: str) -> HttpResponse:
    """Both sign-ups (youth/views.py, hosts/views.py): throttled, and answered the same whether the
    identifier was registered.

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
