"""Calls from an app into the apps above it, without importing them (docs/architecture.md).

An app may import only the apps below it. Where a change in a lower app must reach a higher one
— a barred host's posts close, a month of attendance with approved money stays locked — the lower
app declares a ``Hooks`` and calls what is registered there; the higher app registers its function
in its ``AppConfig.ready()``. The calls are plain synchronous function calls inside the caller's
transaction: not Django signals, and no business rule depends on the order of registration.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from datetime import date
from typing import Any, Generic, Protocol, TypeVar

F = TypeVar("F", bound=Callable[..., Any])


class Hooks(Generic[F]):
    """The functions higher apps registered for one purpose, called in registration order."""

    def __init__(self, purpose: str) -> None:
        self.purpose = purpose
        self._functions: list[F] = []

    def register(self, function: F) -> F:
        """Add ``function`` (once: registering it again, as a second ``ready()`` would, is a no-op)."""
        if function not in self._functions:
            self._functions.append(function)
        return function

    def __iter__(self) -> Iterator[F]:
        return iter(tuple(self._functions))

    def __len__(self) -> int:
        return len(self._functions)

    def __repr__(self) -> str:
        return f"Hooks({self.purpose!r}, {[f.__qualname__ for f in self._functions]})"


class StatsChanged(Protocol):
    def __call__(
        self, *, first: date, last: date | None = None, host_id: int | None = None, district_ids: Iterable[int] = ()
    ) -> None: ...


# The oversight app's monthly statistics: a service that changes what months count calls this
# inside its transaction (the oversight app registers its refresh in ready()).
stats_changed_hooks: Hooks[StatsChanged] = Hooks("what the statistics count changed")


def stats_changed(
    *, first: date, last: date | None = None, host_id: int | None = None, district_ids: Iterable[int] = ()
) -> None:
    for hook in stats_changed_hooks:
        hook(first=first, last=last, host_id=host_id, district_ids=district_ids)
