"""The small defects of issue #16, each with its test."""

from __future__ import annotations

import logging

import pytest
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from jianxi.core.errors import RuleError
from jianxi.core.logs import ForbiddenWithoutTraceback
from jianxi.core.validators import parse_policy_number


def test_the_favicon_is_served(client, db):
    from django.contrib.staticfiles import finders

    response = client.get("/favicon.ico")
    assert response.status_code == 301 and response["Location"].endswith("jianxi/favicon.svg")
    assert finders.find("jianxi/favicon.svg")
    assert 'rel="icon"' in client.get("/").content.decode()


def test_a_403_is_logged_in_one_line_without_a_traceback(client, world, caplog):
    client.force_login(world.youth)
    with caplog.at_level(logging.WARNING, logger="django.request"):
        assert client.get(reverse("hosts:list")).status_code == 403
    records = [r for r in caplog.records if getattr(r, "status_code", None) == 403]
    assert records
    for record in records:
        ForbiddenWithoutTraceback().filter(record)
        assert record.exc_info is None


def test_a_500_keeps_its_traceback():
    try:
        raise ValueError("boom")
    except ValueError:
        import sys

        record = logging.LogRecord("django.request", logging.ERROR, "", 0, "x", None, sys.exc_info())
    record.status_code = 500
    ForbiddenWithoutTraceback().filter(record)
    assert record.exc_info is not None


def test_selects_offer_a_chinese_placeholder_not_dashes(client, world):
    client.force_login(world.host_staff)
    page = client.get(reverse("posts:create")).content.decode()
    assert "---------" not in page and "请选择" in page


@pytest.mark.parametrize(
    "value",
    [
        "N/A - will buy later",
        "待购买",
        "later",
        "12345",
        "ABCDEFG",
        "P-1",
        "PICC 2024 0001",
        "PICC--20240001",
        "-PICC2024",
    ],
)
def test_a_policy_number_that_is_not_an_insurers_number_is_refused(value):
    with pytest.raises(RuleError) as err:
        parse_policy_number(value)
    assert err.value.field == "insurance_policy"


@pytest.mark.parametrize(
    ("value", "stored"),
    [("PICC-2024-0001", "PICC-2024-0001"), (" pa1234 ", "PA1234"), ("123456", "123456"), ("AB12/34CD", "AB12/34CD")],
)
def test_an_insurers_policy_number_is_accepted(value, stored):
    assert parse_policy_number(value) == stored


def test_policy_number_boundaries():
    parse_policy_number("A1234" + "B")  # 6 characters, 4 digits
    with pytest.raises(RuleError):
        parse_policy_number("A123B")  # 5 characters
    with pytest.raises(RuleError):
        parse_policy_number("ABC123")  # 3 digits
    parse_policy_number("1" * 50)
    with pytest.raises(RuleError):
        parse_policy_number("1" * 51)


@given(st.text(max_size=60))
def test_a_policy_number_is_accepted_only_if_it_is_letters_digits_and_single_separators(text):
    try:
        stored = parse_policy_number(text)
    except RuleError:
        return
    assert 6 <= len(stored) <= 50 and sum(c.isdigit() for c in stored) >= 4
    assert all(c.isascii() and (c.isalnum() or c in "-/") for c in stored)
    assert " " not in stored and "--" not in stored


def test_the_agreement_page_of_an_application_with_an_agreement_shows_the_agreement(client, world):
    from jianxi.placements import services
    from tests.placements.conftest import accepted, terms

    application = accepted(world)
    agreement = services.agreement_create(actor=world.host_staff, application_id=application.pk, terms=terms())
    client.force_login(world.host_staff)
    response = client.get(reverse("placements:agreement_create", args=[application.pk]))
    assert response.status_code == 302 and response["Location"] == reverse("placements:agreement", args=[agreement.pk])


def test_the_agreement_form_refuses_a_promise_for_a_policy_number_with_every_other_error(client, world):
    from tests.placements.conftest import accepted

    application = accepted(world)
    client.force_login(world.host_staff)
    page = client.post(
        reverse("placements:agreement_create", args=[application.pk]),
        {
            "start": "",
            "end": "2027-05-31",
            "allowance": "-1",
            "mentor": "",
            "training_date": "",
            "insurance_policy": "N/A - will buy later",
        },
    ).content.decode()
    # All at once: the policy number with the empty and negative fields, in one round.
    assert "保单号格式不正确" in page
    assert page.count('class="errorlist"') >= 4
