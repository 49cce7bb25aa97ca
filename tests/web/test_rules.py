"""The rules inside the project (issue #16): /rules/, plain Chinese for visitors and young people,
codes as small tags linking to the rule for those who work with them."""

from __future__ import annotations

import re

import pytest
from django.template import Context, Template
from django.urls import reverse

from jianxi.core.templatetags.jianxi import rule_anchor, rules_for
from tests.factories import make_id_number

RULE_HEADINGS = ["r-el-1", "r-el-6", "r-in-1", "r-in-4", "r-sub-1", "r-sub-5", "r-sub-8", "r-tg-1", "r-tg-4"]
CODE = re.compile(r"R-(?:EL|IN|SUB|TG)-\d")


def test_the_rules_page_is_public_with_an_anchor_per_rule(client, db):
    page = client.get(reverse("rules"))
    assert page.status_code == 200
    body = page.content.decode()
    for anchor in RULE_HEADINGS:
        assert f'id="{anchor}"' in body
    assert "京人社毕发〔2023〕21号" in body
    assert "<script" not in body.split('data-testid="rules"')[1]


@pytest.mark.parametrize(
    ("code", "anchor"), [("R-EL-1", "r-el-1"), ("R-SUB-5.window", "r-sub-5"), ("R-EL-1…4", "r-el-1")]
)
def test_a_code_links_to_its_rule(code, anchor):
    assert rule_anchor(code) == anchor


class Visitor:
    is_authenticated = False
    role = None


class Officer:
    is_authenticated = True
    role = "district"


def test_a_doubled_code_is_shown_once_as_a_tag_and_not_at_all_to_a_visitor():
    message = "见习期限应为 3 至 12 个月（R-IN-1）。（R-IN-1）"
    assert str(rules_for(message, Visitor())) == "见习期限应为 3 至 12 个月。"
    officer = str(rules_for(message, Officer()))
    assert officer.count("R-IN-1") == 1 and 'href="/rules/#r-in-1"' in officer and 'class="rule-tag"' in officer
    assert "（" not in officer


def test_several_codes_in_one_bracket_and_html_in_a_message():
    text = "<b>x</b> 按最低工资标准（R-SUB-1、R-SUB-3）测算"
    assert str(rules_for(text, Visitor())) == "&lt;b&gt;x&lt;/b&gt; 按最低工资标准测算"


def test_the_rule_tag_renders_for_officers_only():
    template = Template('{% load jianxi %}{% rule_tag "R-EL-1" %}')
    assert template.render(Context({"user": Visitor()})) == ""
    assert 'href="/rules/#r-el-1"' in template.render(Context({"user": Officer()}))


def _visible_text(html: str) -> str:
    html = re.sub(r"<(script|style)[^>]*>.*?</\1>", "", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", html)


def test_public_pages_speak_plain_chinese_without_rule_codes(client, db):
    for url in ["/", reverse("posts:search"), reverse("policy:quote"), reverse("policy:eligibility")]:
        text = _visible_text(client.get(url).content.decode())
        assert not CODE.search(text), url
    result = client.post(
        reverse("policy:eligibility"),
        {"id_number": make_id_number(1), "group": "college_graduate", "on": "2026-07-01"},
    ).content.decode()
    assert "暂不符合见习条件" in result and not CODE.search(_visible_text(result))


def test_the_youth_page_speaks_plain_chinese(client, world):
    client.force_login(world.youth)
    page = client.get(reverse("youth:detail", args=[world.our_person.pk])).content.decode()
    assert "见习资格" in page and not CODE.search(_visible_text(page))
    client.force_login(world.district_officer)
    page = client.get(reverse("youth:detail", args=[world.our_person.pk])).content.decode()
    assert 'class="rule-tag"' in page


def test_a_public_quote_for_a_far_year_does_not_ask_the_visitor_to_maintain_the_calendar(client, db):
    form = {"district": "110108", "start": "2031-01-01", "end": "2031-06-30"}
    page = client.post(reverse("policy:quote"), form).content.decode()
    assert "2031 年的法定节假日安排尚未公布" in page
    assert "维护该年度日历" not in page and not CODE.search(_visible_text(page))


def test_the_readme_sends_no_one_outside_the_repository():
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    assert "../shared" not in readme and "DESIGN.md" not in readme
