"""The API: token and session auth, scoping, and one error shape for every failure."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from jianxi.accounts.models import ApiToken
from tests.factories import HostFactory, PersonFactory, district

pytestmark = pytest.mark.django_db


def bearer(key: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def assert_error_shape(response, status: int, code: str) -> dict:
    assert response.status_code == status
    body = response.json()
    assert set(body) == {"code", "message", "field"}
    assert body["code"] == code
    assert body["message"]  # a Chinese sentence, never empty
    return body


def test_openapi_document_and_docs_are_served_without_login(client):
    spec = client.get("/api/v1/openapi.json")
    assert spec.status_code == 200
    assert "/api/v1/hosts" in spec.json()["paths"]
    docs = client.get("/api/v1/docs")
    assert docs.status_code == 200
    assert "cdn.jsdelivr" not in docs.content.decode()  # no network at run time


def test_unauthenticated_call_answers_401_in_the_common_shape(client, world):
    assert_error_shape(client.get("/api/v1/hosts"), 401, "auth.required")


def test_token_authenticates_and_is_scoped_to_its_users_district(client, world):
    _, key = ApiToken.issue(user=world.district_officer, name="区台账系统")
    body = client.get("/api/v1/hosts", **bearer(key)).json()
    assert [h["id"] for h in body["items"]] == [world.our_host.pk]
    assert body["count"] == 1
    assert_error_shape(client.get(f"/api/v1/hosts/{world.other_host.pk}", **bearer(key)), 404, "not_found")


def test_token_in_x_api_key_header_works_too(client, world):
    _, key = ApiToken.issue(user=world.city, name="市级数据交换")
    response = client.get("/api/v1/me", HTTP_X_API_KEY=key)
    assert response.status_code == 200 and response.json()["role"] == "city"


def test_revoked_or_unknown_token_is_refused(client, world):
    token, key = ApiToken.issue(user=world.city, name="old")
    token.revoked = True
    token.save()
    assert_error_shape(client.get("/api/v1/me", **bearer(key)), 401, "auth.required")
    assert_error_shape(client.get("/api/v1/me", **bearer("jx_nonsense")), 401, "auth.required")


def test_token_key_is_not_stored_in_clear(world):
    token, key = ApiToken.issue(user=world.city, name="x")
    assert key not in token.key_hash and token.key_hash == ApiToken.hash_key(key)


def test_session_auth_works_for_the_browser(client, world):
    client.force_login(world.host_staff)
    body = client.get("/api/v1/hosts").json()
    assert [h["id"] for h in body["items"]] == [world.our_host.pk]


def test_youth_may_not_list_hosts_or_persons_over_the_api(client, world):
    client.force_login(world.youth)
    assert_error_shape(client.get("/api/v1/hosts"), 403, "forbidden")
    assert_error_shape(client.get("/api/v1/persons"), 403, "forbidden")
    assert client.get(f"/api/v1/persons/{world.our_person.pk}").status_code == 200
    assert_error_shape(client.get(f"/api/v1/persons/{world.other_person.pk}"), 404, "not_found")


def test_university_officer_lists_own_graduates_with_masked_id(client, world):
    client.force_login(world.university_officer)
    items = client.get("/api/v1/persons").json()["items"]
    assert [p["id"] for p in items] == [world.our_person.pk]
    assert world.our_person.id_number not in str(items)
    assert items[0]["id_number_masked"].count("*") == 8


def test_api_host_list_runs_constant_queries_whatever_its_length(client, world):
    client.force_login(world.city)

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/api/v1/hosts").status_code == 200
        return len(ctx.captured_queries)

    before = count()
    HostFactory.create_batch(15, district=district("110108"))
    assert count() == before


def test_api_person_list_runs_constant_queries_whatever_its_length(client, world):
    client.force_login(world.city)

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/api/v1/persons").status_code == 200
        return len(ctx.captured_queries)

    before = count()
    PersonFactory.create_batch(15)
    assert count() == before


def test_malformed_query_parameter_answers_400_in_the_common_shape(client, world):
    client.force_login(world.city)
    body = assert_error_shape(client.get("/api/v1/hosts?page=abc"), 400, "invalid.integer")
    assert body["field"] == "page"
