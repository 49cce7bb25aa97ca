"""`make bench-national` on a fresh machine: the benchmark's PostgreSQL database is created when
missing (bench/database.py), and left as it is when there."""

from __future__ import annotations

import secrets

import psycopg
import pytest
from django.db import connection

from bench.database import bench_database_url

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="creates a PostgreSQL database"),
]


def _exists(admin: psycopg.Connection, name: str) -> bool:
    return admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is not None


def test_a_missing_benchmark_database_is_created_and_an_existing_one_kept(monkeypatch, tmp_path):
    params = connection.settings_dict
    name = f"jianxi_bench_t_{secrets.token_hex(4)}"
    url = f"postgres://{params['USER'] or 'postgres'}@{params['HOST'] or '127.0.0.1'}:{params['PORT'] or 5432}/{name}"
    monkeypatch.setenv("BENCH_DATABASE_URL", url)
    admin_params = {"host": params["HOST"] or "127.0.0.1", "port": params["PORT"] or 5432, "dbname": "postgres"}
    with psycopg.connect(**admin_params, user=params["USER"] or "postgres", autocommit=True) as admin:
        try:
            assert not _exists(admin, name)
            assert bench_database_url(str(tmp_path)) == url
            assert _exists(admin, name)
            assert bench_database_url(str(tmp_path)) == url  # there already: nothing to do
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
    monkeypatch.delenv("BENCH_DATABASE_URL")
    assert bench_database_url(str(tmp_path)) == f"sqlite:///{tmp_path}/bench.sqlite3"
