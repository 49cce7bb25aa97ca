"""Every role tries to list and open what is not theirs (docs/architecture.md, "Roles and scope")."""

from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def _get(client, user, url):
    client.force_login(user)
    return client.get(url)


def host_url(host):
    return reverse("hosts:detail", args=[host.pk])


def person_url(person):
    return reverse("youth:detail", args=[person.pk])


# --- district officer --------------------------------------------------------------------------


def test_district_officer_lists_only_own_district_hosts(client, world):
    page = _get(client, world.district_officer, reverse("hosts:list"))
    assert page.status_code == 200
    assert world.our_host.name in page.content.decode()
    assert world.other_host.name not in page.content.decode()


def test_district_officer_cannot_open_another_districts_host(client, world):
    assert _get(client, world.district_officer, host_url(world.our_host)).status_code == 200
    assert _get(client, world.district_officer, host_url(world.other_host)).status_code == 404


def test_district_officer_cannot_list_or_open_another_districts_person(client, world):
    page = _get(client, world.district_officer, reverse("youth:list")).content.decode()
    assert world.our_person.name in page and world.other_person.name not in page
    assert _get(client, world.district_officer, person_url(world.other_person)).status_code == 404


# --- department officer -----------------------------------------------------------------------


def test_department_officer_sees_only_hosts_it_recruited(client, world):
    page = _get(client, world.department_officer, reverse("hosts:list")).content.decode()
    assert world.our_host.name in page and world.other_host.name not in page
    assert _get(client, world.department_officer, host_url(world.other_host)).status_code == 404
    assert _get(client, world.other_department_officer, host_url(world.other_host)).status_code == 200


def test_department_officer_sees_no_youth_registry(client, world):
    page = _get(client, world.department_officer, reverse("youth:list")).content.decode()
    assert world.our_person.name not in page
    assert _get(client, world.department_officer, person_url(world.our_person)).status_code == 404


# --- university officer -----------------------------------------------------------------------


def test_university_officer_sees_only_own_graduates(client, world):
    page = _get(client, world.university_officer, reverse("youth:list")).content.decode()
    assert world.our_person.name in page and world.other_person.name not in page
    assert _get(client, world.university_officer, person_url(world.other_person)).status_code == 404
    assert _get(client, world.other_university_officer, person_url(world.other_person)).status_code == 200


def test_university_officer_may_not_list_hosts(client, world):
    assert _get(client, world.university_officer, reverse("hosts:list")).status_code == 403
    assert _get(client, world.university_officer, host_url(world.our_host)).status_code == 403


# --- host staff -------------------------------------------------------------------------------


def test_host_staff_opens_only_its_own_unit(client, world):
    assert _get(client, world.host_staff, host_url(world.our_host)).status_code == 200
    assert _get(client, world.host_staff, host_url(world.other_host)).status_code == 404


def test_host_staff_may_not_list_hosts_or_youth(client, world):
    assert _get(client, world.host_staff, reverse("hosts:list")).status_code == 403
    assert _get(client, world.host_staff, reverse("youth:list")).status_code == 403
    assert _get(client, world.host_staff, person_url(world.our_person)).status_code == 403


# --- youth ------------------------------------------------------------------------------------


def test_youth_opens_only_own_record(client, world):
    assert _get(client, world.youth, person_url(world.our_person)).status_code == 200
    assert _get(client, world.youth, person_url(world.other_person)).status_code == 404


def test_youth_may_not_list_anything(client, world):
    assert _get(client, world.youth, reverse("youth:list")).status_code == 403
    assert _get(client, world.youth, reverse("hosts:list")).status_code == 403
    assert _get(client, world.youth, host_url(world.our_host)).status_code == 403


# --- city officer and visitors ----------------------------------------------------------------


def test_city_officer_sees_every_district(client, world):
    page = _get(client, world.city, reverse("hosts:list")).content.decode()
    assert world.our_host.name in page and world.other_host.name in page
    assert _get(client, world.city, person_url(world.other_person)).status_code == 200


def test_anonymous_visitor_is_sent_to_login(client, world):
    for url in (reverse("hosts:list"), host_url(world.our_host), reverse("youth:list")):
        response = client.get(url)
        assert response.status_code == 302 and reverse("login") in response["Location"]


def test_only_the_city_officer_sees_policy_overview(client, world):
    assert _get(client, world.city, reverse("policy:overview")).status_code == 200
    for user in (world.district_officer, world.host_staff, world.youth):
        assert _get(client, user, reverse("policy:overview")).status_code == 403


# --- deny by default --------------------------------------------------------------------------


@pytest.mark.urls("tests.accounts.undeclared_urls")
def test_a_view_without_access_declaration_is_refused_even_to_the_city(client, world):
    assert _get(client, world.city, "/undeclared/").status_code == 403
    assert client.get("/declared/").status_code == 200
