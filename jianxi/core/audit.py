"""State changes with their audit row: who, why, which fields; nothing written when nothing changes.

Every service that changes a row goes through here instead of setting django-simple-history's
``_history_user`` / ``_change_reason`` by hand (STYLE.md habit 2: transaction, row lock,
transition check, no-op, audit row). The caller holds the transaction and the lock and checks
the transition; this module does the rest:

- ``change(obj, actor=…, reason=…, field=value, …)``: set the fields; if none of them differs
  from what the row holds, write nothing and answer False (the no-op), else save the row with a
  history row naming the actor and the reason.
- ``save`` / ``delete``: a new row, or a row changed in ways ``change`` cannot express, and a
  deletion, each with its history row.
- ``change_many`` / ``update_many`` / ``create_many``: the same for many rows at once, in bulk,
  still one history row per row (``simple_history.utils``' bulk helpers).

Actors are users of the project's user model; ``core`` names only Django's base class, so it
stays below ``accounts`` in the apps' order (docs/architecture.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import Model
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

M = TypeVar("M", bound=Model)
Actor = AbstractBaseUser

REASON_MAX = 100  # history_change_reason is a varchar(100): a longer reason is cut, never refused


def _reason(reason: str) -> str | None:
    reason = reason.strip()
    return reason[:REASON_MAX] if reason else None


def mark(obj: Model, *, actor: Actor | None, reason: str = "") -> None:
    """Name the actor and the reason for the history row the next save or delete of ``obj`` writes."""
    obj._history_user = actor  # type: ignore[attr-defined]
    obj._change_reason = _reason(reason)  # type: ignore[attr-defined]


def changed_fields(obj: Model, fields: dict[str, Any]) -> list[str]:
    """The names among ``fields`` whose value differs from what ``obj`` holds."""
    return [name for name, value in fields.items() if getattr(obj, name) != value]


def change(obj: Model, *, actor: Actor | None, reason: str = "", **fields: Any) -> bool:
    """Set ``fields`` on a locked row and save it with its history row; False, and no write, if
    every field already holds its value."""
    if not changed_fields(obj, fields):
        return False
    for name, value in fields.items():
        setattr(obj, name, value)
    save(obj, actor=actor, reason=reason)
    return True


def save(obj: M, *, actor: Actor | None, reason: str = "") -> M:
    """Save ``obj`` (new, or changed by the caller) with a history row naming actor and reason."""
    mark(obj, actor=actor, reason=reason)
    obj.save()
    return obj


def delete(obj: Model, *, actor: Actor | None, reason: str = "") -> None:
    """Delete ``obj``; its history keeps who deleted it and why."""
    mark(obj, actor=actor, reason=reason)
    obj.delete()


def change_many(objs: Sequence[M], *, actor: Actor | None, reason: str, **fields: Any) -> int:
    """Set the same ``fields`` on many rows, in bulk, each changed row with its history row.

    Rows that already hold every value are left alone (no write, no history row); returns how
    many rows changed.
    """
    changed = [obj for obj in objs if changed_fields(obj, fields)]
    for obj in changed:
        for name, value in fields.items():
            setattr(obj, name, value)
    return update_many(changed, list(fields), actor=actor, reason=reason)


def update_many(
    objs: Sequence[M], fields: Sequence[str], *, actor: Actor | None, reason: str, batch_size: int | None = None
) -> int:
    """Write ``fields`` of rows the caller changed, in bulk, each with its history row."""
    if not objs:
        return 0
    model = type(objs[0])
    bulk_update_with_history(
        objs,
        model,
        list(fields),
        batch_size=batch_size,
        default_user=actor,
        default_change_reason=_reason(reason),
    )
    return len(objs)


def create_many(objs: Sequence[M], *, actor: Actor | None, reason: str, batch_size: int | None = None) -> list[M]:
    """Insert new rows in bulk, each with its history row."""
    if not objs:
        return []
    model = type(objs[0])
    created: list[M] = bulk_create_with_history(
        objs, model, batch_size=batch_size, default_user=actor, default_change_reason=_reason(reason)
    )
    return created


FALLBACK_BATCH = 5000  # rows per INSERT of copy_many where there is no COPY (SQLite splits further)


def copy_many(objs: Sequence[M], *, actor: Actor | None, reason: str) -> list[M]:
    """``create_many`` at COPY speed on PostgreSQL: the rows and their history rows, set-based.

    The ids are drawn from the table's sequence in one statement, then the rows go in with one
    ``COPY`` and their history rows (the same values, who, when and why, type "+") with another —
    what ``bulk_create_with_history`` writes, without an INSERT per thousand rows and without
    reading the rows back. Elsewhere (SQLite) it is ``create_many`` in large batches. Like
    ``bulk_create``, neither ``save()`` nor signals run; the objects get their ids.
    """
    if not objs:
        return []
    from django.db import connection

    model = type(objs[0])
    if connection.vendor != "postgresql":
        return create_many(objs, actor=actor, reason=reason, batch_size=FALLBACK_BATCH)
    from django.utils import timezone

    history = model.history.model  # type: ignore[attr-defined]
    table, quote = model._meta.db_table, connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [table, len(objs)],
        )
        for obj, (pk,) in zip(objs, cursor.fetchall(), strict=True):
            obj.pk = pk
    fields = list(model._meta.concrete_fields)
    # pre_save gives each field's value as save() would (auto_now_add dates filled in).
    rows = [[f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields] for obj in objs]
    names = [f.column for f in fields]
    own = {f.attname for f in fields}
    tail_values = {
        "history_date": timezone.now(),
        "history_change_reason": _reason(reason),
        "history_type": "+",
        "history_user_id": getattr(actor, "pk", None),
    }
    tail = [f for f in history._meta.concrete_fields if f.attname not in own and f.attname != "history_id"]
    unknown = [f.attname for f in tail if f.attname not in tail_values]
    if unknown:
        raise ValueError(f"history columns not known to copy_many: {unknown}")
    history_names = names + [f.column for f in tail]
    extra = [tail_values[f.attname] for f in tail]
    with connection.cursor() as cursor, connection.wrap_database_errors:  # psycopg's errors as Django's
        raw = cursor.cursor
        with raw.copy(f"COPY {quote(table)} ({', '.join(map(quote, names))}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        statement = f"COPY {quote(history._meta.db_table)} ({', '.join(map(quote, history_names))}) FROM STDIN"
        with raw.copy(statement) as copy:
            for row in rows:
                copy.write_row(row + extra)
    return list(objs)
