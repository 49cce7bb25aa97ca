"""core.audit: a state change writes its history row (actor, reason), and nothing when nothing changes."""

from __future__ import annotations

import pytest

from jianxi.core import audit
from jianxi.hosts.models import Host
from tests.factories import HostFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_a_change_writes_one_history_row_with_the_actor_and_the_reason():
    host, officer = HostFactory(), UserFactory(role="city")
    before = host.history.count()
    assert audit.change(host, actor=officer, reason="更正地址", address="新地址 1 号") is True
    latest = host.history.latest()
    assert host.history.count() == before + 1
    assert (latest.history_user, latest.history_change_reason, latest.address) == (officer, "更正地址", "新地址 1 号")
    assert Host.objects.get(pk=host.pk).address == "新地址 1 号"


def test_no_change_writes_nothing():
    host, officer = HostFactory(address="旧地址"), UserFactory(role="city")
    before = host.history.count()
    assert audit.change(host, actor=officer, reason="无变化", address="旧地址") is False
    assert host.history.count() == before


def test_many_rows_change_in_bulk_each_with_its_history_row_and_the_unchanged_are_left_alone():
    hosts, officer = [HostFactory(address="甲"), HostFactory(address="乙")], UserFactory(role="city")
    counts = [h.history.count() for h in hosts]
    assert audit.change_many(hosts, actor=officer, reason="统一地址", address="甲") == 1
    assert [h.history.count() for h in hosts] == [counts[0], counts[1] + 1]
    assert hosts[1].history.latest().history_change_reason == "统一地址"


def test_a_reason_longer_than_the_history_column_is_cut_not_refused():
    host, officer = HostFactory(), UserFactory(role="city")
    audit.change(host, actor=officer, reason="理" * 300, address="别处")
    assert host.history.latest().history_change_reason == "理" * audit.REASON_MAX
