"""University push: our university (10001, 北京大学 in the reference data) and its officer ``pku``;
the other university's officer ``thu``. Deliveries run eagerly once the write commits; SMS go to
the memory backend."""

from __future__ import annotations

import io
from datetime import date, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from jianxi.core.excel import XLSX
from jianxi.core.sms import MemoryBackend
from jianxi.core.validators import resident_id_check_char
from jianxi.outreach.imports import EDUCATION, EMAIL, GRADUATION, HEADERS, ID_NUMBER, MAJOR, NAME, PHONE, SCHOOL

NOW = datetime(2026, 11, 26, 10, 0)


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture(autouse=True)
def _channels(settings):
    settings.PUSH_TASKS_EAGER = True
    settings.IMPORT_TASKS_EAGER = True
    settings.SMS_BACKEND = "jianxi.core.sms.MemoryBackend"
    settings.SITE_URL = "https://jianxi.example.cn"
    MemoryBackend.outbox.clear()
    yield
    MemoryBackend.outbox.clear()


def ident(n: int) -> str:
    """A valid ID number distinct for each n (and from the factories' persons, born 2001)."""
    body = f"110101{date(2002, 1, 1) + timedelta(days=n // 1000):%Y%m%d}{n % 1000:03d}"
    return body + resident_id_check_char(body)


def row(n: int = 1, **changes: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        ID_NUMBER: ident(n),
        NAME: f"毕业生{n}",
        SCHOOL: "北京大学",
        MAJOR: "计算机科学与技术",
        EDUCATION: "大学本科",
        GRADUATION: datetime(2026, 6, 30),
        PHONE: f"139{n:08d}",
        EMAIL: f"g{n}@example.com",
    }
    values.update(changes)
    return values


def xlsx(rows: list[dict[str, Any]], headers: tuple[str, ...] | list[str] = HEADERS) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "未就业毕业生"
    ws.append(list(headers))
    for r in rows:
        ws.append([r.get(h) for h in headers])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def upload(client, user, rows: list[dict[str, Any]], **kwargs: Any):
    client.force_login(user)
    data = {"file": SimpleUploadedFile("名单.xlsx", xlsx(rows, **kwargs), content_type=XLSX)}
    return client.post(reverse("outreach:import"), data)


def sms_to(phone: str) -> list[str]:
    return [text for to, text in MemoryBackend.outbox if to == phone]
