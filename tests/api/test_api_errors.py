"""Every refusal under /api/ answers {code, message, field}, and the OpenAPI document says so.

Runs on SQLite and (CI) PostgreSQL alike: an integer no column can hold must be refused by the
API's schema before it reaches either database.
"""

from __future__ import annotations

import json

import pytest

from jianxi.accounts.models import ApiToken

pytestmark = pytest.mark.django_db

HUGE = "9223372036854775807"  # the largest bigint; OFFSET (page - 1) × 20 overflows it
ERROR_STATUSES = {"400", "401", "403", "404", "429"}


def error_of(response, status: int) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"code", "message", "field"}
    assert body["message"]  # a Chinese sentence, never empty
    return body


@pytest.fixture
def officer(client, world):
    _, key = ApiToken.issue(user=world.city, name="errors")
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {key}"
    return client


@pytest.mark.parametrize("path", ["/api/v1/hosts", "/api/v1/persons", "/api/v1/posts"])
def test_a_page_number_past_any_offset_is_a_400_invalid_range_not_a_database_error(officer, path):
    body = error_of(officer.get(path, {"page": HUGE}), 400)
    assert body == {**body, "code": "invalid.range", "field": "page"}


@pytest.mark.parametrize("page", ["0", "-1", "1000001"])
def test_page_is_bounded_on_both_sides(officer, page):
    assert error_of(officer.get("/api/v1/posts", {"page": page}), 400)["code"] == "invalid.range"


def test_page_size_is_bounded_at_100(officer):
    assert officer.get("/api/v1/hosts", {"page_size": "100"}).status_code == 200
    body = error_of(officer.get("/api/v1/hosts", {"page_size": "101"}), 400)
    assert (body["code"], body["field"]) == ("invalid.range", "page_size")


@pytest.mark.parametrize("path", ["/api/v1/hosts/{}", "/api/v1/persons/{}", "/api/v1/posts/{}"])
@pytest.mark.parametrize("pk", ["0", "9223372036854775808", "-9223372036854775809"])
def test_an_id_no_row_can_have_is_a_400_invalid_range(officer, path, pk):
    body = error_of(officer.get(path.format(pk)), 400)
    assert body["code"] == "invalid.range"


def test_the_largest_id_a_row_can_have_is_simply_not_found(officer):
    assert error_of(officer.get(f"/api/v1/hosts/{HUGE}"), 404)["code"] == "not_found"


@pytest.mark.parametrize(
    ("query", "code", "field"),
    [
        ({"education": HUGE}, "invalid.range", "education"),
        ({"months": HUGE}, "invalid.range", "months"),
        ({"sort": "evil"}, "invalid.choice", "sort"),
    ],
)
def test_post_search_filters_are_bounded(client, query, code, field):
    body = error_of(client.get("/api/v1/posts", query), 400)
    assert (body["code"], body["field"]) == (code, field)


def test_host_status_filter_takes_only_a_known_status(officer):
    assert officer.get("/api/v1/hosts", {"status": "approved"}).status_code == 200
    body = error_of(officer.get("/api/v1/hosts", {"status": "evil"}), 400)
    assert (body["code"], body["field"]) == ("invalid.choice", "status")


@pytest.mark.parametrize(("method", "path"), [("delete", "/api/v1/hosts"), ("put", "/api/v1/posts/1")])
def test_a_method_the_path_does_not_serve_is_a_405_in_the_error_shape(officer, method, path):
    response = getattr(officer, method)(path)
    assert error_of(response, 405)["code"] == "method_not_allowed"
    assert response["Allow"] == "GET"


def test_get_on_a_quote_is_a_405_naming_post(client):
    response = client.get("/api/v1/quotes/subsidy")
    assert error_of(response, 405)["code"] == "method_not_allowed"
    assert response["Allow"] == "POST"


@pytest.mark.parametrize("path", ["/api/v1/nothing-here", "/api/v1/hosts/1/extra", "/api/v2/hosts"])
def test_a_path_the_api_does_not_have_is_a_404_in_the_error_shape(client, path):
    assert error_of(client.get(path), 404)["code"] == "not_found"
    assert error_of(client.post(path), 404)["code"] == "not_found"


def test_pages_outside_the_api_keep_djangos_404_page(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_a_body_over_the_upload_limit_is_a_413_in_the_error_shape(client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    body = {"district": "110108", "start": "2023-03-15", "end": "2023-06-14", "padding": "x" * 2048}
    response = client.post("/api/v1/quotes/subsidy", json.dumps(body), content_type="application/json")
    assert error_of(response, 413)["code"] == "request.too_large"


def test_a_host_header_django_refuses_is_a_400_in_the_error_shape(client):
    body = error_of(client.get("/api/v1/districts", HTTP_HOST="evil.example"), 400)
    assert body["code"] == "invalid.request"


def test_throttled_quote_says_when_to_retry(client, settings):
    settings.QUOTE_RATE_PER_MINUTE = 1
    small = {"district": "110108", "start": "2023-03-15", "end": "2023-06-14"}
    post = lambda: client.post("/api/v1/quotes/subsidy", json.dumps(small), content_type="application/json")  # noqa: E731
    assert post().status_code == 200
    response = post()
    assert error_of(response, 429)["code"] == "rate_limited"
    assert 1 <= int(response["Retry-After"]) <= 60


# --- the document ----------------------------------------------------------------------------------


@pytest.fixture
def document(client):
    return client.get("/api/v1/openapi.json").json()


def operations(document):
    for path, item in document["paths"].items():
        for method, operation in item.items():
            yield f"{method.upper()} {path}", method, operation


def test_the_document_declares_the_error_shape(document):
    schemas = document["components"]["schemas"]
    error = schemas["Error"]
    assert set(error["required"]) == {"code", "message", "field"}
    # Several refusals found together come under ``errors`` too (issue #16: errors in one round).
    assert set(error["properties"]) == {"code", "message", "field", "errors"}
    item = error["properties"]["errors"]["anyOf"][0]["items"]["$ref"].rsplit("/", 1)[-1]
    assert set(schemas[item]["required"]) == set(schemas[item]["properties"]) == {"code", "message", "field"}


def test_every_operation_declares_400_401_403_404_429_with_the_error_schema(document):
    ops = list(operations(document))
    assert len(ops) >= 10  # the document really lists the API's operations
    for name, method, operation in ops:
        responses = operation["responses"]
        declared = ERROR_STATUSES | {"405"} | ({"413"} if method in ("post", "put", "patch") else set())
        assert declared <= set(responses), f"{name} misses {declared - set(responses)}"
        for status in declared:
            schema = responses[status]["content"]["application/json"]["schema"]
            assert schema == {"$ref": "#/components/schemas/Error"}, f"{name} {status}"


def test_every_integer_parameter_is_bounded(document):
    for name, _, operation in operations(document):
        for parameter in operation["parameters"]:
            schema = parameter["schema"]
            types = [schema.get("type")] + [s.get("type") for s in schema.get("anyOf", [])]
            if "integer" in types:
                bounded = schema if "maximum" in schema else next(s for s in schema["anyOf"] if "maximum" in s)
                assert "minimum" in bounded, f"{name} {parameter['name']}"


def test_a_missing_body_is_named_as_such(client):
    body = error_of(client.post("/api/v1/quotes/subsidy", "", content_type="application/json"), 400)
    assert body["code"] == "invalid.missing" and "None" not in body["message"]


@pytest.mark.parametrize(
    ("change", "code", "field"),
    [
        ({"start": 0}, "invalid.date", "start"),
        ({"start": "2023-03-15T00:00:00"}, "invalid.date", "start"),
        ({"attendance": {"2023-03": "12"}}, "invalid.integer", "attendance.2023-03"),
    ],
)
def test_a_quote_body_is_taken_as_declared_not_coerced(client, change, code, field):
    quote = {"district": "110108", "start": "2023-03-15", "end": "2023-06-14", **change}
    response = client.post("/api/v1/quotes/subsidy", json.dumps(quote), content_type="application/json")
    body = error_of(response, 400)
    assert (body["code"], body["field"]) == (code, field)
