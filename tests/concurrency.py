"""Run calls at the same moment in threads, each with its own database connection."""

from __future__ import annotations

import threading
from collections.abc import Callable

from django.db import connections

from jianxi.core.errors import RuleError


def race(*calls: Callable[[], object]) -> list[object]:
    """Start ``calls`` together (a barrier); return each one's result or the RuleError it raised."""
    barrier = threading.Barrier(len(calls))
    results: list[object] = [None] * len(calls)

    def run(i: int, call: Callable[[], object]) -> None:
        try:
            barrier.wait()
            results[i] = call()
        except RuleError as err:
            results[i] = err
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return results
