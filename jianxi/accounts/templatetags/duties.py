"""``{% if user|may:"claim.review" %}``: the separation-of-duties table decides what a page offers.

A builtin of every template (settings.TEMPLATES), so no template loads it.
"""

from __future__ import annotations

from typing import Any

from django import template

from jianxi.accounts.duties import Duty
from jianxi.accounts.duties import may as holds

register = template.Library()


@register.filter
def may(user: Any, action: str) -> bool:
    return holds(user, Duty(action))
