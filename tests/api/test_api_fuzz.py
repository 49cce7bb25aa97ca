"""Schemathesis against the API's own OpenAPI document: no 5xx, and every answer as declared.

Each operation runs Schemathesis' phases in one Hypothesis test: the schema's examples, the
coverage phase (boundary and negative values, undeclared methods) and fuzzing, with a fixed seed
and a bounded number of random cases, as a district officer and as a young person (API tokens).
About 1,400 requests through the whole WSGI stack, middleware included.
"""

from __future__ import annotations

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from schemathesis.config import SchemathesisConfig

from jianxi.accounts.models import ApiToken
from jianxi.wsgi import application

pytestmark = pytest.mark.django_db

ROLES = ("district_officer", "youth")

CONFIG = {
    # Deterministic: the same cases every run, so a failure here is a failure of the code.
    "seed": 20231,
    "generation": {"max-examples": 20, "deterministic": True, "database": "none"},
    "checks": {
        "enabled": False,
        "not_a_server_error": {"enabled": True},
        "status_code_conformance": {"enabled": True},
        "content_type_conformance": {"enabled": True},
        "response_schema_conformance": {"enabled": True},
        "unsupported_method": {"enabled": True},
        "negative_data_rejection": {"enabled": True},
    },
}


schema = schemathesis.openapi.from_wsgi(
    "/api/v1/openapi.json", application, config=SchemathesisConfig.from_dict(CONFIG)
)


@pytest.fixture(params=ROLES)
def token(request, world, settings):
    settings.QUOTE_RATE_PER_MINUTE = 1_000_000
    return ApiToken.issue(user=getattr(world, request.param), name="fuzz")[1]


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    # The WSGI handler closes the database connection after each request, which would end the test's
    # transaction on PostgreSQL; Django's test client does the same as this.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@schema.parametrize()
# One world for all of an operation's cases is what we want: the API only reads it (quotes store nothing).
@hypothesis_settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_api_answers_every_request_as_its_document_declares(case, token):
    case.call_and_validate(headers={"Authorization": f"Bearer {token}"})
