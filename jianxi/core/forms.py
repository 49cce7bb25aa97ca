"""Glue between forms and service errors."""

from __future__ import annotations

from django import forms

from jianxi.core.errors import RuleError


def add_rule_error(form: forms.BaseForm, err: RuleError) -> None:
    """Show a service's refusal on the field it names (or on the form), with its rule code."""
    field = err.field if err.field in form.fields else None
    form.add_error(field, f"{err.message}（{err.code}）" if err.code.startswith("R-") else err.message)
