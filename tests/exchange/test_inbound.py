"""``POST /api/v1/exchange/applications``: the zone forwards applications that land as ordinary ones."""

from __future__ import annotations

import pytest
import time_machine

from jianxi.accounts.models import ApiToken
from jianxi.exchange.models import InboundApplication
from jianxi.placements.models import Application, ApplicationStatus
from jianxi.posts.models import PostStatus
from tests.factories import TODAY, PostFactory, UserFactory, make_id_number

pytestmark = pytest.mark.django_db
URL = "/api/v1/exchange/applications"


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(TODAY, tick=False):
        yield


@pytest.fixture(autouse=True)
def _the_zone_account(settings):
    """The deployment names the city account the zone forwards with (the demo's city officer)."""
    settings.EXCHANGE_INBOUND_USERNAMES = ["city"]


@pytest.fixture
def token(world):
    return ApiToken.issue(user=world.city, name="部级见习专区")[1]


def send(client, token, body, **headers):
    if token is not None:
        headers.setdefault("HTTP_AUTHORIZATION", f"Bearer {token}")
    return client.post(URL, body, content_type="application/json", **headers)


def body(world, post, **change):
    values = {
        "reference": "ZQ-2026-000123",
        "post_id": post.pk,
        "id_number": world.our_person.id_number,
        "name": world.our_person.name,
        "mobile": "13800138000",
    }
    values.update(change)
    return values


def test_a_forwarded_application_lands_as_an_ordinary_one_once_per_reference(client, world, token):
    post = PostFactory(host=world.our_host)
    first = send(client, token, body(world, post))
    assert first.status_code == 201, first.content
    data = first.json()
    application = Application.objects.get(pk=data["application"])
    assert (application.post, application.person, application.status) == (
        post,
        world.our_person,
        ApplicationStatus.APPLIED,
    )
    assert data["replayed"] is False and data["status"] == "applied"
    # The same reference again: the first result, nothing new.
    again = send(client, token, body(world, post))
    assert again.status_code == 200 and again.json()["replayed"] is True
    assert again.json()["application"] == application.pk
    assert Application.objects.count() == 1 and InboundApplication.objects.count() == 1
    inbound = InboundApplication.objects.get()
    assert (inbound.reference, inbound.mobile) == ("ZQ-2026-000123", "13800138000")
    # The X-API-Key header works as well.
    other = PostFactory(host=world.our_host)
    keyed = send(client, None, body(world, other, reference="ZQ-2"), HTTP_X_API_KEY=token)
    assert keyed.status_code == 201


def test_refusals_have_stable_codes_and_name_the_field(client, world, token):
    post = PostFactory(host=world.our_host)
    closed = PostFactory(host=world.our_host, status=PostStatus.CLOSED)
    cases = [
        (body(world, closed, reference="A1"), 400, "post.closed", "post_id"),
        (body(world, post, reference="A2", id_number="110108200105201230"), 400, "id_number.checksum", "id_number"),
        (body(world, post, reference="A3", id_number="12345"), 400, None, "id_number"),
        (body(world, post, reference="A4", id_number=make_id_number(9999)), 400, "person.not_registered", "id_number"),
        (body(world, post, reference="A5", name="别人"), 400, "name.mismatch", "name"),
        (body(world, post, reference="A6", mobile="12345"), 400, "phone.format", "mobile"),
        (body(world, post, reference="含中文"), 400, "reference.format", "reference"),
        (body(world, post, reference="A7", post_id=10**9), 404, "not_found", "post_id"),
    ]
    for payload, status, code, field in cases:
        response = send(client, token, payload)
        assert response.status_code == status, (payload, response.content)
        error = response.json()
        assert error["field"] == field, error
        if code:
            assert error["code"] == code, error
        else:
            assert error["code"].startswith("id_number."), error
    assert not Application.objects.exists() and not InboundApplication.objects.exists()


def test_a_duplicate_application_and_a_reused_reference_are_conflicts(client, world, token):
    post = PostFactory(host=world.our_host)
    assert send(client, token, body(world, post, reference="R1")).status_code == 201
    duplicate = send(client, token, body(world, post, reference="R2"))
    assert duplicate.status_code == 409 and duplicate.json()["code"] == "application.duplicate"
    other = PostFactory(host=world.our_host)
    conflict = send(client, token, body(world, other, reference="R1"))
    assert conflict.status_code == 409 and conflict.json()["code"] == "exchange.reference_conflict"
    assert conflict.json()["field"] == "reference"
    assert Application.objects.count() == 1


def test_no_token_or_a_wrong_one_is_401_and_other_roles_are_403(client, world):
    post = PostFactory(host=world.our_host)
    assert send(client, None, body(world, post)).status_code == 401
    assert send(client, "jx_wrong-token", body(world, post)).status_code == 401
    revoked, key = ApiToken.issue(user=world.city, name="old")
    revoked.revoked = True
    revoked.save()
    assert send(client, key, body(world, post)).status_code == 401
    # A browser session, even the city's, is no way in: tokens only.
    client.force_login(world.city)
    assert send(client, None, body(world, post)).status_code == 401
    client.logout()
    for user in (world.district_officer, world.host_staff, world.youth, world.finance):
        key = ApiToken.issue(user=user, name="try")[1]
        response = send(client, key, body(world, post))
        assert response.status_code == 403 and response.json()["code"] == "forbidden"
    assert not Application.objects.exists()


def test_only_the_accounts_named_for_the_zone_may_forward(client, world, settings):
    """A city officer's personal token files nothing in anyone's name; with none named, inbound is closed."""
    post = PostFactory(host=world.our_host)
    other_city = UserFactory(username="city2", role="city")
    key = ApiToken.issue(user=other_city, name="个人令牌")[1]
    response = send(client, key, body(world, post))
    assert response.status_code == 403 and response.json()["code"] == "exchange.not_the_zone"
    settings.EXCHANGE_INBOUND_USERNAMES = []
    zone = ApiToken.issue(user=world.city, name="部级见习专区")[1]
    assert send(client, zone, body(world, post)).status_code == 403
    assert not Application.objects.exists()


def test_the_endpoint_is_in_the_openapi_document(client):
    document = client.get("/api/v1/openapi.json").json()
    operation = document["paths"]["/api/v1/exchange/applications"]["post"]
    assert {"200", "201", "401", "409"} <= set(operation["responses"])
    security = {next(iter(s)) for s in operation["security"]}
    assert "SessionAuth" not in security and security


def test_the_young_person_is_told_the_forwarded_application_is_here(
    client, world, token, django_capture_on_commit_callbacks
):
    from jianxi.core.models import Notification

    post = PostFactory(host=world.our_host, title="数据分析见习岗")
    with django_capture_on_commit_callbacks(execute=True):
        assert send(client, token, body(world, post)).status_code == 201
    told = Notification.objects.get(user=world.youth)
    assert "部级见习专区" in told.message and "数据分析见习岗" in told.message
    assert told.link.endswith(f"/{Application.objects.get().pk}/")
    assert Notification.objects.filter(user__in=world.our_host.staff.all()).exists()  # and the host, as before
