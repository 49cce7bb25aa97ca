"""The city's exchange page on a phone (390 × 844): the dead letter's retry, confirmed, fits the screen."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from jianxi.exchange.models import MessageRetry, MessageState, OutboxMessage
from jianxi.posts.events import PostChange, posts_changed
from jianxi.posts.models import Post, PostStatus
from tests.browser.test_phone import overflow, phone, serious_violations, sign_in

pytestmark = pytest.mark.browser
__all__ = ["phone"]  # the fixture


def test_the_city_retries_a_dead_letter_on_a_phone(phone: Any, site: str) -> None:
    posts = list(Post.objects.filter(status=PostStatus.PUBLISHED)[:3])
    posts_changed([PostChange(p.pk, PostStatus.SUBMITTED, PostStatus.PUBLISHED) for p in posts])
    dead = OutboxMessage.objects.order_by("id").first()
    error = "HTTP 500 " + "专区服务暂时不可用，请稍后重试。" * 6  # a long error: it must wrap, not widen the page
    OutboxMessage.objects.filter(pk=dead.pk).update(state=MessageState.DEAD, attempts=8, last_error=error)

    sign_in(phone, site, "city")
    phone.get_by_test_id("exchange-link").get_by_role("link", name="发送失败").click()
    row = phone.get_by_test_id(f"message-{dead.pk}")
    expect(row).to_contain_text("发送失败")
    assert overflow(phone) == 0
    assert serious_violations(phone) == []
    row.get_by_test_id(f"retry-{dead.pk}").click()
    expect(phone.locator("h1")).to_have_text("重新发送专区消息")
    assert overflow(phone) == 0
    phone.locator("#reason").fill("专区已恢复")
    phone.get_by_test_id("confirm-retry").click()
    expect(phone.locator(".messages")).to_contain_text("已重新排入发送队列")
    dead.refresh_from_db()
    assert dead.state == MessageState.PENDING and dead.attempts == 0
    assert MessageRetry.objects.get().reason == "专区已恢复"
    assert overflow(phone) == 0
