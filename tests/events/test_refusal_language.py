"""A service refusal (RuleError) speaks the reader's language: an English page and an API call
with ``Accept-Language: en`` show the English message, with the same stable code; the default
(zh-hans) stays Chinese."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages

from jianxi.accounts.models import ApiToken
from jianxi.events import services
from tests.events.conftest import NOW, make_event

pytestmark = pytest.mark.django_db

CHINESE = "您已报名该活动。"
ENGLISH = "You have already signed up for this event."


def bearer(user) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {ApiToken.issue(user=user, name='app')[1]}"}


def test_an_english_page_shows_a_service_refusal_in_english(world, client):
    event = make_event(world)
    services.signup(actor=world.youth, event_id=event.pk, now=NOW)
    client.force_login(world.youth)
    client.cookies["django_language"] = "en"
    response = client.post(f"/events/{event.pk}/signup/", follow=True)
    page = response.content.decode()
    assert response.status_code == 200 and ENGLISH in page and CHINESE not in page


def test_the_default_page_keeps_the_chinese_refusal(world, client):
    event = make_event(world)
    services.signup(actor=world.youth, event_id=event.pk, now=NOW)
    client.force_login(world.youth)
    response = client.post(f"/events/{event.pk}/signup/")
    assert [str(m) for m in get_messages(response.wsgi_request)] == [CHINESE]


def test_the_api_refusal_follows_accept_language_with_the_same_code(world, client):
    event = make_event(world)
    url = f"/api/v1/events/{event.pk}/signup"
    assert client.post(url, **bearer(world.youth)).status_code == 200
    english = client.post(url, HTTP_ACCEPT_LANGUAGE="en", **bearer(world.youth))
    chinese = client.post(url, **bearer(world.youth))
    assert english.status_code == chinese.status_code == 400
    assert english.json()["code"] == chinese.json()["code"] == "event.already_signed_up"
    assert english.json()["message"] == ENGLISH
    assert chinese.json()["message"] == CHINESE
