"""Behind a reverse proxy: lockout, rate limit and audit see the client's address, not the proxy's,
and a forged X-Forwarded-For fools none of them."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from jianxi.youth.models import IdNumberReveal
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

PROXY = "10.0.0.5"
ATTACKER, OWNER = "198.51.100.66", "203.0.113.7"


@pytest.fixture
def behind_proxy(settings):
    settings.TRUSTED_PROXIES = [PROXY]


def via_proxy(client_ip: str, forged: str = "") -> dict[str, str]:
    """What the app receives when the proxy appends the client's address to X-Forwarded-For."""
    return {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": f"{forged}, {client_ip}" if forged else client_ip}


def login(client, username: str, password: str, **meta: str):
    return client.post(reverse("login"), {"username": username, "password": password}, **meta)


# --- login lockout -------------------------------------------------------------------------------


def test_an_attacker_behind_the_proxy_cannot_lock_the_owner_out(client, world, settings, behind_proxy):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        login(client, "haidian", "wrong", **via_proxy(ATTACKER))
    assert login(client, "haidian", PASSWORD, **via_proxy(ATTACKER)).status_code == 429  # locked: the attacker
    assert login(client, "haidian", PASSWORD, **via_proxy(OWNER)).status_code == 302  # not the owner


def test_a_forged_forwarded_for_does_not_escape_the_lockout(client, world, settings, behind_proxy):
    for n in range(settings.AXES_FAILURE_LIMIT):
        login(client, "haidian", "wrong", **via_proxy(ATTACKER, forged=f"192.0.2.{n}"))
    assert login(client, "haidian", PASSWORD, **via_proxy(ATTACKER, forged="192.0.2.200")).status_code == 429


def test_without_trusted_proxies_a_forged_forwarded_for_is_ignored(client, world, settings):
    for n in range(settings.AXES_FAILURE_LIMIT):
        login(client, "haidian", "wrong", REMOTE_ADDR=ATTACKER, HTTP_X_FORWARDED_FOR=f"192.0.2.{n}")
    assert login(client, "haidian", PASSWORD, REMOTE_ADDR=ATTACKER).status_code == 429
    assert login(client, "haidian", PASSWORD, REMOTE_ADDR=OWNER).status_code == 302


def test_an_address_guessing_over_many_usernames_is_locked_for_every_username(client, world, settings):
    settings.AXES_ADDRESS_FAILURE_LIMIT = 8
    for n in range(settings.AXES_ADDRESS_FAILURE_LIMIT):  # under the pair limit for each username
        login(client, f"someone{n % 4}", "wrong", REMOTE_ADDR=ATTACKER)
    refused = login(client, "haidian", PASSWORD, REMOTE_ADDR=ATTACKER)
    assert refused.status_code == 429 and "_auth_user_id" not in client.session
    assert login(client, "haidian", PASSWORD, REMOTE_ADDR=OWNER).status_code == 302  # others are not


def test_below_the_address_limit_other_usernames_still_sign_in_from_that_address(client, world, settings):
    settings.AXES_ADDRESS_FAILURE_LIMIT = 8
    for n in range(settings.AXES_ADDRESS_FAILURE_LIMIT - 1):
        login(client, f"someone{n % 4}", "wrong", REMOTE_ADDR=ATTACKER)
    assert login(client, "haidian", PASSWORD, REMOTE_ADDR=ATTACKER).status_code == 302


# --- quote rate limit ----------------------------------------------------------------------------

QUOTE = {"district": "110108", "start": "2023-03-15", "end": "2023-06-14"}


def quote(client, **meta: str) -> int:
    return client.post("/api/v1/quotes/subsidy", json.dumps(QUOTE), content_type="application/json", **meta).status_code


def test_the_quote_limit_is_per_client_behind_the_proxy(client, settings, behind_proxy):
    settings.QUOTE_RATE_PER_MINUTE = 2
    assert [quote(client, **via_proxy(ATTACKER)) for _ in range(3)] == [200, 200, 429]
    assert quote(client, **via_proxy(OWNER)) == 200  # the proxy's other clients are not limited


def test_a_forged_forwarded_for_does_not_reset_the_quote_limit(client, settings):
    settings.QUOTE_RATE_PER_MINUTE = 2
    codes = [quote(client, REMOTE_ADDR=ATTACKER, HTTP_X_FORWARDED_FOR=f"192.0.2.{n}") for n in range(3)]
    assert codes == [200, 200, 429]


def test_the_quote_page_shares_the_limit_per_client(client, settings, behind_proxy):
    settings.QUOTE_RATE_PER_MINUTE = 1
    url = reverse("policy:quote")
    assert quote(client, **via_proxy(ATTACKER)) == 200
    assert client.post(url, {}, **via_proxy(ATTACKER)).status_code == 429
    assert client.post(url, {}, **via_proxy(OWNER)).status_code == 200


# --- audit ---------------------------------------------------------------------------------------


def test_an_id_number_reveal_records_the_client_behind_the_proxy(client, world, behind_proxy):
    client.force_login(world.district_officer)
    url = reverse("youth:reveal_id", args=[world.our_person.pk])
    client.post(url, {"purpose": "核对协议"}, **via_proxy(OWNER, forged="192.0.2.1"))
    assert IdNumberReveal.objects.get().ip_address == OWNER
