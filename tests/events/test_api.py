"""GET /api/v1/events (public, paged) and POST /api/v1/events/{id}/signup (youth)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from jianxi.accounts.models import ApiToken
from jianxi.events import services
from jianxi.events.models import Signup, SignupStatus
from tests.events.conftest import TOMORROW_9, make_event
from tests.factories import PersonFactory, UserFactory

pytestmark = pytest.mark.django_db


def bearer(user) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {ApiToken.issue(user=user, name='app')[1]}"}


def test_the_public_list_filters_and_pages_in_a_constant_number_of_queries(world, client):
    a = make_event(world)
    later = TOMORROW_9 + timedelta(days=20)
    b = make_event(world, starts_at=later, ends_at=later + timedelta(hours=1))
    c = make_event(world, actor=world.other_district_officer, post_ids=[])
    make_event(world, publish=False)
    body = client.get("/api/v1/events").json()
    assert body["count"] == 3 and [e["id"] for e in body["items"]] == [a.pk, c.pk, b.pk]
    first = body["items"][0]
    assert first["district"] == "110108" and first["kind_name"] == "招聘会" and len(first["post_ids"]) == 1
    assert [e["id"] for e in client.get("/api/v1/events?district=110108").json()["items"]] == [a.pk, b.pk]
    assert [e["id"] for e in client.get("/api/v1/events?from=2026-12-01").json()["items"]] == [b.pk]
    assert [e["id"] for e in client.get("/api/v1/events?to=2026-11-27").json()["items"]] == [a.pk, c.pk]
    assert client.get("/api/v1/events?page=2&page_size=2").json()["items"][0]["id"] == b.pk
    bad = client.get("/api/v1/events?from=2026-13-01")
    assert bad.status_code == 400 and bad.json()["code"] == "invalid.date"
    assert client.get("/api/v1/events?from=2026-12-02&to=2026-12-01").json()["code"] == "invalid.range"

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/api/v1/events").status_code == 200
        return len(ctx)

    small = queries()
    for _ in range(5):
        make_event(world)
    assert queries() == small


def test_signup_over_the_api_with_stable_codes(world, client):
    event = make_event(world, capacity=1)
    url = f"/api/v1/events/{event.pk}/signup"
    assert client.post(url).status_code == 401
    first = client.post(url, **bearer(world.youth))
    assert first.status_code == 200 and first.json()["status"] == "confirmed" and not first.json()["waiting"]
    again = client.post(url, **bearer(world.youth))
    assert again.status_code == 400 and again.json()["code"] == "event.already_signed_up"
    other = UserFactory(role="youth")
    PersonFactory(user=other)
    full = client.post(url, **bearer(other)).json()
    assert full["status"] == "waiting" and full["waiting"] is True and "候补" in full["message"]
    services.event_cancel(actor=world.district_officer, event_id=event.pk)
    third = UserFactory(role="youth")
    PersonFactory(user=third)
    closed = client.post(url, **bearer(third))
    assert closed.status_code == 400 and closed.json()["code"] == "event.closed"
    assert client.post(url, **bearer(world.host_staff)).status_code == 403
    draft = make_event(world, publish=False)
    assert client.post(f"/api/v1/events/{draft.pk}/signup", **bearer(third)).json()["code"] == "not_found"
    assert dict(Signup.objects.values_list("person__user", "status")) == {
        world.youth.pk: SignupStatus.CONFIRMED,
        other.pk: SignupStatus.WAITING,
    }


def test_the_endpoints_are_in_the_openapi_document(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert "get" in paths["/api/v1/events"] and "post" in paths["/api/v1/events/{event_id}/signup"]
    names = {p["name"] for p in paths["/api/v1/events"]["get"]["parameters"]}
    assert {"district", "from", "to", "page"} <= names


def test_dates_at_the_calendars_ends_answer_without_error(client, world):
    """9999-12-31 and 0001-01-01 are valid dates: the list answers, nothing overflows."""
    make_event(world)
    for query in ({"from": "0001-01-01", "to": "9999-12-31"}, {"to": "9999-12-31"}, {"from": "0001-01-01"}):
        response = client.get("/api/v1/events", query)
        assert response.status_code == 200, query
        assert response.json()["count"] == 1
    page = client.get("/events/", {"start": "0001-01-01", "end": "9999-12-31"})
    assert page.status_code == 200 and "海淀区就业见习专场招聘会" in page.content.decode()
