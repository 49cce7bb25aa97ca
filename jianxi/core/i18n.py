"""Translation for the modules that must import without Django (the policy engine, the validators).

``gettext`` here is Django's ``gettext`` once settings are configured — the message in the active
language — and the message itself otherwise (a script or a test that runs the engine alone). Django
is imported at call time only, so importing this module loads nothing beyond the standard library.
``makemessages`` finds the messages through the usual ``_("…")`` name.
"""

from __future__ import annotations


def gettext(message: str) -> str:
    try:
        from django.conf import settings
        from django.utils.translation import gettext as django_gettext
    except ImportError:  # pragma: no cover - Django is installed wherever the app runs
        return message
    if not settings.configured:
        return message
    return django_gettext(message)


def gettext_noop(message: str) -> str:
    """Marks a message for ``makemessages`` without translating it (translate it when used)."""
    return message
