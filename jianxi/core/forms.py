"""Glue between forms and service errors."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any, TypeVar

from django import forms
from django.forms.renderers import DjangoTemplates
from django.http import QueryDict
from django.utils.translation import gettext, gettext_noop

from jianxi.core.errors import RuleError, refusals_of


def add_rule_error(form: forms.BaseForm, err: RuleError) -> None:
    """Show a service's refusals — all of them when it found several — each on the field it names
    (or on the form), with its rule code."""
    for one in refusals_of(err):
        field = one.field if one.field in form.fields else None
        message = one.message
        if one.code.startswith("R-") and one.code not in message:
            message = f"{message}（{one.code}）"
        form.add_error(field, message)


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


# --- every form's fields on a phone (issue #16) ------------------------------------------------------

# Fields by name → the keyboard a phone should open. An ID number ends in a digit or X, which
# numeric keypads lack: it gets the text keyboard with capitals and no autocorrect instead.
NUMERIC_NAMES = frozenset({"phone", "contact_phone", "mobile", "headcount", "months", "contract_months"})
DECIMAL_NAMES = frozenset({"amount", "allowance"})
ID_NAMES = frozenset({"id_number"})
PLACEHOLDER = gettext_noop("请选择")  # translated when a form is rendered, in its language
DASHES = "---------"


class PhoneFriendlyBoundField(forms.BoundField):
    """Adds ``inputmode`` (numeric keyboards for phone numbers, amounts, counts) and replaces
    Django's ``---------`` empty choice with 请选择, for every form, through the renderer."""

    def __init__(self, form: forms.BaseForm, field: forms.Field, name: str) -> None:
        super().__init__(form, field, name)
        if getattr(field, "empty_label", None) == DASHES:
            field.empty_label = gettext(PLACEHOLDER)  # type: ignore[attr-defined]
        choices = getattr(field, "choices", None)
        if isinstance(choices, list) and choices and choices[0] == ("", DASHES):
            field.choices = [("", gettext(PLACEHOLDER)), *choices[1:]]  # type: ignore[attr-defined]

    def build_widget_attrs(self, attrs: dict[str, Any], widget: Any = None) -> dict[str, Any]:
        attrs = super().build_widget_attrs(attrs, widget)
        if self.name in NUMERIC_NAMES or isinstance(self.field, forms.IntegerField):
            attrs.setdefault("inputmode", "numeric")
        elif self.name in DECIMAL_NAMES or isinstance(self.field, forms.DecimalField):
            attrs.setdefault("inputmode", "decimal")
        elif self.name in ID_NAMES:
            attrs.setdefault("autocapitalize", "characters")
            attrs.setdefault("autocomplete", "off")
            attrs.setdefault("spellcheck", "false")
        return attrs


class PhoneFriendlyRenderer(DjangoTemplates):
    bound_field_class = PhoneFriendlyBoundField
