"""忘记密码 by SMS code: a young person whose account has a mobile number gets a code through the
SMS adapter and sets a new password; the answer is the same for an unknown number."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from jianxi.core.errors import RuleError
from jianxi.core.models import Channel, Delivery, MessageKind
from jianxi.core.sms import MemoryBackend
from jianxi.youth import password_sms
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db
PHONE = "13911112222"
NEW = "a-new-long-passphrase-2026"


@pytest.fixture(autouse=True)
def _sms(settings):
    settings.SMS_BACKEND = "jianxi.core.sms.MemoryBackend"
    settings.SMS_TASKS_EAGER = True  # the sending job runs in the request
    MemoryBackend.outbox.clear()
    yield
    MemoryBackend.outbox.clear()


@pytest.fixture
def youth(world):
    world.our_person.phone = PHONE
    world.our_person.save()
    return world.youth


def password_is(user, password: str) -> bool:
    user.refresh_from_db()
    return user.check_password(password)


def sent_code() -> str:
    (phone, text), *_ = MemoryBackend.outbox
    assert phone == PHONE
    found = re.search(r"验证码 (\d{6})", text)
    assert found
    return found.group(1)


def ask(client, phone: str = PHONE):
    return client.post(reverse("password_reset_sms"), {"phone": phone})


def confirm(client, code: str, password: str = NEW):
    return client.post(
        reverse("password_reset_sms_confirm"), {"code": code, "new_password1": password, "new_password2": password}
    )


def test_a_code_by_sms_sets_a_new_password_once(client, youth):
    assert 'data-testid="reset-by-sms"' in client.get(reverse("password_reset")).content.decode()
    response = ask(client)
    assert response.status_code == 302 and response["Location"] == reverse("password_reset_sms_confirm")
    code = sent_code()
    assert Delivery.objects.get(channel=Channel.SMS).kind == MessageKind.SERVICE
    wrong = "000000" if code != "000000" else "111111"
    assert "验证码错误或已过期" in confirm(client, wrong).content.decode()
    assert password_is(youth, PASSWORD)
    done = confirm(client, code)
    assert done.status_code == 302 and done["Location"] == reverse("password_reset_complete")
    assert password_is(youth, NEW)
    # The code is spent, and the page asks for a number again.
    with pytest.raises(RuleError):
        password_sms.reset_with_code(phone=PHONE, code=code, password="another-long-passphrase-1")
    assert client.get(reverse("password_reset_sms_confirm"))["Location"] == reverse("password_reset_sms")


def test_an_unknown_or_shared_number_gets_the_same_answer_and_no_sms(client, world):
    assert ask(client, "13900009999")["Location"] == reverse("password_reset_sms_confirm")
    world.other_person.phone = "13977778888"
    world.other_person.save()
    world.our_person.phone = "13977778888"
    world.our_person.save()
    assert ask(client, "13977778888")["Location"] == reverse("password_reset_sms_confirm")
    assert MemoryBackend.outbox == []


def test_five_wrong_codes_spend_the_code(client, youth):
    ask(client)
    code = sent_code()
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(5):
        confirm(client, wrong)
    assert "验证码错误或已过期" in confirm(client, code).content.decode()
    assert password_is(youth, PASSWORD)


def test_requests_for_one_number_are_rate_limited(client, youth):
    for _ in range(3):
        assert ask(client).status_code == 302
    refused = ask(client)
    assert refused.status_code == 200 and "尝试过于频繁" in refused.content.decode()
    assert len(MemoryBackend.outbox) == 3


def test_hour_after_hour_a_number_gets_at_most_five_codes_a_day(client, youth):
    start = datetime(2026, 11, 26, 0, 30, tzinfo=UTC)  # early in the day's bucket
    for hour, asked in enumerate((3, 2)):
        with time_machine.travel(start + timedelta(hours=hour), tick=False):
            for _ in range(asked):
                assert ask(client).status_code == 302
    with time_machine.travel(start + timedelta(hours=2), tick=False):
        refused = ask(client)  # a new hour, but the sixth code of the day
        assert refused.status_code == 200 and "尝试过于频繁" in refused.content.decode()
    assert len(MemoryBackend.outbox) == 5
    with time_machine.travel(start + timedelta(days=1), tick=False):
        assert ask(client).status_code == 302  # the next day
    assert len(MemoryBackend.outbox) == 6


def test_a_bad_number_or_a_weak_password_is_refused_in_chinese(client, youth):
    assert "手机" in ask(client, "12345").content.decode()
    assert client.get(reverse("password_reset_sms_confirm"))["Location"] == reverse("password_reset_sms")
    ask(client)
    page = confirm(client, sent_code(), "123").content.decode()
    assert 'class="errorlist"' in page
    assert password_is(youth, PASSWORD)


def test_the_request_does_the_same_work_whether_or_not_the_number_has_an_account(client, youth, settings):
    """Timing reveals nothing: the request checks the limits and hands the number to a job; the
    account is looked up, and the code sent, by the job (after the answer)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    settings.SMS_TASKS_EAGER = False
    settings.CELERY_BROKER_URL = ""  # the job would run in a thread once the request commits
    statements = []
    for phone in (PHONE, "13900009999"):
        with CaptureQueriesContext(connection) as ctx:
            assert ask(client, phone).status_code == 302
        statements.append([q["sql"] for q in ctx.captured_queries])
    assert not any("youth_person" in sql for sql in statements[0] + statements[1])
    assert len(statements[0]) == len(statements[1])
    assert MemoryBackend.outbox == []  # nothing sent within the request
    settings.SMS_TASKS_EAGER = True
    ask(client)
    assert sent_code()
