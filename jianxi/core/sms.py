"""Text messages (短信) through a provider adapter chosen by ``settings.SMS_BACKEND``.

* ``ConsoleBackend`` (the default): prints each message — development and ``make run`` need no
  network;
* ``FileBackend``: appends each message as a JSON line to ``SMS_FILE_PATH``;
* ``MemoryBackend``: keeps them in ``outbox`` (tests);
* ``HttpBackend``: a real gateway — POSTs ``{"to", "text", "sender"}`` as JSON to
  ``SMS_HTTP_URL`` with ``SMS_HTTP_KEY`` as a bearer token, within ``SMS_HTTP_TIMEOUT`` seconds.

A backend never raises into the caller's request: ``send`` answers an ``SmsResult`` whose
``error`` says what went wrong (refused, timed out, unreachable), which the delivery records.
"""

from __future__ import annotations

import json
import sys
import threading
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any, ClassVar, Protocol

from django.conf import settings
from django.utils.module_loading import import_string

SENDER = "见习"


@dataclass(frozen=True)
class SmsResult:
    ok: bool
    error: str = ""
    reference: str = ""  # the gateway's message id, when it gives one


class SmsBackend(Protocol):
    def send(self, phone: str, text: str) -> SmsResult: ...


class ConsoleBackend:
    def send(self, phone: str, text: str) -> SmsResult:
        sys.stdout.write(f"[SMS] {phone}: {text}\n")
        sys.stdout.flush()
        return SmsResult(ok=True)


class FileBackend:
    _lock = threading.Lock()

    def send(self, phone: str, text: str) -> SmsResult:
        line = json.dumps({"to": phone, "text": text}, ensure_ascii=False)
        try:
            with self._lock, open(settings.SMS_FILE_PATH, "a", encoding="utf-8") as out:
                out.write(line + "\n")
        except OSError as exc:
            return SmsResult(ok=False, error=f"file: {exc}"[:500])
        return SmsResult(ok=True)


class MemoryBackend:
    outbox: ClassVar[list[tuple[str, str]]] = []

    def send(self, phone: str, text: str) -> SmsResult:
        self.outbox.append((phone, text))
        return SmsResult(ok=True)


class HttpBackend:
    """A gateway reached over HTTP: 2xx is sent, anything else (or no answer in time) failed."""

    def send(self, phone: str, text: str) -> SmsResult:
        url = getattr(settings, "SMS_HTTP_URL", "")
        if not url.startswith(("http://", "https://")):
            return SmsResult(ok=False, error="SMS_HTTP_URL is not an http(s) URL")
        body = json.dumps({"to": phone, "text": text, "sender": SENDER}, ensure_ascii=False).encode()
        request = urllib.request.Request(  # noqa: S310 - an http(s) URL from settings, checked above
            url,
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/json; charset=utf-8",
                "Authorization": f"Bearer {getattr(settings, 'SMS_HTTP_KEY', '')}",
            },
        )
        timeout = float(getattr(settings, "SMS_HTTP_TIMEOUT", 5))
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - URL from settings
                raw = response.read(10_000)
        except urllib.error.HTTPError as exc:
            return SmsResult(ok=False, error=f"HTTP {exc.code}")
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            return SmsResult(ok=False, error=f"unreachable: {reason}"[:500])
        reference = ""
        try:
            answer: Any = json.loads(raw or b"{}")
            if isinstance(answer, dict):
                reference = str(answer.get("id", ""))[:100]
        except ValueError:
            pass
        return SmsResult(ok=True, reference=reference)


def backend() -> SmsBackend:
    cls = import_string(getattr(settings, "SMS_BACKEND", "jianxi.core.sms.ConsoleBackend"))
    instance: SmsBackend = cls()
    return instance


def send_sms(phone: str, text: str) -> SmsResult:
    """Send one message; never raises (an unexpected adapter error is a failed result)."""
    try:
        return backend().send(phone, text)
    except Exception as exc:  # a broken adapter must not break the request that sends
        return SmsResult(ok=False, error=f"{type(exc).__name__}: {exc}"[:500])
