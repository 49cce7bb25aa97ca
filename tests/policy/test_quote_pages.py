"""The public 补贴测算 and 资格自测 pages: same answers as the API, errors in Chinese."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import make_id_number

pytestmark = pytest.mark.django_db


def quote_form(**change):
    data = {"district": "110108", "start": "2023-03-15", "end": "2023-09-14", "as_of": "2023-10-10"}
    data.update(change)
    return data


def test_quote_page_needs_no_login_and_shows_month_by_month_figures_with_rules(client):
    page = client.post(reverse("policy:quote"), quote_form(**{"att-2023-03": "12"})).content.decode()
    assert 'data-testid="quote-table"' in page
    assert "1210.43" in page and "2320.00 × 12 ÷ 23" in page
    assert "R-SUB-3" not in page  # issue #16: the formula for everyone, rule codes only for officers


def test_quote_page_blank_attendance_means_fully_attended(client):
    page = client.post(reverse("policy:quote"), quote_form()).content.decode()
    # March 2023 fully attended from the 15th: 2320 × 13 ÷ 23 = 1311.30
    assert "2320.00 × 13 ÷ 23" in page and "1311.30" in page


def test_quote_page_period_too_short_names_rule_R_IN_1(client):
    page = client.post(reverse("policy:quote"), quote_form(end="2023-05-01")).content.decode()
    # Issue #16: a visitor reads the rule in plain Chinese, without its code.
    assert "R-IN-1" not in page and "见习期限应为 3 至 12 个月" in page
    assert 'data-testid="quote-table"' not in page


def test_quote_page_attendance_beyond_scheduled_days_is_refused(client):
    page = client.post(reverse("policy:quote"), quote_form(**{"att-2023-03": "20"})).content.decode()
    assert "出勤 20 天" in page and 'data-testid="quote-table"' not in page


def test_quote_page_non_numeric_attendance_is_refused_in_chinese(client):
    page = client.post(reverse("policy:quote"), quote_form(**{"att-2023-03": "十二"})).content.decode()
    assert "出勤天数须为整数" in page


def test_quote_page_early_hire_shows_the_remaining_period_and_failed_conditions(client):
    data = quote_form(
        ended_early="2023-07-31",
        reason="hired",
        contract_start="2023-08-01",
        contract_months="6",
        insured_months="2023-08",
        employed_through="2023-09-30",
    )
    page = client.post(reverse("policy:quote"), data).content.decode()
    reasons = page.split('data-testid="rp-reasons"')[1].split("</ul>")[0]
    assert reasons.count("<li>") == 2 and "R-SUB-5" not in page


def test_quote_page_early_hire_without_contract_asks_for_it(client):
    page = client.post(reverse("policy:quote"), quote_form(ended_early="2023-07-31", reason="hired")).content.decode()
    assert "提前留用须填写劳动合同信息" in page


def test_eligibility_page_answers_with_reasons(client):
    data = {
        "id_number": make_id_number(3),
        "group": "college_graduate",
        "on": "2024-03-01",
        "graduation_date": "2023-07-01",
    }
    page = client.post(reverse("policy:eligibility"), data).content.decode()
    assert 'data-testid="eligibility-result"' in page and "暂不符合见习条件" in page
    assert "R-EL-1" not in page  # issue #16: no rule codes for visitors
    page = client.post(reverse("policy:eligibility"), {**data, "beijing_origin": "on"}).content.decode()
    assert "符合见习条件" in page


def test_eligibility_page_rejects_a_bad_id_number_in_chinese(client):
    data = {"id_number": "110108200105201234", "group": "college_graduate", "on": "2024-03-01"}
    page = client.post(reverse("policy:eligibility"), data).content.decode()
    assert "身份证号校验码" in page and 'data-testid="eligibility-result"' not in page


def test_the_quote_pages_share_the_limit_per_client_address(client, settings):
    settings.QUOTE_RATE_PER_MINUTE = 2
    codes = [client.post(reverse("policy:quote"), quote_form(), REMOTE_ADDR="10.9.9.9").status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    assert client.get(reverse("policy:quote"), REMOTE_ADDR="10.9.9.9").status_code == 200  # reading is free
