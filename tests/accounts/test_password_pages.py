"""忘记密码 and 修改密码 (issue #16): Django's views, in Chinese, through the e-mail backend."""

from __future__ import annotations

import re

from django.core import mail
from django.urls import reverse

from jianxi.accounts.models import User
from tests.factories import PASSWORD


def test_a_forgotten_password_is_reset_through_a_one_time_link_by_email(client, world):
    world.youth.email = "liming@example.com"
    world.youth.save()
    login = client.get(reverse("login")).content.decode()
    assert f'href="{reverse("password_reset")}"' in login
    sent = client.post(reverse("password_reset"), {"email": "liming@example.com"}, follow=True)
    assert 'data-testid="reset-sent"' in sent.content.decode()
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["liming@example.com"]
    link = re.search(r"https?://[^/]+(/accounts/password/reset/\S+/)", mail.outbox[0].body).group(1)
    assert "重设密码" in mail.outbox[0].body
    form = client.get(link, follow=True)
    new = "a-new-horse-battery-2026"
    done = client.post(form.redirect_chain[-1][0], {"new_password1": new, "new_password2": new}, follow=True)
    assert 'data-testid="reset-complete"' in done.content.decode()
    assert User.objects.get(pk=world.youth.pk).check_password(new)
    # The link works once.
    again = client.get(link, follow=True)
    assert 'data-testid="reset-invalid"' in again.content.decode()


def test_an_unknown_address_gets_the_same_answer_and_no_mail(client, db):
    sent = client.post(reverse("password_reset"), {"email": "nobody@example.com"}, follow=True)
    assert 'data-testid="reset-sent"' in sent.content.decode() and mail.outbox == []


def test_a_signed_in_person_changes_its_password(client, world):
    client.force_login(world.host_staff)
    assert f'href="{reverse("password_change")}"' in client.get("/").content.decode()
    wrong = client.post(
        reverse("password_change"),
        {"old_password": "wrong", "new_password1": "x", "new_password2": "y"},
    ).content.decode()
    # Every error of the form at once: the old password, and the two new ones that differ.
    assert wrong.count('class="errorlist"') >= 2
    new = "another-horse-battery-2026"
    done = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": new, "new_password2": new},
        follow=True,
    )
    assert 'data-testid="password-changed"' in done.content.decode()
    assert User.objects.get(pk=world.host_staff.pk).check_password(new)


def test_changing_a_password_needs_signing_in(client, db):
    response = client.get(reverse("password_change"))
    assert response.status_code in (302, 403)
