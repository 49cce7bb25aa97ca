"""Glue between forms and service errors."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import TypeVar

from django import forms
from django.http import QueryDict

from jianxi.core.errors import RuleError


def add_rule_error(form: forms.BaseForm, err: RuleError) -> None:
    """Show a service's refusal on the field it names (or on the form), with its rule code."""
    field = err.field if err.field in form.fields else None
    form.add_error(field, f"{err.message}（{err.code}）" if err.code.startswith("R-") else err.message)


MONTH_FIELD_PREFIX = "att-"
PAID_FIELD_PREFIX = "paid-"
T = TypeVar("T")


def _month_inputs(
    data: QueryDict, prefix: str, parse: Callable[[str], T]
) -> tuple[dict[str, str], dict[str, T], list[str]]:
    """A month grid's inputs named ``<prefix>YYYY-MM``: what was typed, the parsed values, the bad months.

    Blank inputs are left out of the values (the caller decides what a blank means); ``parse``
    raises ValueError (or ArithmeticError) on a bad one.
    """
    typed = {key[len(prefix) :]: data.get(key, "") for key in data if key.startswith(prefix)}
    values: dict[str, T] = {}
    bad: list[str] = []
    for month, text in typed.items():
        if text.strip():
            try:
                values[month] = parse(text.strip())
            except (ValueError, ArithmeticError):
                bad.append(month)
    return typed, values, bad


def _amount(text: str) -> Decimal:
    amount = Decimal(text.replace(",", ""))  # InvalidOperation is an ArithmeticError
    if not amount.is_finite():
        raise ValueError(text)
    return amount


def month_days(data: QueryDict) -> tuple[dict[str, str], dict[str, int], list[str]]:
    """Attended days typed into ``att-YYYY-MM`` inputs, as whole numbers."""
    return _month_inputs(data, MONTH_FIELD_PREFIX, int)


def month_amounts(data: QueryDict) -> tuple[dict[str, str], dict[str, Decimal], list[str]]:
    """Amounts of yuan typed into ``paid-YYYY-MM`` inputs (thousands separators allowed)."""
    return _month_inputs(data, PAID_FIELD_PREFIX, _amount)
