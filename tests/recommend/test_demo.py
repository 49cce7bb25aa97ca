"""The demo: 李明 has preferences and sees his next step and posts for him; a second run changes nothing."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from jianxi.accounts.models import User
from jianxi.recommend.models import Preference

pytestmark = pytest.mark.django_db


def test_li_ming_has_preferences_and_recommendations_and_the_demo_stays_idempotent(client):
    call_command("demo", stdout=io.StringIO())
    preference = Preference.objects.get(person__name="李明")
    before = (preference.digest, sorted(preference.districts.values_list("code", flat=True)), preference.updated_at)
    call_command("demo", stdout=io.StringIO())
    preference = Preference.objects.get(person__name="李明")
    assert Preference.objects.count() == 1
    assert (preference.digest, sorted(preference.districts.values_list("code", flat=True)),
            preference.updated_at) == before == ("weekly", ["110108"], before[2])  # fmt: skip
    client.force_login(User.objects.get(username="youth"))
    page = client.get("/").content.decode()
    assert 'data-testid="todo-internship-' in page and "见习中：北京数智科技有限公司“数据分析师助理”" in page
    assert page.count('data-testid="recommendation"') >= 2 and "软件开发见习生" in page
    assert "与您的专业（数据科学与大数据技术）相关" in page
