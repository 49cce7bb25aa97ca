"""R-TG-4: the demonstration-unit score of each host, every factor counted by hand (tests/demonstration/conftest.py)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from jianxi.core.errors import RuleError
from jianxi.demonstration.models import RankingPolicy
from jianxi.demonstration.ranking import host_ranking
from jianxi.hosts.models import HostStatus
from tests.demonstration.conftest import YEAR, agreement, post, worked_year
from tests.factories import HostFactory

pytestmark = pytest.mark.django_db


def _table(entry):
    """code → (value, normalised, weight, points) as strings, the way the page and the API show them."""
    return {f.code: (f.value, str(f.normalised), f.weight, str(f.points)) for f in entry.factors}


def test_R_TG_4_every_factor_of_the_score_is_the_hand_count(world):
    year = worked_year(world)
    ranking = host_ranking(year=YEAR)
    a, b = ranking.entry(year.a.pk), ranking.entry(year.b.pk)

    # 甲: the most posts (2 of 2) and places (8 of 8); 6 of its 8 places filled; of 4 ended, 2
    # completed and 1 hired early (3/4), 2 retained (2/4); 3 of 4 attendance months on time; 1 of 5
    # reviewed lines rejected (the pending one is not reviewed); no recovery; one fraud lead (its
    # bank account is also the small host's).
    assert _table(a) == {
        "posts": ("2", "1.0000", 10, "10.00"),
        "headcount": ("8", "1.0000", 10, "10.00"),
        "fill_rate": ("6/8", "0.7500", 15, "11.25"),
        "completion": ("3/4", "0.7500", 15, "11.25"),
        "retention": ("2/4", "0.5000", 20, "10.00"),
        "attendance": ("3/4", "0.7500", 10, "7.50"),
        "claim_lines": ("4/5", "0.8000", 10, "8.00"),
        "no_recovery": ("0", "1.0000", 5, "5.00"),
        "no_fraud": ("1", "0.0000", 5, "0.00"),
    }
    assert a.score == Decimal("73.00")  # 10 + 10 + 11.25 + 11.25 + 10 + 7.5 + 8 + 5 + 0
    # 乙: 1 of 2 posts, 5 of 8 places, all 5 filled; 3 ended, all completed, 2 retained (0.6667 ×
    # 20 = 13.334 → 13.33); 2 of 3 months on time (6.667 → 6.67); nothing reviewed, so nothing
    # rejected; a recovery order on its 2024 claim.
    assert _table(b) == {
        "posts": ("1", "0.5000", 10, "5.00"),
        "headcount": ("5", "0.6250", 10, "6.25"),
        "fill_rate": ("5/5", "1.0000", 15, "15.00"),
        "completion": ("3/3", "1.0000", 15, "15.00"),
        "retention": ("2/3", "0.6667", 20, "13.33"),
        "attendance": ("2/3", "0.6667", 10, "6.67"),
        "claim_lines": ("0/0", "1.0000", 10, "10.00"),
        "no_recovery": ("1", "0.0000", 5, "0.00"),
        "no_fraud": ("0", "1.0000", 5, "5.00"),
    }
    assert b.score == Decimal("76.25")  # 5 + 6.25 + 15 + 15 + 13.33 + 6.67 + 10 + 0 + 5
    assert [(e.host_name, e.rank, e.interns) for e in ranking.ranked] == [
        ("乙数据有限公司", 1, 5),
        ("甲科技有限公司", 2, 6),
    ]


def test_every_factor_says_how_it_was_counted(world):
    year = worked_year(world)
    explained = {f.code: f.explanation for f in host_ranking(year=YEAR).entry(year.a.pk).factors}
    assert explained["posts"] == "2个 ÷ 全市参评单位最高 2个"
    assert explained["attendance"] == "年内考勤 4 人月中次月 10 日（含）以前填报 3 人月"
    assert explained["claim_lines"] == "已审核申报明细 5 条中驳回 1 条"
    assert explained["no_fraud"] == "当前疑点线索 1 条"


def test_small_hosts_are_listed_apart_with_the_reason_and_do_not_lower_the_others_shares(world):
    year = worked_year(world)
    barred = HostFactory(name="禁入单位", district=world.our_host.district, status=HostStatus.BARRED)
    for _ in range(5):
        agreement(post(barred, 9))
    ranking = host_ranking(year=YEAR)
    # Listed by district, then name (小 U+5C0F before 禁 U+7981).
    assert [(e.host_name, e.interns, e.reason) for e in ranking.not_eligible] == [
        ("小微工作室", 4, "年内见习人数 4 人，少于参评最少人数 5 人。"),  # the cancelled agreement is no intern
        ("禁入单位", 5, "单位状态为“已禁入”，不参加评选。"),
    ]
    assert all(e.score is None and e.rank is None for e in ranking.not_eligible)
    # The small host's 10 posts and 20 places, and the barred host's 45, are not the maxima.
    assert _table(ranking.entry(year.a.pk))["headcount"] == ("8", "1.0000", 10, "10.00")


def test_the_minimum_size_is_policy_data(world):
    year = worked_year(world)
    RankingPolicy.objects.filter(effective_year=2023).update(min_interns=4)
    ranking = host_ranking(year=YEAR)
    assert ranking.entry(year.small.pk).rank is not None and not ranking.not_eligible
    # Now the small host's 10 posts are the most: the others' shares of posts fall.
    assert _table(ranking.entry(year.a.pk))["posts"] == ("2", "0.2000", 10, "2.00")


def test_the_weights_in_force_for_the_year_are_used(world):
    year = worked_year(world)
    policy = RankingPolicy.objects.get(effective_year=2023)
    policy.pk, policy.effective_year = None, 2024
    policy.weight_posts, policy.weight_no_fraud = 15, 0
    policy.save()
    a = host_ranking(year=YEAR).entry(year.a.pk)
    assert _table(a)["posts"] == ("2", "1.0000", 15, "15.00")
    assert _table(a)["no_fraud"] == ("1", "0.0000", 0, "0.00")
    assert a.score == Decimal("78.00")
    assert host_ranking(year=2023).policy.effective_year == 2023


def test_a_year_without_parameters_is_refused_by_name(world):
    with pytest.raises(RuleError) as refused:
        host_ranking(year=2022)
    assert refused.value.code == "ranking.no_policy"
    assert "2022" in refused.value.message


def test_weights_must_add_up_to_100(world):
    from django.core.exceptions import ValidationError
    from django.db import IntegrityError, transaction

    policy = RankingPolicy.objects.get(effective_year=2023)
    policy.weight_posts = 11
    with pytest.raises(ValidationError, match="100"):
        policy.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        policy.save()


def _tied_hosts(world):
    """One host ahead, three tied (two of the same name), one behind; every host 5 interns, no outcomes yet.

    Most posts 2, most places 10. Ahead: 2 posts (10), 10 places (10), 5 of 10 filled (7.50) = 47.50
    with claim lines, no recovery and no fraud lead (10 + 5 + 5). Tied: 1 post (5), 5 places (5),
    5 of 5 filled (15) = 45.00. Behind: 1 post (5), 10 places (10), 5 of 10 filled (7.50) = 42.50.
    """
    haidian = world.our_host.district
    ahead = HostFactory(name="领先单位", district=haidian)
    tied = [HostFactory(name=name, district=haidian) for name in ("博远", "安达", "博远")]
    behind = HostFactory(name="落后单位", district=haidian)
    first, second = post(ahead, 5), post(ahead, 5)
    for i in range(5):
        agreement(first if i < 3 else second, start=date(2024, 3, 1), end=date(2024, 8, 31))
    for host in tied:
        place = post(host, 5)
        for _ in range(5):
            agreement(place, start=date(2024, 3, 1), end=date(2024, 8, 31))
    place = post(behind, 10)
    for _ in range(5):
        agreement(place, start=date(2024, 3, 1), end=date(2024, 8, 31))
    return ahead, tied, behind


def test_equal_scores_share_a_rank_the_next_rank_skips_and_ties_list_by_name_then_id(world):
    ahead, (boyuan1, anda, boyuan2), behind = _tied_hosts(world)
    ranked = host_ranking(year=YEAR).ranked
    # Names compare by Unicode code point: 博 (U+535A) before 安 (U+5B89); the same name by id.
    assert [(e.host_id, e.score, e.rank) for e in ranked] == [
        (ahead.pk, Decimal("47.50"), 1),
        (boyuan1.pk, Decimal("45.00"), 2),
        (boyuan2.pk, Decimal("45.00"), 2),
        (anda.pk, Decimal("45.00"), 2),
        (behind.pk, Decimal("42.50"), 5),
    ]
    assert boyuan1.pk < boyuan2.pk


def test_a_district_list_ranks_among_the_districts_hosts_with_the_city_wide_scores(world):
    _, _, behind = _tied_hosts(world)
    chaoyang = world.other_host.district
    far = HostFactory(name="朝阳领先单位", district=chaoyang)
    place = post(far, 10)
    for _ in range(5):
        agreement(place)
    city = host_ranking(year=YEAR)
    # 1 of 2 posts (5), 10 of 10 places (10), 5 of 10 filled (7.50), + 20 = 42.50: tied fifth in the city.
    assert [(e.host_id, e.rank) for e in city.ranked][-2:] == [(far.pk, 5), (behind.pk, 5)]  # 朝 before 落
    haidian = city.in_district("110108")
    assert [e.rank for e in haidian.ranked] == [1, 2, 2, 2, 5]
    assert far.pk not in {e.host_id for e in haidian.ranked}
    assert [(e.host_id, e.rank) for e in city.in_district("110105").ranked] == [(far.pk, 1)]


def test_the_score_takes_the_same_number_of_queries_for_two_hosts_or_seven(world):
    worked_year(world)
    with CaptureQueriesContext(connection) as few:
        host_ranking(year=YEAR)
    _tied_hosts(world)
    with CaptureQueriesContext(connection) as more:
        ranking = host_ranking(year=YEAR)
    assert len(ranking.ranked) == 7
    assert len(more.captured_queries) == len(few.captured_queries) <= 20
