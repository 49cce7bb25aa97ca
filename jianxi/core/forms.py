"""Glue between forms and service errors."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django import forms
from django.http import QueryDict

from jianxi.core.errors import RuleError


def add_rule_error(form: forms.BaseForm, err: RuleError) -> None:
    """Show a service's refusal on the field it names (or on the form), with its rule code."""
    field = err.field if err.field in form.fields else None
    form.add_error(field, f"{err.message}（{err.code}）" if err.code.startswith("R-") else err.message)


MONTH_FIELD_PREFIX = "att-"


def month_days(data: QueryDict) -> tuple[dict[str, str], dict[str, int], list[str]]:
    """A month grid's inputs named ``att-YYYY-MM``: what was typed, the whole numbers, the bad months.

    Blank inputs are left out of the numbers (the caller decides what a blank means).
    """
    typed = {key[len(MONTH_FIELD_PREFIX) :]: data.get(key, "") for key in data if key.startswith(MONTH_FIELD_PREFIX)}
    days: dict[str, int] = {}
    bad: list[str] = []
    for month, value in typed.items():
        if value.strip():
            try:
                days[month] = int(value)
            except ValueError:
                bad.append(month)
    return typed, days, bad


PAID_FIELD_PREFIX = "paid-"


def month_amounts(data: QueryDict) -> tuple[dict[str, str], dict[str, Decimal], list[str]]:
    """A month grid's money inputs named ``paid-YYYY-MM`` (yuan): what was typed, the amounts, the bad months."""
    typed = {key[len(PAID_FIELD_PREFIX) :]: data.get(key, "") for key in data if key.startswith(PAID_FIELD_PREFIX)}
    amounts: dict[str, Decimal] = {}
    bad: list[str] = []
    for month, value in typed.items():
        if value.strip():
            try:
                amount = Decimal(value.strip().replace(",", ""))
            except InvalidOperation:
                bad.append(month)
                continue
            if amount.is_finite():
                amounts[month] = amount
            else:
                bad.append(month)
    return typed, amounts, bad
