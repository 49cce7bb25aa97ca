"""The young person's next steps name the matching events they signed up for, until each is over."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine

from jianxi.events import services
from tests.events.conftest import NOW, TOMORROW_9, make_event
from tests.recommend.test_pages import assert_links_answer, steps

pytestmark = pytest.mark.django_db


def test_a_signed_up_event_is_a_next_step_until_it_ends_or_is_cancelled(client, world):
    event = make_event(world)
    other = make_event(world, title="朝阳区双向洽谈会")
    services.signup(actor=world.youth, event_id=event.pk, now=NOW)
    client.force_login(world.youth)
    found = steps(client)
    assert f"event-{event.pk}" in found and f"event-{other.pk}" not in found
    assert_links_answer(client, {k: v for k, v in found.items() if k.startswith("event-")})
    page = client.get("/").content.decode()
    assert "海淀区就业见习专场招聘会" in page and "2026-11-27 09:00 开始" in page
    # Another young person's home does not show it.
    client.force_login(world.other_youth)
    assert f"event-{event.pk}" not in steps(client)
    # Over: gone.
    client.force_login(world.youth)
    with time_machine.travel(TOMORROW_9 + timedelta(hours=3, minutes=1), tick=False):
        assert f"event-{event.pk}" not in steps(client)
    # Cancelled by the person: gone.
    services.signup_cancel(actor=world.youth, event_id=event.pk)
    assert f"event-{event.pk}" not in steps(client)
