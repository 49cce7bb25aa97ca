"""Host review and the post lifecycle: draft → submitted → published / returned → closed / expired."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.urls import reverse

from jianxi.core.errors import RuleError
from jianxi.core.models import Notification
from jianxi.hosts import services as host_services
from jianxi.hosts.models import HostStatus
from jianxi.policy.models import District, PostCategory
from jianxi.posts import services
from jianxi.posts.models import Post, PostStatus
from tests.factories import TODAY, PostFactory

pytestmark = [pytest.mark.django_db(transaction=False)]


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(TODAY, tick=False):
        yield


def post_data(**change) -> services.PostData:
    values = {
        "title": "数据分析师助理",
        "category": PostCategory.objects.get(code="technical"),
        "description": "协助整理业务数据，制作分析报表。",
        "education": 3,
        "majors": "统计学、计算机科学与技术",
        "headcount": 3,
        "months": 6,
        "allowance": Decimal("3200.00"),
        "district": District.objects.get(code="110108"),
        "recruit_start": TODAY,
        "recruit_end": TODAY + timedelta(days=30),
        "expires_on": TODAY + timedelta(days=60),
    }
    values.update(change)
    return services.PostData(**values)


# --- host review -------------------------------------------------------------------------------


def test_district_approves_a_pending_host_and_the_host_is_told(world, django_capture_on_commit_callbacks):
    world.our_host.status = HostStatus.PENDING
    world.our_host.contact_email = "hr@example.com"
    world.our_host.save()
    with django_capture_on_commit_callbacks(execute=True):
        host = host_services.host_review(actor=world.district_officer, host_id=world.our_host.pk, action="approve")
    assert host.status == HostStatus.APPROVED
    assert Notification.objects.filter(user=world.host_staff, message__contains="审核通过").exists()
    assert mail.outbox and "hr@example.com" in mail.outbox[0].to
    latest = host.history.first()
    assert latest.history_user == world.district_officer and latest.history_change_reason == "审核通过"


def test_return_needs_a_reason_the_host_sees(world, client):
    world.our_host.status = HostStatus.PENDING
    world.our_host.save()
    with pytest.raises(RuleError) as err:
        host_services.host_review(actor=world.district_officer, host_id=world.our_host.pk, action="return")
    assert err.value.field == "reason"
    host_services.host_review(
        actor=world.district_officer, host_id=world.our_host.pk, action="return", reason="营业执照照片不清晰"
    )
    client.force_login(world.host_staff)
    assert "营业执照照片不清晰" in client.get("/").content.decode()


def test_another_districts_officer_cannot_review_our_host(world):
    world.our_host.status = HostStatus.PENDING
    world.our_host.save()
    from django.http import Http404

    with pytest.raises(Http404):
        host_services.host_review(actor=world.other_district_officer, host_id=world.our_host.pk, action="approve")
    world.our_host.refresh_from_db()
    assert world.our_host.status == HostStatus.PENDING


def test_department_officer_and_host_cannot_review(world):
    for actor in (world.department_officer, world.host_staff):
        with pytest.raises(RuleError):
            host_services.host_review(actor=actor, host_id=world.our_host.pk, action="suspend", reason="x")


def test_review_page_post_by_other_district_is_404_and_changes_nothing(world, client):
    client.force_login(world.other_district_officer)
    response = client.post(reverse("hosts:review", args=[world.our_host.pk, "bar"]), {"reason": "x"})
    assert response.status_code == 404  # as if our host did not exist
    world.our_host.refresh_from_db()
    assert world.our_host.status == HostStatus.APPROVED


def test_an_impossible_transition_is_refused_in_chinese(world):
    with pytest.raises(RuleError, match="当前状态为“已通过”，不能退回"):
        host_services.host_review(actor=world.district_officer, host_id=world.our_host.pk, action="return", reason="x")


def test_reviewing_twice_is_a_no_op(world):
    host_services.host_review(actor=world.district_officer, host_id=world.our_host.pk, action="suspend", reason="核查")
    count = world.our_host.history.count()
    host_services.host_review(actor=world.district_officer, host_id=world.our_host.pk, action="suspend", reason="核查")
    assert world.our_host.history.count() == count


def test_R_SUB_6_barring_a_host_closes_its_open_posts_and_stops_new_ones(world):
    published = PostFactory(host=world.our_host)
    draft = PostFactory(host=world.our_host, status=PostStatus.DRAFT, published_at=None)
    host_services.host_review(actor=world.district_officer, host_id=world.our_host.pk, action="bar", reason="骗取补贴")
    for post in (published, draft):
        post.refresh_from_db()
        assert post.status == PostStatus.CLOSED
    world.host_staff.refresh_from_db()
    with pytest.raises(RuleError) as err:
        services.post_save_draft(actor=world.host_staff, data=post_data())
    assert err.value.code == "R-SUB-6"


def test_a_returned_host_that_corrects_its_details_goes_back_to_review(world):
    world.our_host.status = HostStatus.RETURNED
    world.our_host.save()
    host = host_services.host_update(actor=world.host_staff, host_id=world.our_host.pk, address="海淀区新地址 9 号")
    assert host.status == HostStatus.PENDING and host.address == "海淀区新地址 9 号"


# --- post lifecycle -----------------------------------------------------------------------------


def test_a_post_goes_from_draft_to_published_and_is_found(world):
    post = services.post_save_draft(actor=world.host_staff, data=post_data())
    assert post.status == PostStatus.DRAFT and post.department == world.our_host.department
    services.post_submit(actor=world.host_staff, post_id=post.pk, today=TODAY)
    post = services.post_review(actor=world.district_officer, post_id=post.pk, approve=True)
    assert post.status == PostStatus.PUBLISHED and post.published_at is not None
    assert [h.status for h in post.history.order_by("history_date")] == ["draft", "submitted", "published"]


def test_only_an_approved_host_may_submit(world):
    post = services.post_save_draft(actor=world.host_staff, data=post_data())
    for status in (HostStatus.PENDING, HostStatus.SUSPENDED, HostStatus.RETURNED):
        world.our_host.status = status
        world.our_host.save()
        with pytest.raises(RuleError) as err:
            services.post_submit(actor=world.host_staff, post_id=post.pk, today=TODAY)
        assert err.value.code == "host.not_approved"


def test_returned_post_shows_its_reason_can_be_corrected_and_resubmitted(world):
    post = services.post_save_draft(actor=world.host_staff, data=post_data())
    services.post_submit(actor=world.host_staff, post_id=post.pk, today=TODAY)
    post = services.post_review(actor=world.district_officer, post_id=post.pk, approve=False, reason="职责描述过于简单")
    assert post.status == PostStatus.RETURNED and post.status_reason == "职责描述过于简单"
    services.post_save_draft(actor=world.host_staff, data=post_data(description="更详细的职责"), post_id=post.pk)
    post = services.post_submit(actor=world.host_staff, post_id=post.pk, today=TODAY)
    assert post.status == PostStatus.SUBMITTED


def test_a_published_post_cannot_be_edited_or_submitted_again(world):
    post = PostFactory(host=world.our_host)
    with pytest.raises(RuleError, match="不能修改"):
        services.post_save_draft(actor=world.host_staff, data=post_data(), post_id=post.pk)
    with pytest.raises(RuleError, match="不能提交审核"):
        services.post_submit(actor=world.host_staff, post_id=post.pk, today=TODAY)


def test_another_district_cannot_review_or_close_our_post(world):
    from django.http import Http404

    post = PostFactory(host=world.our_host, status=PostStatus.SUBMITTED, published_at=None)
    with pytest.raises(Http404):
        services.post_review(actor=world.other_district_officer, post_id=post.pk, approve=True)
    with pytest.raises(Http404):
        services.post_close(actor=world.other_district_officer, post_id=post.pk)
    with pytest.raises(Http404):
        services.post_close(actor=world.other_host_staff, post_id=post.pk)
    post.refresh_from_db()
    assert post.status == PostStatus.SUBMITTED


def test_a_host_cannot_publish_a_post_into_another_district(world, client):
    """Issue #11: such a post was on 朝阳's public list, but 朝阳 could neither see nor manage it."""
    chaoyang = District.objects.get(code="110105")
    with pytest.raises(RuleError) as err:
        services.post_save_draft(actor=world.host_staff, data=post_data(district=chaoyang))
    assert (err.value.code, err.value.field) == ("post.district", "district")
    assert "海淀区" in err.value.message
    assert not Post.objects.filter(host=world.our_host).exists()
    # The page offers the host's own district only, and a forged choice is a form error.
    client.force_login(world.host_staff)
    page = client.get(reverse("posts:create")).content.decode()
    choices = page.split('name="district"')[1].split("</select>")[0]
    assert "海淀区" in choices and "朝阳区" not in choices
    data = {
        "title": "数据分析师助理", "category": PostCategory.objects.get(code="technical").pk,
        "description": "协助整理业务数据。", "education": 3, "headcount": 2, "months": 6, "allowance": "3200",
        "district": chaoyang.pk, "recruit_start": TODAY, "recruit_end": TODAY + timedelta(days=30),
        "expires_on": TODAY + timedelta(days=60),
    }  # fmt: skip
    response = client.post(reverse("posts:create"), data)
    assert response.status_code == 200 and not Post.objects.filter(host=world.our_host).exists()
    data["district"] = world.our_host.district_id
    assert client.post(reverse("posts:create"), data).status_code == 302
    post = Post.objects.get(host=world.our_host)
    assert post.district == world.our_host.district


def test_R_IN_1_post_months_outside_3_to_12_are_refused(world):
    for months in (2, 13):
        with pytest.raises(RuleError) as err:
            services.post_save_draft(actor=world.host_staff, data=post_data(months=months))
        assert err.value.code == "R-IN-1"


def test_closing_takes_a_post_off_the_public_list(world, client):
    post = PostFactory(host=world.our_host, title="社区服务专员")
    assert client.get(reverse("posts:detail", args=[post.pk])).status_code == 200
    services.post_close(actor=world.host_staff, post_id=post.pk, reason="已招满")
    assert client.get(reverse("posts:detail", args=[post.pk])).status_code == 404


# --- expiry (R-TG-3) ----------------------------------------------------------------------------


def test_R_TG_3_expire_posts_closes_expired_posts_and_warns_of_posts_ending_soon(
    world, capsys, django_capture_on_commit_callbacks
):
    expired = PostFactory(
        host=world.our_host, expires_on=TODAY - timedelta(days=1), recruit_end=TODAY - timedelta(days=1)
    )
    ending = PostFactory(host=world.our_host, expires_on=TODAY + timedelta(days=20))
    later = PostFactory(host=world.our_host, expires_on=TODAY + timedelta(days=45))
    with django_capture_on_commit_callbacks(execute=True):
        call_command("expire_posts")
    for post in (expired, ending, later):
        post.refresh_from_db()
    assert (expired.status, ending.status, later.status) == ("expired", "published", "published")
    notices = Notification.objects.filter(user=world.host_staff)
    assert notices.count() == 1 and ending.title in notices.get().message and later.title not in notices.get().message
    assert expired.history.first().history_change_reason == "到期关闭"
    with django_capture_on_commit_callbacks(execute=True):
        call_command("expire_posts")  # a second run changes nothing
    assert Notification.objects.filter(user=world.host_staff).count() == 1
    assert "到期关闭 0 个岗位" in capsys.readouterr().out


def test_officers_see_posts_expiring_within_30_days_of_their_district_only(world, client):
    ours = PostFactory(host=world.our_host, expires_on=TODAY + timedelta(days=10))
    theirs = PostFactory(host=world.other_host, expires_on=TODAY + timedelta(days=10))
    client.force_login(world.district_officer)
    page = client.get(reverse("posts:expiring")).content.decode()
    assert ours.title in page and theirs.title not in page


def test_expiring_a_post_is_idempotent_when_the_run_is_repeated(world):
    PostFactory.create_batch(
        5, host=world.our_host, expires_on=TODAY - timedelta(days=3), recruit_end=TODAY - timedelta(days=3)
    )
    assert services.posts_expire(today=TODAY, chunk=2) == 5
    assert services.posts_expire(today=TODAY) == 0
    assert Post.objects.filter(status=PostStatus.EXPIRED).count() == 5


def test_renaming_a_host_reindexes_its_posts_for_search(world):
    from jianxi.posts.selectors import PostQuery, posts_public

    PostFactory(host=world.our_host, title="档案整理见习岗")
    host_services.host_update(actor=world.host_staff, host_id=world.our_host.pk, name="北京星河档案服务中心")
    # A new name waits for the district's review (issue #12): the search keeps the name in force.
    assert list(posts_public(query=PostQuery(q="星河档案"), today=TODAY)) == []
    host_services.host_change_review(actor=world.district_officer, host_id=world.our_host.pk, approve=True)
    found = posts_public(query=PostQuery(q="星河档案"), today=TODAY)
    assert [p.title for p in found] == ["档案整理见习岗"]
