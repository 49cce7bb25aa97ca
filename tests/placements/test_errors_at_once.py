"""Errors in one round (issue #16 item 8): a form with several problems shows them all at once.

The agreement's terms and the end of an internship are checked field by field and every
problem comes back together — as a group of refusals from the service, each on its field on
the page — and nothing is saved.
"""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from jianxi.core.errors import RuleError, RuleErrors, refusals_of
from jianxi.placements import outcomes, services
from jianxi.placements.models import Agreement, AgreementStatus
from tests.placements.conftest import accepted, terms

pytestmark = pytest.mark.django_db


def test_every_problem_of_the_terms_comes_back_together_and_nothing_is_saved(world):
    application = accepted(world)
    bad = terms(
        mentor=" ", insurance_policy="N/A - will buy later", end=date(2027, 1, 31), training_date=date(2026, 12, 2)
    )
    with pytest.raises(RuleErrors) as caught:
        services.agreement_create(actor=world.host_staff, application_id=application.pk, terms=bad)
    fields = [e.field for e in refusals_of(caught.value)]
    assert fields == ["mentor", "insurance_policy", "end", "training_date"]
    codes = {e.code for e in caught.value.errors}
    assert "R-IN-1" in codes  # the period is two months: too short
    assert not Agreement.objects.exists()


def test_one_problem_is_a_plain_refusal(world):
    application = accepted(world)
    with pytest.raises(RuleError) as caught:
        services.agreement_create(actor=world.host_staff, application_id=application.pk, terms=terms(mentor=""))
    assert not isinstance(caught.value, RuleErrors)
    assert caught.value.field == "mentor"


def test_the_agreement_page_shows_all_the_problems_on_their_fields(client, world):
    application = accepted(world)
    client.force_login(world.host_staff)
    response = client.post(
        reverse("placements:agreement_create", args=[application.pk]),
        {
            "start": "2026-12-01",
            "end": "2027-01-31",
            "allowance": "3000.00",
            "mentor": "王老师",
            "training_date": "2026-12-02",
            "insurance_policy": "N/A - will buy later",
        },
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert set(form.errors) >= {"end", "training_date", "insurance_policy"}
    assert not Agreement.objects.exists()


def test_every_problem_of_an_early_hire_comes_back_together(world):
    """R-IN-3: an early hire on a day not yet come, with a contract starting before the end and a
    signing date in the future — three problems, one round, nothing changed."""
    application = accepted(world)
    agreement = services.agreement_create(actor=world.host_staff, application_id=application.pk, terms=terms())
    services.agreement_confirm(actor=world.host_staff, agreement_id=agreement.pk)
    services.agreement_confirm(actor=world.youth, agreement_id=agreement.pk)
    ending = outcomes.Ending(
        "hired",
        date(2027, 3, 31),
        contract_start=date(2027, 3, 1),
        contract_months=12,
        contract_signed=date(2027, 4, 1),
        insured_months=("2026-01",),
    )
    with pytest.raises(RuleErrors) as caught:
        outcomes.agreement_end(
            actor=world.host_staff, agreement_id=agreement.pk, ending=ending, today=date(2027, 3, 10)
        )
    assert [e.field for e in caught.value.errors] == ["ended_on", "contract_start", "insured_months", "contract_signed"]
    agreement.refresh_from_db()
    assert agreement.status == AgreementStatus.ACTIVE
