"""Read scaling: the public search's and the dashboards' reads may go to a read replica.

With ``DATABASE_REPLICA_URL`` set, settings.py adds a ``replica`` database alias. A view that
only reads public or aggregate data runs inside ``replica_reads()`` (or is decorated with
``@reads_from_replica``); while it does, reads of the models in ``REPLICA_APPS`` go to the
replica. Everything else — sessions, users, login throttling, every write, and every read
outside such a view — goes to the primary (``default``), so a user never reads their own write
from a replica that has not caught up yet. Without the alias every read goes to ``default``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import wraps
from typing import Any, TypeVar

from django.conf import settings

REPLICA = "replica"
# Public posts and what a post page shows of its host and the policy tables; the statistics.
REPLICA_APPS = frozenset({"posts", "hosts", "policy", "oversight"})

_replica_reads: ContextVar[bool] = ContextVar("replica_reads", default=False)

F = TypeVar("F", bound=Callable[..., Any])


@contextmanager
def replica_reads() -> Iterator[None]:
    """Within this block, reads of ``REPLICA_APPS`` models may use the replica."""
    token = _replica_reads.set(True)
    try:
        yield
    finally:
        _replica_reads.reset(token)


def reads_from_replica(view: F) -> F:
    """Run a read-only view inside ``replica_reads()`` (keeps the view's access declaration)."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        with replica_reads():
            return view(*args, **kwargs)

    wrapped.reads_from_replica = True  # type: ignore[attr-defined]  # outer wraps() copy it
    return wrapped  # type: ignore[return-value]


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


class ReplicaRouter:
    """Reads inside ``replica_reads()`` of the models in ``REPLICA_APPS`` → replica; all else → default."""

    def db_for_read(self, model: type[Any], **hints: Any) -> str | None:
        if _replica_reads.get() and model._meta.app_label in REPLICA_APPS and replica_configured():
            return REPLICA
        return "default"

    def db_for_write(self, model: type[Any], **hints: Any) -> str | None:
        return "default"

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool | None:
        # Both aliases hold the same data (the replica is a physical copy of the primary).
        return True

    def allow_migrate(self, db: str, app_label: str, model_name: str | None = None, **hints: Any) -> bool | None:
        # A replica follows the primary's schema through replication; nothing is migrated on it.
        return db != REPLICA
