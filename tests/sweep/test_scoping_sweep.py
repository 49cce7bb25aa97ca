"""Every URL with an object id, tried by those who must not reach the object (issue #11, item 8).

The routes come from the URLconf, so a view added later is tried without editing this test. Our
objects (tests/sweep/conftest.py) belong to 海淀 and our host; each outsider — another
district's officer, another host's staff, another department's and university's officer, a
young person who is not ours, and anonymous — must get 403 or 404 (anonymous: the login page)
for GET and POST alike, and the database must be exactly as it was.
"""

from __future__ import annotations

import hashlib

import pytest
from django.apps import apps
from django.conf import settings

from tests.sweep.conftest import fill, page_routes

pytestmark = pytest.mark.django_db

UNTRACKED_APPS = {"sessions", "axes", "admin", "contenttypes"}
OUTSIDERS = [
    "other_district_officer",
    "other_host_staff",
    "other_department_officer",
    "other_university_officer",
    "other_youth",
    "finance",  # read-only: sees budgets and money, never a host's or a person's record
    None,  # anonymous
]
# A form body that would pass most forms: whatever a view does with it must be refused first.
FORM = {
    "action": "approve",
    "reason": "越权尝试",
    "note": "越权尝试",
    "approve": "on",
    "confirm": "on",
    "amount": "1.00",
    "paid_on": "2024-04-10",
    "reference": "X-1",
    "confirmed": "1",
}


def database_fingerprint() -> str:
    digest = hashlib.sha256()
    for model in apps.get_models():
        if model._meta.app_label in UNTRACKED_APPS:
            continue
        for row in model._default_manager.order_by("pk").values_list():
            digest.update(repr(row).encode())
    return digest.hexdigest()


def _refused(response, anonymous: bool) -> bool:
    if response.status_code in (403, 404, 405):  # 405: the same for every id
        return True
    if anonymous and response.status_code == 302:
        return response["Location"].startswith(settings.LOGIN_URL) or "/accounts/login/" in response["Location"]
    return False


@pytest.mark.parametrize("outsider", OUTSIDERS, ids=lambda name: name or "anonymous")
def test_no_outsider_reaches_our_objects_through_any_url(client, world, objects, outsider):
    routes = [route for route in page_routes() if any(conv == "int" for _, conv, _ in route.kwargs)]
    assert len(routes) >= 30  # the sweep is only as good as the URLconf it walks
    if outsider:
        client.force_login(getattr(world, outsider))
    before = database_fingerprint()
    reached = []
    for route in routes:
        url = fill(route, objects)
        for method in ("get", "post"):
            response = getattr(client, method)(url, FORM if method == "post" else None)
            if not _refused(response, anonymous=outsider is None):
                reached.append(f"{method.upper()} {url} ({route.name}) → {response.status_code}")
    assert not reached, "outsider reached our objects:\n" + "\n".join(reached)
    assert database_fingerprint() == before, "a refused request changed the database"


def test_the_owner_reaches_the_same_urls(client, world, objects):
    """The sweep's ids are real: our district officer opens our objects' pages (not all 404)."""
    client.force_login(world.district_officer)
    opened = [
        route.name
        for route in page_routes()
        if any(conv == "int" for _, conv, _ in route.kwargs) and client.get(fill(route, objects)).status_code == 200
    ]
    assert {"hosts:detail", "youth:detail", "placements:agreement", "subsidies:claim", "subsidies:batch"} <= set(opened)
    assert {"events:manage_detail", "events:edit", "events:sheet", "events:qr"} <= set(opened)
