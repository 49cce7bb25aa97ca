"""R-TG-3: each district holds at least one dedicated matching event a year; from October 1 the
district (its to-do list) and the city (its home) are warned; the dashboard shows events held."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from jianxi.core.todos import todos_for
from jianxi.events import services
from jianxi.events.selectors import districts_without_event
from jianxi.policy.models import District
from tests.events.conftest import BEIJING, make_event

pytestmark = pytest.mark.django_db

SEPT_30 = datetime(2026, 9, 30, 18, 0, tzinfo=BEIJING)
OCT_1 = datetime(2026, 10, 1, 8, 0, tzinfo=BEIJING)


def todo_count(user) -> int:
    return next(t.count for t in todos_for(user, OCT_1.date())["todo"] if t.key == "events_year")


def at(moment: datetime, **hours):
    return {"starts_at": moment, "ends_at": moment + timedelta(hours=2)}


def test_no_warning_until_october_then_the_district_and_the_city_are_warned(world, client):
    with time_machine.travel(SEPT_30, tick=False):
        assert not districts_without_event(world.district_officer, today=SEPT_30.date()).exists()
        assert not districts_without_event(world.city, today=SEPT_30.date()).exists()
        client.force_login(world.district_officer)
        assert 'data-testid="todo-events_year"' not in client.get("/").content.decode()
    with time_machine.travel(OCT_1, tick=False):
        assert todo_count(world.district_officer) == 1
        client.force_login(world.district_officer)
        home = client.get("/").content.decode()
        assert 'data-testid="todo-events_year-count">1<' in home
        listed = client.get(reverse("events:coverage"))
        assert listed.context["page"].paginator.count == 1
        assert [d.code for d in listed.context["page"]] == ["110108"]
        client.force_login(world.city)
        page = client.get("/")
        names = page.context["districts_without_event"]
        assert "海淀区" in names and len(names) == District.objects.count()
        assert 'data-testid="events-missing"' in page.content.decode()
        assert client.get(reverse("events:coverage")).context["page"].paginator.count == len(names)


def test_an_event_this_year_clears_the_warning_but_not_one_last_year_or_a_cancelled_one(world, client):
    make_event(world, **at(datetime(2025, 11, 20, 9, 0, tzinfo=BEIJING)))  # last year
    cancelled = make_event(world, **at(datetime(2026, 5, 20, 9, 0, tzinfo=BEIJING)))
    services.event_cancel(actor=world.district_officer, event_id=cancelled.pk)
    make_event(world, publish=False, **at(datetime(2026, 6, 20, 9, 0, tzinfo=BEIJING)))  # a draft
    with time_machine.travel(OCT_1, tick=False):
        assert todo_count(world.district_officer) == 1
        make_event(world, **at(datetime(2026, 12, 20, 9, 0, tzinfo=BEIJING)))  # later this year: it counts
        assert todo_count(world.district_officer) == 0
        client.force_login(world.district_officer)
        assert client.get(reverse("events:coverage")).context["page"].paginator.count == 0
        assert todo_count(world.other_district_officer) == 1
        client.force_login(world.city)
        names = client.get("/").context["districts_without_event"]
        assert "海淀区" not in names and "朝阳区" in names


def test_a_department_event_counts_for_its_district(world):
    with time_machine.travel(OCT_1, tick=False):
        make_event(world, actor=world.department_officer, district_id=world.district_officer.district_id)
        assert todo_count(world.district_officer) == 0


def test_the_dashboard_shows_events_held_per_district(world, client):
    make_event(world, **at(datetime(2026, 3, 1, 9, 0, tzinfo=BEIJING)))
    make_event(world, **at(datetime(2026, 4, 1, 9, 0, tzinfo=BEIJING)))
    make_event(world, actor=world.other_district_officer, post_ids=[], **at(datetime(2025, 4, 1, 9, tzinfo=BEIJING)))
    with time_machine.travel(OCT_1, tick=False):
        client.force_login(world.city)
        page = client.get("/oversight/?year=2026")
        table = next(t for t in page.context["tables"] if t.key == "events")
        rows = {r[0]: r[1] for r in table.rows}
        assert rows["海淀区"] == 2 and rows["朝阳区"] == 0
        assert 'data-testid="table-events"' in page.content.decode()
        client.force_login(world.district_officer)
        table = next(t for t in client.get("/oversight/").context["tables"] if t.key == "events")
        assert table.rows == [["海淀区", 2]]


def test_only_districts_and_the_city_see_the_coverage_list(world, client):
    for user in (world.host_staff, world.youth, world.department_officer):
        client.force_login(user)
        assert client.get(reverse("events:coverage")).status_code == 403
