"""The aggregates, counted by hand from the programme in conftest.py, and kept right by refreshes."""

from __future__ import annotations

from datetime import date

import pytest

from jianxi.oversight import refresh
from jianxi.oversight.models import (
    COUNTS,
    MONEY,
    PLACEMENT_COUNTS,
    DailyStat,
    MonthlyDistrictStat,
    MonthlyStat,
    StatStamp,
    UniversityMonthlyStat,
)
from jianxi.policy.models import Department, District, PostCategory, University

TODAY = date(2024, 6, 30)
HAIDIAN = ("110108", "science", "tech_enterprise")
TECH, MGMT = (*HAIDIAN[:2], "technical", HAIDIAN[2]), (*HAIDIAN[:2], "management", HAIDIAN[2])
CHAOYANG = ("110105", "commerce", "ecommerce", "ecommerce")

# (month, district, department, category, host type) → the measures that are not 0.
EXPECTED_MONTHLY = {
    ("2024-01", *TECH): {"posts": 1, "headcount": 3, "placements": 1, "in_internship": 1},
    # A2 and A3 start; A1, A2, A3 are running on 29 February.
    ("2024-02", *TECH): {"placements": 2, "in_internship": 3},
    # P2 was published at 00:30 on 1 February in Beijing (31 January in UTC).
    ("2024-02", *MGMT): {"posts": 1, "headcount": 2},
    ("2024-02", *CHAOYANG): {"posts": 1, "headcount": 1},
    # A3 ended on 10 March; A1 and A2 run on 31 March. Approved 5 March: A1's January line,
    # 1000.00 city and 300.00 district.
    ("2024-03", *TECH): {"in_internship": 2, "terminated": 1, "approved_city": 100000, "approved_district": 30000},
    # A4 starts on P2; its March line is 2420.00 city + 10.00 add-ons, 300.00 district.
    ("2024-03", *MGMT): {"placements": 1, "in_internship": 1, "approved_city": 243000, "approved_district": 30000},
    # A1 ended on 14 April (agreed end, still "active"): not running on 30 April; A2's last day is.
    ("2024-04", *TECH): {
        "in_internship": 1,
        "completed": 1,
        "retained": 1,
        "paid_city": 100000,
        "paid_district": 30000,
    },
    ("2024-04", *MGMT): {"in_internship": 1, "paid_city": 243000, "paid_district": 30000},
    # 333.33 repaid, spread over the two paid lines (1300.00 and 2730.00 of 4030.00):
    #   33333 × 130000 ÷ 403000 = 10752.58 → 10752; 33333 × 273000 ÷ 403000 = 22580.42 → 22580;
    #   the fen left over (33333 − 33332) goes to the larger line: 22581.
    #   District shares: 10752 × 300/1300 = 2481.2 → 2481; 22581 × 300/2730 = 2481.4 → 2481.
    ("2024-05", *TECH): {"recovered_city": 10752 - 2481, "recovered_district": 2481},
    ("2024-05", *MGMT): {"hired": 1, "retained": 1, "recovered_city": 22581 - 2481, "recovered_district": 2481},
}


def monthly() -> dict[tuple[str, ...], dict[str, int]]:
    names = _names()
    out = {}
    for row in MonthlyStat.objects.values():
        key = (
            f"{row['month']:%Y-%m}",
            names["district"][row["district_id"]],
            names["department"].get(row["department_id"], "-"),
            names["category"][row["category_id"]],
            row["host_type"],
        )
        assert key not in out, f"two rows for {key}"
        out[key] = {m: row[m] for m in (*COUNTS, *MONEY) if row[m]}
    return {k: v for k, v in out.items() if v}


def _names() -> dict[str, dict[int | None, str]]:
    return {
        "district": dict(District.objects.values_list("pk", "code")),
        "department": dict(Department.objects.values_list("pk", "code")),
        "category": dict(PostCategory.objects.values_list("pk", "code")),
        "university": dict(University.objects.values_list("pk", "code")),
    }


def daily() -> dict[tuple[str, ...], dict[str, int]]:
    names = _names()
    out = {}
    for row in DailyStat.objects.values():
        key = (str(row["day"]), names["district"][row["district_id"]], names["department"][row["department_id"]])
        values = {m: row[m] for m in ("posts", "headcount", "placements") if row[m]}
        if values:
            out[key] = values
    return out


def universities() -> dict[tuple[str, ...], dict[str, int]]:
    names = _names()
    out = {}
    for row in UniversityMonthlyStat.objects.values():
        month, uni, category = row["month"], row["university_id"], row["category_id"]
        key = (f"{month:%Y-%m}", names["university"][uni], names["category"][category])
        values = {m: row[m] for m in PLACEMENT_COUNTS if row[m]}
        if values:
            out[key] = values
    return out


def test_monthly_figures_by_district_department_category_and_host_type(programme):
    refresh.refresh_all(today=TODAY)
    assert monthly() == EXPECTED_MONTHLY


def test_the_money_shares_add_up_to_the_ledger_to_the_fen(programme):
    refresh.refresh_all(today=TODAY)
    total = {m: sum(v.get(m, 0) for v in monthly().values()) for m in MONEY}
    assert total["approved_city"] + total["approved_district"] == 403000  # ledger: approved 4030.00
    assert total["paid_city"] + total["paid_district"] == 403000  # ledger: paid 4030.00
    assert total["recovered_city"] + total["recovered_district"] == 33333  # ledger: recovered 333.33
    assert (total["recovered_city"], total["recovered_district"]) == (28371, 4962)


def test_the_district_rollup_sums_categories_and_host_types(programme):
    refresh.refresh_all(today=TODAY)
    haidian = District.objects.get(code="110108").pk
    rows = {
        f"{r['month']:%Y-%m}": {m: r[m] for m in (*COUNTS, *MONEY) if r[m]}
        for r in MonthlyDistrictStat.objects.filter(district_id=haidian).values()
    }
    assert rows["2024-02"] == {"posts": 1, "headcount": 2, "placements": 2, "in_internship": 3}
    assert rows["2024-03"] == {
        "placements": 1,
        "in_internship": 3,
        "terminated": 1,
        "approved_city": 343000,
        "approved_district": 60000,
    }
    assert rows["2024-05"] == {"hired": 1, "retained": 1, "recovered_city": 28371, "recovered_district": 4962}


def test_daily_tally_of_posts_headcount_and_placements_in_beijing_time(programme):
    refresh.refresh_all(today=TODAY)
    assert daily() == {
        ("2024-01-15", "110108", "science"): {"placements": 1},  # A1
        ("2024-01-31", "110108", "science"): {"posts": 1, "headcount": 3},  # P1
        ("2024-02-01", "110108", "science"): {"posts": 1, "headcount": 2, "placements": 1},  # P2, A2
        ("2024-02-10", "110105", "commerce"): {"posts": 1, "headcount": 1},  # P3
        ("2024-02-20", "110108", "science"): {"placements": 1},  # A3
        ("2024-03-01", "110108", "science"): {"placements": 1},  # A4
    }


def test_graduates_take_up_per_university(programme):
    refresh.refresh_all(today=TODAY)
    assert universities() == {
        ("2024-01", "10001", "technical"): {"placements": 1, "in_internship": 1},  # A1
        ("2024-02", "10001", "technical"): {"placements": 1, "in_internship": 2},  # A2; A1 and A2 running
        ("2024-02", "10003", "technical"): {"placements": 1, "in_internship": 1},  # A3
        ("2024-03", "10001", "technical"): {"in_internship": 2},
        ("2024-03", "10003", "technical"): {"terminated": 1},
        ("2024-04", "10001", "technical"): {"in_internship": 1, "completed": 1, "retained": 1},  # A2
    }


def test_a_refresh_run_twice_or_by_district_or_by_month_gives_the_same_rows(programme):
    refresh.refresh_all(today=TODAY)
    refresh.refresh_all(today=TODAY)
    assert monthly() == EXPECTED_MONTHLY
    haidian = District.objects.get(code="110108").pk
    refresh.refresh(first=date(2024, 2, 1), last=date(2024, 4, 1), district_id=haidian)
    refresh.refresh(first=date(2024, 5, 1), last=date(2024, 5, 1))
    assert monthly() == EXPECTED_MONTHLY
    assert MonthlyDistrictStat.objects.filter(month=date(2024, 2, 1), district_id=haidian).count() == 1


def test_a_refresh_of_months_leaves_the_other_months_alone(programme):
    refresh.refresh(first=date(2024, 2, 1), last=date(2024, 2, 1))
    assert monthly() == {k: v for k, v in EXPECTED_MONTHLY.items() if k[0] == "2024-02"}


def test_rows_deleted_from_the_raw_data_leave_the_aggregates_at_the_next_full_refresh(programme):
    refresh.refresh_all(today=TODAY)
    programme.p3.delete()
    refresh.refresh_all(today=TODAY)
    assert ("2024-02", *CHAOYANG) not in monthly()


def test_every_refreshed_cell_is_stamped_and_a_change_marks_it_stale_until_the_next_refresh(programme):
    refresh.refresh_all(today=TODAY)
    assert not StatStamp.objects.filter(refreshed_at__isnull=True).exists()
    haidian = District.objects.get(code="110108").pk
    refresh.mark_changed(first=date(2024, 3, 1), last=date(2024, 4, 1), district_id=haidian)
    assert refresh.refresh_dirty() == [
        refresh.Refreshed(first=date(2024, 3, 1), last=date(2024, 4, 1), district_id=haidian)
    ]
    assert refresh.refresh_dirty() == []
    assert monthly() == EXPECTED_MONTHLY


@pytest.mark.parametrize("args", [[], ["--dirty"], ["--year", "2024"], ["--month", "2024-02"]])
def test_the_command_refreshes(programme, args, capsys):
    from django.core.management import call_command

    call_command("refresh_stats", *args)
    if args and args[0] != "--dirty":
        expected = {k: v for k, v in EXPECTED_MONTHLY.items() if "--month" not in args or k[0] == "2024-02"}
        assert monthly() == expected
    assert "district-months" in capsys.readouterr().out
