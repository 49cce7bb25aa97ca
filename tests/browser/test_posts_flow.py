"""Acceptance of "Host units and internship posts", in Chromium against the live server.

A host unit registers through the signup page, its district (海淀区, the demo officer ``haidian``)
approves it, the host publishes a post that the district approves, and a signed-out visitor finds
it by a Chinese keyword; the officer of another district (``chaoyang``) can neither see nor act
on it. A second test walks the return path: the district returns a post with a reason and the
host reads that reason on the post's page.

Data: the reference data and the demo accounts loaded by the ``site`` fixture (see conftest.py).
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from jianxi.core.validators import credit_code_check_char
from tests.browser.conftest import ARTIFACTS, sign_in_after_sign_up

HOST_NAME = "北京见微数据服务有限公司"
HOST_USER = "jianwei_hr"
HOST_PASSWORD = "Jianwei-Mima-2023"
# GB 32100: 17 characters from 0-9 and A-Z without I O S V Z, then the check character.
CREDIT_CODE_BODY = "91110108MA0XYW123"
POST_TITLE = "数据分析师助理"
PHONE = {"width": 390, "height": 844}


def nav(page: Any, label: str) -> None:
    page.get_by_role("navigation", name="主导航").get_by_role("link", name=label, exact=True).click()


def sign_out(page: Any) -> None:
    page.get_by_role("button", name="退出").click()
    expect(page.get_by_test_id("who")).to_have_count(0)


def sign_up_host(page: Any, site: str) -> None:
    page.goto(f"{site}/accounts/signup/host/")
    expect(page.get_by_role("heading", name="见习单位注册")).to_be_visible()
    page.get_by_label("用户名").fill(HOST_USER)
    page.get_by_label(re.compile(r"^密码")).fill(HOST_PASSWORD)
    page.get_by_label("确认密码").fill(HOST_PASSWORD)
    page.get_by_label("联系人姓名").fill("周敏")
    page.get_by_label("联系人手机").fill("13912345678")
    page.get_by_label("统一社会信用代码").fill(CREDIT_CODE_BODY + credit_code_check_char(CREDIT_CODE_BODY))
    page.get_by_label("单位名称").fill(HOST_NAME)
    page.get_by_label("单位类型").select_option(label="科技型企业")
    page.get_by_label("所在区").select_option(label="海淀区")
    page.get_by_label("单位地址").fill("北京市海淀区中关村大街 27 号")
    page.get_by_role("button", name="提交注册").click()


def create_post(page: Any) -> None:
    """On the host's 岗位管理: a new post, saved as a draft."""
    page.get_by_role("link", name="新建岗位").click()
    expect(page.get_by_role("heading", name="新建岗位")).to_be_visible()
    page.get_by_label("岗位名称").fill(POST_TITLE)
    page.get_by_label("岗位类别").select_option(label="技术技能类")
    page.get_by_label("岗位职责").fill("协助整理业务数据，编写数据分析报表，参与数据看板的维护。")
    page.get_by_label("学历要求").select_option(label="大学本科")
    page.get_by_label("专业要求").fill("统计学、计算机科学与技术")
    page.get_by_label("招募人数").fill("2")
    page.get_by_label("见习期限（月）").select_option("6")
    page.get_by_label("生活费").fill("3200")
    page.get_by_label("工作地点").select_option(label="海淀区")
    # The form means to pre-fill valid dates, but renders them as "2026/11/27", which a date input
    # drops (see test_new_post_form_prefills_dates): type them, as a user must today.
    today = timezone.localdate()
    page.get_by_label("招募开始日期").fill(today.isoformat())
    page.get_by_label("招募截止日期").fill((today + timedelta(days=60)).isoformat())
    page.get_by_label("岗位有效期至").fill((today + timedelta(days=90)).isoformat())
    page.get_by_role("button", name="保存草稿").click()


def our_row(page: Any) -> Any:
    """The row of the new host's post in the 岗位管理 table."""
    return page.get_by_test_id("manage-posts").get_by_role("row").filter(has_text=HOST_NAME)


def post_status(page: Any) -> Any:
    return page.get_by_test_id("post-status")


@pytest.fixture(autouse=True)
def _confirm_dialogs(page: Any) -> None:
    """Returning or closing a post asks first (<form data-confirm>, site.js): the officer confirms."""
    page.on("dialog", lambda dialog: dialog.accept())


@pytest.mark.browser
def test_host_registers_is_approved_publishes_and_visitor_finds_post(page: Any, site: str, login: Any):
    from jianxi.hosts.models import Host, HostStatus
    from jianxi.posts.models import Post, PostStatus

    # 1. A new host unit signs up and waits for its district.
    sign_up_host(page, site)
    sign_in_after_sign_up(page, HOST_USER, HOST_PASSWORD)
    expect(page).to_have_url(f"{site}/")
    home = page.get_by_test_id("home-host")
    expect(home).to_contain_text(HOST_NAME)
    expect(home).to_contain_text("等待所在区人社局审核")
    sign_out(page)

    # 2. The Haidian officer approves it from the home page's review link.
    login("haidian")
    page.get_by_test_id("todo-hosts-link").click()  # the home's to-do: 见习单位注册待审核
    expect(page.get_by_label("状态")).to_have_value("pending")
    page.locator("main table").get_by_role("link", name=HOST_NAME).click()
    expect(page.get_by_role("heading", name=HOST_NAME)).to_contain_text("待审核")
    page.get_by_test_id("host-review").get_by_role("button", name="审核通过", exact=True).click()
    expect(page.get_by_role("heading", name=HOST_NAME)).to_contain_text("已通过")
    assert Host.objects.get(name=HOST_NAME).status == HostStatus.APPROVED
    sign_out(page)

    # 3. The host creates a post, saves the draft, submits it.
    login(HOST_USER, HOST_PASSWORD)
    nav(page, "岗位管理")
    expect(page.get_by_role("heading", name="岗位管理")).to_be_visible()
    create_post(page)
    expect(page.get_by_role("heading", name=POST_TITLE)).to_be_visible()
    expect(post_status(page)).to_have_text("草稿")
    page.get_by_role("button", name="提交审核").click()
    expect(post_status(page)).to_have_text("待审核")
    post = Post.objects.get(title=POST_TITLE, host__name=HOST_NAME)
    sign_out(page)

    # 4. The Haidian officer publishes it from the home page's 审核岗位 queue.
    login("haidian")
    page.get_by_test_id("todo-posts-link").click()  # the home's to-do: 见习岗位待审核
    our_row(page).get_by_role("link", name=POST_TITLE).click()
    expect(page).to_have_url(f"{site}/posts/manage/{post.pk}/")
    expect(post_status(page)).to_have_text("待审核")
    page.get_by_role("button", name="审核通过并发布").click()
    expect(post_status(page)).to_have_text("已发布")
    sign_out(page)

    # 5. A signed-out visitor finds it by a Chinese keyword and opens it.
    nav(page, "岗位搜索")
    search = page.get_by_role("search", name="岗位搜索")
    search.get_by_label("关键词").fill("数据分析")
    search.get_by_role("button", name="搜索").click()
    expect(page).to_have_url(re.compile(r"/posts/\?.*q=%E6%95%B0%E6%8D%AE%E5%88%86%E6%9E%90"))
    # The demo host has a published post of the same title: ours is the one of our host.
    cards = page.get_by_test_id("search-results").get_by_test_id("post-card")
    card = cards.filter(has_text=POST_TITLE).filter(has_text=HOST_NAME)
    expect(card).to_have_count(1)
    expect(card).to_contain_text("生活费 3200")

    page.set_viewport_size(PHONE)
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "posts-search-phone.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"the search page is {overflow}px wider than the phone"

    card.get_by_role("link", name=POST_TITLE).click()
    expect(page).to_have_url(f"{site}/posts/{post.pk}/")
    expect(page.get_by_role("heading", name=POST_TITLE)).to_be_visible()
    expect(page.locator("main")).to_contain_text(HOST_NAME)

    # 6. The Chaoyang officer neither sees nor acts on it.
    login("chaoyang")
    nav(page, "岗位管理")
    expect(page.get_by_role("heading", name="岗位管理")).to_be_visible()
    expect(page.get_by_test_id("manage-posts").get_by_role("row").first).to_be_visible()
    expect(page.get_by_test_id("manage-posts")).not_to_contain_text(HOST_NAME)
    response = page.goto(f"{site}/posts/manage/{post.pk}/")
    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", name="页面不存在")).to_be_visible()
    expect(page.locator("main")).not_to_contain_text(POST_TITLE)

    token = page.locator("input[name=csrfmiddlewaretoken]").first.input_value()
    for action in ("approve", "return", "close"):
        answer = page.request.post(
            f"{site}/posts/manage/{post.pk}/{action}/", form={"csrfmiddlewaretoken": token, "reason": "越权测试"}
        )
        assert answer.status == 404, f"{action}: {answer.status}"
    post.refresh_from_db()
    assert post.status == PostStatus.PUBLISHED
    assert post.status_reason == ""


@pytest.mark.browser
def test_district_returns_post_with_reason_and_host_reads_it(page: Any, site: str, login: Any):
    from jianxi.accounts.models import User
    from jianxi.policy.models import PostCategory
    from jianxi.posts import services
    from jianxi.posts.forms import PostForm
    from jianxi.posts.models import Post, PostStatus

    # A submitted post of the demo host (北京数智科技有限公司, approved, in Haidian), made by the services.
    host_user = User.objects.get(username="host")
    form = PostForm(
        data={
            "title": "新媒体运营见习生",
            "category": PostCategory.objects.get(code="management").pk,
            "description": "负责公众号日常内容编辑。",
            "education": 2,
            "headcount": 1,
            "months": 6,
            "allowance": "3000",
            "district": host_user.host.district.pk,
            "recruit_start": timezone.localdate().isoformat(),
            "recruit_end": timezone.localdate().isoformat(),
            "expires_on": timezone.localdate().isoformat(),
        }
    )
    assert form.is_valid(), form.errors
    post = services.post_save_draft(actor=host_user, data=form.data_object())
    services.post_submit(actor=host_user, post_id=post.pk, today=timezone.localdate())
    reason = "岗位职责过于笼统，请补充具体工作内容和带教安排。"

    login("haidian")
    nav(page, "岗位管理")
    page.get_by_label("状态").select_option(label="待审核")
    page.get_by_role("button", name="筛选").click()
    page.get_by_test_id("manage-posts").get_by_role("link", name="新媒体运营见习生").click()
    expect(post_status(page)).to_have_text("待审核")
    page.get_by_label("理由").fill(reason)
    page.get_by_role("button", name="退回").click()
    expect(post_status(page)).to_have_text("已退回")
    sign_out(page)

    login("host")
    nav(page, "岗位管理")
    page.get_by_test_id("manage-posts").get_by_role("link", name="新媒体运营见习生").click()
    expect(post_status(page)).to_have_text("已退回")
    expect(page.locator("main")).to_contain_text(f"审核意见：{reason}")
    expect(page.get_by_role("button", name="提交审核")).to_be_visible()
    post.refresh_from_db()
    assert post.status == PostStatus.RETURNED and post.status_reason == reason
    assert Post.objects.filter(status=PostStatus.PUBLISHED, title="新媒体运营见习生").count() == 0


@pytest.mark.browser
def test_new_post_form_prefills_dates(page: Any, site: str, login: Any):
    today = timezone.localdate()
    login("host")
    page.goto(f"{site}/posts/manage/new/")
    expect(page.get_by_label("招募开始日期")).to_have_value(today.isoformat(), timeout=1_000)
    expect(page.get_by_label("招募截止日期")).to_have_value((today + timedelta(days=60)).isoformat(), timeout=1_000)
    expect(page.get_by_label("岗位有效期至")).to_have_value((today + timedelta(days=90)).isoformat(), timeout=1_000)
