from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from jianxi.policy.models import PostCategory
from jianxi.posts.models import EducationLevel
from jianxi.youth.models import Education
from tests.factories import TODAY, HostFactory, PostFactory, district

NOW = datetime(2026, 11, 26, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def person(world):
    """Our young person: a bachelor of statistics registered in 海淀."""
    p = world.our_person
    p.major, p.education = "统计学", Education.BACHELOR
    p.save()
    return p


def category(code: str) -> PostCategory:
    return PostCategory.objects.get(code=code)


def post(*, days_old: float = 1, district_code: str = "110108", **fields):
    """A post open on TODAY (its recruiting window and validity around it), ``days_old`` days old."""
    host = fields.pop("host", None) or HostFactory(district=district(district_code))
    values = {
        "host": host,
        "title": "综合管理见习岗",
        "education": EducationLevel.ANY,
        "recruit_start": TODAY - timedelta(days=10),
        "recruit_end": TODAY + timedelta(days=20),
        "expires_on": TODAY + timedelta(days=40),
        "published_at": timezone.now() - timedelta(days=days_old),
        "headcount": 3,
    }
    values.update(fields)
    return PostFactory(**values)
