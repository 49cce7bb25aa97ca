"""The benchmarks' database: BENCH_DATABASE_URL, created when it names a PostgreSQL database that
does not exist yet (so `make bench-national` runs on a fresh machine), else a throw-away SQLite file."""

from __future__ import annotations

import os
from urllib.parse import SplitResult, urlsplit


def bench_database_url(sqlite_folder: str) -> str:
    """The URL the benchmark runs against; a missing PostgreSQL database is created first."""
    url = os.environ.get("BENCH_DATABASE_URL", "")
    if not url:
        return f"sqlite:///{sqlite_folder}/bench.sqlite3"
    parts = urlsplit(url)
    if parts.scheme.startswith("postgres"):
        _create_if_missing(parts)
    return url


def _create_if_missing(parts: SplitResult) -> None:
    import psycopg
    from psycopg import sql

    name = parts.path.lstrip("/")
    with psycopg.connect(
        host=parts.hostname or "127.0.0.1",
        port=parts.port or 5432,
        user=parts.username or "postgres",
        password=parts.password or None,
        dbname="postgres",
        autocommit=True,
    ) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is None:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
