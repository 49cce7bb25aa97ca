"""Loading extracts by Excel upload and by the JSON endpoint: whole or not at all, once, in scope."""

from __future__ import annotations

import io
from datetime import date

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from jianxi.accounts.models import ApiToken
from jianxi.core.errors import RuleError
from jianxi.core.models import ImportJob, ImportStage
from jianxi.registry import services
from jianxi.registry.adapters import Insurance
from jianxi.registry.models import Channel, Load, LoadStatus, Record
from jianxi.registry.verdicts import verdicts_for
from tests.registry.helpers import INSURANCE_HEADERS, employer_code, insurance_rows, upload, xlsx

pytestmark = pytest.mark.django_db

OTHER_EMPLOYER = employer_code(900)


def good_file(world) -> bytes:
    return xlsx(INSURANCE_HEADERS, [[world.our_person.id_number, OTHER_EMPLOYER, "2024-03-01", "2024-05-31"]])


def bad_checksum(number: str) -> str:
    return number[:-1] + ("0" if number[-1] != "0" else "1")


# --- by Excel upload --------------------------------------------------------------------------------


def test_a_district_officer_loads_an_insurance_file_and_the_load_is_recorded(client, world):
    client.force_login(world.district_officer)
    response = client.post(reverse("registry:import_insurance"), {"file": upload(good_file(world))})
    assert response.status_code == 200
    assert "已全部载入" in response.content.decode()
    load = Load.objects.get()
    assert (load.status, load.rows, load.accepted, load.channel) == (LoadStatus.LOADED, 1, 1, Channel.FILE)
    assert (load.loaded_by, load.district) == (world.district_officer, world.district_officer.district)
    record = Record.objects.get()
    assert (record.id_number, record.employer_code, record.district) == (
        world.our_person.id_number,
        OTHER_EMPLOYER,
        world.district_officer.district,
    )
    page = client.get(reverse("registry:load", args=[load.pk])).content.decode()
    assert f"LD-{load.pk}" in page and "已载入" in page


def test_a_file_with_a_bad_id_number_is_refused_whole_with_a_per_row_report(client, world):
    client.force_login(world.district_officer)
    rows = [
        [world.our_person.id_number, OTHER_EMPLOYER, "2024-03-01", None],
        [bad_checksum(world.other_person.id_number), OTHER_EMPLOYER, "2024-03-01", None],
    ]
    response = client.post(reverse("registry:import_insurance"), {"file": upload(xlsx(INSURANCE_HEADERS, rows))})
    page = response.content.decode()
    assert "整个文件未载入" in page and "校验码" in page
    assert not Record.objects.exists()  # not even the good first row
    load = Load.objects.get()
    assert load.status == LoadStatus.REFUSED and load.accepted == 0
    assert load.rejected == [[3, "公民身份号码", load.rejected[0][2]]] and "校验码" in load.rejected[0][2]
    detail = client.get(reverse("registry:load", args=[load.pk])).content.decode()
    assert "已拒收" in detail and "校验码" in detail


def test_a_file_with_wrong_columns_is_refused_before_any_row_is_read(client, world):
    client.force_login(world.district_officer)
    data = xlsx(("公民身份号码", "单位名称", "参保开始日期"), [[world.our_person.id_number, "某公司", "2024-03-01"]])
    response = client.post(reverse("registry:import_insurance"), {"file": upload(data)})
    page = response.content.decode()
    assert "表头缺少以下列：单位统一社会信用代码" in page and "整个文件未载入" in page
    assert not Record.objects.exists()
    load = Load.objects.get()  # the refusal is recorded: who, when, what was missing
    assert (load.status, load.loaded_by, load.accepted) == (LoadStatus.REFUSED, world.district_officer, 0)
    assert "单位统一社会信用代码" in load.rejected[0][2]
    assert ImportJob.objects.get().stage == ImportStage.DONE


def test_the_same_file_twice_is_not_loaded_twice(client, world):
    client.force_login(world.district_officer)
    client.post(reverse("registry:import_insurance"), {"file": upload(good_file(world))})
    response = client.post(reverse("registry:import_insurance"), {"file": upload(good_file(world), "改名.xlsx")})
    assert "不会重复载入" in response.content.decode()
    assert Load.objects.count() == 1 and Record.objects.count() == 1


def test_the_template_downloads_with_the_sources_columns(client, world):
    client.force_login(world.district_officer)
    response = client.get(reverse("registry:template_insurance"))
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert [c.value for c in sheet[1]] == list(INSURANCE_HEADERS)


@pytest.mark.parametrize("who", ["host_staff", "youth", "university_officer", "department_officer"])
def test_hosts_youth_and_other_officers_may_not_load_or_see_loads(client, world, who):
    client.force_login(getattr(world, who))
    assert client.get(reverse("registry:loads")).status_code == 403
    assert client.post(reverse("registry:import_insurance"), {"file": upload(good_file(world))}).status_code == 403
    assert not Load.objects.exists()
    with pytest.raises(RuleError) as err:
        services.load_extract(actor=getattr(world, who), adapter=Insurance, rows=insurance_rows(), channel=Channel.FILE)
    assert err.value.code == "duty.registry.load"


def test_another_district_neither_sees_our_load_nor_its_records_speak_of_our_person(client, world):
    ours = services.load_extract(
        actor=world.district_officer,
        adapter=Insurance,
        rows=insurance_rows((world.our_person.id_number, OTHER_EMPLOYER, "2024-03-01", None)),
        channel=Channel.FILE,
    ).load
    client.force_login(world.other_district_officer)
    assert client.get(reverse("registry:load", args=[ours.pk])).status_code == 404
    assert f"LD-{ours.pk}" not in client.get(reverse("registry:loads")).content.decode()
    # Chaoyang loads a record about our (Haidian) person: our person's verdict does not change;
    # about its own person, it does.
    theirs = services.load_extract(
        actor=world.other_district_officer,
        adapter=Insurance,
        rows=insurance_rows(
            (world.our_person.id_number, OTHER_EMPLOYER, "2020-01-01", None),
            (world.other_person.id_number, OTHER_EMPLOYER, "2020-01-01", None),
        ),
        channel=Channel.FILE,
    ).load
    assert theirs.status == LoadStatus.LOADED
    # (on 1 February our person is not insured by our own extract, which starts in March)
    ours_facts = {v.fact: v.verdict for v in verdicts_for(world.our_person, date(2024, 2, 1))}
    their_facts = {v.fact: v.verdict for v in verdicts_for(world.other_person, date(2024, 2, 1))}
    assert (ours_facts["not_employed"], their_facts["not_employed"]) == ("verified", "contradicted")
    client.force_login(world.city)
    assert client.get(reverse("registry:load", args=[ours.pk])).status_code == 200


# --- by the JSON endpoint ---------------------------------------------------------------------------


def api(client, token, source, body):
    return client.post(
        f"/api/v1/registry/{source}", body, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}"
    )


@pytest.fixture
def district_token(world):
    return ApiToken.issue(user=world.district_officer, name="社保系统")[1]


def batch(world, batch_id="SI-2024-03", start="2024-03-01"):
    row = {"id_number": world.our_person.id_number, "employer_code": OTHER_EMPLOYER, "start": start, "end": None}
    return {"batch_id": batch_id, "rows": [row]}


def test_a_batch_is_loaded_once_and_the_same_batch_again_answers_the_first_load(client, world, district_token):
    first = api(client, district_token, "insurance", batch(world))
    assert first.status_code == 200, first.content
    body = first.json()
    assert (body["status"], body["rows"], body["accepted"], body["replayed"]) == ("loaded", 1, 1, False)
    again = api(client, district_token, "insurance", batch(world))
    assert again.status_code == 200
    assert again.json()["load"] == body["load"] and again.json()["replayed"] is True
    assert Record.objects.count() == 1 and Load.objects.count() == 1


def test_the_same_batch_id_with_other_rows_is_a_clear_conflict(client, world, district_token):
    api(client, district_token, "insurance", batch(world))
    response = api(client, district_token, "insurance", batch(world, start="2024-02-01"))
    assert response.status_code == 409
    assert response.json()["code"] == "registry.batch_conflict" and response.json()["field"] == "batch_id"
    assert Record.objects.count() == 1


def test_a_batch_with_a_bad_row_is_refused_whole_and_recorded(client, world, district_token):
    body = batch(world)
    body["rows"].append({"id_number": bad_checksum(world.our_person.id_number), "employer_code": OTHER_EMPLOYER,
                         "start": "2024-03-01"})  # fmt: skip
    response = api(client, district_token, "insurance", body)
    assert response.status_code == 400
    error = response.json()
    assert error["code"] == "registry.rejected" and error["field"] == "rows.1.id_number"
    assert "第 2 条" in error["message"] and "校验码" in error["message"]
    assert not Record.objects.exists()
    load = Load.objects.get()
    assert load.status == LoadStatus.REFUSED
    detail = client.get(f"/api/v1/registry/loads/{load.pk}", HTTP_AUTHORIZATION=f"Bearer {district_token}").json()
    assert detail["rejected"][0]["row"] == 2 and detail["rejected"][0]["column"] == "公民身份号码"
    # Fixed, the same batch id is accepted: a refused batch does not take its id.
    assert api(client, district_token, "insurance", batch(world)).status_code == 200


def test_a_batch_with_a_key_the_source_does_not_have_is_refused(client, world, district_token):
    body = {"batch_id": "U-1", "rows": [{"id_number": world.our_person.id_number, "employer_code": OTHER_EMPLOYER}]}
    response = api(client, district_token, "unemployment", body)
    assert response.status_code == 400 and response.json()["code"] == "registry.columns"
    assert Load.objects.get().status == LoadStatus.REFUSED and not Record.objects.exists()


def test_the_endpoint_refuses_hosts_youth_and_anonymous_callers(client, world):
    for who in ("host_staff", "youth", "university_officer"):
        token = ApiToken.issue(user=getattr(world, who), name="x")[1]
        assert api(client, token, "insurance", batch(world)).status_code == 403
    anonymous = client.post("/api/v1/registry/insurance", batch(world), content_type="application/json")
    assert anonymous.status_code == 401
    assert not Load.objects.exists()


def test_another_districts_load_is_not_found_through_the_api(client, world, district_token):
    load_id = api(client, district_token, "insurance", batch(world)).json()["load"]
    other = ApiToken.issue(user=world.other_district_officer, name="x")[1]
    response = client.get(f"/api/v1/registry/loads/{load_id}", HTTP_AUTHORIZATION=f"Bearer {other}")
    assert response.status_code == 404
    # Batch ids are per district: Chaoyang's own "SI-2024-03" is a batch of its own.
    row = {"id_number": world.other_person.id_number, "employer_code": OTHER_EMPLOYER, "start": "2024-03-01"}
    theirs = api(client, other, "insurance", {"batch_id": "SI-2024-03", "rows": [row]})
    assert theirs.status_code == 200 and theirs.json()["load"] != load_id


@pytest.mark.parametrize("loads", [1, 12])
def test_the_loads_and_changes_lists_cost_the_same_queries_for_1_or_many(
    client, world, loads, django_assert_max_num_queries
):
    from tests.factories import PersonFactory

    for n in range(loads):
        person = PersonFactory()
        services.load_extract(
            actor=world.district_officer,
            adapter=Insurance,
            rows=insurance_rows((person.id_number, OTHER_EMPLOYER, "2020-01-01", None)),
            channel=Channel.API,
            batch_id=f"B-{n}",
        )
    client.force_login(world.district_officer)
    client.get(reverse("registry:loads"))  # the session and the like, once
    with django_assert_max_num_queries(8):
        assert client.get(reverse("registry:loads")).status_code == 200
    with django_assert_max_num_queries(8):
        page = client.get(reverse("registry:changes")).content.decode()
    assert page.count("data-change=") == loads  # 未就业: self-declared → contradicted, for each
