"""The dashboard's figures (R-TG-1, R-TG-2), worked out by hand, and who sees which."""

from __future__ import annotations

import io
from datetime import date, datetime, time
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import load_workbook

from jianxi.oversight import refresh
from jianxi.oversight.models import DepartmentTarget, DistrictTarget, RetentionBase, StatDefinition, TargetMeasure
from jianxi.oversight.selectors import overview, take_up
from jianxi.policy.models import City, PostCategory, YearlyTarget
from tests.factories import HostFactory, PostFactory, department, district
from tests.oversight.conftest import agreement

BEIJING = ZoneInfo("Asia/Shanghai")
TODAY = date(2024, 6, 15)


def at(day: date, hour: int = 10, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), BEIJING)


def host_in(code: str, dept: str = "hrss"):
    return HostFactory(district=district(code), department=department(dept))


def publish(host, day: date, headcount: int = 1, hour: int = 10, minute: int = 0, **fields):
    return PostFactory(host=host, headcount=headcount, published_at=at(day, hour, minute), **fields)


def row(ov, code):
    return next(d for d in ov.districts if d.code == code)


@pytest.fixture
def rtg2(world):
    """Haidian falls behind, Chaoyang holds level, Dongcheng grows (posts by headcount, to 15 June)."""
    haidian, chaoyang, dongcheng = host_in("110108"), host_in("110105"), host_in("110101")
    publish(haidian, date(2023, 3, 1), headcount=4)
    publish(haidian, date(2023, 6, 15), headcount=1, hour=23, minute=59)  # the last minute of the same period
    publish(haidian, date(2023, 6, 16), headcount=7, hour=0, minute=0)  # the first minute after it
    publish(haidian, date(2024, 2, 1), headcount=4)
    publish(chaoyang, date(2023, 5, 20), headcount=2)
    publish(chaoyang, date(2024, 6, 15), headcount=2, hour=23, minute=30)
    publish(dongcheng, date(2023, 1, 5), headcount=1)
    publish(dongcheng, date(2024, 1, 5), headcount=4)
    # Placements: Chaoyang placed one person by 15 June last year and none this year.
    post = publish(chaoyang, date(2023, 1, 2))
    agreement(world, post, date(2023, 6, 1), date(2023, 11, 30))
    agreement(world, post, date(2024, 6, 16), date(2024, 12, 15))  # starts tomorrow: not yet
    refresh.refresh_all(today=TODAY)


def test_R_TG_2_districts_below_equal_and_above_last_years_same_period(world, rtg2):
    ov = overview(world.city, year=2024, today=TODAY)
    haidian, chaoyang, dongcheng = row(ov, "110108"), row(ov, "110105"), row(ov, "110101")
    # Haidian: 4 this year; 4 + 1 by 15 June 2023 (the post at 00:00 on 16 June is not); 12 in all 2023.
    assert (haidian.posts, haidian.posts_last_year_same_period, haidian.posts_last_year) == (4, 5, 12)
    assert haidian.posts_below and haidian.below_last_year
    # Chaoyang: 2 and 2 posts (3 in 2023 with the one its placement came from, published 2 January).
    assert (chaoyang.posts, chaoyang.posts_last_year_same_period, chaoyang.posts_last_year) == (2, 3, 3)
    # ... so Chaoyang is below too; and its placements: 0 this year against 1.
    assert (chaoyang.placements, chaoyang.placements_last_year_same_period, chaoyang.placements_last_year) == (0, 1, 1)
    assert chaoyang.posts_below and chaoyang.placements_below
    assert (dongcheng.posts, dongcheng.posts_last_year_same_period) == (4, 1)
    assert not dongcheng.below_last_year
    fengtai = row(ov, "110106")  # nothing either year: equal, not below
    assert (fengtai.posts, fengtai.posts_last_year_same_period, fengtai.below_last_year) == (0, 0, False)


def test_R_TG_2_equal_to_last_year_is_not_a_shortfall(world):
    chaoyang = host_in("110105")
    publish(chaoyang, date(2023, 4, 1), headcount=3)
    publish(chaoyang, date(2024, 4, 1), headcount=3)
    refresh.refresh_all(today=TODAY)
    figures = row(overview(world.city, year=2024, today=TODAY), "110105")
    assert (figures.posts, figures.posts_last_year_same_period, figures.below_last_year) == (3, 3, False)


def test_the_dashboard_marks_the_shortfall_and_says_how_fresh_it_is(client, world, rtg2):
    client.force_login(world.city)
    with time_machine.travel(at(TODAY), tick=False):
        page = client.get("/oversight/?year=2024").content.decode()
    assert 'class="short"' in page
    assert "统计数据更新于" in page
    assert 'data-testid="freshness"' in page


def test_R_TG_1_pace_from_last_years_curve_and_the_projected_year_end(world, rtg2):
    YearlyTarget.objects.create(city=City.objects.get(code="110000"), year=2024, posts=100, source="测试")
    ov = overview(world.city, year=2024, today=TODAY)
    # This year: 4 + 2 + 4 = 10. Last year by 15 June: 5 + 3 + 1 = 9 of 12 + 3 + 1 = 16.
    assert (ov.posts_recruited, ov.last_year_same_period, ov.last_year) == (10, 9, 16)
    assert ov.pace_basis == "last_year"
    assert ov.pace_expected == 56  # 100 × 9/16 = 56.25
    assert ov.projected == 18  # 10 ÷ (9/16) = 17.8
    assert ov.behind  # 10 < 56
    # The monthly curve: where the pace line says the year should be at each month's end.
    # Last year's cumulative at each month's end: 2, 2, 6, 6, 8, 16, 16 … of 16.
    assert [m.expected for m in ov.months][:7] == [13, 13, 38, 38, 50, 100, 100]
    assert [m.cumulative for m in ov.months][:7] == [4, 8, 8, 8, 8, 10, None]


def test_R_TG_1_pace_is_linear_when_last_year_has_nothing(world):
    YearlyTarget.objects.create(city=City.objects.get(code="110000"), year=2024, posts=100, source="测试")
    publish(host_in("110108"), date(2024, 3, 3), headcount=30)
    refresh.refresh_all(today=TODAY)
    ov = overview(world.city, year=2024, today=TODAY)
    assert ov.pace_basis == "linear"
    assert ov.pace_expected == 46  # 15 June is day 167 of 366: 100 × 167/366 = 45.6
    assert ov.projected == 66  # 30 × 366/167 = 65.7
    assert ov.behind  # 30 < 46


def test_a_past_year_is_whole_and_its_projection_is_what_happened(world, rtg2):
    ov = overview(world.city, year=2023, today=TODAY)
    assert ov.as_of == date(2023, 12, 31)
    assert (ov.posts_recruited, ov.projected, ov.target) == (16, 16, 6000)
    assert ov.pace_expected == 6000  # the whole year is gone: the pace line is the target


def test_the_counting_switch_counts_posts_instead_of_headcount(world, rtg2):
    StatDefinition.objects.create(
        city=City.objects.get(code="110000"), from_year=2024, target_measure=TargetMeasure.POSTS
    )
    ov = overview(world.city, year=2024, today=TODAY)
    assert (ov.posts_recruited, ov.post_count, ov.headcount) == (3, 3, 10)
    assert (row(ov, "110108").posts, row(ov, "110108").posts_last_year_same_period) == (1, 2)
    assert overview(world.city, year=2023, today=TODAY).posts_recruited == 16  # 2023 still counts headcount


def test_department_tallies_against_their_targets(world):
    science, commerce = department("science"), department("commerce")
    DepartmentTarget.objects.create(department=science, year=2024, posts=10, placements=4)
    post = publish(HostFactory(department=science), date(2024, 2, 2), headcount=3)
    publish(HostFactory(department=commerce, district=district("110105")), date(2024, 5, 5), headcount=2)
    agreement(world, post, date(2024, 3, 1), date(2024, 8, 31))
    refresh.refresh_all(today=TODAY)
    rows = {d.code: d for d in overview(world.city, year=2024, today=TODAY).departments}
    assert (rows["science"].target, rows["science"].posts, rows["science"].share) == (10, 3, Decimal("30.0"))
    assert (rows["science"].target_placements, rows["science"].placements) == (4, 1)
    assert (rows["commerce"].target, rows["commerce"].posts) == (None, 2)
    assert rows["hrss"].posts == 0


def test_category_and_host_type_mix(world):
    technical = PostCategory.objects.get(code="technical")
    research = PostCategory.objects.get(code="research")
    lab = HostFactory(host_type="research")
    publish(lab, date(2024, 1, 9), headcount=2, category=research)
    publish(lab, date(2024, 2, 9), headcount=1, category=technical)
    publish(HostFactory(), date(2024, 3, 9), headcount=5, category=technical)
    refresh.refresh_all(today=TODAY)
    ov = overview(world.city, year=2024, today=TODAY)
    mix = {c.code: (c.posts, c.post_count, c.headcount) for c in ov.categories}
    assert mix["technical"] == (6, 2, 6) and mix["research"] == (2, 1, 2) and mix["management"] == (0, 0, 0)
    assert {c.code: c.post_count for c in ov.host_types} == {"research": 2, "private": 1}


def test_money_by_district_and_month_city_and_district_apart(world, programme):
    ov = overview(world.city, year=2024, today=date(2024, 6, 30))
    haidian = next(r.money for r in ov.money_by_district if r.label == "海淀区")
    assert (haidian.approved_city, haidian.approved_district) == (Decimal("3430.00"), Decimal("600.00"))
    assert (haidian.paid_city, haidian.paid_district) == (Decimal("3430.00"), Decimal("600.00"))
    assert (haidian.recovered_city, haidian.recovered_district) == (Decimal("283.71"), Decimal("49.62"))
    assert ov.months[2].money.approved == Decimal("4030.00")  # March
    assert ov.months[3].money.paid == Decimal("4030.00")  # April
    assert ov.months[4].money.recovered == Decimal("333.33")  # May
    assert ov.money_total.paid == Decimal("4030.00")


def test_completion_and_retention_rates_follow_the_definitions(world, programme):
    refresh.refresh_all(today=date(2024, 6, 30))
    ov = overview(world.city, year=2024, today=date(2024, 6, 30))
    # Ended by 30 June: A2 completed, A3 terminated, A4 hired; retained A2 and A4.
    assert (ov.completed, ov.terminated, ov.hired, ov.retained) == (1, 1, 1, 2)
    assert (ov.completion_rate, ov.retention_rate) == (Decimal("66.7"), Decimal("66.7"))  # 2/3, 2/3
    assert ov.in_internship == 0  # nobody runs on 30 June
    StatDefinition.objects.filter(from_year=2023).update(
        completion_counts_hired=False, retention_base=RetentionBase.COMPLETED
    )
    ov = overview(world.city, year=2024, today=date(2024, 6, 30))
    assert (ov.completion_rate, ov.retention_rate) == (Decimal("33.3"), Decimal("100.0"))  # 1/3, 2/2


@pytest.fixture
def programme(programme):
    refresh.refresh_all(today=date(2024, 6, 30))
    return programme


# --- scope -------------------------------------------------------------------------------------


def test_a_district_officer_sees_only_its_district(world, rtg2):
    DistrictTarget.objects.create(district=district("110108"), year=2024, posts=20)
    ov = overview(world.district_officer, year=2024, today=TODAY)
    assert [d.code for d in ov.districts] == ["110108"]
    assert (ov.posts_recruited, ov.last_year_same_period, ov.target) == (4, 5, 20)
    assert ov.kind == "district"
    other = overview(world.other_district_officer, year=2024, today=TODAY)
    assert [d.code for d in other.districts] == ["110105"] and other.posts_recruited == 2
    assert other.target is None


def test_a_district_officer_sees_only_its_districts_money(world, programme):
    assert overview(world.other_district_officer, year=2024, today=date(2024, 6, 30)).money_total.paid == 0
    assert overview(world.district_officer, year=2024, today=date(2024, 6, 30)).money_total.paid == Decimal("4030.00")


def test_a_department_officer_sees_its_direction_with_its_target(world):
    DepartmentTarget.objects.create(department=department("science"), year=2024, posts=8)
    publish(HostFactory(department=department("science")), date(2024, 2, 2), headcount=3)
    publish(HostFactory(department=department("commerce")), date(2024, 2, 2), headcount=5)
    refresh.refresh_all(today=TODAY)
    ov = overview(world.department_officer, year=2024, today=TODAY)
    assert (ov.kind, ov.posts_recruited, ov.target) == ("department", 3, 8)
    assert [(d.code, d.target, d.posts) for d in ov.departments] == [("science", 8, 3)]
    assert row(ov, "110108").posts == 3


def test_a_university_officer_sees_its_graduates_take_up(world, programme):
    pku = take_up(world.university_officer, year=2024, today=date(2024, 6, 30))
    assert (pku.placements, pku.completed, pku.retained) == (2, 1, 1)  # A1, A2
    assert [m.placements for m in pku.months][:3] == [1, 1, 0]
    thu = take_up(world.other_university_officer, year=2024, today=date(2024, 6, 30))
    assert (thu.placements, thu.terminated, thu.retention_rate) == (1, 1, Decimal("0.0"))


@pytest.mark.parametrize("who", ["host_staff", "youth"])
def test_hosts_and_youth_have_no_dashboard(client, world, who):
    client.force_login(getattr(world, who))
    assert client.get("/oversight/").status_code == 403
    assert client.get("/oversight/excel/?table=progress").status_code == 403


def test_the_pages_of_each_officer_show_their_dashboard(client, world, rtg2):
    for user, marker in [
        (world.city, "海淀区"),
        (world.district_officer, "海淀区"),
        (world.department_officer, "募集部门完成情况"),
        (world.university_officer, "本校毕业生参加见习"),
    ]:
        client.force_login(user)
        for url in ("/", "/oversight/?year=2024", "/oversight/?year=abc"):
            page = client.get(url).content.decode()
            assert 'data-testid="dashboard"' in page and marker in page, (user, url)
    client.force_login(world.district_officer)
    assert "朝阳区" not in client.get("/oversight/?year=2024").content.decode()


def test_each_table_downloads_as_excel_with_the_pages_figures(client, world, rtg2):
    client.force_login(world.city)
    with time_machine.travel(at(TODAY), tick=False):
        response = client.get("/oversight/excel/", {"year": "2024", "table": "districts"})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = {r[0]: r for r in sheet.iter_rows(min_row=2, values_only=True)}
    assert rows["海淀区"][:4] == ("海淀区", 4, 5, 12)
    assert rows["海淀区"][-1] == "是"
    assert client.get("/oversight/excel/", {"table": "nothing"}).status_code == 404


def test_the_dashboard_reads_a_constant_number_of_queries_whatever_the_data(client, world):
    client.force_login(world.city)

    def queries() -> int:
        with time_machine.travel(at(TODAY), tick=False), CaptureQueriesContext(connection) as ctx:
            assert client.get("/oversight/?year=2024").status_code == 200
        return len(ctx.captured_queries)

    refresh.refresh_all(today=TODAY)
    small = queries()
    for n in range(12):
        host = host_in(["110108", "110105", "110101"][n % 3], ["science", "commerce", "hrss"][n % 3])
        post = publish(host, date(2023 + n % 2, 1 + n % 6, 1 + n), headcount=1 + n)
        agreement(world, post, date(2023 + n % 2, 1 + n % 6, 2 + n), date(2024, 12, 1))
    refresh.refresh_all(today=TODAY)
    assert queries() == small
    assert small <= 20


def test_the_city_narrows_the_dashboard_to_one_district(client, world, rtg2):
    client.force_login(world.city)
    with time_machine.travel(at(TODAY), tick=False):
        page = client.get("/oversight/", {"year": "2024", "district": "110105"}).content.decode()
        sheet = load_workbook(
            io.BytesIO(
                client.get("/oversight/excel/", {"year": "2024", "table": "districts", "district": "110105"}).content
            )
        ).active
    assert '<option value="110105" selected>朝阳区</option>' in page
    assert [r[0] for r in sheet.iter_rows(min_row=2, values_only=True)] == ["朝阳区"]
    assert client.get("/oversight/", {"district": "999999"}).status_code == 404


def test_a_district_officer_cannot_look_at_another_district(client, world, rtg2):
    client.force_login(world.district_officer)
    assert client.get("/oversight/", {"district": "110105"}).status_code == 404
    assert client.get("/oversight/excel/", {"table": "districts", "district": "110105"}).status_code == 404
    assert client.get("/oversight/", {"district": "110108"}).status_code == 200


def test_the_city_home_lists_what_waits_for_the_city(client, world, rtg2):
    from jianxi.demonstration.models import Nomination
    from jianxi.subsidies.models import FundYear

    Nomination.objects.create(
        year=2024,
        host=world.our_host,
        district=world.our_host.district,
        score=Decimal("80.00"),
        district_rank=1,
        nominated_by=world.district_officer,
        nominated_at=at(TODAY),
    )
    FundYear.objects.create(year=2023, claim_deadline=date(2024, 3, 31))
    FundYear.objects.create(year=2024, claim_deadline=date(2025, 3, 31))
    client.force_login(world.city)
    with time_machine.travel(at(TODAY), tick=False):
        page = client.get("/").content.decode()
        nominations = client.get(
            "/demonstration/nominations/", {"year": "2024", "status": "nominated"}
        ).content.decode()
    # The count equals the list it links to: one nomination waits on the nominations page.
    assert '<div class="stat">1</div>' in page.split('data-testid="todo-nominations"')[1][:200]
    assert "/demonstration/nominations/?year=2024&amp;status=nominated" in page
    assert nominations.count('data-testid="nomination-') == 1
    years = page.split('data-testid="todo-years"')[1][:400]
    assert '<div class="stat">1</div>' in years and "2023 年度已截止申报，待结算" in years
    assert "/oversight/ministry/?month=2024-05" in page


def test_the_city_home_reads_a_constant_number_of_queries_whatever_the_data(client, world):
    client.force_login(world.city)

    def queries() -> int:
        with time_machine.travel(at(TODAY), tick=False), CaptureQueriesContext(connection) as ctx:
            assert client.get("/").status_code == 200
        return len(ctx.captured_queries)

    refresh.refresh_all(today=TODAY)
    queries()  # the first request warms the process-wide memos (calendar, policy)
    small = queries()
    for n in range(12):
        host = host_in(["110108", "110105", "110101"][n % 3], ["science", "commerce", "hrss"][n % 3])
        post = publish(host, date(2023 + n % 2, 1 + n % 6, 1 + n), headcount=1 + n)
        agreement(world, post, date(2023 + n % 2, 1 + n % 6, 2 + n), date(2024, 12, 1))
    refresh.refresh_all(today=TODAY)
    assert queries() == small
    assert small <= 25
