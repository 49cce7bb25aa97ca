"""Signals from the insurance extracts on claim lines, recorded decisions, and R-EL-7 in the review.

The clock is frozen at 2024-04-10 (as in tests/subsidies): Q1 2024 can be claimed; the
internship runs 2024-01-15 to 2024-07-14 and January to March are attended.
"""

from __future__ import annotations

from datetime import date

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.urls import reverse

from jianxi.core.errors import RuleError
from jianxi.registry import services as registry
from jianxi.registry.adapters import Graduate, Insurance, rows_from_json
from jianxi.registry.models import Channel
from jianxi.subsidies import remaining, services
from jianxi.subsidies.models import ClaimLine, ClaimStatus, FlagDecision, LineStatus
from jianxi.subsidies.registry_checks import line_flags
from tests.registry.helpers import INSURANCE_HEADERS, employer_code, insurance_rows, upload, xlsx
from tests.subsidies.conftest import TODAY, attend, make_agreement
from tests.subsidies.test_remaining_recovery import hired

pytestmark = pytest.mark.django_db

OTHER = employer_code(902)
JAN, FEB, MAR = date(2024, 1, 1), date(2024, 2, 1), date(2024, 3, 1)


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(TODAY, tick=False):
        yield


def insured(world, *rows, batch_id=None):
    return registry.load_extract(
        actor=world.district_officer,
        adapter=Insurance,
        rows=insurance_rows(*rows),
        channel=Channel.API,
        batch_id=batch_id,
    ).load


def submitted(world, months=(JAN, FEB, MAR)):
    agreement = make_agreement(world)
    for month in months:
        attend(agreement, month)
    claim = services.claim_prepare(
        actor=world.host_staff, host_id=world.our_host.pk, today=TODAY, agreement_ids=[agreement.pk]
    )
    return services.claim_submit(actor=world.host_staff, claim_id=claim.pk)


def flags_by_month(claim):
    lines = list(claim.lines.select_related("agreement__person", "agreement__host"))
    found = line_flags(lines)
    return {line.month: sorted(f.code for f in found[line.pk]) for line in lines}


def approve(world, claim, rejected=None):
    return services.claim_review(
        actor=world.district_officer,
        claim_id=claim.pk,
        review=services.Review(approve=True, rejected=rejected),
        today=TODAY,
    )


# --- (a) insured by another employer during the internship -------------------------------------------


def test_insured_by_another_employer_flags_the_months_it_covers(world):
    claim = submitted(world)
    insured(world, (world.our_person.id_number, OTHER, "2024-03-01", None))
    assert flags_by_month(claim) == {JAN: [], FEB: [], MAR: ["insured_elsewhere"]}


def test_insurance_elsewhere_that_ended_the_day_before_a_month_leaves_that_month_clean(world):
    claim = submitted(world)
    # ended on 29 February (and started after the internship's start: not employed on the start)
    insured(world, (world.our_person.id_number, OTHER, "2024-02-01", "2024-02-29"))
    assert flags_by_month(claim) == {JAN: [], FEB: ["insured_elsewhere"], MAR: []}


def test_insurance_elsewhere_that_ended_before_the_internship_flags_nothing(world):
    claim = submitted(world)
    insured(world, (world.our_person.id_number, OTHER, "2023-01-01", "2024-01-14"))
    assert flags_by_month(claim) == {JAN: [], FEB: [], MAR: []}


# --- (b) insured by the host itself before the internship ----------------------------------------------


def test_insured_by_the_host_before_the_start_flags_every_month(world):
    claim = submitted(world)
    insured(world, (world.our_person.id_number, world.our_host.credit_code, "2023-06-01", "2024-01-14"))
    assert flags_by_month(claim) == {m: ["insured_by_host_before"] for m in (JAN, FEB, MAR)}


def test_insured_by_the_host_after_the_internship_flags_nothing(world):
    claim = submitted(world)
    insured(world, (world.our_person.id_number, world.our_host.credit_code, "2024-07-15", None))
    assert flags_by_month(claim) == {JAN: [], FEB: [], MAR: []}


# --- (c) remaining-period months the host did not insure -----------------------------------------------


def remaining_claim(world):
    agreement = hired(world)
    claim = remaining.remaining_claim_create(
        actor=world.host_staff, agreement_id=agreement.pk, employed_through=date(2023, 9, 30), today=TODAY
    )
    return services.claim_submit(actor=world.host_staff, claim_id=claim.pk)


AUG, SEP = date(2023, 8, 1), date(2023, 9, 1)


def test_remaining_months_not_insured_by_the_host_are_flagged(world):
    claim = remaining_claim(world)
    insured(world, (world.our_person.id_number, world.our_host.credit_code, "2023-09-01", None))
    assert flags_by_month(claim) == {AUG: ["remaining_uninsured"], SEP: []}


def test_remaining_months_insured_by_the_host_are_clean(world):
    claim = remaining_claim(world)
    insured(world, (world.our_person.id_number, world.our_host.credit_code, "2023-08-01", None))
    assert flags_by_month(claim) == {AUG: [], SEP: []}


def test_remaining_months_of_a_person_in_no_extract_are_not_flagged(world):
    claim = remaining_claim(world)
    insured(world, (world.other_person.id_number, OTHER, "2023-08-01", None))
    assert flags_by_month(claim) == {AUG: [], SEP: []}


def test_a_flagged_remaining_month_needs_a_decision_after_the_checklist(world):
    claim = remaining_claim(world)
    insured(world, (world.our_person.id_number, world.our_host.credit_code, "2023-09-01", None))
    for code in remaining.CHECKLIST:
        remaining.checklist_tick(actor=world.district_officer, claim_id=claim.pk, code=code, note="已核验")
    with pytest.raises(RuleError) as err:
        approve(world, claim)
    assert err.value.code == "signal.undecided"


# --- the review -----------------------------------------------------------------------------------------


def test_a_flagged_line_is_approved_only_after_a_recorded_decision(world):
    claim = submitted(world)
    insured(world, (world.our_person.id_number, OTHER, "2024-03-01", None))
    with pytest.raises(RuleError) as err:
        approve(world, claim)
    assert err.value.code == "signal.undecided" and "2024-03" in err.value.message
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.SUBMITTED
    march = claim.lines.get(month=MAR)
    with pytest.raises(RuleError) as err:
        services.flag_decide(actor=world.district_officer, claim_id=claim.pk, line_id=march.pk, note=" ")
    assert err.value.code == "note"
    with pytest.raises(RuleError) as err:  # a clean line has nothing to decide
        clean = claim.lines.get(month=JAN)
        services.flag_decide(actor=world.district_officer, claim_id=claim.pk, line_id=clean.pk, note="x")
    assert err.value.code == "signal.none"
    with pytest.raises(RuleError) as err:  # the host may not decide
        services.flag_decide(actor=world.host_staff, claim_id=claim.pk, line_id=march.pk, note="x")
    assert err.value.code == "duty.claim.review"
    decision = services.flag_decide(
        actor=world.district_officer, claim_id=claim.pk, line_id=march.pk, note="核实为兼职参保，见习期间未在该单位工作"
    )
    assert (decision.decided_by, decision.codes) == (world.district_officer, "insured_elsewhere")
    assert approve(world, claim).status == ClaimStatus.APPROVED


def test_rejecting_a_flagged_line_needs_no_decision(world):
    claim = submitted(world)
    insured(world, (world.our_person.id_number, OTHER, "2024-03-01", None))
    march = claim.lines.get(month=MAR)
    claim = approve(world, claim, rejected={march.pk: "见习期间在其他单位参保"})
    assert claim.status == ClaimStatus.APPROVED
    assert ClaimLine.objects.get(pk=march.pk).status == LineStatus.REJECTED
    assert not FlagDecision.objects.exists()


def test_a_new_signal_after_a_decision_needs_a_decision_of_its_own(world):
    claim = submitted(world)
    insured(world, (world.our_person.id_number, OTHER, "2024-03-01", None), batch_id="A")
    march = claim.lines.get(month=MAR)
    services.flag_decide(actor=world.district_officer, claim_id=claim.pk, line_id=march.pk, note="已核实")
    insured(world, (world.our_person.id_number, world.our_host.credit_code, "2023-01-01", "2024-01-10"), batch_id="B")
    with pytest.raises(RuleError) as err:
        approve(world, claim)
    assert err.value.code == "signal.undecided"


def test_an_internship_resting_on_a_contradicted_fact_can_only_be_rejected(client, world):
    claim = submitted(world)
    graduate = [{"id_number": world.our_person.id_number, "school": "北京大学", "education": "本科",
                 "graduation_date": "2020-06-30", "beijing_origin": "是"}]  # fmt: skip
    registry.load_extract(
        actor=world.district_officer, adapter=Graduate, rows=rows_from_json(Graduate, graduate), channel=Channel.API
    )
    with pytest.raises(RuleError) as err:
        approve(world, claim)
    assert err.value.code == "R-EL-7" and "毕业日期" in err.value.message
    # Shown to the host on the agreement and the claim, and to the officer.
    agreement = claim.lines.first().agreement
    for who in (world.host_staff, world.district_officer):
        client.force_login(who)
        page = client.get(reverse("placements:agreement", args=[agreement.pk])).content.decode()
        assert 'data-testid="subsidy-block"' in page and "R-EL-7.contradicted" in page
        page = client.get(reverse("subsidies:claim", args=[claim.pk])).content.decode()
        assert 'data-testid="line-block"' in page
    claim = services.claim_review(
        actor=world.district_officer,
        claim_id=claim.pk,
        review=services.Review(approve=False, reason="毕业日期与学籍不符（R-EL-7）"),
        today=TODAY,
    )
    assert claim.status == ClaimStatus.REJECTED


# --- done when: an extract, the next claim flagged, approval only with a decision — all over HTTP --------


def messages_of(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_done_when_an_extract_flags_the_next_claims_month_until_a_decision_is_recorded(client, world):
    agreement = make_agreement(world)
    for month in (JAN, FEB, MAR):
        attend(agreement, month)
    # 1. The district officer loads a social-insurance extract: the intern insured by another employer in March.
    client.force_login(world.district_officer)
    extract = xlsx(INSURANCE_HEADERS, [[world.our_person.id_number, OTHER, "2024-03-01", "2024-03-31"]])
    response = client.post(reverse("registry:import_insurance"), {"file": upload(extract)})
    assert "已全部载入" in response.content.decode()
    # 2. The host prepares and submits the next claim.
    client.force_login(world.host_staff)
    response = client.post(reverse("subsidies:prepare"), {"agreement": [agreement.pk]})
    claim_url = response["Location"]
    claim_id = int(claim_url.rstrip("/").split("/")[-1])
    client.post(reverse("subsidies:submit", args=[claim_id]))
    host_page = client.get(claim_url).content.decode()
    assert 'data-testid="line-flag"' not in host_page  # signals are for the officers
    # 3. The officer sees March flagged, on its line and in the review.
    client.force_login(world.district_officer)
    page = client.get(claim_url).content.decode()
    march = ClaimLine.objects.get(claim_id=claim_id, month=MAR)
    assert page.count('data-signal="insured_elsewhere"') == 1 and 'data-testid="flag-review"' in page
    assert f'data-flagged-line="{march.pk}"' in page
    # 4. Approval is refused without a recorded decision …
    response = client.post(reverse("subsidies:review", args=[claim_id]), {"action": "approve"})
    assert any("须先记录核查结论" in m for m in messages_of(response))
    assert client.get(claim_url).status_code == 200
    assert ClaimLine.objects.get(pk=march.pk).status == LineStatus.PENDING
    # … and goes through once the decision is recorded (who, when, what).
    response = client.post(
        reverse("subsidies:flag_decide", args=[claim_id, march.pk]), {"note": "经核查为挂靠参保，见习期间出勤属实"}
    )
    assert any("已记录核查结论" in m for m in messages_of(response))
    decision = FlagDecision.objects.get(line=march)
    assert decision.decided_by == world.district_officer and decision.decided_at is not None
    assert "经核查为挂靠参保" in client.get(claim_url).content.decode()
    client.post(reverse("subsidies:review", args=[claim_id]), {"action": "approve"})
    assert ClaimLine.objects.get(pk=march.pk).status == LineStatus.APPROVED


def test_another_district_and_the_host_cannot_record_a_decision(client, world):
    claim = submitted(world)
    insured(world, (world.our_person.id_number, OTHER, "2024-03-01", None))
    march = claim.lines.get(month=MAR)
    url = reverse("subsidies:flag_decide", args=[claim.pk, march.pk])
    client.force_login(world.other_district_officer)
    assert client.post(url, {"note": "x"}).status_code == 404  # out of scope
    client.force_login(world.host_staff)
    assert client.post(url, {"note": "x"}).status_code == 403
    assert not FlagDecision.objects.exists()


def test_the_fraud_leads_list_an_undecided_flagged_line_until_decided(world):
    from jianxi.subsidies import fraud_leads

    claim = submitted(world)
    assert fraud_leads.registry_flags(world.district_officer).rows == []
    insured(world, (world.our_person.id_number, OTHER, "2024-03-01", None))
    rows = fraud_leads.registry_flags(world.district_officer).rows
    host = world.our_host
    assert rows == [
        (f"BT-{claim.pk}", host.name, host.credit_code, world.our_person.name, "2024-03", "见习期间由其他单位参保")
    ]
    assert fraud_leads.registry_flags(world.other_district_officer).rows == []
    march = claim.lines.get(month=MAR)
    services.flag_decide(actor=world.district_officer, claim_id=claim.pk, line_id=march.pk, note="已核实")
    assert fraud_leads.registry_flags(world.district_officer).rows == []
