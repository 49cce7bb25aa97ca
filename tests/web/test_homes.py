"""Role homes as to-do lists (issue #16): counts equal the lists they link to, links lead where the
person can act, a fixed number of queries whatever the data."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from jianxi.accounts.models import User
from jianxi.core.todos import todos_for
from jianxi.hosts.models import HostStatus
from jianxi.placements.models import Agreement, AgreementStatus, Application, ApplicationStatus
from jianxi.placements.selectors import attendance_missing, previous_month
from jianxi.posts.models import PostStatus
from tests.factories import HostFactory, PersonFactory, PostFactory, district

ROLES = ["host", "haidian", "kewei", "pku"]
LINK = re.compile(r'href="([^"]+)" data-testid="(todo|watch)-(\w+)-link"')
COUNT = re.compile(r'data-testid="(todo|watch)-(\w+)-count">(\d+)<')


def more_work() -> None:
    """Something in every queue of the demo's Haidian district and its host, twice over."""
    haidian = district("110108")
    host = User.objects.get(username="host").host
    today = timezone.localdate()
    HostFactory(district=haidian, status=HostStatus.PENDING)
    HostFactory(
        district=haidian, pending_bank_name="工商银行", pending_bank_account="6222", pending_bank_at=timezone.now()
    )
    # Dates follow today (the browser tests freeze another day than the factories' TODAY).
    dates = {"recruit_start": today - timedelta(days=5), "recruit_end": today + timedelta(days=5)}
    for status in (PostStatus.SUBMITTED, PostStatus.RETURNED, PostStatus.DRAFT):
        PostFactory(
            host=host, status=status, department=host.department, expires_on=today + timedelta(days=90), **dates
        )
    PostFactory(host=host, expires_on=today + timedelta(days=10), department=host.department, **dates)
    post = PostFactory(host=host, department=host.department, expires_on=today + timedelta(days=90), **dates)
    pku = User.objects.get(username="pku").university
    for status in (ApplicationStatus.APPLIED, ApplicationStatus.APPLIED, ApplicationStatus.INTERVIEW):
        person = PersonFactory(district=haidian, university=pku)
        Application.objects.create(post=post, person=person, status=status)


def home_items(client) -> tuple[dict[str, int], dict[str, str]]:
    page = client.get("/").content.decode()
    counts = {f"{kind}-{key}": int(n) for kind, key, n in COUNT.findall(page)}
    links = {f"{kind}-{key}": url for url, kind, key in LINK.findall(page)}
    return counts, links


@pytest.fixture
def demo(db):
    call_command("demo")


@pytest.mark.parametrize("username", ROLES)
def test_every_count_on_a_home_equals_the_rows_of_the_list_it_links_to(client, demo, username):
    more_work()
    user = User.objects.get(username=username)
    client.force_login(user)
    counts, links = home_items(client)
    items = todos_for(user, timezone.localdate())
    every = items["todo"] + items["watch"]
    assert every, "each of these roles has something on its home"
    assert any(t.count for t in every)
    for t in every:
        response = client.get(t.url)
        assert response.status_code == 200, t.url
        assert response.context["page"].paginator.count == t.count, (t.key, t.url)
    # What the page shows is what was counted: each non-zero item, with its link.
    for t in every:
        kind = "todo" if t in items["todo"] else "watch"
        if t.count or kind == "watch":
            assert counts[f"{kind}-{t.key}"] == t.count
            assert links[f"{kind}-{t.key}"] == t.url


def test_the_district_officer_and_the_host_see_their_queues(client, demo):
    def seen(username: str) -> dict[str, int]:
        items = todos_for(User.objects.get(username=username), timezone.localdate())["todo"]
        return {t.key: t.count for t in items}

    district_before, host_before = seen("haidian"), seen("host")
    assert district_before["claims"] == 1  # the demo's quarterly claim
    more_work()
    district_after, host_after = seen("haidian"), seen("host")
    added = {k: district_after[k] - district_before[k] for k in district_after}
    assert added == {
        "hosts": 1, "bank": 1, "posts": 1, "claims": 0, "payable": 0, "batches": 0, "expiring_posts": 1,
        "events_year": 0,
    }  # fmt: skip
    added = {k: host_after[k] - host_before[k] for k in host_after}
    assert added == {
        "applications": 2, "interviews": 1, "confirm": 0, "attendance": 0, "claims": 0,
        "returned_posts": 1, "expiring_posts": 1,
    }  # fmt: skip
    client.force_login(User.objects.get(username="haidian"))
    counts, _links = home_items(client)
    assert counts["todo-claims"] == 1 and counts["todo-bank"] == district_after["bank"]


def test_the_department_officer_counts_its_hosts_interns_and_links_to_no_review_page(client, demo):
    """Issue #16: kewei's home said 见习人员 0 while its host had an intern, and its 待审核 went to
    a post page with nothing to do."""
    more_work()
    client.force_login(User.objects.get(username="kewei"))
    page = client.get("/").content.decode()
    counts, links = home_items(client)
    kewei = User.objects.get(username="kewei")
    interns = Agreement.objects.filter(status=AgreementStatus.ACTIVE, post__department=kewei.department)
    assert interns.filter(person__name="李明").exists()  # at 北京数智科技, recruited by 科技部门
    assert counts["watch-interns"] == interns.count() > 0
    assert counts["watch-submitted"] >= 1
    assert not any(k.startswith("todo-") for k in links)  # no duty: nothing to do, only to follow
    assert "审核岗位" not in page and "处理审核" not in page


def test_last_months_attendance_is_due_until_recorded(client, demo):
    host_user = User.objects.get(username="host")
    today = timezone.localdate()
    month = previous_month(today)
    agreements = Agreement.objects.filter(host=host_user.host)
    assert month == (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    due = attendance_missing(agreements, month=month)
    # The demo records the months before this one: nothing due.
    assert due.count() == 0
    agreement = agreements.get(status=AgreementStatus.ACTIVE)
    agreement.attendance.filter(month=month).delete()
    assert list(attendance_missing(agreements, month=month)) == [agreement]
    # An internship that ended before the month, or starts after it, owes nothing for it.
    assert attendance_missing(agreements, month=agreement.end.replace(day=1) + timedelta(days=62)).count() == 0
    assert attendance_missing(agreements, month=agreement.start.replace(day=1) - timedelta(days=31)).count() == 0
    client.force_login(host_user)
    counts, links = home_items(client)
    assert counts["todo-attendance"] == 1
    listed = client.get(links["todo-attendance"]).content.decode()
    assert f"/placements/agreements/{agreement.pk}/attendance/" in listed


@pytest.mark.parametrize("username", ROLES)
def test_a_home_runs_the_same_number_of_queries_whatever_the_data(client, demo, username):
    client.force_login(User.objects.get(username=username))

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/").status_code == 200
        return len(ctx.captured_queries)

    before = queries()
    more_work()
    more_work()
    assert queries() == before
