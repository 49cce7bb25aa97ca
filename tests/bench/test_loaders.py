"""The benchmark loaders keep up with the schema: a new NOT NULL column breaks them only here.

The statistics loader (bench/oversight.py) writes with raw INSERT…SELECT, which no model default
reaches; it is run at a tiny size on PostgreSQL (the only database it targets) and the district
officer's home is opened over what it loaded.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from bench.oversight import load
from jianxi.hosts.models import Host
from jianxi.placements.models import Agreement
from jianxi.posts.models import Post
from jianxi.subsidies.models import Claim
from jianxi.youth.models import Person

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the loader writes PostgreSQL's SQL"),
    pytest.mark.django_db,
]


def test_the_statistics_loader_writes_every_table_and_the_homes_read_them(world):
    load(200, 200, hosts=10, today=timezone.localdate())
    bench = {
        "hosts": Host.objects.filter(credit_code__startswith="BENCH").count(),
        "posts": Post.objects.filter(title="基准岗位").count(),
        "persons": Person.objects.filter(id_number__startswith="BP").count(),
        "agreements": Agreement.objects.filter(mentor="带教").count(),
    }
    assert bench == {"hosts": 10, "posts": 200, "persons": 200, "agreements": 200}
    assert Claim.objects.filter(note="bench").exists()
    client = Client()
    for user in (world.district_officer, world.city):
        client.force_login(user)
        assert client.get("/").status_code == 200
