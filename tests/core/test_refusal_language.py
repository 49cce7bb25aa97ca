"""Refusals from the modules that import without Django (the policy engine, the validators)
and the forms' empty choice follow the active language; without Django they stay Chinese."""

from __future__ import annotations

import subprocess
import sys
from datetime import date

import pytest
from django.utils import translation

from jianxi.core.errors import RuleError
from jianxi.core.i18n import gettext
from jianxi.core.validators import parse_mobile
from jianxi.policy import engine

pytestmark = pytest.mark.django_db

UNKNOWN_GROUP = "未知的见习对象类别：%(group)s"


def test_the_engine_refuses_in_the_active_language():
    facts = engine.PersonFacts(group="nobody", birth_date=date(2000, 1, 1))  # type: ignore[arg-type]
    for language, expected in (("en", "Unknown intern category: nobody"), ("zh-hans", "未知的见习对象类别：nobody")):
        with translation.override(language), pytest.raises(RuleError) as refused:
            engine.eligibility(facts=facts, on=date(2026, 1, 5), policy=None)  # type: ignore[arg-type]  # refused first
        assert refused.value.code == "eligibility.group" and refused.value.message == expected


def test_a_validator_refuses_in_the_active_language():
    with translation.override("en"), pytest.raises(RuleError) as refused:
        parse_mobile("123")
    assert refused.value.code == "phone.format"
    assert refused.value.message.startswith("The mobile number is not in the right format")


def test_core_gettext_translates_once_django_is_set_up():
    with translation.override("en"):
        assert gettext(UNKNOWN_GROUP) == "Unknown intern category: %(group)s"
    assert gettext(UNKNOWN_GROUP) == UNKNOWN_GROUP


def test_without_django_settings_the_message_stays_as_written():
    probe = "from jianxi.core.i18n import gettext; print(gettext('文件是空的。'))"
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "文件是空的。"


def test_the_empty_choice_label_is_translated(client):
    assert '<option value="" selected>请选择</option>' in client.get("/policy/quote/").content.decode()
    client.cookies["django_language"] = "en"
    page = client.get("/policy/quote/").content.decode()
    assert '<option value="" selected>Select</option>' in page and "请选择" not in page
