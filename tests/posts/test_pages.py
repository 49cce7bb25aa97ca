"""Posts through the pages: create, submit, review, district publishing, Excel exports, scoping."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from jianxi.core.models import Notification
from jianxi.policy.models import District, PostCategory
from jianxi.posts.models import Post, PostStatus
from tests.factories import TODAY, HostFactory, PostFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(TODAY, tick=False):
        yield


def form(**change):
    data = {
        "title": "软件开发见习生",
        "category": PostCategory.objects.get(code="technical").pk,
        "description": "参与后端服务开发与测试。",
        "education": 3,
        "majors": "计算机科学与技术",
        "headcount": 2,
        "months": 6,
        "allowance": "3500.00",
        "district": District.objects.get(code="110108").pk,
        "recruit_start": TODAY.isoformat(),
        "recruit_end": (TODAY + timedelta(days=30)).isoformat(),
        "expires_on": (TODAY + timedelta(days=60)).isoformat(),
    }
    data.update(change)
    return data


def workbook(response):
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    return load_workbook(io.BytesIO(response.content), read_only=True)


def test_host_creates_submits_and_district_publishes_through_the_pages(
    client, world, django_capture_on_commit_callbacks
):
    client.force_login(world.host_staff)
    response = client.post(reverse("posts:create"), form())
    post = Post.objects.get(title="软件开发见习生")
    assert response["Location"] == reverse("posts:manage_detail", args=[post.pk])
    client.post(reverse("posts:act", args=[post.pk, "submit"]))
    client.force_login(world.district_officer)
    queue = client.get(reverse("posts:manage"), {"status": "submitted"}).content.decode()
    assert "软件开发见习生" in queue
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("posts:act", args=[post.pk, "approve"]))
    post.refresh_from_db()
    assert post.status == PostStatus.PUBLISHED
    assert Notification.objects.filter(user=world.host_staff, message__contains="已发布").exists()
    client.logout()
    assert "软件开发见习生" in client.get(reverse("posts:search"), {"q": "软件"}).content.decode()


def test_bad_post_form_names_the_field_in_chinese_and_saves_nothing(client, world):
    client.force_login(world.host_staff)
    page = client.post(reverse("posts:create"), form(months="2", recruit_end=(TODAY - timedelta(days=1)).isoformat()))
    text = page.content.decode()
    assert page.status_code == 200 and not Post.objects.exists()
    assert "招募截止日期不能早于开始日期" in text


def test_officer_cannot_create_posts_and_host_cannot_approve(client, world):
    client.force_login(world.district_officer)
    assert client.get(reverse("posts:create")).status_code == 403
    post = PostFactory(host=world.our_host, status=PostStatus.SUBMITTED, published_at=None)
    client.force_login(world.host_staff)
    client.post(reverse("posts:act", args=[post.pk, "approve"]))
    post.refresh_from_db()
    assert post.status == PostStatus.SUBMITTED


def test_other_district_officer_cannot_see_or_act_on_our_post(client, world):
    post = PostFactory(host=world.our_host, status=PostStatus.SUBMITTED, published_at=None)
    client.force_login(world.other_district_officer)
    assert post.title not in client.get(reverse("posts:manage")).content.decode()
    assert client.get(reverse("posts:manage_detail", args=[post.pk])).status_code == 404
    assert client.post(reverse("posts:act", args=[post.pk, "approve"])).status_code == 404
    post.refresh_from_db()
    assert post.status == PostStatus.SUBMITTED


def test_department_sees_the_posts_it_recruited_only(client, world):
    ours = PostFactory(host=world.our_host)  # recruited by science
    theirs = PostFactory(host=world.other_host)  # commerce
    client.force_login(world.department_officer)
    page = client.get(reverse("posts:manage")).content.decode()
    assert ours.title in page and theirs.title not in page


def test_youth_may_not_manage_posts(client, world):
    client.force_login(world.youth)
    assert client.get(reverse("posts:manage")).status_code == 403


def test_R_TG_3_district_page_publishes_directory_and_post_list_signed_out(client, world):
    ours = PostFactory(host=world.our_host, title="档案管理见习岗")
    PostFactory(host=world.other_host, title="朝阳的岗位")
    page = client.get(reverse("posts:district", args=["110108"])).content.decode()
    assert world.our_host.name in page and ours.title in page and "朝阳的岗位" not in page
    book = workbook(client.get(reverse("posts:district", args=["110108"]), {"format": "xlsx"}))
    assert book.sheetnames == ["见习单位目录", "岗位清单"]
    hosts = list(book["见习单位目录"].iter_rows(values_only=True))
    assert hosts[0][0] == "单位名称" and hosts[1][0] == world.our_host.name and hosts[1][-1] == 1
    posts = list(book["岗位清单"].iter_rows(values_only=True))
    assert [r[1] for r in posts[1:]] == ["档案管理见习岗"]
    assert client.get(reverse("posts:district", args=["999999"])).status_code == 404


def test_officer_exports_the_filtered_list_to_excel(client, world):
    PostFactory(host=world.our_host, title="已发布岗位")
    PostFactory(host=world.our_host, title="草稿岗位", status=PostStatus.DRAFT, published_at=None)
    PostFactory(host=world.other_host, title="外区岗位")
    client.force_login(world.district_officer)
    book = workbook(client.get(reverse("posts:manage"), {"status": "published", "format": "xlsx"}))
    rows = list(book.active.iter_rows(values_only=True))
    assert [r[1] for r in rows[1:]] == ["已发布岗位"]
    assert rows[1][9] == 3000  # allowance as a number, not text


def test_officer_exports_hosts_to_excel_within_scope(client, world):
    client.force_login(world.district_officer)
    book = workbook(client.get(reverse("hosts:list"), {"format": "xlsx"}))
    names = [r[0] for r in list(book.active.iter_rows(values_only=True))[1:]]
    assert names == [world.our_host.name]


@pytest.mark.parametrize("url_name", ["posts:manage", "posts:expiring"])
def test_manage_lists_run_constant_queries(client, world, url_name):
    client.force_login(world.city)

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse(url_name), {"size": 100}).status_code == 200
        return len(ctx.captured_queries)

    PostFactory(host=world.our_host, expires_on=TODAY + timedelta(days=10))
    before = count()
    for _ in range(3):
        PostFactory.create_batch(5, host=HostFactory(), expires_on=TODAY + timedelta(days=10))
    assert count() == before


def test_district_page_runs_constant_queries(client, world):
    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("posts:district", args=["110108"])).status_code == 200
        return len(ctx.captured_queries)

    PostFactory(host=world.our_host)
    before = count()
    for _ in range(3):
        PostFactory.create_batch(4, host=HostFactory())
    assert count() == before


def test_notifications_page_lists_and_marks_read(client, world):
    Notification.objects.create(user=world.host_staff, message="岗位“甲”已发布。")
    Notification.objects.create(user=world.other_host_staff, message="别人的通知")
    client.force_login(world.host_staff)
    home = client.get("/").content.decode()
    assert "通知 (1)" in home
    page = client.get(reverse("core:notifications")).content.decode()
    assert "岗位“甲”已发布" in page and "别人的通知" not in page
    client.post(reverse("core:notifications_read"))
    assert "通知 (1)" not in client.get("/").content.decode()


def test_host_review_buttons_on_the_host_page(client, world):
    world.our_host.status = "pending"
    world.our_host.save()
    client.force_login(world.district_officer)
    page = client.get(reverse("hosts:detail", args=[world.our_host.pk])).content.decode()
    assert 'data-testid="host-review"' in page
    client.post(reverse("hosts:review", args=[world.our_host.pk, "approve"]))
    world.our_host.refresh_from_db()
    assert world.our_host.status == "approved"
    client.force_login(world.department_officer)
    page = client.get(reverse("hosts:detail", args=[world.our_host.pk])).content.decode()
    assert 'data-testid="host-review"' not in page


def test_a_returned_host_corrects_its_details_on_the_page_and_is_back_in_review(client, world):
    world.our_host.status, world.our_host.status_reason = "returned", "开户银行信息缺失"
    world.our_host.save()
    client.force_login(world.host_staff)
    page = client.get(reverse("hosts:edit", args=[world.our_host.pk])).content.decode()
    assert "开户银行信息缺失" in page
    data = {
        "name": world.our_host.name,
        "host_type": world.our_host.host_type,
        "address": world.our_host.address,
        "contact_name": "新联系人",
        "contact_phone": "13911112222",
        "contact_email": "",
        "bank_name": "北京银行海淀支行",
        "bank_account": "6222000011112222",
        "department": world.our_host.department_id,
    }
    assert client.post(reverse("hosts:edit", args=[world.our_host.pk]), data).status_code == 302
    world.our_host.refresh_from_db()
    assert (world.our_host.status, world.our_host.bank_name) == ("pending", "北京银行海淀支行")
    assert world.our_host.history.first().history_user == world.host_staff


def test_another_host_cannot_edit_our_unit(client, world):
    client.force_login(world.other_host_staff)
    assert client.get(reverse("hosts:edit", args=[world.our_host.pk])).status_code == 404
    client.force_login(world.district_officer)
    assert client.get(reverse("hosts:edit", args=[world.our_host.pk])).status_code == 403


def test_bank_details_are_for_paying_officers_and_public_pages_mask_contact_mobiles(client, world):
    world.our_host.bank_account = "6222000011112222"
    world.our_host.contact_phone = "13912345678"
    world.our_host.save()
    client.force_login(world.department_officer)
    assert "6222000011112222" not in client.get(reverse("hosts:detail", args=[world.our_host.pk])).content.decode()
    rows = list(workbook(client.get(reverse("hosts:list"), {"format": "xlsx"})).active.iter_rows(values_only=True))
    assert "6222000011112222" not in str(rows)
    client.force_login(world.district_officer)
    assert "6222000011112222" in client.get(reverse("hosts:detail", args=[world.our_host.pk])).content.decode()
    client.logout()
    public = client.get(reverse("posts:district", args=["110108"])).content.decode()
    assert "13912345678" not in public and "139****5678" in public
