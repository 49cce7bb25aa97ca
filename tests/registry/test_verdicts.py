"""R-EL-7: each eligibility fact verified, contradicted or self-declared; shown to officers, in the
API's eligibility answer, and listed for the district when a load changes it."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from jianxi.accounts.models import ApiToken
from jianxi.policy.selectors import engine_policy
from jianxi.registry import services
from jianxi.registry.adapters import Graduate, Hukou, Insurance, Unemployment, rows_from_json
from jianxi.registry.models import Channel, VerdictChange, VerificationPolicy
from jianxi.registry.verdicts import blocking_reasons, verdicts_for, verification_policy
from jianxi.youth.models import Group
from tests.factories import PersonFactory, make_credit_code
from tests.registry.helpers import insurance_rows

pytestmark = pytest.mark.django_db

ON = date(2024, 3, 1)
EMPLOYER = make_credit_code(901)


def load(world, adapter, rows, actor=None, batch_id=None):
    actor = actor or world.district_officer
    outcome = services.load_extract(actor=actor, adapter=adapter, rows=rows, channel=Channel.API, batch_id=batch_id)
    return outcome.load


def verdict(person, fact, on=ON):
    return {v.fact: v for v in verdicts_for(person, on)}[fact]


def test_without_records_every_fact_is_self_declared(world):
    assert {v.verdict for v in verdicts_for(world.our_person, ON)} == {"declared"}
    # A college graduate's rule rests on origin, graduation and not being employed (R-EL-1).
    assert [v.fact for v in verdicts_for(world.our_person, ON) if v.relied] == ["origin", "graduation", "not_employed"]


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        ("2024-03-01", None, "contradicted"),  # insured from the reference day itself
        ("2024-03-02", None, "verified"),  # from the day after: not employed on the day
        ("2024-01-01", "2024-03-01", "contradicted"),  # insured up to and including the day
        ("2024-01-01", "2024-02-29", "verified"),  # ended the day before
    ],
)
def test_not_employed_against_the_insurance_enrolments_at_each_boundary(world, start, end, expected):
    load(world, Insurance, insurance_rows((world.our_person.id_number, EMPLOYER, start, end)))
    found = verdict(world.our_person, "not_employed")
    assert found.verdict == expected
    assert found.source == "社会保险参保" and found.load_id is not None


def graduate_row(person, graduated, origin="是"):
    return rows_from_json(
        Graduate,
        [{"id_number": person.id_number, "school": "北京大学", "education": "本科",
          "graduation_date": graduated, "beijing_origin": origin}],
    )  # fmt: skip


@pytest.mark.parametrize(("graduated", "expected"), [("2026-06-30", "verified"), ("2026-06-29", "contradicted")])
def test_graduation_date_must_match_the_graduate_record_to_the_day(world, graduated, expected):
    load(world, Graduate, graduate_row(world.our_person, graduated))
    assert verdict(world.our_person, "graduation").verdict == expected
    assert verdict(world.our_person, "origin").verdict == "verified"


def test_origin_contradicted_by_the_graduate_record(world):
    load(world, Graduate, graduate_row(world.our_person, "2026-06-30", origin="否"))
    found = verdict(world.our_person, "origin")
    assert (found.verdict, found.declared, found.found) == ("contradicted", "是", "否")


def test_registered_unemployment_and_hukou_of_an_unemployed_youth(world):
    person = PersonFactory(group=Group.UNEMPLOYED_YOUTH, registered_unemployed=True, beijing_hukou=True)
    load(world, Unemployment, rows_from_json(Unemployment, [{"id_number": person.id_number, "start": "2024-03-01"}]))
    load(world, Hukou, rows_from_json(Hukou, [{"id_number": person.id_number, "beijing_hukou": "是"}]))
    assert verdict(person, "unemployment").verdict == "verified"
    assert verdict(person, "unemployment", date(2024, 2, 29)).verdict == "contradicted"  # not yet registered
    assert verdict(person, "hukou").verdict == "verified"
    assert [v.fact for v in verdicts_for(person, ON) if v.relied] == ["hukou", "not_employed", "unemployment"]


def test_contradictions_block_by_default_and_the_policy_may_require_verification(world):
    load(world, Graduate, graduate_row(world.our_person, "2025-06-30"))
    reasons = blocking_reasons(verdicts_for(world.our_person, ON), verification_policy(ON))
    assert [r.code for r in reasons] == ["R-EL-7.contradicted"]
    assert "毕业日期" in reasons[0].message
    # Nothing loaded for the other person: Beijing's default requires nothing.
    assert blocking_reasons(verdicts_for(world.other_person, ON), verification_policy(ON)) == []
    VerificationPolicy.objects.create(effective_from=ON, source_document="测试", require_not_employed=True)
    reasons = blocking_reasons(verdicts_for(world.other_person, ON), verification_policy(ON))
    assert [r.code for r in reasons] == ["R-EL-7.unverified"]
    # The day before it takes effect, the default stands.
    day_before = date(2024, 2, 29)
    assert blocking_reasons(verdicts_for(world.other_person, day_before), verification_policy(day_before)) == []
    assert engine_policy(ON).vocational_requires_origin  # the switch relied_facts reads


def test_the_person_page_shows_the_verdicts_to_officers_only(client, world):
    load(world, Graduate, graduate_row(world.our_person, "2025-06-30"))
    client.force_login(world.district_officer)
    page = client.get(reverse("youth:detail", args=[world.our_person.pk])).content.decode()
    assert 'data-testid="fact-verdicts"' in page and 'data-verdict="contradicted"' in page
    client.force_login(world.youth)
    page = client.get(reverse("youth:detail", args=[world.our_person.pk])).content.decode()
    assert 'data-testid="fact-verdicts"' not in page


def test_the_api_eligibility_answer_carries_each_facts_verdict(client, world):
    load(world, Graduate, graduate_row(world.our_person, "2026-06-30"))
    token = ApiToken.issue(user=world.district_officer, name="x")[1]
    url = f"/api/v1/registry/persons/{world.our_person.pk}/eligibility"
    body = client.get(url, HTTP_AUTHORIZATION=f"Bearer {token}").json()
    facts = {f["fact"]: f for f in body["facts"]}
    assert facts["graduation"]["verdict"] == "verified" and facts["graduation"]["source"] == "生源学籍"
    assert facts["not_employed"]["verdict"] == "declared" and body["rule"] == "R-EL-1"
    other = ApiToken.issue(user=world.other_district_officer, name="y")[1]
    assert client.get(url, HTTP_AUTHORIZATION=f"Bearer {other}").status_code == 404
    youth = ApiToken.issue(user=world.youth, name="z")[1]
    assert client.get(url, HTTP_AUTHORIZATION=f"Bearer {youth}").status_code == 403


def test_a_load_that_changes_a_verdict_is_listed_for_the_district_to_act_on(client, world):
    first = load(world, Graduate, graduate_row(world.our_person, "2025-06-30"))
    assert first.changed_verdicts == 2  # origin verified, graduation contradicted
    change = VerdictChange.objects.get(fact="graduation")
    assert (change.before, change.after, change.person) == ("declared", "contradicted", world.our_person)
    # The same facts again, in a batch of their own, change nothing.
    again = load(world, Graduate, graduate_row(world.our_person, "2025-06-30"), batch_id="G-2")
    assert again.pk != first.pk and again.changed_verdicts == 0

    client.force_login(world.other_district_officer)
    assert world.our_person.name not in client.get(reverse("registry:changes")).content.decode()
    assert client.post(reverse("registry:change_handle", args=[change.pk]), {"note": "x"}).status_code == 404
    client.force_login(world.host_staff)
    assert client.get(reverse("registry:changes")).status_code == 403

    client.force_login(world.district_officer)
    page = client.get(reverse("registry:changes")).content.decode()
    assert world.our_person.name in page and "与比对数据不符" in page
    client.post(reverse("registry:change_handle", args=[change.pk]), {"note": "已约谈本人，更正毕业日期"})
    change.refresh_from_db()
    assert (change.handled_by, change.note) == (world.district_officer, "已约谈本人，更正毕业日期")
    assert change.handled_at is not None and change.history.count() == 2
    open_page = client.get(reverse("registry:changes")).content.decode()
    assert f'data-change="{change.pk}"' not in open_page  # handled: off the open list
    assert f'data-change="{change.pk}"' in client.get(reverse("registry:changes") + "?state=all").content.decode()
