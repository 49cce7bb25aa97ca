"""Sign-up and invitations must not reveal whether an ID number is registered (issue #12, item 9;
first done in issue #11). What the earlier tests did not cover: a person in the registry without
an account (imported from the real-name database), and the counts on the host's post pages."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from jianxi.placements.models import Application
from tests.factories import PersonFactory, PostFactory, district, make_id_number

pytestmark = pytest.mark.django_db

UNREGISTERED = "11010519491231002X"


def _answer(response) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"|<strong>[^<]*</strong>', "", response.content.decode())


def _youth_form(**change) -> dict:
    from tests.web.test_pages import youth_form

    return youth_form(**change)


def test_sign_up_answers_the_same_for_a_registry_record_without_an_account(client, world):
    imported = PersonFactory(district=district("110108"), user=None)  # from the real-name database
    taken = client.post(reverse("signup_youth"), _youth_form(username="xiaoming", id_number=imported.id_number))
    free = client.post(reverse("signup_youth"), _youth_form(username="xiaohong", id_number=make_id_number(77)))
    assert taken.status_code == free.status_code == 200
    assert _answer(taken) == _answer(free)


def test_an_invitation_answers_the_same_for_a_registered_an_imported_and_an_unknown_number(client, world):
    imported = PersonFactory(district=district("110108"), user=None)
    post = PostFactory(host=world.our_host)
    client.force_login(world.host_staff)
    url = reverse("placements:invite", args=[post.pk])
    answers = []
    for number in (world.other_person.id_number, imported.id_number, UNREGISTERED, world.other_person.id_number):
        response = client.post(url, {"id_number": number}, follow=True)
        answers.append([str(m) for m in response.context["messages"]])
    assert answers[0] == answers[1] == answers[2] == answers[3]  # the fourth: invited a second time


def test_the_host_s_post_pages_do_not_count_an_unanswered_invitation(client, world):
    """The applicants count would otherwise rise only when the number typed was registered."""
    post = PostFactory(host=world.our_host)
    client.force_login(world.host_staff)
    detail = reverse("posts:manage_detail", args=[post.pk])
    before = client.get(detail).context["post"].applicants
    client.post(reverse("placements:invite", args=[post.pk]), {"id_number": world.other_person.id_number})
    assert Application.objects.filter(post=post).count() == 1  # the invitation exists …
    assert client.get(detail).context["post"].applicants == before  # … and is not counted
    listing = client.get(reverse("posts:manage"))
    assert [p.applicants for p in listing.context["page"] if p.pk == post.pk] == [before]
