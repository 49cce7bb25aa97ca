"""Test data factories (factory_boy): valid by construction, varied by sequence."""

from __future__ import annotations

from datetime import date

import factory

from jianxi.accounts.models import Role, User
from jianxi.core.validators import credit_code_check_char, resident_id_check_char
from jianxi.hosts.models import Host, HostStatus, HostType
from jianxi.policy.models import Department, District, University
from jianxi.youth.models import Group, Person

PASSWORD = "correct-horse-battery-staple"


def district(code: str) -> District:
    return District.objects.get(code=code)


def department(code: str) -> Department:
    return Department.objects.get(code=code)


def university(code: str) -> University:
    return University.objects.get(code=code)


def make_credit_code(n: int) -> str:
    body = f"911101{n:011d}"
    return body + credit_code_check_char(body)


def make_id_number(n: int, birth: date = date(2001, 5, 20)) -> str:
    body = f"110108{birth:%Y%m%d}{n % 1000:03d}"
    return body + resident_id_check_char(body)


class HostFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Host

    credit_code = factory.Sequence(make_credit_code)
    name = factory.Sequence(lambda n: f"测试见习单位{n}")
    host_type = HostType.PRIVATE
    district = factory.LazyFunction(lambda: district("110108"))
    address = "北京市海淀区测试路 1 号"
    contact_name = "联系人"
    contact_phone = "13900000000"
    status = HostStatus.APPROVED


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    id_number = factory.Sequence(make_id_number)
    name = factory.Sequence(lambda n: f"青年{n}")
    birth_date = date(2001, 5, 20)
    phone = "13800000000"
    group = Group.COLLEGE_GRADUATE
    district = factory.LazyFunction(lambda: district("110108"))
    graduation_date = date(2023, 7, 1)
    beijing_origin = True


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    role = Role.YOUTH
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()
