from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from jianxi.events import services
from jianxi.events.models import EventKind
from tests.factories import PostFactory

BEIJING = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 26, 10, 0, tzinfo=BEIJING)  # the factories' TODAY, mid-morning
TOMORROW_9 = datetime(2026, 11, 27, 9, 0, tzinfo=BEIJING)


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def data(**change) -> services.EventData:
    values = {
        "kind": EventKind.FAIR,
        "title": "海淀区就业见习专场招聘会",
        "starts_at": TOMORROW_9,
        "ends_at": TOMORROW_9 + timedelta(hours=3),
        "place": "海淀区人才市场",
        "online_link": "",
        "capacity": 2,
        "description": "",
        "district_id": None,
        "post_ids": [],
    }
    values.update(change)
    return services.EventData(**values)


def make_event(world, *, actor=None, publish=True, **change):
    actor = actor or world.district_officer
    if "post_ids" not in change:
        change["post_ids"] = [PostFactory(host=world.our_host).pk]
    event = services.event_save(actor=actor, data=data(**change))
    if publish:
        event = services.event_publish(actor=actor, event_id=event.pk)
    return event
