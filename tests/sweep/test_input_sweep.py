"""No input reaches a 500 (issue #11, item 2): every URL of the URLconf, hostile values everywhere.

Each page route is called by anonymous and by our user of every role the view admits, with its
ids filled from tests/sweep/conftest.py, then with NUL and other control characters, huge and
negative integers, overlong strings and bad UTF-8 in the query string, in the path and in form
fields. Nothing may answer 5xx. The admin and the API are swept the same way for their query
strings; schemathesis covers the API's bodies.
"""

from __future__ import annotations

import re

import pytest

from jianxi.accounts.models import Role
from tests.sweep.conftest import Route, admin_and_api_routes, fill, page_routes

pytestmark = pytest.mark.django_db

# Query values: one that the input guard refuses, then those it lets through to the views.
HOSTILE = [
    "%00",
    "9223372036854775807",
    "-99999999999999999999999999",
    "x" * 999,
    "%FF%FE%C3",  # not UTF-8
    "%E2%80%AE%F0%9F%98%80",  # right-to-left override, emoji
]
FORM_VALUES = ["a\x00b", "9223372036854775807", "-99999999999999999999999999", "x" * 5000, "\ufffd\u202e😀"]
QUERY_NAMES = [
    "q", "page", "size", "sort", "year", "month", "status", "post", "code", "category", "district",
    "department", "education", "host", "kind", "next", "months", "id",
]  # fmt: skip
FORM_NAMES = [
    "reason", "note", "action", "amount", "paid_on", "reference", "month", "name", "title", "description",
    "id_number", "code", "year", "headcount", "start", "end", "allowance", "claim_ids", "items", "file",
    "employed_through", "ended_on", "outcome", "retained", "served_on", "kind", "later_status", "approve",
]  # fmt: skip
BAD_IDS = ["9223372036854775807", "99999999999999999999999999", "0"]
BAD_STRINGS = ["%00", "%FF%FE", "x" * 300]
ROLE_USERS = {
    Role.YOUTH: "youth",
    Role.HOST: "host_staff",
    Role.DISTRICT: "district_officer",
    Role.CITY: "city",
    Role.DEPARTMENT: "department_officer",
    Role.UNIVERSITY: "university_officer",
    Role.FINANCE: "finance",
}


def _callers(route: Route) -> list[str | None]:
    access = route.access
    if access == "public" or access is None:
        return [None, "youth"]
    return [None, *(ROLE_USERS[role] for role in access)]


CALLERS = [None, *ROLE_USERS.values()]


def _query(value: str) -> str:
    return "&".join(f"{name}={value}" for name in QUERY_NAMES)


def _bad_paths(route: Route, good: str) -> list[str]:
    """The filled path with one kwarg at a time replaced by a hostile value of its converter."""
    segments, filled = route.route.split("/"), good.lstrip("/").split("/")
    paths = []
    for index, segment in enumerate(segments):
        match = re.fullmatch(r"<(\w+):\w+>", segment)
        if match:
            for bad in BAD_IDS if match.group(1) == "int" else BAD_STRINGS:
                paths.append("/" + "/".join([*filled[:index], bad, *filled[index + 1 :]]))
    return paths


def _sweep(client, world, routes, *, forms: bool) -> list[str]:
    failures: list[str] = []

    def call(method: str, url: str, data=None) -> None:
        response = getattr(client, method)(url, data)
        if response.status_code >= 500:
            failures.append(f"{method.upper()} {url[:160]} → {response.status_code}")

    for route, good, callers in routes:
        for caller in callers:
            client.logout()
            if caller:
                client.force_login(getattr(world, caller))
            for value in HOSTILE:
                call("get", f"{good}?{_query(value)}")
            for path in _bad_paths(route, good):
                call("get", path)
            if forms:
                for value in FORM_VALUES:
                    call("post", good, dict.fromkeys(FORM_NAMES, value))
    return failures


@pytest.mark.parametrize("caller", CALLERS, ids=lambda name: name or "anonymous")
def test_no_hostile_input_reaches_a_server_error_on_any_page(client, world, objects, caller):
    routes = [(route, fill(route, objects), [caller]) for route in page_routes() if caller in _callers(route)]
    assert len(routes) >= 3  # the finance officer has the fewest pages
    failures = _sweep(client, world, routes, forms=True)
    assert not failures, "server errors:\n" + "\n".join(failures)


def test_no_hostile_query_reaches_a_server_error_in_the_admin_or_the_api(client, world, admin_user):
    world.superuser = admin_user
    routes = [(route, "/" + route.route, [None, "city", "superuser"]) for route in admin_and_api_routes()]
    assert len(routes) >= 20
    failures = _sweep(client, world, routes, forms=False)
    assert not failures, "server errors:\n" + "\n".join(failures)


@pytest.mark.parametrize(
    "url",
    [
        "/placements/verify/?code=%00",
        "/posts/district/%00/",
        "/posts/?q=%00",
        "/api/v1/posts?category=%00",
        "/api/v1/posts?q=a%01b",
    ],
)
def test_the_reported_nul_urls_answer_400_naming_the_field(client, url):
    response = client.get(url)
    assert response.status_code == 400
    if url.startswith("/api/"):
        body = response.json()
        assert body["code"] == "invalid.control_character"
        assert body["field"] in ("category", "q")
        assert "控制字符" in body["message"]
    else:
        assert "控制字符" in response.content.decode()


def test_a_nul_in_a_review_reason_is_refused_and_changes_nothing(client, world, objects):
    """A reason with NUL (the review forms' 500) gets a 400 naming the field; the post stays open."""
    client.force_login(world.host_staff)
    post = objects.published_post
    response = client.post(f"/posts/manage/{post.pk}/close/", {"reason": "招满\x00了"})
    assert response.status_code == 400
    assert "reason" in response.content.decode() and "控制字符" in response.content.decode()
    post.refresh_from_db()
    assert post.status == "published"


def test_line_breaks_and_tabs_in_form_fields_are_accepted(client, world, objects):
    client.force_login(world.host_staff)
    post = objects.published_post
    response = client.post(f"/posts/manage/{post.pk}/close/", {"reason": "招满了\r\n\t另行安排"})
    assert response.status_code == 302
    post.refresh_from_db()
    assert post.status == "closed"


def test_an_overlong_query_value_is_refused(client):
    response = client.get("/api/v1/posts", {"q": "数据" * 600})
    assert response.status_code == 400
    assert response.json()["code"] == "invalid.too_long"
