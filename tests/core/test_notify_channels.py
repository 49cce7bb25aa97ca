"""Notification channels: the SMS adapters (the HTTP one against a local stub gateway, failing
too), e-mail through the configured backend, every attempt recorded, the 通知设置 page."""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.core import mail
from django.urls import reverse

from jianxi.core.models import Channel, Delivery, DeliveryOutcome, MessageKind, Notification, OptOut
from jianxi.core.notify import Recipient, deliver, notify, opt_out, read_unsubscribe_token, unsubscribe_token
from jianxi.core.sms import FileBackend, HttpBackend, send_sms

pytestmark = pytest.mark.django_db


class Gateway:
    """A stub SMS gateway on 127.0.0.1: answers ``status`` (after ``delay`` seconds) and keeps
    what it received."""

    def __init__(self) -> None:
        self.status = 200
        self.delay = 0.0
        self.received: list[dict[str, Any]] = []
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                body = json.loads(self.rfile.read(length))
                gateway.received.append({"body": body, "auth": self.headers.get("Authorization")})
                time.sleep(gateway.delay)
                self.send_response(gateway.status)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # a client that gave up
                    self.wfile.write(json.dumps({"id": f"m{len(gateway.received)}"}).encode())

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/sms"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def gateway(settings):
    stub = Gateway()
    settings.SMS_BACKEND = "jianxi.core.sms.HttpBackend"
    settings.SMS_HTTP_URL = stub.url
    settings.SMS_HTTP_KEY = "test-key"
    settings.SMS_HTTP_TIMEOUT = 1
    yield stub
    stub.close()


def test_the_http_adapter_posts_json_with_the_key(gateway):
    result = HttpBackend().send("13800000001", "您好")
    assert result.ok and result.reference == "m1"
    assert gateway.received == [
        {"body": {"to": "13800000001", "text": "您好", "sender": "见习"}, "auth": "Bearer test-key"}
    ]


def test_a_failing_gateway_is_recorded_not_raised(gateway, world):
    gateway.status = 500
    counts = deliver([Recipient(user=world.youth, phone="13800000002")], message="推送", topic="t")
    assert counts.failed[Channel.SMS] == 1 and counts.sent[Channel.SMS] == 0
    failed = Delivery.objects.get(channel=Channel.SMS)
    assert (failed.outcome, failed.error, failed.user, failed.address) == (
        DeliveryOutcome.FAILED,
        "HTTP 500",
        world.youth,
        "13800000002",
    )
    assert Notification.objects.filter(user=world.youth).count() == 1  # the other channels still deliver


def test_a_gateway_that_does_not_answer_in_time_fails_within_the_timeout(gateway):
    gateway.delay = 3
    started = time.monotonic()
    result = send_sms("13800000003", "慢")
    assert not result.ok and "unreachable" in result.error
    assert time.monotonic() - started < 2.5


def test_an_unreachable_gateway_fails(settings):
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    settings.SMS_BACKEND = "jianxi.core.sms.HttpBackend"
    settings.SMS_HTTP_URL = f"http://127.0.0.1:{port}/sms"
    result = send_sms("13800000004", "x")
    assert not result.ok and result.error.startswith("unreachable")
    settings.SMS_HTTP_URL = "file:///etc/passwd"
    assert send_sms("13800000004", "x").error == "SMS_HTTP_URL is not an http(s) URL"


def test_the_console_backend_is_the_default_and_needs_no_network(settings, capsys):
    assert settings.SMS_BACKEND == "jianxi.core.sms.ConsoleBackend"
    assert send_sms("13800000005", "控制台").ok
    assert "[SMS] 13800000005: 控制台" in capsys.readouterr().out


def test_the_file_backend_appends_json_lines(settings, tmp_path):
    settings.SMS_FILE_PATH = str(tmp_path / "sms.log")
    assert FileBackend().send("13800000006", "一").ok and FileBackend().send("13800000007", "二").ok
    lines = [json.loads(line) for line in (tmp_path / "sms.log").read_text(encoding="utf-8").splitlines()]
    assert lines == [{"to": "13800000006", "text": "一"}, {"to": "13800000007", "text": "二"}]


def test_a_push_email_goes_through_the_locmem_backend_with_its_unsubscribe_link(settings, world):
    settings.SITE_URL = "https://jianxi.example.cn"
    world.youth.email = "youth@example.com"
    world.youth.save()
    deliver([Recipient(user=world.youth)], message="新岗位推荐", link="/posts/1/", subject="推荐", topic="t")
    (message,) = mail.outbox
    assert message.to == ["youth@example.com"] and message.subject == "【见习】推荐"
    assert "https://jianxi.example.cn/posts/1/" in message.body
    link = message.body.split("退订：")[1].strip()
    assert link.startswith("https://jianxi.example.cn/notifications/unsubscribe/")
    token = link.rstrip("/").rsplit("/", 1)[1]
    assert read_unsubscribe_token(token) == (Channel.EMAIL, "youth@example.com")
    assert message.extra_headers["List-Unsubscribe"] == f"<{link}>"
    mixed_case = unsubscribe_token(Channel.EMAIL, "YOUTH@example.com")
    assert read_unsubscribe_token(mixed_case) == (Channel.EMAIL, "youth@example.com")
    assert read_unsubscribe_token(token + "x") is None
    # A service notice carries no unsubscribe link and ignores opt-outs.
    opt_out(Channel.EMAIL, "youth@example.com")
    deliver([Recipient(user=world.youth)], message="录用通知", kind=MessageKind.SERVICE)
    assert "退订" not in mail.outbox[-1].body and len(mail.outbox) == 2
    deliver([Recipient(user=world.youth)], message="又一个推送")
    assert len(mail.outbox) == 2
    assert Delivery.objects.filter(channel=Channel.EMAIL, outcome=DeliveryOutcome.OPTED_OUT).count() == 1


def test_a_mail_server_down_is_recorded(settings, world):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 1, 1
    counts = deliver([Recipient(email="a@example.com")], message="推送")
    assert counts.failed[Channel.EMAIL] == 1
    assert Delivery.objects.get().outcome == DeliveryOutcome.FAILED


def test_notify_keeps_its_callers_contract(world, django_capture_on_commit_callbacks):
    world.host_staff.email = "host@example.com"
    world.host_staff.save()
    with django_capture_on_commit_callbacks(execute=True):
        notify(users=[world.host_staff, None], message="单位审核通过", link="/hosts/", email="contact@example.com")
    assert Notification.objects.get(user=world.host_staff).link == "/hosts/"
    (message,) = mail.outbox
    assert message.to == ["contact@example.com", "host@example.com"]
    recorded = Delivery.objects.filter(kind=MessageKind.SERVICE, outcome=DeliveryOutcome.SENT)
    assert sorted(recorded.values_list("address", flat=True)) == ["contact@example.com", "host@example.com"]
    assert recorded.get(address="host@example.com").user == world.host_staff


def test_a_refused_operation_notifies_no_one(world, django_capture_on_commit_callbacks):
    from django.db import transaction

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError), transaction.atomic():
        notify(users=[world.youth], message="不会送达")
        raise RuntimeError
    assert not Notification.objects.exists() and not mail.outbox


def test_the_settings_page_is_the_signed_in_users_own(client, world):
    assert client.get(reverse("core:notification_settings")).status_code == 302  # to the login page
    client.force_login(world.host_staff)
    page = client.get(reverse("core:notification_settings"))
    assert page.status_code == 200 and 'data-testid="notification-settings"' in page.content.decode()
    client.post(reverse("core:notification_settings"), {"push_inapp": "on", "push_email": "on"})
    pref = world.host_staff.notification_preference
    assert (pref.push_inapp, pref.push_email, pref.push_sms) == (True, True, False)
    assert not OptOut.objects.exists()
