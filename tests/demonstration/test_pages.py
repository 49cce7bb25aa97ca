"""The ranking and nomination pages: who sees what, paging and sorting, Excel, and the decisions."""

from __future__ import annotations

import io
from datetime import date

import pytest
import time_machine
from openpyxl import load_workbook

from jianxi.demonstration.models import Nomination, NominationStatus, RankingPolicy
from tests.demonstration.conftest import agreement, post, worked_year
from tests.factories import HostFactory

pytestmark = pytest.mark.django_db

RANKING = "/demonstration/ranking/?year=2024"
NOMINATIONS = "/demonstration/nominations/?year=2024"


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(date(2025, 1, 20), tick=False):
        yield


def _far_host(world):
    """An eligible host of the other district (朝阳)."""
    far = HostFactory(name="朝阳示范单位", district=world.other_host.district)
    place = post(far, 5)
    for _ in range(5):
        agreement(place)
    return far


def _sheet(response, title):
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    return [list(row) for row in load_workbook(io.BytesIO(response.content))[title].iter_rows(values_only=True)]


def test_the_city_sees_every_district_and_each_score_explained(client, world):
    worked_year(world)
    _far_host(world)
    client.force_login(world.city)
    page = client.get(RANKING).content.decode()
    assert "甲科技有限公司" in page and "乙数据有限公司" in page and "朝阳示范单位" in page
    assert "76.25" in page and "73.00" in page
    assert "年内考勤 4 人月中次月 10 日（含）以前填报 3 人月" in page  # the factor table of 甲
    assert "年内见习人数 4 人，少于参评最少人数 5 人。" in page  # the small host, apart
    only_chaoyang = client.get(RANKING + "&district=110105").content.decode()
    assert "朝阳示范单位" in only_chaoyang and "甲科技有限公司" not in only_chaoyang


def test_a_district_officer_sees_its_own_district_only_whatever_it_asks(client, world):
    worked_year(world)
    _far_host(world)
    client.force_login(world.other_district_officer)
    for url in (RANKING, RANKING + "&district=110108"):
        page = client.get(url).content.decode()
        assert "朝阳示范单位" in page and "甲科技有限公司" not in page and "小微工作室" not in page


@pytest.mark.parametrize("who", ["host_staff", "youth", "department_officer", "university_officer"])
def test_other_roles_are_refused_the_pages(client, world, who):
    client.force_login(getattr(world, who))
    for url in (RANKING, NOMINATIONS, RANKING + "&format=xlsx", NOMINATIONS + "&format=xlsx"):
        assert client.get(url).status_code == 403, url


def test_anonymous_is_sent_to_sign_in(client, world):
    for url in (RANKING, NOMINATIONS):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_ranking_downloads_as_excel_with_every_factor(client, world):
    worked_year(world)
    client.force_login(world.district_officer)
    response = client.get(RANKING + "&format=xlsx")
    rows = _sheet(response, "排名")
    assert rows[0][:6] == ["排名", "见习单位", "统一社会信用代码", "所在区", "年内见习人数", "得分"]
    assert rows[0][6:10] == ["发布岗位数（数据）", "发布岗位数（折算值）", "发布岗位数（权重）", "发布岗位数（得分）"]
    assert [(r[0], r[1], r[5]) for r in rows[1:]] == [(1, "乙数据有限公司", 76.25), (2, "甲科技有限公司", 73)]
    assert rows[2][-4:] == ["1", 0, 5, 0]  # 甲's fraud lead: 1 lead, normalised 0, weight 5, 0 points
    assert _sheet(response, "不符合参评条件")[1][0] == "小微工作室"
    assert ["参评最少见习人数", 5] in _sheet(response, "评分参数")


def test_the_ranked_list_pages_and_sorts(client, world):
    worked_year(world)
    client.force_login(world.city)
    by_name = client.get(RANKING + "&sort=name").content.decode()
    assert by_name.index("乙数据有限公司") < by_name.index("甲科技有限公司")  # 乙 U+4E59 before 甲 U+7532
    by_rank_down = client.get(RANKING + "&sort=-rank").content.decode()
    assert by_rank_down.index("甲科技有限公司") < by_rank_down.index("乙数据有限公司")
    assert client.get(RANKING + "&sort=bogus&page=99&size=7").status_code == 200  # falls back, never fails


def test_a_year_without_parameters_says_so(client, world):
    client.force_login(world.city)
    page = client.get("/demonstration/ranking/?year=2022").content.decode()
    assert "尚未设置 2022 年度适用的示范单位评分参数" in page


def test_a_district_nominates_from_the_ranking_and_the_quota_refusal_is_shown(client, world):
    year = worked_year(world)
    RankingPolicy.objects.update(nomination_quota=1)
    client.force_login(world.district_officer)
    assert "推荐" in client.get(RANKING).content.decode()
    response = client.post("/demonstration/nominations/new/", {"host": year.b.pk, "year": "2024"}, follow=True)
    assert "已推荐“乙数据有限公司”，待市人社局确认。" in response.content.decode()
    response = client.post("/demonstration/nominations/new/", {"host": year.a.pk, "year": "2024"}, follow=True)
    assert "海淀区 2024 年度的推荐名额为 1 家，已推荐 1 家，不能再推荐" in response.content.decode()
    assert list(Nomination.objects.values_list("host__name", "status")) == [("乙数据有限公司", "nominated")]


def test_the_city_has_no_nominate_button_and_its_post_is_refused(client, world):
    year = worked_year(world)
    client.force_login(world.city)
    assert 'action="/demonstration/nominations/new/"' not in client.get(RANKING).content.decode()
    assert client.post("/demonstration/nominations/new/", {"host": year.a.pk, "year": "2024"}).status_code == 403
    assert not Nomination.objects.exists()


def test_the_city_confirms_and_declines_on_the_list_and_the_list_downloads(client, world):
    year = worked_year(world)
    far = _far_host(world)
    client.force_login(world.district_officer)
    for host in (year.a, year.b):
        client.post("/demonstration/nominations/new/", {"host": host.pk, "year": "2024"})
    client.force_login(world.other_district_officer)
    client.post("/demonstration/nominations/new/", {"host": far.pk, "year": "2024"})
    a, b = Nomination.objects.get(host=year.a), Nomination.objects.get(host=year.b)

    client.force_login(world.city)
    assert client.get(NOMINATIONS).content.decode().count('name="action" value="confirm"') == 3
    client.post(f"/demonstration/nominations/{a.pk}/decide/", {"action": "confirm"})
    refused = client.post(f"/demonstration/nominations/{b.pk}/decide/", {"action": "decline"}, follow=True)
    assert "不予确认须填写理由" in refused.content.decode()
    client.post(f"/demonstration/nominations/{b.pk}/decide/", {"action": "decline", "reason": "有追回记录"})
    assert dict(Nomination.objects.values_list("host__name", "status")) == {
        "甲科技有限公司": NominationStatus.CONFIRMED,
        "乙数据有限公司": NominationStatus.DECLINED,
        "朝阳示范单位": NominationStatus.NOMINATED,
    }
    rows = _sheet(client.get(NOMINATIONS + "&format=xlsx"), "推荐名单")
    assert rows[0][:7] == ["年度", "所在区", "见习单位", "统一社会信用代码", "推荐时得分", "推荐时区内排名", "状态"]
    assert [(r[1], r[2], r[4], r[5], r[6], r[11]) for r in rows[1:]] == [
        ("朝阳区", "朝阳示范单位", 46.25, 1, "已推荐，待市人社局确认", None),
        ("海淀区", "乙数据有限公司", 76.25, 1, "不予确认", "有追回记录"),
        ("海淀区", "甲科技有限公司", 73, 2, "已确认", None),
    ]

    client.force_login(world.district_officer)
    own = client.get(NOMINATIONS).content.decode()
    assert "甲科技有限公司" in own and "朝阳示范单位" not in own
    assert [r[2] for r in _sheet(client.get(NOMINATIONS + "&format=xlsx"), "推荐名单")[1:]] == [
        "乙数据有限公司",
        "甲科技有限公司",
    ]


def test_a_district_withdraws_its_nomination_but_not_anothers(client, world):
    year = worked_year(world)
    client.force_login(world.district_officer)
    client.post("/demonstration/nominations/new/", {"host": year.a.pk, "year": "2024"})
    nomination = Nomination.objects.get()
    client.force_login(world.other_district_officer)
    assert client.post(f"/demonstration/nominations/{nomination.pk}/withdraw/").status_code == 404
    client.force_login(world.district_officer)
    client.post(f"/demonstration/nominations/{nomination.pk}/withdraw/")
    assert Nomination.objects.get().status == NominationStatus.WITHDRAWN
