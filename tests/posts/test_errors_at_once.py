"""Errors in one round (issue #16 item 8): the post form shows every problem the service finds."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse

from jianxi.posts.models import Post
from tests.factories import TODAY
from tests.posts.test_pages import form

pytestmark = pytest.mark.django_db


def test_the_post_form_shows_every_problem_at_once_and_saves_nothing(client, world):
    client.force_login(world.host_staff)
    page = client.post(
        reverse("posts:create"),
        form(
            months="2",
            allowance="200000",
            recruit_end=(TODAY - timedelta(days=1)).isoformat(),
            expires_on=(TODAY - timedelta(days=2)).isoformat(),
        ),
    )
    assert page.status_code == 200 and not Post.objects.exists()
    errors = page.context["form"].errors
    assert {"months", "allowance", "recruit_end", "expires_on"} <= set(errors)
    text = page.content.decode()
    for message in ("招募截止日期不能早于开始日期", "岗位有效期不能早于招募截止日期", "见习期限应为 3 至 12 个月"):
        assert message in text
    assert text.count("（R-IN-1）（R-IN-1）") == 0  # the rule code is not doubled
