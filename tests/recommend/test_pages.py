"""The young person's home (下一步, 为你推荐), the 为你推荐 and 推荐偏好 pages, and
``GET /api/v1/me/recommendations``: what each state shows, where each link leads, who may see what."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from jianxi.placements import attendance, outcomes, services
from jianxi.recommend.models import Preference
from tests.factories import TODAY, district
from tests.placements.conftest import accepted, terms
from tests.recommend.conftest import category, post

pytestmark = pytest.mark.django_db

LINK = re.compile(r'href="([^"]+)" data-testid="todo-([\w-]+)-link"')


def steps(client) -> dict[str, str]:
    """The home's next steps: key → link."""
    page = client.get("/").content.decode()
    return {key: url.replace("&amp;", "&") for url, key in LINK.findall(page)}


def assert_links_answer(client, found: dict[str, str]) -> None:
    for key, url in found.items():
        assert client.get(url).status_code == 200, (key, url)


def test_with_nothing_under_way_the_home_offers_the_self_check_and_posts_for_you(client, world, person):
    p = post(title="统计分析见习生", majors="统计学")
    client.force_login(world.youth)
    found = steps(client)
    assert set(found) == {"eligibility", "browse"}
    assert_links_answer(client, found)
    page = client.get("/").content.decode()
    assert 'data-testid="posts-for-you"' in page and p.title in page and "专业对口：岗位要求统计学" in page
    assert not re.search(r"R-[A-Z]+-\d", page)  # no rule codes on a young person's page


def test_each_state_of_an_application_is_a_next_step_with_its_status_and_post(client, world, person):
    applied = post(host=world.our_host, title="统计见习岗")
    offered = post(host=world.our_host, title="数据见习岗")
    invited = post(host=world.our_host, title="分析见习岗")
    services.application_apply(actor=world.youth, post_id=applied.pk, today=TODAY)
    app = services.application_apply(actor=world.youth, post_id=offered.pk, today=TODAY)
    services.application_move(actor=world.host_staff, application_id=app.pk, action="offer")
    services.application_invite(actor=world.host_staff, post_id=invited.pk, id_number=person.id_number, today=TODAY)
    client.force_login(world.youth)
    found = steps(client)
    kinds = sorted(k.split("-")[0] for k in found)
    assert kinds == ["application", "invited", "offer"]
    page = client.get("/").content.decode()
    assert "申请“统计见习岗”" in page and "已申请" in page
    assert "拟录用您：“数据见习岗”，待您答复" in page and "邀请您申请“分析见习岗”" in page
    assert_links_answer(client, found)
    # Posts applied to are not recommended again.
    assert f'data-post="{applied.pk}"' not in page


def test_an_agreement_to_confirm_then_the_internship_with_attendance_then_the_certificate(client, world, person):
    app = accepted(world, post=post(host=world.our_host))
    client.force_login(world.youth)
    assert [k.split("-")[0] for k in steps(client)] == ["accepted"]
    agreement = services.agreement_create(actor=world.host_staff, application_id=app.pk, terms=terms())
    services.agreement_confirm(actor=world.host_staff, agreement_id=agreement.pk)
    found = steps(client)
    assert list(found) == [f"confirm-{agreement.pk}"]
    assert_links_answer(client, found)
    services.agreement_confirm(actor=world.youth, agreement_id=agreement.pk)
    # In January: December's attendance, first not yet recorded, then as the host recorded it.
    january = date(2027, 1, 12)
    with time_machine.travel(january, tick=False):
        client.force_login(world.youth)  # weeks later: a new session
        page = client.get("/").content.decode()
        assert "2026年12月考勤单位尚未填报" in page
        attendance.attendance_record(actor=world.host_staff, agreement_id=agreement.pk, days={"2026-12": 20},
                                     today=january)  # fmt: skip
        page = client.get("/").content.decode()
        assert re.search(r"2026年12月单位已记录出勤 20 / \d+ 天", page)
        found = steps(client)
        assert list(found) == [f"internship-{agreement.pk}"]
        assert_links_answer(client, found)
    after = date(2027, 6, 1)
    with time_machine.travel(after, tick=False):
        client.force_login(world.youth)
        outcomes.agreement_end(actor=world.host_staff, agreement_id=agreement.pk,
                               ending=outcomes.Ending("completed", agreement.end), today=after)  # fmt: skip
        found = steps(client)
        assert f"certificate-{agreement.pk}" in found and "browse" in found
        assert_links_answer(client, found)
        assert found[f"certificate-{agreement.pk}"] == reverse("placements:certificate", args=[agreement.pk])


def _home_queries(client) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get("/").status_code == 200
    return len(ctx.captured_queries)


def test_the_home_runs_a_fixed_number_of_queries_at_two_sizes(client, world, person):
    client.force_login(world.youth)
    for n in range(2):
        services.application_apply(actor=world.youth, post_id=post(host=world.our_host).pk, today=TODAY)
        post(title=f"统计见习岗{n}", majors="统计学")
    _home_queries(client)
    few = _home_queries(client)
    for _n in range(6):
        services.application_apply(actor=world.youth, post_id=post(host=world.our_host).pk, today=TODAY)
    for n in range(25):
        post(title=f"数据统计见习岗{n}", majors="统计学", district_code=("110108", "110105")[n % 2])
    assert _home_queries(client) == few


# --- preferences ------------------------------------------------------------------------------------


def test_the_young_person_sets_preferences_and_the_ranking_follows(client, world, person):
    far = post(title="综合岗", district_code="110112", category=category("research"), days_old=3)
    near = post(title="综合岗", district_code="110108", category=category("management"), days_old=3)
    client.force_login(world.youth)
    order = lambda: re.findall(r'data-post="(\d+)"', client.get(reverse("recommend:posts")).content.decode())  # noqa: E731
    assert order().index(str(near.pk)) < order().index(str(far.pk))
    response = client.post(reverse("recommend:preferences"), {"districts": [district("110112").pk],
                           "categories": [category("research").pk], "digest": "weekly"})  # fmt: skip
    assert response.status_code == 302
    preference = Preference.objects.get(person=person)
    assert preference.digest == "weekly" and preference.digest_since is not None
    assert order().index(str(far.pk)) < order().index(str(near.pk))
    page = client.get(reverse("recommend:preferences")).content.decode()
    assert re.search(rf'value="{district("110112").pk}"[^>]*checked', page)


def test_bad_preferences_are_refused_on_the_field_and_change_nothing(client, world, person):
    client.force_login(world.youth)
    for bad in (
        {"digest": "hourly"},
        {"digest": "daily", "districts": ["x"]},
        {"digest": "daily", "districts": [99999]},
    ):
        response = client.post(reverse("recommend:preferences"), bad)
        assert response.status_code == 200 and b"errorlist" in response.content
    assert not Preference.objects.exists()


def test_one_young_person_never_sees_or_changes_anothers_preferences(client, world, person):
    client.force_login(world.other_youth)
    client.post(reverse("recommend:preferences"), {"districts": [district("110105").pk], "digest": "daily"})
    client.force_login(world.youth)
    page = client.get(reverse("recommend:preferences")).content.decode()
    assert not re.search(rf'value="{district("110105").pk}"[^>]*checked', page)
    assert re.search(r'value="off"[^>]*checked', page)
    client.post(reverse("recommend:preferences"), {"districts": [district("110108").pk], "digest": "off"})
    theirs = Preference.objects.get(person=world.other_person)
    assert list(theirs.districts.values_list("code", flat=True)) == ["110105"] and theirs.digest == "daily"


@pytest.mark.parametrize("who", ["host_staff", "district_officer", "city", "university_officer", "finance"])
def test_hosts_and_officers_get_403_on_the_youth_pages_and_the_api(client, world, who):
    client.force_login(getattr(world, who))
    for url in (reverse("recommend:posts"), reverse("recommend:preferences")):
        assert client.get(url).status_code == 403
        assert client.post(url, {"digest": "daily"}).status_code in (403, 405)
    response = client.get("/api/v1/me/recommendations")
    assert response.status_code == 403 and response.json()["code"] == "forbidden"
    assert not Preference.objects.exists()


def test_anonymous_is_sent_to_sign_in_and_the_api_answers_401(client):
    assert client.get(reverse("recommend:posts")).status_code == 302
    response = client.get("/api/v1/me/recommendations")
    assert response.status_code == 401 and response.json()["code"] == "auth.required"


# --- the API --------------------------------------------------------------------------------------


def test_the_api_answers_the_pages_ranking(client, world, person):
    best = post(title="统计分析见习生", majors="统计学")
    post(title="行政前台", district_code="110112", days_old=20)
    client.force_login(world.youth)
    body = client.get("/api/v1/me/recommendations?limit=5").json()
    first = body["items"][0]
    assert set(first) == {"post_id", "title", "score", "reasons", "eligible"}
    assert first["post_id"] == best.pk and first["title"] == "统计分析见习生" and first["eligible"] is True
    assert "专业对口：岗位要求统计学" in first["reasons"] and 0 <= first["score"] <= 100
    assert [i["score"] for i in body["items"]] == sorted((i["score"] for i in body["items"]), reverse=True)
    assert client.get("/api/v1/me/recommendations?limit=0").status_code == 400
    assert client.get("/api/v1/me/recommendations?limit=31").json()["code"] == "invalid.range"


def test_the_api_is_in_the_openapi_document(client):
    document = client.get("/api/v1/openapi.json").json()
    operation = document["paths"]["/api/v1/me/recommendations"]["get"]
    item = operation["responses"]["200"]["content"]["application/json"]["schema"]
    assert item and "403" in operation["responses"]
    schemas = document["components"]["schemas"]
    assert set(schemas["RecommendationOut"]["properties"]) == {"post_id", "title", "score", "reasons", "eligible"}


def test_the_api_takes_a_token_too(client, world, person):
    from jianxi.accounts.models import ApiToken

    post(title="统计分析见习生", majors="统计学")
    _token, key = ApiToken.issue(user=world.youth, name="手机")
    response = client.get("/api/v1/me/recommendations", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert response.status_code == 200 and response.json()["items"]


def test_the_page_says_why_no_internship_would_be_subsidised(client, world, person):
    person.employed = True
    person.save()
    post()
    client.force_login(world.youth)
    page = client.get(reverse("recommend:posts")).content.decode()
    assert 'data-testid="recommendation-ineligible"' in page and 'data-testid="recommend-ineligible-why"' in page
    assert not re.search(r"R-[A-Z]+-\d", page)


def test_the_window_days_follow_the_clock(client, world, person):
    p = post(recruit_end=TODAY)
    client.force_login(world.youth)
    assert f'data-post="{p.pk}"' in client.get(reverse("recommend:posts")).content.decode()
    with time_machine.travel(timezone.now() + timedelta(days=1), tick=False):
        assert f'data-post="{p.pk}"' not in client.get(reverse("recommend:posts")).content.decode()
