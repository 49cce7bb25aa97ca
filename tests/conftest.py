"""Named users per role, as STYLE.md asks: each test says who is trying what.

Haidian (110108) is "our" district; Chaoyang (110105) is the other one. The science
department (科技部门) recruited our host; the other host was recruited by commerce.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import import_module

import pytest
from django.core.cache import cache

from jianxi.accounts.models import Role, User
from jianxi.accounts.services import officer_create
from jianxi.hosts.models import Host
from jianxi.youth.models import Person
from tests.factories import PASSWORD, HostFactory, PersonFactory, UserFactory, department, district, university


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    # The production hasher is slow on purpose; tests only need a real one.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_cache():
    # Policy lookups and API throttles live in the cache: no test may see another's.
    cache.clear()
    yield
    cache.clear()


@dataclass
class World:
    our_host: Host
    other_host: Host
    our_person: Person
    other_person: Person
    city: User
    district_officer: User
    other_district_officer: User
    department_officer: User
    other_department_officer: User
    university_officer: User
    other_university_officer: User
    host_staff: User
    other_host_staff: User
    youth: User
    other_youth: User
    finance: User

    def officers(self) -> list[User]:
        return [self.city, self.district_officer, self.department_officer, self.university_officer]


def ensure_reference_data() -> None:
    """Reload the data migration's rows when a transactional test has flushed them."""
    from django.apps import apps

    from jianxi.policy.models import District

    if not District.objects.exists():
        import_module("jianxi.policy.migrations.0002_reference_data").load(apps, None)


@pytest.fixture
def world(db) -> World:
    ensure_reference_data()
    haidian, chaoyang = district("110108"), district("110105")
    our_host = HostFactory(district=haidian, department=department("science"))
    other_host = HostFactory(district=chaoyang, department=department("commerce"))
    youth = UserFactory(username="youth", role=Role.YOUTH)
    other_youth = UserFactory(username="other_youth", role=Role.YOUTH)
    our_person = PersonFactory(district=haidian, university=university("10001"), user=youth)
    other_person = PersonFactory(district=chaoyang, university=university("10003"), user=other_youth)
    return World(
        our_host=our_host,
        other_host=other_host,
        our_person=our_person,
        other_person=other_person,
        # Created the way the product creates it, so it carries the admin rights of its group.
        city=officer_create(username="city", password=PASSWORD, role=Role.CITY, display_name="市人社局"),
        district_officer=UserFactory(username="haidian", role=Role.DISTRICT, district=haidian),
        other_district_officer=UserFactory(username="chaoyang", role=Role.DISTRICT, district=chaoyang),
        department_officer=UserFactory(username="kewei", role=Role.DEPARTMENT, department=department("science")),
        other_department_officer=UserFactory(
            username="shangwu", role=Role.DEPARTMENT, department=department("commerce")
        ),
        university_officer=UserFactory(username="pku", role=Role.UNIVERSITY, university=university("10001")),
        other_university_officer=UserFactory(username="thu", role=Role.UNIVERSITY, university=university("10003")),
        host_staff=UserFactory(username="host", role=Role.HOST, host=our_host),
        other_host_staff=UserFactory(username="other_host", role=Role.HOST, host=other_host),
        youth=youth,
        other_youth=other_youth,
        finance=UserFactory(username="caizheng", role=Role.FINANCE),
    )
