"""Account write operations: one function per operation, used by pages, API and commands."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext

from jianxi.accounts.models import Role, User
from jianxi.core.errors import RuleError
from jianxi.policy.models import Department, District, University


def username_free(username: str) -> None:
    """Refuse a username already taken (any case)."""
    if User.objects.filter(username__iexact=username).exists():
        raise RuleError("username.taken", gettext("该用户名已被使用，请换一个。"), field="username")


def new_user(*, username: str, password: str, role: Role, display_name: str, **scope: Any) -> User:
    """A new account of ``role`` (the sign-ups of youth/ and hosts/, officer_create)."""
    username_free(username)
    user = User(username=username, role=role, display_name=display_name, **scope)
    user.set_password(password)
    user.save()
    return user


def officer_invite(user: User) -> None:
    """E-mail a new officer the link that sets its password (Django's password-reset token,
    valid ``PASSWORD_RESET_TIMEOUT``): whoever created the account never knows the password."""
    uid, token = urlsafe_base64_encode(force_bytes(user.pk)), default_token_generator.make_token(user)
    path = reverse("password_reset_confirm", kwargs={"uidb64": uid, "token": token})
    link = settings.SITE_URL.rstrip("/") + path
    days = settings.PASSWORD_RESET_TIMEOUT // 86400
    send_mail(
        "【见习】请设置您的见习平台账号密码",
        f"您好：\n\n市人社局已为您开设见习平台工作人员账号（{user.get_role_display()}，用户名：{user.username}）。"
        f"请在 {days} 天内打开以下链接设置密码，然后用用户名和新密码登录：\n{link}\n\n"
        "如非本人，请忽略本邮件。",
        settings.DEFAULT_FROM_EMAIL,
        [user.email],
    )


@transaction.atomic
def officer_create(
    *,
    username: str,
    password: str,
    role: Role,
    display_name: str,
    district: District | None = None,
    department: Department | None = None,
    university: University | None = None,
) -> User:
    """Create an officer account (city officer in the admin, or the management command)."""
    scopes: dict[str, dict[str, Any]] = {
        Role.CITY: {},
        Role.FINANCE: {},
        Role.DISTRICT: {"district": district},
        Role.DEPARTMENT: {"department": department},
        Role.UNIVERSITY: {"university": university},
    }
    if role not in scopes:
        raise RuleError("role", gettext("只能创建市、区、部门、高校或财政局的工作人员账号。"), field="role")
    scope = scopes[role]
    if any(value is None for value in scope.values()):
        raise RuleError("scope", gettext("工作人员账号必须属于且仅属于一个区、部门或高校。"), field="scope")
    user = new_user(username=username, password=password, role=role, display_name=display_name, **scope)
    # Only the city officer uses the admin (it is not scoped); rights come from the group.
    if role == Role.CITY:
        user.is_staff = True
        user.save(update_fields=["is_staff"])
        user.groups.add(city_officer_group())
    return user


CITY_GROUP = "市人社局"
CITY_EDITABLE = {
    "policy": [
        "minimumwage",
        "districttopup",
        "citypolicy",
        "policyaddon",
        "retentiontier",
        "yearlytarget",
        "calendarcorrection",
        "calendaryear",
        "district",
        "department",
        "postcategory",
        "university",
    ],
    "accounts": ["user", "apitoken"],
    "finance": ["yearlybudget"],
    "demonstration": ["rankingpolicy"],
    "subsidies": ["fundyear"],
    "oversight": ["statdefinition", "districttarget", "departmenttarget"],
    "registry": ["verificationpolicy"],
}


def city_officer_group() -> Group:
    """The admin rights of a city officer: policy data, officer accounts and API tokens."""
    group, _ = Group.objects.get_or_create(name=CITY_GROUP)
    perms = Permission.objects.select_related("content_type").filter(
        content_type__app_label__in=CITY_EDITABLE.keys(),
    )
    wanted = [p for p in perms if p.content_type.model in CITY_EDITABLE[p.content_type.app_label]]
    group.permissions.set(wanted)
    return group
