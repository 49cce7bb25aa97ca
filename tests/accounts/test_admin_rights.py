"""The admin is for reference and policy data; rights and money are not edited there (issue #11).

Found by an attacker's test: the city officer opened its own user in the admin, ticked 超级用户
and then edited a host's bank account directly.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group

from jianxi.accounts.models import User

pytestmark = pytest.mark.django_db


def _change_url(user: User) -> str:
    return f"/admin/accounts/user/{user.pk}/change/"


def test_the_city_officer_cannot_make_itself_superuser_or_grant_rights(client, world):
    client.force_login(world.city)
    groups_before = set(world.city.groups.values_list("pk", flat=True))
    other = Group.objects.create(name="别的组")
    form = client.get(_change_url(world.city)).content.decode()
    assert 'name="is_superuser"' not in form and 'name="groups"' not in form
    response = client.post(
        _change_url(world.city),
        {
            "username": "city",
            "role": "city",
            "display_name": "市人社局",
            "is_active": "on",
            "is_staff": "on",
            "is_superuser": "on",
            "groups": [other.pk],
            "user_permissions": [],
        },
    )
    assert response.status_code == 302  # saved: the form was valid, the rights were ignored
    world.city.refresh_from_db()
    assert not world.city.is_superuser
    assert set(world.city.groups.values_list("pk", flat=True)) == groups_before


def test_a_superuser_cannot_tick_superuser_in_the_admin_either(client, world, admin_user):
    """Superusers are created on the command line (createsuperuser) only."""
    client.force_login(admin_user)
    form = client.get(_change_url(world.district_officer)).content.decode()
    assert 'name="is_superuser"' not in form
    assert 'name="groups"' in form  # a superuser still manages rights


def test_the_city_officer_changes_no_password_but_its_own(client, world):
    client.force_login(world.city)
    assert client.get(f"/admin/accounts/user/{world.district_officer.pk}/password/").status_code == 403
    assert client.get(f"/admin/accounts/user/{world.city.pk}/password/").status_code == 200


def test_the_city_officer_sees_officer_accounts_only(client, world, admin_user):
    client.force_login(world.city)
    listing = client.get("/admin/accounts/user/?all=").content.decode()
    assert "haidian" in listing
    assert ">host<" not in listing and ">youth<" not in listing
    assert client.get(_change_url(world.host_staff)).status_code in (302, 404)
    assert client.get(_change_url(admin_user)).status_code in (302, 404)


def test_bank_account_and_status_are_read_only_in_the_admin_even_for_a_superuser(client, world, admin_user):
    client.force_login(admin_user)
    form = client.get(f"/admin/hosts/host/{world.our_host.pk}/change/").content.decode()
    for field in ("bank_account", "bank_name", "pending_bank_account", "status"):
        assert f'name="{field}"' not in form, field
    assert 'name="address"' in form  # reference data stays editable for the superuser


def test_a_new_officer_sets_its_own_password_through_the_e_mailed_link(
    client, world, settings, django_capture_on_commit_callbacks
):
    """The city officer creates the account without a password (it would know the officer's);
    the link e-mailed to the new officer sets it."""
    import re

    from django.core import mail

    settings.SITE_URL = "https://jianxi.example.gov.cn"
    client.force_login(world.city)
    form = client.get("/admin/accounts/user/add/").content.decode()
    assert 'name="password1"' not in form and 'name="email"' in form
    data = {
        "username": "haidian_new",
        "email": "new@haidian.example.gov.cn",
        "role": "district",
        "display_name": "海淀区新同事",
        "district": world.our_host.district_id,
        "password1": "chosen-by-the-creator-1",  # not a field: ignored
        "password2": "chosen-by-the-creator-1",
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/admin/accounts/user/add/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    officer = User.objects.get(username="haidian_new")
    assert not officer.has_usable_password() and officer.district_id == world.our_host.district_id
    client.logout()
    (invitation,) = mail.outbox
    assert invitation.to == ["new@haidian.example.gov.cn"]
    link = re.search(r"https://jianxi\.example\.gov\.cn(/accounts/password/reset/\S+)", invitation.body)
    assert link, invitation.body
    page = client.get(link.group(1), follow=True)
    new = "a-long-passphrase-of-my-own-2026"
    done = client.post(page.redirect_chain[-1][0], {"new_password1": new, "new_password2": new}, follow=True)
    assert done.status_code == 200
    officer.refresh_from_db()
    assert officer.check_password(new) and not officer.check_password("chosen-by-the-creator-1")
