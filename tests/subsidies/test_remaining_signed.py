"""R-SUB-5: the labour contract's signing date, recorded with an early hire, decides the policy
period (Beijing: 政策实施期限截至2023年12月31日) in the claim and the officer's checklist.

The case: agreed 2023-10-01..2024-03-31, ended on Friday 2023-12-29 by a hire; the 12-month
contract starts on Tuesday 2024-01-02, insured January to March; claimed on 2024-04-10.
"""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from jianxi.core.errors import RuleError
from jianxi.placements import outcomes
from jianxi.placements.models import Agreement, AgreementStatus, Outcome
from jianxi.policy.models import CityPolicy, RemainingBinding
from jianxi.subsidies import remaining, services
from jianxi.subsidies.models import Claim
from tests.subsidies.conftest import TODAY, make_agreement

pytestmark = pytest.mark.django_db


def ended_by_hire(world, *, signed: date | None) -> Agreement:
    agreement = make_agreement(world, start=date(2023, 10, 1), end=date(2024, 3, 31))
    return outcomes.agreement_end(
        actor=world.host_staff,
        agreement_id=agreement.pk,
        ending=outcomes.Ending(
            outcome=Outcome.HIRED,
            ended_on=date(2023, 12, 29),
            contract_start=date(2024, 1, 2),
            contract_months=12,
            contract_signed=signed,
            insured_months=("2024-01", "2024-02", "2024-03"),
        ),
        today=TODAY,
    )


def claim_of(world, agreement: Agreement) -> Claim:
    claim = remaining.remaining_claim_create(
        actor=world.host_staff, agreement_id=agreement.pk, employed_through=date(2024, 4, 1), today=TODAY
    )
    return services.claim_submit(actor=world.host_staff, claim_id=claim.pk)


def verdict(world, agreement: Agreement):
    result = remaining.remaining_verdict(claim_of(world, agreement), TODAY)
    assert result is not None
    return result


def test_the_signing_date_is_recorded_with_the_early_hire(world):
    agreement = ended_by_hire(world, signed=date(2023, 12, 28))
    assert (agreement.status, agreement.contract_signed) == (AgreementStatus.ENDED, date(2023, 12, 28))
    assert agreement.history.first().contract_signed == date(2023, 12, 28)


def test_signed_on_the_last_day_of_the_period_the_claim_is_eligible(world):
    result = verdict(world, ended_by_hire(world, signed=date(2023, 12, 31)))
    assert result.eligible and (result.binding, result.binding_date) == ("signed", date(2023, 12, 31))


def test_signed_the_day_after_the_claim_fails_the_window(world):
    result = verdict(world, ended_by_hire(world, signed=date(2024, 1, 1)))
    assert [r.code for r in result.reasons] == ["R-SUB-5.window"]


def test_without_a_signing_date_the_contract_start_stands_in(world):
    result = verdict(world, ended_by_hire(world, signed=None))
    assert (result.binding, result.binding_date) == ("contract_start", date(2024, 1, 2))
    assert [r.code for r in result.reasons] == ["R-SUB-5.window"]


@pytest.mark.parametrize(
    ("binding", "eligible"),
    [(RemainingBinding.SIGNED, True), (RemainingBinding.CONTRACT_START, False), (RemainingBinding.EARLY_END, True)],
)
def test_each_value_of_the_policy_parameter(world, binding, eligible):
    row = CityPolicy.objects.get()
    row.remaining_binding = binding
    row.save()
    assert verdict(world, ended_by_hire(world, signed=date(2023, 12, 28))).eligible is eligible


@pytest.mark.parametrize(("signed", "ok"), [(date(2023, 9, 30), False), (date(2023, 10, 1), True)])
def test_a_signing_date_before_the_internship_is_refused(world, signed, ok):
    if ok:
        assert ended_by_hire(world, signed=signed).contract_signed == signed
    else:
        with pytest.raises(RuleError) as err:
            ended_by_hire(world, signed=signed)
        assert (err.value.code, err.value.field) == ("contract_signed", "contract_signed")


@pytest.mark.parametrize(("signed", "ok"), [(TODAY, True), (date(2024, 4, 11), False)])
def test_a_signing_date_in_the_future_is_refused(world, signed, ok):
    if ok:
        assert ended_by_hire(world, signed=signed).contract_signed == signed
    else:
        with pytest.raises(RuleError) as err:
            ended_by_hire(world, signed=signed)
        assert err.value.code == "contract_signed"


def test_the_end_page_records_it_and_the_officers_checklist_names_the_date_held(client, world):
    agreement = make_agreement(world, start=date(2023, 10, 1), end=date(2024, 3, 31))
    client.force_login(world.host_staff)
    response = client.post(
        reverse("placements:end", args=[agreement.pk]),
        {
            "outcome": "hired",
            "ended_on": "2023-12-29",
            "contract_start": "2024-01-02",
            "contract_months": "12",
            "contract_signed": "2023-12-31",
            "insured_months": "2024-01,2024-02,2024-03",
        },
    )
    assert response.status_code == 302, response.context["form"].errors
    agreement.refresh_from_db()
    assert agreement.contract_signed == date(2023, 12, 31)
    claim = claim_of(world, agreement)
    client.force_login(world.district_officer)
    page = client.get(reverse("subsidies:claim", args=[claim.pk])).content.decode()
    assert 'data-testid="rp-binding"' in page and "劳动合同签订日期 2023-12-31" in page
    assert "R-SUB-5.window" in page  # the checklist item, ticked by the officer
