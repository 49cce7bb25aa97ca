"""Database sums of money, exact to the fen on every backend."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.db.models import Sum

from jianxi.core.money import round_fen


def _to_fen(value: Any, expression: Any, connection: Any) -> Decimal | None:
    return None if value is None else round_fen(Decimal(value))


class MoneySum(Sum):
    """``Sum`` of a money column, returned as a Decimal with exactly two places.

    SQLite adds decimals as floating point and Django hands back the float's 15 significant
    digits (5079.20000000000 for 1430.00 + 1344.44 + 2304.76); rounding to the fen restores the
    exact sum, as 15 digits hold any amount the programme can reach. On PostgreSQL the sum is
    exact already and keeps its two places.
    """

    def get_db_converters(self, connection: Any) -> list[Callable[..., Any]]:
        return [*super().get_db_converters(connection), _to_fen]
