"""Money: ``Decimal`` yuan, one rounding rule (half-up to the fen) in one place."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

FEN = Decimal("0.01")
ZERO = Decimal("0.00")


def round_fen(value: Decimal) -> Decimal:
    """Round half-up to the fen (分). The only rounding Jianxi does on money."""
    if not isinstance(value, Decimal):
        raise TypeError(f"money must be Decimal, not {type(value).__name__}")
    return value.quantize(FEN, rounding=ROUND_HALF_UP)


def fmt(value: Decimal) -> str:
    """Money as the API writes it: a string with two decimals."""
    return str(round_fen(value))
