"""Account write operations: one function per operation, used by pages, API and commands."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib.auth.models import Group, Permission
from django.db import transaction

from jianxi.accounts.models import Role, User
from jianxi.core.errors import RuleError
from jianxi.core.notify import notify
from jianxi.core.validators import parse_credit_code, parse_mobile, parse_resident_id
from jianxi.hosts.models import Host, HostStatus
from jianxi.policy.models import Department, District, University
from jianxi.youth.models import Person


def _username_free(username: str) -> None:
    if User.objects.filter(username__iexact=username).exists():
        raise RuleError("username.taken", "该用户名已被使用，请换一个。", field="username")


def _new_user(*, username: str, password: str, role: Role, display_name: str, **scope: Any) -> User:
    _username_free(username)
    user = User(username=username, role=role, display_name=display_name, **scope)
    user.set_password(password)
    user.save()
    return user


@transaction.atomic
def youth_register(
    *,
    username: str,
    password: str,
    name: str,
    id_number: str,
    phone: str,
    group: str,
    district: District,
    graduation_date: date | None = None,
    university: University | None = None,
    school: str = "",
    major: str = "",
    education: str = "",
    beijing_origin: bool = False,
    beijing_hukou: bool = False,
    employed: bool = False,
    registered_unemployed: bool = False,
    transfer_registered: bool = False,
    today: date,
) -> Person | None:
    """A young person signs up: a youth account and their registry record (one ID, one person).

    An ID number already registered creates nothing and returns None; its owner is told. The
    page answers both the same way, so that sign-up cannot be used to learn whether someone is
    registered (issue #11).
    """
    rid = parse_resident_id(id_number, today=today)
    phone = parse_mobile(phone)
    _username_free(username)  # before the ID check: a taken username must not tell the two apart
    existing = Person.objects.filter(id_number=rid.number).select_related("user").first()
    if existing is not None:
        notify(
            users=[existing.user],
            message="有人尝试用您的身份证号注册见习服务账号，未予开通。如非本人操作，请联系所在区人社局。",
        )
        return None
    user = _new_user(username=username, password=password, role=Role.YOUTH, display_name=name)
    person = Person(
        user=user,
        id_number=rid.number,
        name=name,
        birth_date=rid.birth_date,
        phone=phone,
        group=group,
        district=district,
        graduation_date=graduation_date,
        university=university,
        school=school or (university.name if university else ""),
        major=major,
        education=education,
        beijing_origin=beijing_origin,
        beijing_hukou=beijing_hukou,
        employed=employed,
        registered_unemployed=registered_unemployed,
        transfer_registered=transfer_registered,
    )
    person._history_user = user  # type: ignore[attr-defined]
    person.save()
    return person


@transaction.atomic
def host_staff_register(
    *,
    username: str,
    password: str,
    contact_name: str,
    contact_phone: str,
    credit_code: str,
    host_name: str,
    host_type: str,
    district: District,
    address: str,
    department: Department | None = None,
    grassroots_base: bool = False,
    contact_email: str = "",
    bank_name: str = "",
    bank_account: str = "",
) -> Host | None:
    """Host staff sign up with their unit; the unit waits for the district's review.

    A credit code already registered creates nothing and returns None; the unit's staff are told
    (the page answers the same either way, issue #11).
    """
    code = parse_credit_code(credit_code)
    phone = parse_mobile(contact_phone, field="contact_phone")
    _username_free(username)
    existing = Host.objects.filter(credit_code=code).first()
    if existing is not None:
        notify(
            users=existing.staff.all(),
            message="有人尝试用本单位的统一社会信用代码登记见习单位，未予登记。如需增加账号，请联系所在区人社局。",
        )
        return None
    host = Host(
        credit_code=code,
        name=host_name,
        host_type=host_type,
        district=district,
        department=department,
        address=address,
        contact_name=contact_name,
        contact_phone=phone,
        contact_email=contact_email,
        bank_name=bank_name,
        bank_account=bank_account,
        grassroots_base=grassroots_base,
        status=HostStatus.PENDING,
    )
    host.save()
    _new_user(username=username, password=password, role=Role.HOST, display_name=contact_name, host=host)
    return host


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
        Role.DISTRICT: {"district": district},
        Role.DEPARTMENT: {"department": department},
        Role.UNIVERSITY: {"university": university},
    }
    if role not in scopes:
        raise RuleError("role", "只能创建市、区、部门或高校的工作人员账号。", field="role")
    scope = scopes[role]
    if any(value is None for value in scope.values()):
        raise RuleError("scope", "工作人员账号必须属于且仅属于一个区、部门或高校。", field="scope")
    user = _new_user(username=username, password=password, role=role, display_name=display_name, **scope)
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
    "oversight": ["statdefinition", "districttarget", "departmenttarget"],
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
