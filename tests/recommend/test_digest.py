"""新岗位推荐: the opt-in digest — new matching posts only, once per period, nothing when nothing is new."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from jianxi.core.models import Notification
from jianxi.recommend import services
from jianxi.recommend.digest import period_of, send_digests
from jianxi.recommend.models import DigestSent
from jianxi.recommend.tasks import send_digests_task
from tests.factories import TODAY, district
from tests.recommend.conftest import category, post

pytestmark = pytest.mark.django_db


def opt_in(world, digest: str = "weekly", *, days_ago: float = 2):
    return services.preference_save(actor=world.youth, districts=[district("110108")],
                                    categories=[category("technical")], digest=digest,
                                    now=timezone.now() - timedelta(days=days_ago))  # fmt: skip


def matching(**fields):
    values = {"title": "统计分析见习生", "majors": "统计学", "category": category("technical"), "days_old": 1}
    values.update(fields)
    return post(**values)


def run(capture, today=TODAY):
    with capture(execute=True):
        return send_digests(today=today, now=timezone.now())


def test_a_weekly_digest_names_the_new_matching_posts_once_a_week(world, person, django_capture_on_commit_callbacks):
    world.youth.email = "liming@example.com"
    world.youth.save()
    opt_in(world)
    new = matching()
    matching(days_old=5)  # published before the person opted in: not new
    result = run(django_capture_on_commit_callbacks)
    assert (result.sent, result.empty, result.already) == (1, 0, 0)
    notice = Notification.objects.get(user=world.youth)
    assert "1 个符合您偏好的新见习岗位" in notice.message and new.title in notice.message
    assert notice.link == "/recommend/"
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["liming@example.com"]
    sent = DigestSent.objects.get(person=person)
    assert sent.period == period_of("weekly", TODAY) == "2026-W48" and sent.posts == [new.pk]
    # Again the same week, even with a new post: nothing more this week.
    matching(title="统计见习岗")
    assert run(django_capture_on_commit_callbacks).already == 1
    assert Notification.objects.count() == 1 and DigestSent.objects.count() == 1


def test_next_week_only_what_was_published_since_the_last_digest(world, person, django_capture_on_commit_callbacks):
    opt_in(world)
    matching()
    run(django_capture_on_commit_callbacks)
    next_week = TODAY + timedelta(days=7)
    with time_machine.travel(timezone.now() + timedelta(days=7), tick=False):
        assert run(django_capture_on_commit_callbacks, next_week).empty == 1  # nothing new: nothing sent
        assert Notification.objects.count() == 1
        later = matching(days_old=0.1)
        result = run(django_capture_on_commit_callbacks, next_week)
        assert result.sent == 1
        latest = DigestSent.objects.filter(person=person).order_by("-sent_at").first()
        assert latest.period == "2026-W49" and latest.posts == [later.pk]


def test_nothing_is_sent_when_nothing_new_scores_above_the_threshold(world, person, django_capture_on_commit_callbacks):
    opt_in(world)
    post(title="行政前台", district_code="110112", days_old=1)  # new, but matches nothing of the person
    assert run(django_capture_on_commit_callbacks).empty == 1
    assert not Notification.objects.exists() and not DigestSent.objects.exists()


def test_a_daily_digest_goes_out_once_a_day(world, person, django_capture_on_commit_callbacks):
    opt_in(world, "daily")
    matching()
    assert run(django_capture_on_commit_callbacks).sent == 1
    assert run(django_capture_on_commit_callbacks).already == 1
    assert DigestSent.objects.get().period == "2026-11-26"


def test_those_who_did_not_opt_in_get_nothing(world, person, django_capture_on_commit_callbacks):
    opt_in(world, "off")
    matching()
    result = run(django_capture_on_commit_callbacks)
    assert (result.sent, result.empty, result.already) == (0, 0, 0)
    assert not Notification.objects.exists()


def test_switching_the_digest_off_and_on_again_starts_afresh(world, person, django_capture_on_commit_callbacks):
    opt_in(world, days_ago=10)
    opt_in(world, "off")
    matching(days_old=5)
    services.preference_save(actor=world.youth, districts=[district("110108")], categories=[], digest="daily",
                             now=timezone.now())  # fmt: skip
    assert run(django_capture_on_commit_callbacks).empty == 1  # the post is older than opting in again


def test_the_command_and_the_task_send_the_same_and_never_twice(world, person, django_capture_on_commit_callbacks):
    opt_in(world)
    matching()
    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("send_digests", "--today", TODAY.isoformat(), stdout=out)
    assert "发送 1 人" in out.getvalue()
    with django_capture_on_commit_callbacks(execute=True):
        assert send_digests_task.run(TODAY.isoformat()) == {"sent": 0, "empty": 0, "already": 1}
    assert Notification.objects.filter(user=world.youth).count() == 1


def test_the_task_alone_sends_a_digest(world, person, django_capture_on_commit_callbacks):
    opt_in(world)
    matching()
    with django_capture_on_commit_callbacks(execute=True):
        assert send_digests_task.run()["sent"] == 1
