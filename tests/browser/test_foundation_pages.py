"""The foundation's pages as people use them: in Chromium, in Chinese, against the live server.

Data: the reference data of the policy migration and the demo accounts of ``manage.py demo``
(loaded by the ``site`` fixture). Haidian (110108) is the district officer's own district;
朝阳优选电商有限公司 is a host in Chaoyang (110105), outside it.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest
from playwright.sync_api import expect

from jianxi.core.validators import resident_id_check_char
from tests.browser.conftest import ARTIFACTS, DEMO_PASSWORD, sign_in_after_sign_up

# Draws each text in the element's own font on a canvas and returns the pixels as data URLs.
DRAW_GLYPHS = """(el, texts) => texts.map((t) => {
    const canvas = document.createElement("canvas");
    canvas.width = 64; canvas.height = 64;
    const ctx = canvas.getContext("2d");
    ctx.font = getComputedStyle(el).font;
    ctx.fillText(t, 4, 48);
    return canvas.toDataURL();
})"""

OUR_HOST = "北京数智科技有限公司"
OTHER_HOST = "朝阳优选电商有限公司"


def resident_id(first17: str) -> str:
    return first17 + resident_id_check_char(first17)


# username, home page test id, display name shown in the header
DEMO_LOGINS = [
    ("city", "home-city", "市人社局 张科长"),
    ("haidian", "home-district", "海淀区人社局 王老师"),
    ("chaoyang", "home-district", "朝阳区人社局 陈老师"),
    ("kewei", "home-department", "市科委 赵老师"),
    ("pku", "home-university", "北京大学就业指导中心"),
    ("host", "home-host", "数智科技 人事部"),
    ("youth", "home-youth", "李明"),
]


@pytest.mark.browser
@pytest.mark.parametrize(("username", "home_testid", "display_name"), DEMO_LOGINS, ids=[u for u, *_ in DEMO_LOGINS])
def test_each_demo_login_lands_on_its_role_home(
    page: Any, site: str, username: str, home_testid: str, display_name: str
):
    page.goto(f"{site}/accounts/login/")
    page.get_by_label("用户名", exact=True).fill(username)
    page.get_by_label("密码", exact=True).fill(DEMO_PASSWORD)
    page.locator("main").get_by_role("button", name="登录").click()

    expect(page).to_have_url(f"{site}/")
    expect(page.get_by_test_id(home_testid)).to_be_visible()
    expect(page.get_by_test_id("who")).to_contain_text(display_name)
    expect(page.get_by_role("button", name="退出")).to_be_visible()


def fill_quote(page: Any, site: str, *, start: str, end: str) -> None:
    page.goto(f"{site}/policy/quote/")
    expect(page.get_by_role("heading", name="见习补贴测算")).to_be_visible()
    page.locator("select[name=district]").select_option("110108")
    page.locator("input[name=start]").fill(start)
    page.locator("input[name=end]").fill(end)
    page.get_by_role("button", name="测算", exact=True).click()


def quote_with_march_attendance(page: Any, site: str) -> Any:
    """A visitor's quote for 2023-03-15 … 2023-09-14 in Haidian, then March cut to 12 days."""
    fill_quote(page, site, start="2023-03-15", end="2023-09-14")
    expect(page.get_by_test_id("quote-table")).to_be_visible()
    page.locator("input[name='att-2023-03']").fill("12")
    page.get_by_role("button", name="重新测算").click()
    table = page.get_by_test_id("quote-table")
    expect(table).to_be_visible()
    return table


@pytest.mark.browser
def test_visitor_quotes_subsidy_with_reduced_march_attendance(page: Any, site: str):
    table = quote_with_march_attendance(page, site)

    rows = table.locator("tbody tr")
    expect(rows).to_have_count(7)  # 2023-03 … 2023-09
    march = rows.filter(has=page.locator("td:first-child", has_text="2023-03"))
    expect(march).to_have_count(1)
    expect(march.locator("td").nth(2)).to_contain_text("× 12 ÷")
    expect(march.locator("td").nth(6)).to_have_text("1210.43")
    # The attendance grid keeps what was typed.
    expect(page.locator("input[name='att-2023-03']")).to_have_value("12")

    totals = [Decimal(text.strip()) for text in rows.locator("td:nth-child(7)").all_inner_texts()]
    assert len(totals) == 7
    assert Decimal(page.get_by_test_id("internship-total").inner_text().strip()) == sum(totals)


@pytest.mark.browser
def test_quote_with_end_before_start_shows_error_and_no_table(page: Any, site: str):
    fill_quote(page, site, start="2023-09-14", end="2023-03-15")

    error = page.locator(".errorlist[data-field=end]")
    expect(error).to_be_visible()
    expect(error).to_contain_text("结束日期早于开始日期")
    expect(page.get_by_test_id("quote-table")).to_have_count(0)
    expect(page.get_by_role("button", name="测算", exact=True)).to_be_visible()


def check_eligibility(page: Any, site: str, *, beijing_origin: bool) -> Any:
    page.goto(f"{site}/policy/eligibility/")
    page.get_by_label("公民身份号码").fill(resident_id("11010820010520123"))
    page.get_by_label("人员类别").select_option(label="高校毕业生")
    page.get_by_label("拟开始见习日期").fill("2024-03-01")
    page.get_by_label("毕业日期").fill("2023-07-01")
    page.get_by_label("北京生源").set_checked(beijing_origin)
    page.get_by_role("button", name="检查").click()
    result = page.get_by_test_id("eligibility-result")
    expect(result).to_be_visible()
    return result


@pytest.mark.browser
def test_eligibility_self_check_graduate_with_beijing_origin(page: Any, site: str):
    result = check_eligibility(page, site, beijing_origin=True)

    expect(result).to_contain_text("符合见习条件。")
    expect(result).not_to_contain_text("暂不符合")
    expect(result).not_to_contain_text("R-EL-1")  # issue #16: plain Chinese for visitors
    expect(result).to_contain_text("届时年龄 22 周岁")


@pytest.mark.browser
def test_eligibility_self_check_without_beijing_origin_names_the_rule(page: Any, site: str):
    result = check_eligibility(page, site, beijing_origin=False)

    expect(result).to_contain_text("暂不符合见习条件")
    expect(result.locator("li")).to_have_count(1)
    expect(result.locator("li")).to_contain_text("北京生源")
    expect(result).not_to_contain_text("R-EL-1")  # issue #16: no rule codes for visitors


def sign_up_youth(page: Any, site: str, *, username: str, id_number: str) -> None:
    page.goto(f"{site}/accounts/signup/youth/")
    expect(page.get_by_role("heading", name="见习人员注册")).to_be_visible()
    page.get_by_label("用户名").fill(username)
    page.get_by_label(re.compile(r"^密码")).fill("Qingnian-Mima-2023")
    page.get_by_label("确认密码").fill("Qingnian-Mima-2023")
    page.get_by_label("姓名").fill("赵小青")
    page.get_by_label("公民身份号码").fill(id_number)
    page.get_by_label("手机号码").fill("13812345678")
    page.get_by_label("人员类别").select_option(label="高校毕业生")
    page.get_by_label("登记区").select_option(label="海淀区")
    page.get_by_label("毕业高校（本市高校）").select_option(label="北京大学")
    page.get_by_label("毕业日期").fill("2023-07-01")
    page.get_by_label("北京生源").check()
    page.get_by_role("button", name="提交注册").click()


@pytest.mark.browser
def test_youth_signup_then_duplicate_id_number_opens_no_second_account(page: Any, site: str):
    id_number = resident_id("11010820020611035")

    sign_up_youth(page, site, username="zhaoxq", id_number=id_number)
    sign_in_after_sign_up(page, "zhaoxq", "Qingnian-Mima-2023")
    expect(page).to_have_url(f"{site}/")
    expect(page.get_by_test_id("home-youth")).to_be_visible()
    expect(page.get_by_test_id("home-youth")).to_contain_text("高校毕业生 · 海淀区")
    expect(page.get_by_test_id("who")).to_contain_text("赵小青")

    page.get_by_role("button", name="退出").click()
    expect(page.get_by_test_id("who")).to_have_count(0)
    sign_up_youth(page, site, username="zhaoxq2", id_number=id_number)

    # The same answer as a first sign-up (issue #11), but no second account: signing in fails.
    sign_in_after_sign_up(page, "zhaoxq2", "Qingnian-Mima-2023")
    expect(page.get_by_test_id("who")).to_have_count(0)


@pytest.mark.browser
def test_district_officer_sees_only_own_district_hosts(page: Any, site: str, login: Any):
    from jianxi.hosts.models import Host

    other_pk = Host.objects.get(name=OTHER_HOST).pk
    login("haidian")
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="见习单位").click()
    expect(page.get_by_role("heading", name="见习单位")).to_be_visible()

    table = page.locator("main table")
    expect(table.get_by_role("link", name=OUR_HOST)).to_be_visible()
    expect(table).not_to_contain_text(OTHER_HOST)

    response = page.goto(f"{site}/hosts/{other_pk}/")
    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", name="页面不存在")).to_be_visible()
    expect(page.locator("main")).not_to_contain_text(OTHER_HOST)


@pytest.mark.browser
def test_site_stylesheet_is_served(page: Any, site: str):
    with page.expect_response(lambda r: r.url.endswith("/jianxi/site.css")) as css:
        page.goto(f"{site}/policy/quote/")
    assert css.value.status == 200
    # The brand colour of header.top comes from site.css only.
    assert page.locator("header.top").evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(180, 35, 42)"


@pytest.mark.browser
@pytest.mark.parametrize(
    ("label", "viewport"),
    [("phone", {"width": 390, "height": 844}), ("desktop", {"width": 1280, "height": 900})],
    ids=["phone", "desktop"],
)
def test_quote_result_layout_and_screenshots(page: Any, site: str, label: str, viewport: dict[str, int]):
    page.set_viewport_size(viewport)
    quote_with_march_attendance(page, site)
    expect(page.get_by_test_id("quote-total")).to_be_visible()
    expect(page.locator("header.top")).to_have_css("background-color", "rgb(180, 35, 42)")

    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"quote-{label}-{viewport['width']}x{viewport['height']}.png"
    page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 10_000

    # The page itself must not scroll sideways: wide tables scroll inside their .table-wrap.
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"page is {overflow}px wider than the {label} viewport"
    # The Chinese renders as glyphs, not as "tofu": with no CJK font every character would be drawn
    # as the same empty box, so two different characters would give the same pixels.
    glyphs = page.locator("h1").first.evaluate(DRAW_GLYPHS, ["见", "习", ""])
    assert glyphs[0] != glyphs[2], "见 draws nothing"
    assert glyphs[0] != glyphs[1], "见 and 习 draw the same pixels: no CJK font (tofu)"


def test_the_clock_is_frozen_for_the_server_and_the_browser(page, site):
    from django.utils import timezone

    from jianxi.policy.selectors import work_calendar
    from tests.browser.conftest import FROZEN_AT

    assert timezone.localdate() == FROZEN_AT.date()
    assert work_calendar([FROZEN_AT.year]).is_covered(FROZEN_AT.year)  # the official calendar knows the year
    page.goto(site + "/")
    assert page.evaluate("new Date().toISOString().slice(0, 10)") == FROZEN_AT.date().isoformat()
