"""Two officers of one district take the last place of its quota at the same moment: one gets it (PostgreSQL)."""

from __future__ import annotations

from datetime import date
from importlib import import_module

import pytest
from django.apps import apps
from django.db import connection

from jianxi.accounts.models import Role
from jianxi.core.errors import RuleError
from jianxi.demonstration import services
from jianxi.demonstration.models import Nomination, RankingPolicy
from tests.concurrency import race
from tests.demonstration.conftest import YEAR, worked_year
from tests.factories import UserFactory

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL"),
]


def test_the_last_place_of_a_districts_quota_goes_to_exactly_one_of_two_simultaneous_nominations(world):
    if not RankingPolicy.objects.exists():  # a transactional test starts from an empty database
        import_module("jianxi.demonstration.migrations.0002_beijing_defaults").load(apps, None)
    RankingPolicy.objects.update(nomination_quota=1)
    year = worked_year(world)
    colleague = UserFactory(username="haidian2", role=Role.DISTRICT, district=world.our_host.district)
    today = date(2025, 1, 20)
    results = race(
        lambda: services.nomination_create(actor=world.district_officer, host_id=year.a.pk, year=YEAR, today=today),
        lambda: services.nomination_create(actor=colleague, host_id=year.b.pk, year=YEAR, today=today),
    )
    refused = [r for r in results if isinstance(r, RuleError)]
    assert len(refused) == 1 and refused[0].code == "nomination.quota"
    assert Nomination.objects.count() == 1
