"""Punctuation beside values follows the language (relief/punctuation.py, {% load punctuation %}): ：（）；，、 in
Chinese, ": ", " (…)", "; ", ", " in English; values stay escaped."""
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
