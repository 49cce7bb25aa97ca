"""The admin in Chinese (issue #16): no English labels (City:, Sort order:, Created by:, …)."""

from __future__ import annotations

import pytest
from django.contrib import admin

# django-axes ships its own models and no Chinese catalogue: its pages are left as they come.
THIRD_PARTY = {"axes"}


def project_models():
    return [m for m in admin.site._registry if m._meta.app_label not in THIRD_PARTY]


@pytest.mark.parametrize("model", project_models(), ids=lambda m: m._meta.label)
def test_every_admin_model_and_field_has_a_chinese_name(model):
    assert not str(model._meta.verbose_name).isascii()
    english = [
        f.name
        for f in model._meta.get_fields()
        if getattr(f, "concrete", False) and not f.auto_created and str(f.verbose_name).isascii()
    ]
    assert english == []


def test_the_policy_admin_pages_show_no_english_labels(client, world):
    client.force_login(world.city)
    for url in [
        "/admin/policy/district/add/",
        "/admin/policy/minimumwage/add/",
        "/admin/policy/calendarcorrection/add/",
    ]:
        page = client.get(url).content.decode()
        for label in ("City:", "Sort order:", "Created by:", ">City<", ">Sort order<"):
            assert label not in page, (url, label)
