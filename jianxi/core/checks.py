"""Deployment checks of our own (``manage.py check --deploy``), beside Django's security ones:
settings whose development defaults would quietly misbehave in production."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Tags, Warning, register

_DEVELOPMENT_SMS = {"jianxi.core.sms.ConsoleBackend", "jianxi.core.sms.MemoryBackend"}
_DEVELOPMENT_EMAIL = {
    "django.core.mail.backends.console.EmailBackend",
    "django.core.mail.backends.locmem.EmailBackend",
    "django.core.mail.backends.dummy.EmailBackend",
}


@register(Tags.security, deploy=True)
def outside_messages(app_configs: Any, **kwargs: Any) -> list[Warning]:
    found = []
    if settings.SMS_BACKEND in _DEVELOPMENT_SMS:
        found.append(
            Warning(
                f"SMS_BACKEND is {settings.SMS_BACKEND}: text messages, password-reset codes among them, "
                "go to the log, not to phones.",
                hint="Set SMS_BACKEND=jianxi.core.sms.HttpBackend with SMS_HTTP_URL and SMS_HTTP_KEY "
                "(docs/operations.md).",
                id="jianxi.W001",
            )
        )
    site = urlsplit(settings.SITE_URL)
    if site.scheme != "https" or site.hostname in {None, "127.0.0.1", "localhost", "::1"}:
        found.append(
            Warning(
                f"SITE_URL is {settings.SITE_URL!r}: links in e-mails and text messages (sign-up, unsubscribe) "
                "would point there.",
                hint="Set SITE_URL to the site's public https:// address.",
                id="jianxi.W002",
            )
        )
    if settings.EMAIL_BACKEND in _DEVELOPMENT_EMAIL:
        found.append(
            Warning(
                f"EMAIL_BACKEND is {settings.EMAIL_BACKEND}: e-mails are not sent.",
                hint="Set EMAIL_BACKEND=django.core.mail.backends.smtp.EmailBackend (a mail relay on the machine).",
                id="jianxi.W003",
            )
        )
    return found
