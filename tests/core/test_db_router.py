"""The read-replica router (DATABASE_REPLICA_URL): public search and dashboards read from the
replica; everything else, and every write, from the primary."""

from __future__ import annotations

import pytest

from jianxi.accounts.models import User
from jianxi.core import db_router
from jianxi.core.db_router import REPLICA, ReplicaRouter, reads_from_replica, replica_reads
from jianxi.hosts.models import Host
from jianxi.posts import views as posts_views
from jianxi.posts.models import Post
from jianxi.youth.models import Person

router = ReplicaRouter()


@pytest.fixture
def with_replica(monkeypatch):
    monkeypatch.setattr(db_router, "replica_configured", lambda: True)


def test_without_a_replica_every_read_goes_to_the_primary():
    with replica_reads():
        assert router.db_for_read(Post) == "default"


def test_inside_a_public_read_public_models_go_to_the_replica(with_replica):
    with replica_reads():
        assert router.db_for_read(Post) == REPLICA
        assert router.db_for_read(Host) == REPLICA


def test_users_sessions_and_personal_data_stay_on_the_primary_even_inside(with_replica):
    with replica_reads():
        assert router.db_for_read(User) == "default"
        assert router.db_for_read(Person) == "default"


def test_outside_a_public_read_everything_reads_from_the_primary(with_replica):
    assert router.db_for_read(Post) == "default"
    with replica_reads():
        pass
    assert router.db_for_read(Post) == "default"


def test_writes_always_go_to_the_primary(with_replica):
    with replica_reads():
        assert router.db_for_write(Post) == "default"
        assert router.db_for_write(User) == "default"


def test_nothing_is_migrated_on_the_replica():
    assert router.allow_migrate("default", "posts") is True
    assert router.allow_migrate(REPLICA, "posts") is False


def test_the_decorator_keeps_the_views_access_declaration_and_resets_after_an_error(with_replica):
    @reads_from_replica
    def view():
        assert router.db_for_read(Post) == REPLICA
        raise ValueError

    with pytest.raises(ValueError):
        view()
    assert router.db_for_read(Post) == "default"
    assert getattr(posts_views.search, "jianxi_access", None) == "public"


@pytest.fixture
def decisions(monkeypatch, with_replica):
    """What the router would decide for each model read (tests have one database: reads stay there)."""
    seen: set[tuple[str, str]] = set()
    decide = ReplicaRouter.db_for_read

    def db_for_read(self, model, **hints):
        seen.add((model._meta.label, decide(self, model, **hints)))
        return "default"

    monkeypatch.setattr(ReplicaRouter, "db_for_read", db_for_read)
    return seen


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url", "signed_in", "app"),
    [
        ("/posts/?q=助理", False, "posts"),
        ("/api/v1/posts?q=助理", False, "posts"),
        ("/oversight/", True, "oversight"),
        ("/api/v1/stats/overview?year=2026", True, "oversight"),
    ],
    ids=["search page", "search API", "dashboard", "statistics API"],
)
def test_public_search_and_dashboards_read_from_the_replica(client, world, decisions, url, signed_in, app):
    if signed_in:
        client.force_login(world.city)
    assert client.get(url).status_code == 200
    assert any(label.startswith(app + ".") and db == REPLICA for label, db in decisions), decisions
    assert not {label for label, db in decisions if db == REPLICA} & {"accounts.User", "sessions.Session"}


@pytest.mark.django_db
def test_other_pages_read_everything_from_the_primary(client, world, decisions):
    client.force_login(world.city)
    assert client.get("/hosts/").status_code == 200
    assert decisions and all(db == "default" for _, db in decisions)
