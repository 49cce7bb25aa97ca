from __future__ import annotations

import re
from typing import Any

from django import template
from django.urls import reverse
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe

register = template.Library()


@register.simple_tag(takes_context=True)
def query_with(context: dict[str, Any], **changes: Any) -> str:
    """The current query string with some parameters replaced (keeps filters while paging)."""
    query = context["request"].GET.copy()
    for key, value in changes.items():
        query[key] = value
    return str(query.urlencode())


@register.simple_tag(takes_context=True)
def sort_link(context: dict[str, Any], key: str) -> str:
    """The query string that sorts by ``key``, toggling direction when already sorted by it."""
    query = context["request"].GET.copy()
    current = query.get("sort", "")
    query["sort"] = f"-{key}" if current == key else key
    query.pop("page", None)
    return str(query.urlencode())


# --- rule codes: a small tag for those who work with the rules, plain Chinese for everyone else ----

RULE_CODE = re.compile(r"R-(?:EL|IN|SUB|TG)-\d+(?:…\d+)?(?:\.[A-Za-z_]+)?")
# A code in brackets (full- or half-width), possibly several joined by 、 or ,, or a bare code.
BRACKETED = re.compile(r"\s*[（(]\s*(?:R-(?:EL|IN|SUB|TG)-[\w.…]+[、,，\s]*)+\s*[）)]")


def sees_rule_codes(user: Any) -> bool:
    """Officers and host staff work with the rules by their codes; visitors and young people do not."""
    role = getattr(user, "role", None) if getattr(user, "is_authenticated", False) else None
    return role in ("district", "city", "department", "university", "finance", "host")


def rule_anchor(code: str) -> str:
    """The /rules/ anchor of a code: its rule, without the condition (R-SUB-5.window → r-sub-5)."""
    return code.split(".", 1)[0].split("…", 1)[0].lower()


def _tag(code: str) -> str:
    return format_html('<a class="rule-tag" href="{}#{}">{}</a>', reverse("rules"), rule_anchor(code), code)


@register.simple_tag(takes_context=True)
def rule_tag(context: dict[str, Any], code: str) -> str:
    """``{% rule_tag "R-EL-1" %}``: a small link to the rule for those who use codes, else nothing."""
    if not code or not sees_rule_codes(context.get("user")):
        return ""
    return _tag(str(code))


@register.filter
def rules_for(text: Any, user: Any) -> str:
    """A message without its rule codes in the text; each code once as a tag for those who use codes.

    Fixes the doubled "（R-IN-1）（R-IN-1）" of a message that named its rule and then had the code
    added again, and keeps codes off public and youth pages.
    """
    text = str(text)
    codes = list(dict.fromkeys(RULE_CODE.findall(text)))
    plain = BRACKETED.sub("", text)
    plain = RULE_CODE.sub("", plain).strip()
    if not codes or not sees_rule_codes(user):
        return conditional_escape(plain)
    return format_html("{} {}", plain, mark_safe(" ".join(_tag(c) for c in codes)))  # noqa: S308


@register.simple_tag(takes_context=True)
def rules_text(context: dict[str, Any], text: Any, code: str = "") -> str:
    """``{% rules_text reason.message reason.code %}``: the message, its codes as one set of tags."""
    return rules_for(f"{text}（{code}）" if code and RULE_CODE.match(str(code)) else text, context.get("user"))


@register.filter
def uses_rule_codes(user: Any) -> bool:
    return sees_rule_codes(user)
