"""The admin's lookups work (issue #16 item 6: "the host lookup on the user form answers 403").

Every raw-id and autocomplete field of every admin page is opened the way the admin's own
JavaScript opens it — the pop-up changelist or the autocomplete view — by a superuser, and by
the city officer where that officer may edit the field.
"""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.test import Client

pytestmark = pytest.mark.django_db


def lookups():
    found = []
    for model, model_admin in admin.site._registry.items():
        for name in (*model_admin.raw_id_fields, *model_admin.autocomplete_fields):
            found.append((model, name, name in model_admin.autocomplete_fields))
    return found


@pytest.fixture
def superuser_client(world) -> Client:
    user = get_user_model().objects.create_superuser("root", "root@example.com", "x-Jianxi-2023")
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize(("model", "field", "autocomplete"), lookups(), ids=lambda v: getattr(v, "__name__", str(v)))
def test_every_lookup_answers_a_superuser(superuser_client, world, model, field, autocomplete):
    remote = model._meta.get_field(field).remote_field.model
    if autocomplete:
        url = (
            f"/admin/autocomplete/?app_label={model._meta.app_label}&model_name={model._meta.model_name}"
            f"&field_name={field}&term="
        )
    else:
        url = f"/admin/{remote._meta.app_label}/{remote._meta.model_name}/?_to_field=id&_popup=1"
    response = superuser_client.get(url)
    assert response.status_code == 200, (url, response.status_code)


def test_the_user_form_offers_the_host_lookup_and_it_lists_hosts(superuser_client, world):
    page = superuser_client.get(f"/admin/accounts/user/{world.host_staff.pk}/change/").content.decode()
    assert "/admin/hosts/host/?_to_field=id" in page
    listing = superuser_client.get("/admin/hosts/host/?_to_field=id&_popup=1").content.decode()
    assert world.host_staff.host.name in listing


def test_the_city_officer_sees_the_host_as_text_not_a_lookup_it_could_not_use(client, world):
    client.force_login(world.city)
    officer = get_user_model().objects.filter(role="district").first()
    page = client.get(f"/admin/accounts/user/{officer.pk}/change/").content.decode()
    assert "/admin/hosts/host/?_to_field=id" not in page
