"""Punctuation beside values follows the language (relief/punctuation.py, {% load punctuation %}): ：（）；，、 in
Chinese, ": ", " (…)", "; ", ", " in English; values stay escaped."""
import pytest
from django.template import Context, Template
from django.utils import translation

from relief.punctuation import COLON, mark, parenthesized

TEMPLATE = Template('{% load i18n punctuation %}{% translate "状态" %}{% colon %}{{ v }}'
                    '{% parens %}{{ who }}{% endparens %}{{ items|join_with:"；" }}{% parens %}{% endparens %}')


def _render(language):
    with translation.override(language):
        return TEMPLATE.render(Context({"v": "<b>", "who": "李秀英", "items": ["甲", "乙&"]}))


def test_the_marks_are_chinese_in_chinese_and_english_in_english():
    assert _render("zh-hans") == "状态：&lt;b&gt;（李秀英）甲；乙&amp;"
    assert _render("en") == "Status: &lt;b&gt; (李秀英)甲; 乙&amp;"


def test_python_code_takes_the_same_marks():
    with translation.override("en"):
        assert f"a{COLON}b" == "a: b" and mark("、").join("xy") == "x, y" and parenthesized("c") == " (c)"
    with translation.override("zh-hans"):
        assert f"a{COLON}b" == "a：b" and mark("、").join("xy") == "x、y" and parenthesized("c") == "（c）"


@pytest.mark.django_db
def test_form_labels_end_in_the_full_width_colon_in_chinese_and_the_ascii_one_in_english(client, demo):
    from django.urls import reverse

    from tests.visits.factories import make_roster

    household = make_roster(demo.village_a, caseworker=demo.caseworker_a)
    client.force_login(demo.caseworker_a)
    page = client.get(reverse("visits:visit_new", args=[household.pk])).content.decode()
    assert "走访日期：</label>" in page and "走访日期:</label>" not in page
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    page = client.get(reverse("visits:visit_new", args=[household.pk])).content.decode()
    assert "：</label>" not in page and ":</label>" in page
