"""忘记密码 by SMS code, for a young person whose account has a mobile number (the registry's
``Person.phone``): a six-digit code sent through the SMS adapter (``jianxi.core.sms``), valid for
ten minutes and five tries, then a new password.

The first step answers the same whether or not the number belongs to an account (and sends
nothing when it belongs to none, or to several) — and takes the same time: the request only
checks the limits and hands the number to a job (``send_code_task``, core/jobs.py), which looks
for the account and sends the code after the answer; both steps are rate limited per client address
and per number, by the hour and by the day (``jianxi.core.throttle``). Only a keyed hash of the
code is kept, in the cache (Redis when ``REDIS_URL`` is set, so every web process shares it).
"""

from __future__ import annotations

import hashlib
import secrets

from celery import shared_task
from django import forms
from django.contrib.auth import password_validation
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext, gettext_lazy, gettext_noop
from django.views.decorators.http import require_http_methods

from jianxi.accounts.models import Role, User
from jianxi.core import jobs
from jianxi.core.access import public
from jianxi.core.errors import RuleError
from jianxi.core.forms import add_rule_error
from jianxi.core.models import Channel, MessageKind
from jianxi.core.notify import Recipient, deliver
from jianxi.core.throttle import Limit, throttle
from jianxi.core.validators import parse_mobile
from jianxi.youth.models import Person

CODE_SECONDS = 600
MAX_TRIES = 5
SEND_LIMIT = Limit("pwreset_sms", per_address=10, per_target=3)
CHECK_LIMIT = Limit("pwreset_check", per_address=30, per_target=10)
# And per day: hour after hour, a number gets at most 5 codes and 20 tries (a six-digit code
# guessed at most 20 times a day, not 240).
SEND_DAILY = Limit("pwreset_sms_day", per_address=30, per_target=5, window=86400)
CHECK_DAILY = Limit("pwreset_check_day", per_address=100, per_target=20, window=86400)
SESSION_KEY = "password_reset_sms_phone"
WRONG_CODE = gettext_noop("验证码错误或已过期，请重新获取。")


def _key(phone: str) -> str:
    return "pwreset:sms:" + hashlib.sha256(phone.encode()).hexdigest()[:32]


def _digest(phone: str, code: str) -> str:
    return salted_hmac("jianxi.youth.password_sms", f"{phone}:{code}").hexdigest()


def account_of(phone: str) -> User | None:
    """The one active youth account whose person has this mobile number, else None."""
    persons = list(
        Person.objects.filter(phone=phone, user__isnull=False, user__is_active=True, user__role=Role.YOUTH)
        .select_related("user")
        .order_by("pk")[:2]
    )
    return persons[0].user if len(persons) == 1 else None


def send_code(phone: str) -> bool:
    """Send a new code when ``phone`` belongs to exactly one account; answers whether one was sent."""
    user = account_of(phone)
    if user is None:
        return False
    code = f"{secrets.randbelow(10**6):06d}"
    cache.set(_key(phone), {"user": user.pk, "digest": _digest(phone, code), "tries": 0}, CODE_SECONDS)
    deliver(
        [Recipient(user=user, phone=phone)],
        message=f"您正在重设见习平台密码，验证码 {code}，{CODE_SECONDS // 60} 分钟内有效。如非本人操作请忽略。",
        kind=MessageKind.SERVICE,
        channels=(Channel.SMS,),
        topic="password_reset",
    )
    return True


@shared_task(name="jianxi.youth.send_reset_code", acks_late=False)
def send_code_task(phone: str) -> None:
    """The job of the first step (not acknowledged late: a code lost with a worker is asked again)."""
    send_code(phone)


def reset_with_code(*, phone: str, code: str, password: str) -> User:
    """Set the account's password when ``code`` is the one sent to ``phone``; the code is then spent."""
    key = _key(phone)
    held = cache.get(key)
    if not held or held["tries"] >= MAX_TRIES:
        raise RuleError("password_reset.code", gettext(WRONG_CODE), field="code")
    if not constant_time_compare(held["digest"], _digest(phone, code.strip())):
        held["tries"] += 1
        cache.set(key, held, CODE_SECONDS)
        raise RuleError("password_reset.code", gettext(WRONG_CODE), field="code")
    user = User.objects.filter(pk=held["user"], is_active=True).first()
    if user is None:
        cache.delete(key)
        raise RuleError("password_reset.code", gettext(WRONG_CODE), field="code")
    try:
        password_validation.validate_password(password, user)
    except forms.ValidationError as err:
        raise RuleError("password_reset.password", " ".join(err.messages), field="new_password1") from err
    cache.delete(key)
    user.set_password(password)
    user.save(update_fields=["password"])
    return user


class PhoneForm(forms.Form):
    phone = forms.CharField(label=gettext_lazy("手机号码"), max_length=11)

    def clean_phone(self) -> str:
        try:
            return parse_mobile(self.cleaned_data["phone"])
        except RuleError as err:
            raise forms.ValidationError(err.message) from err


class CodeForm(forms.Form):
    code = forms.CharField(label=gettext_lazy("短信验证码"), max_length=6)
    new_password1 = forms.CharField(label=gettext_lazy("新密码"), widget=forms.PasswordInput, max_length=128)
    new_password2 = forms.CharField(label=gettext_lazy("再次输入新密码"), widget=forms.PasswordInput, max_length=128)

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if data.get("new_password1") and data.get("new_password1") != data.get("new_password2"):
            self.add_error("new_password2", gettext_lazy("两次输入的密码不一致。"))
        return data


@require_http_methods(["GET", "POST"])
@public
def request_code(request: HttpRequest) -> HttpResponse:
    form = PhoneForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        phone = form.cleaned_data["phone"]
        try:
            throttle(request, SEND_LIMIT, target=phone, field="phone")
            throttle(request, SEND_DAILY, target=phone, field="phone")
        except RuleError as err:
            add_rule_error(form, err)
        else:
            # Looked up and sent by a job: the answer does not wait on the account or the gateway.
            jobs.dispatch(send_code_task, [phone], eager_setting="SMS_TASKS_EAGER")
            request.session[SESSION_KEY] = phone
            return redirect("password_reset_sms_confirm")
    return render(request, "registration/password_reset_sms.html", {"form": form})


@require_http_methods(["GET", "POST"])
@public
def confirm_code(request: HttpRequest) -> HttpResponse:
    phone = request.session.get(SESSION_KEY)
    if not phone:
        return redirect("password_reset_sms")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            throttle(request, CHECK_LIMIT, target=phone, field="code")
            throttle(request, CHECK_DAILY, target=phone, field="code")
            reset_with_code(phone=phone, code=form.cleaned_data["code"], password=form.cleaned_data["new_password1"])
        except RuleError as err:
            add_rule_error(form, err)
        else:
            request.session.pop(SESSION_KEY, None)
            return redirect("password_reset_complete")
    return render(request, "registration/password_reset_sms_confirm.html", {"form": form, "phone": phone})
