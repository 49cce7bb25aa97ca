"""Test data factories (factory_boy): valid by construction, varied by sequence."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import factory
from django.utils import timezone

from jianxi.accounts.models import Role, User
from jianxi.core.validators import credit_code_check_char, resident_id_check_char
from jianxi.hosts.models import Host, HostStatus, HostType
from jianxi.policy.models import Department, District, PostCategory, University
from jianxi.posts import search
from jianxi.posts.models import EducationLevel, Post, PostStatus
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
    bank_name = "北京银行"
    bank_account = factory.Sequence(lambda n: f"62220000{n:08d}")
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
    graduation_date = date(2026, 6, 30)
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


TODAY = date(2026, 11, 26)  # posts tests freeze the clock here


class PostFactory(factory.django.DjangoModelFactory):
    """A published post of an approved Haidian host, valid until two months after TODAY."""

    class Meta:
        model = Post

    host = factory.SubFactory(HostFactory)
    title = factory.Sequence(lambda n: f"综合管理见习岗{n}")
    category = factory.LazyFunction(lambda: PostCategory.objects.get(code="management"))
    description = "协助部门开展日常工作。"
    education = EducationLevel.ANY
    majors = ""
    headcount = 2
    months = 6
    allowance = Decimal("3000.00")
    district = factory.LazyAttribute(lambda o: o.host.district)
    department = factory.LazyAttribute(lambda o: o.host.department)
    recruit_start = date(2026, 11, 1)
    recruit_end = date(2026, 12, 31)
    expires_on = date(2027, 1, 31)
    status = PostStatus.PUBLISHED
    published_at = factory.LazyFunction(timezone.now)
    search_document = factory.LazyAttribute(
        lambda o: search.document(o.title, o.majors, o.category.name, o.host.name, o.description)
    )
