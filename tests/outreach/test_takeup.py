"""Take-up of a university's outreach: invited → registered → applied → placed, overall and per
push, equal to the lists they link to, in a constant number of queries, exported to Excel."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from jianxi.core.todos import todos_for
from jianxi.outreach import services
from jianxi.outreach.imports import ID_NUMBER, graduates_import, read_sheet
from jianxi.outreach.selectors import TakeUp, push_takeup, takeup
from jianxi.placements.models import Agreement, AgreementStatus, Application, ApplicationStatus
from tests.factories import PersonFactory, PostFactory, UserFactory
from tests.outreach.conftest import ident, row, xlsx

pytestmark = pytest.mark.django_db


def load(world, capture, rows):
    with capture(execute=True):
        return graduates_import(actor=world.university_officer, rows=read_sheet(xlsx(rows)))


def place(person, post) -> None:
    Application.objects.create(post=post, person=person, status=ApplicationStatus.ACCEPTED)
    Agreement.objects.create(
        post=post,
        host=post.host,
        person=person,
        start=date(2026, 12, 1),
        end=date(2027, 5, 31),
        allowance=Decimal("3000.00"),
        mentor="王老师",
        training_date=date(2026, 11, 30),
        insurance_policy="PICC-2026-0001",
        eligibility_rule="R-EL-1",
        status=AgreementStatus.ACTIVE,
    )


@pytest.fixture
def reached(world, django_capture_on_commit_callbacks):
    """Our person (registered, placed on the pushed post); ident(2) invited, then registered and
    applied; ident(3) invited only. One push of ``post`` to all three, one of ``other`` after."""
    load(world, django_capture_on_commit_callbacks, [row(1, **{ID_NUMBER: world.our_person.id_number}), row(2), row(3)])
    post, other = PostFactory(host=world.our_host), PostFactory(host=world.our_host)
    with django_capture_on_commit_callbacks(execute=True):
        first = services.push_create(actor=world.university_officer, post_ids=[post.pk])
        second = services.push_create(actor=world.university_officer, post_ids=[other.pk])
    later = PersonFactory(id_number=ident(2), user=UserFactory(), university=None)
    Application.objects.create(post=post, person=later, status=ApplicationStatus.APPLIED)
    place(world.our_person, post)
    return first, second


def test_the_figures_overall_and_per_push(world, reached):
    first, second = reached
    assert takeup(world.university_officer) == TakeUp(graduates=3, invited=2, registered=2, applied=2, placed=1)
    figures = push_takeup([first, second])
    assert figures[first.pk] == TakeUp(graduates=3, invited=2, registered=2, applied=2, placed=1)
    assert figures[second.pk] == TakeUp(graduates=3, invited=2, registered=2, applied=0, placed=0)
    assert takeup(world.other_university_officer) == TakeUp(0, 0, 0, 0, 0)


def test_each_figure_equals_the_list_it_links_to_on_both_homes(client, world, reached):
    client.force_login(world.university_officer)
    page = client.get(reverse("outreach:home"))
    assert page.status_code == 200
    shown = page.context["takeup"]
    for stage in ("invited", "registered", "applied", "placed"):
        listed = client.get(reverse("outreach:graduates"), {"stage": stage}).context["page"].paginator.count
        assert listed == getattr(shown, stage), stage
    watch = {t.key: t for t in todos_for(world.university_officer, timezone.localdate())["watch"]}
    for key in ("outreach_graduates", "outreach_invited", "outreach_registered", "outreach_applied", "outreach_placed"):
        response = client.get(watch[key].url)
        assert response.status_code == 200 and response.context["page"].paginator.count == watch[key].count, key
    assert watch["outreach_placed"].count == 1
    home = client.get("/").content.decode()
    assert 'data-testid="watch-outreach_applied-count">2<' in home
    assert 'data-testid="home-outreach"' in home


def test_the_push_page_shows_its_figures_and_posts(client, world, reached):
    first, _ = reached
    client.force_login(world.university_officer)
    page = client.get(reverse("outreach:push", args=[first.pk]))
    assert page.status_code == 200
    assert page.context["figures"].applied == 2 and len(page.context["posts"]) == 1


def test_the_export_holds_the_same_figures(client, world, reached):
    client.force_login(world.university_officer)
    response = client.get(reverse("outreach:takeup_export"))
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    overall, per_push = book.worksheets
    assert [c.value for c in overall[2]] == [3, 2, 2, 2, 1]
    rows = {r[0].value: [c.value for c in r] for r in per_push.iter_rows(min_row=2)}
    first, second = reached
    assert rows[f"PUSH-{first.pk}"][5:] == [3, 2, 2, 2, 1, 0]
    assert rows[f"PUSH-{second.pk}"][5:] == [3, 2, 2, 0, 0, 0]


def test_the_lists_run_a_constant_number_of_queries(client, world, django_capture_on_commit_callbacks):
    client.force_login(world.university_officer)

    def queries(url: str) -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    def grow(first: int, count: int) -> None:
        load(world, django_capture_on_commit_callbacks, [row(n) for n in range(first, first + count)])
        for _ in range(count):
            post = PostFactory(host=world.our_host)
            with django_capture_on_commit_callbacks(execute=True):
                services.push_create(actor=world.university_officer, post_ids=[post.pk])

    grow(1, 2)
    urls = [
        reverse("outreach:home"),
        reverse("outreach:graduates"),
        reverse("outreach:graduates") + "?stage=invited&major=计算机&education=bachelor",
        reverse("outreach:takeup_export"),
        "/",
    ]
    small = [queries(u) for u in urls]
    grow(100, 12)
    assert [queries(u) for u in urls] == small
