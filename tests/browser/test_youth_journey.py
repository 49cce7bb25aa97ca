"""Acceptance of "Young people and placements", in Chromium against the live server.

A young person signs up, finds the demo host's post 数据分析师助理 and applies; the host
(北京数智科技有限公司 in 海淀区, demo login ``host``) screens, schedules an online interview and
makes an offer, which the young person accepts; the host draws up the agreement, both sides
confirm it, the host records a month of attendance (and is refused more days than scheduled),
then registers an early hire; the certificate's code is verified by a signed-out visitor. A
second test checks that the officer of another district (``chaoyang``) cannot open the agreement.

The clock is frozen (conftest.FROZEN_AT); the dates are picked relative to its today.
The agreement starts on the first day of the current month (the service accepts a start in the
past), so the current month has begun and its attendance may be recorded; the early hire's last
internship day is the last day of the current month, well before the agreed end.

Data: the reference data and the demo accounts loaded by the ``site`` fixture (see conftest.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from jianxi.core.validators import resident_id_check_char
from jianxi.policy.engine import add_months
from tests.browser.conftest import ARTIFACTS, sign_in_after_sign_up

HOST_NAME = "北京数智科技有限公司"
POST_TITLE = "数据分析师助理"
YOUTH_USER = "chensiyuan"
YOUTH_PASSWORD = "Qingnian-Mima-2023"
YOUTH_NAME = "陈思远"
ID_BODY = "11010820020304123"  # 海淀区, born 2002-03-04
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


@dataclass(frozen=True)
class Dates:
    """The flow's dates, relative to the server's today (Asia/Shanghai)."""

    today: date
    graduated: date  # about five months ago: within R-EL-1's two years
    start: date  # the first day of the previous month: that month has ended, its attendance is final
    end: date  # six months
    ended_on: date  # early hire: today (an end cannot be recorded before it happens)
    contract_start: date

    @property
    def month(self) -> str:
        return f"{self.start:%Y-%m}"

    @property
    def insured_month(self) -> str:
        return f"{self.contract_start:%Y-%m}"


def journey_dates() -> Dates:
    today = timezone.localdate()
    start = add_months(today.replace(day=1), -1)
    ended_on = today
    return Dates(
        today=today,
        graduated=today - timedelta(days=150),
        start=start,
        end=add_months(start, 6) - timedelta(days=1),
        ended_on=ended_on,
        contract_start=ended_on + timedelta(days=1),
    )


def resident_id(first17: str) -> str:
    return first17 + resident_id_check_char(first17)


def nav(page: Any, label: str) -> None:
    page.get_by_role("navigation", name="主导航").get_by_role("link", name=label, exact=True).click()


def sign_out(page: Any) -> None:
    page.get_by_role("button", name="退出").click()
    expect(page.get_by_test_id("who")).to_have_count(0)


def message(page: Any, text: str) -> Any:
    return page.locator("ul.messages li", has_text=text)


def application_status(page: Any) -> Any:
    return page.get_by_test_id("application-status")


def agreement_status(page: Any) -> Any:
    return page.get_by_test_id("agreement-status")


def open_application(page: Any) -> None:
    """From anywhere: 见习申请 in the navigation, then our young person's application."""
    nav(page, "见习申请")
    row = page.get_by_test_id("applications").get_by_role("row").filter(has_text=YOUTH_NAME)
    expect(row).to_have_count(1)
    row.get_by_role("link", name=POST_TITLE).click()
    expect(page.get_by_role("heading", name=POST_TITLE)).to_be_visible()


def open_agreement(page: Any) -> None:
    nav(page, "见习协议")
    page.get_by_test_id("agreements").get_by_role("link", name=YOUTH_NAME).click()
    expect(page.get_by_role("heading", name="就业见习协议书")).to_be_visible()


def sign_up(page: Any, site: str, d: Dates) -> None:
    page.goto(f"{site}/accounts/signup/youth/")
    expect(page.get_by_role("heading", name="见习人员注册")).to_be_visible()
    page.get_by_label("用户名").fill(YOUTH_USER)
    page.get_by_label(re.compile(r"^密码")).fill(YOUTH_PASSWORD)
    page.get_by_label("确认密码").fill(YOUTH_PASSWORD)
    page.get_by_label(re.compile(r"^姓名")).fill(YOUTH_NAME)
    page.get_by_label("公民身份号码").fill(resident_id(ID_BODY))
    page.get_by_label("手机号码").fill("13812345679")
    page.get_by_label("人员类别").select_option(label="高校毕业生")
    page.get_by_label("登记区").select_option(label="海淀区")
    page.get_by_label(re.compile(r"^学历")).select_option(label="大学本科")
    page.get_by_label("毕业高校（本市高校）").select_option(label="北京大学")
    page.get_by_label(re.compile(r"^专业")).fill("统计学")
    page.get_by_label("毕业日期").fill(d.graduated.isoformat())
    page.get_by_label("北京生源").check()
    page.get_by_role("button", name="提交注册").click()


def screenshot(page: Any, name: str) -> None:
    """A full-page phone-size screenshot; the page itself must not scroll sideways."""
    page.set_viewport_size(PHONE)
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}-phone-390x844.png"
    page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 10_000
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    page.set_viewport_size(DESKTOP)
    assert overflow <= 0, f"{name}: the page is {overflow}px wider than the phone"


@pytest.mark.browser
def test_youth_signs_up_applies_is_placed_hired_early_and_certified(page: Any, site: str, login: Any):
    from jianxi.placements.models import Agreement, AgreementStatus, Application, Attendance, Outcome

    d = journey_dates()

    # 1. Signed out, a young person signs up and lands on their home page.
    sign_up(page, site, d)
    sign_in_after_sign_up(page, YOUTH_USER, YOUTH_PASSWORD)
    expect(page).to_have_url(f"{site}/")
    expect(page.get_by_test_id("home-youth")).to_contain_text("高校毕业生 · 海淀区")
    expect(page.get_by_test_id("who")).to_contain_text(YOUTH_NAME)

    # 2. They find 数据分析师助理 by a Chinese keyword and apply.
    nav(page, "岗位搜索")
    search = page.get_by_role("search", name="岗位搜索")
    search.get_by_label("关键词").fill("数据分析")
    search.get_by_role("button", name="搜索").click()
    card = page.get_by_test_id("search-results").get_by_test_id("post-card").filter(has_text=HOST_NAME)
    card = card.filter(has=page.get_by_role("link", name=POST_TITLE, exact=True))
    expect(card).to_have_count(1)
    card.get_by_role("link", name=POST_TITLE).click()
    expect(page.get_by_role("heading", name=POST_TITLE)).to_be_visible()
    page.get_by_role("button", name="申请这个岗位").click()
    expect(page).to_have_url(re.compile(r"/placements/applications/\d+/$"))
    expect(application_status(page)).to_have_text("已申请")
    expect(message(page, "申请已提交")).to_be_visible()
    application = Application.objects.get(person__name=YOUTH_NAME, post__title=POST_TITLE)
    sign_out(page)

    # 3. The host screens the application, schedules an online interview, makes an offer.
    login("host")
    open_application(page)
    expect(application_status(page)).to_have_text("已申请")
    page.get_by_role("button", name="进入筛选").click()
    expect(application_status(page)).to_have_text("筛选中")
    interview_at = datetime.combine(d.today + timedelta(days=2), time(10, 0))
    page.locator("input[name=interview_at]").fill(f"{interview_at:%Y-%m-%dT%H:%M}")
    page.get_by_label("线上面试").check()
    page.get_by_role("button", name="安排面试").click()
    expect(application_status(page)).to_have_text("待面试")
    expect(page.locator("main .facts").first).to_contain_text(f"{interview_at:%Y-%m-%d %H:%M} · 线上")
    page.get_by_role("button", name="发出录用通知").click()
    expect(application_status(page)).to_have_text("拟录用")
    sign_out(page)

    # 4. The young person accepts the offer.
    login(YOUTH_USER, YOUTH_PASSWORD)
    nav(page, "见习申请")
    expect(page.get_by_role("heading", name="我的申请")).to_be_visible()
    page.get_by_test_id("applications").get_by_role("link", name=POST_TITLE).click()
    expect(application_status(page)).to_have_text("拟录用")
    page.get_by_role("button", name="接受录用").click()
    expect(application_status(page)).to_have_text("已接受")
    sign_out(page)

    # 5. The host draws up the agreement and confirms it.
    login("host")
    open_application(page)
    expect(application_status(page)).to_have_text("已接受")
    page.get_by_role("link", name="签订见习协议").click()
    expect(page.get_by_role("heading", name="签订见习协议")).to_be_visible()
    page.get_by_label("见习开始日期").fill(d.start.isoformat())
    page.get_by_label("协议约定结束日期").fill(d.end.isoformat())
    page.get_by_label("生活费（元/月）").fill("3000")
    page.get_by_label("带教人").fill("王老师")
    page.get_by_label("岗前培训日期").fill(d.start.isoformat())
    page.get_by_label("意外伤害保险保单号").fill("PICC-2026-000123")
    page.get_by_role("button", name="生成见习协议").click()
    expect(page).to_have_url(re.compile(r"/placements/agreements/\d+/$"))
    expect(page.get_by_role("heading", name="就业见习协议书")).to_be_visible()
    expect(agreement_status(page)).to_have_text("待双方确认")
    agreement_card = page.get_by_test_id("agreement")
    expect(agreement_card).to_contain_text(YOUTH_NAME)
    expect(agreement_card).to_contain_text(f"{d.start.year}年{d.start.month}月{d.start.day}日")
    expect(agreement_card).to_contain_text("王老师")
    agreement = Agreement.objects.get(application=application)
    assert (agreement.start, agreement.end, agreement.eligibility_rule) == (d.start, d.end, "R-EL-1")
    page.get_by_role("button", name="确认协议").click()
    expect(message(page, "已确认")).to_be_visible()
    expect(agreement_status(page)).to_have_text("待双方确认")
    expect(page.get_by_role("button", name="确认协议")).to_have_count(0)
    sign_out(page)

    # 6. The young person confirms too: the internship is under way.
    login(YOUTH_USER, YOUTH_PASSWORD)
    open_agreement(page)
    expect(agreement_status(page)).to_have_text("待双方确认")
    page.get_by_role("button", name="确认协议").click()
    expect(agreement_status(page)).to_have_text("见习中")
    sign_out(page)

    # 7. The host records the current month's attendance.
    login("host")
    open_agreement(page)
    expect(agreement_status(page)).to_have_text("见习中")
    page.get_by_role("link", name="考勤", exact=True).click()
    expect(page.get_by_role("heading", name=re.compile(r"^考勤"))).to_contain_text(YOUTH_NAME)
    grid = page.get_by_test_id("attendance-grid")
    expect(grid.locator("tbody tr")).to_have_count(6)  # from the 1st: six whole calendar months
    row = grid.locator("tbody tr").filter(has=page.locator("td.month", has_text=d.month))
    expect(row).to_have_count(1)
    scheduled = int(row.locator("td").nth(2).inner_text())
    assert scheduled > 2
    attended = scheduled - 2
    days = row.get_by_label(d.month)
    days.fill(str(attended))
    page.get_by_role("button", name="保存考勤").click()
    expect(message(page, "已保存 1 个月的考勤")).to_be_visible()
    expect(row.locator("td").nth(4)).to_have_text("已填报")
    expect(days).to_have_value(str(attended))

    # More days than scheduled: the browser refuses first (max attribute) …
    days.fill(str(scheduled + 1))
    assert days.evaluate("e => e.validity.rangeOverflow") is True
    # … and, without that check, so does the server, in Chinese, changing nothing.
    page.locator("form:has([data-testid=attendance-grid])").evaluate("f => { f.noValidate = true; }")
    page.get_by_role("button", name="保存考勤").click()
    error = page.locator("ul.messages li.error")
    expect(error).to_contain_text(f"{d.month} 出勤 {scheduled + 1} 天，应在 0 至 {scheduled} 天之间")
    expect(row.locator("td").nth(4)).to_have_text("已填报")
    # Nothing typed is lost: the refused value stays in the box for the host to correct.
    expect(days).to_have_value(str(scheduled + 1))
    assert Attendance.objects.get(agreement=agreement, month=d.start).attended_days == attended
    screenshot(page, "attendance")

    # 8. The host registers an early hire at the end of the current month.
    page.get_by_role("link", name="返回见习协议").click()
    page.get_by_role("link", name="登记见习结束").click()
    expect(page.get_by_role("heading", name=re.compile(r"^登记见习结束"))).to_be_visible()
    page.get_by_label("结束方式").select_option(label="提前留用（签订劳动合同）")
    page.get_by_label("最后见习日").fill(d.ended_on.isoformat())
    page.get_by_label("劳动合同起始日").fill(d.contract_start.isoformat())
    page.get_by_label("劳动合同签订日期").fill(d.ended_on.isoformat())  # signed on the last internship day
    page.get_by_label("劳动合同期限（月）").fill("12")
    page.get_by_label("已缴社保月份").fill(d.insured_month)
    page.get_by_role("button", name="登记", exact=True).click()
    expect(message(page, "已登记见习结束")).to_be_visible()
    expect(agreement_status(page)).to_have_text("已结束")
    outcome = page.get_by_test_id("outcome")
    expect(outcome).to_contain_text("提前留用（签订劳动合同）")
    expect(outcome).to_contain_text(
        f"{d.contract_start:%Y-%m-%d} · 12 个月 · 签订日期 {d.ended_on:%Y-%m-%d} · 社保 {d.insured_month}"
    )
    expect(page.get_by_test_id("retained")).to_have_text("已留用")

    page.get_by_role("link", name="见习证明").click()
    certificate = page.get_by_test_id("certificate")
    expect(certificate.get_by_role("heading", name="见习证明")).to_be_visible()
    expect(certificate).to_contain_text(YOUTH_NAME)
    expect(certificate).to_contain_text(HOST_NAME)
    expect(certificate).to_contain_text("提前留用")
    found = re.search(r"验证码：([0-9A-Z]+)", certificate.inner_text())
    assert found is not None
    code = found.group(1)
    agreement.refresh_from_db()
    assert (agreement.status, agreement.outcome, agreement.retained) == (AgreementStatus.ENDED, Outcome.HIRED, True)
    assert agreement.ended_on == d.ended_on and agreement.certificate_code == code
    screenshot(page, "certificate")
    sign_out(page)

    # 9. Signed out, anyone checks the code.
    nav(page, "证明验证")
    expect(page.get_by_role("heading", name="见习证明验证")).to_be_visible()
    page.get_by_label("验证码").fill(code)
    page.get_by_role("button", name="验证").click()
    result = page.get_by_test_id("verify-result")
    expect(result).to_contain_text("证明真实有效")
    expect(result).to_contain_text(YOUTH_NAME)
    expect(result).to_contain_text(HOST_NAME)
    expect(result).to_contain_text(POST_TITLE)


@pytest.mark.browser
def test_other_district_officer_cannot_open_the_agreement(page: Any, site: str, login: Any):
    from jianxi.accounts.models import User
    from jianxi.placements import services
    from jianxi.placements.models import Application, ApplicationStatus
    from jianxi.policy.models import District, University
    from jianxi.posts.models import Post
    from jianxi.youth.models import Group, Person

    d = journey_dates()
    person = Person.objects.create(
        id_number=resident_id(ID_BODY),
        name=YOUTH_NAME,
        birth_date=date(2002, 3, 4),
        phone="13812345679",
        group=Group.COLLEGE_GRADUATE,
        district=District.objects.get(code="110108"),
        university=University.objects.get(code="10001"),
        graduation_date=d.graduated,
        beijing_origin=True,
    )
    post = Post.objects.get(title=POST_TITLE, host__name=HOST_NAME)
    application = Application.objects.create(post=post, person=person, status=ApplicationStatus.ACCEPTED)
    agreement = services.agreement_create(
        actor=User.objects.get(username="host"),
        application_id=application.pk,
        terms=services.AgreementTerms(
            start=d.start,
            end=d.end,
            allowance=post.allowance,
            mentor="王老师",
            training_date=d.start,
            insurance_policy="PICC-2026-000124",
        ),
    )
    url = f"{site}/placements/agreements/{agreement.pk}/"

    # The officer of the host's own district opens it …
    login("haidian")
    response = page.goto(url)
    assert response is not None and response.status == 200
    expect(page.get_by_test_id("agreement")).to_contain_text(YOUTH_NAME)
    sign_out(page)

    # … the officer of another district finds neither it nor its pages.
    login("chaoyang")
    nav(page, "见习协议")
    expect(page.get_by_test_id("agreements")).to_be_visible()  # its own (the demo's Chaoyang internships) …
    expect(page.get_by_test_id("agreements")).not_to_contain_text(YOUTH_NAME)  # … and not ours
    for path in ("", "attendance/", "certificate/"):
        response = page.goto(url + path)
        assert response is not None and response.status == 404, f"{path or 'agreement'}: {response.status}"
        expect(page.get_by_role("heading", name="页面不存在")).to_be_visible()
        expect(page.locator("main")).not_to_contain_text(YOUTH_NAME)
