"""Chinese punctuation the app puts between its words and values, as messages: in English "：" is ": ", "（…）"
is " (…)" (relief/templatetags/punctuation.py gives templates the same marks). A sentence of the app's own
keeps its punctuation inside its one message; these are for a label beside a value and a value in brackets."""
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext, gettext_lazy as _

COLON = _("：")
SEMICOLON = _("；")
COMMA = _("，")
ENUMERATION_COMMA = _("、")
MARKS = {"：": COLON, "；": SEMICOLON, "，": COMMA, "、": ENUMERATION_COMMA}


def mark(char: str) -> str:
    """The translated mark for one of ：；，、 (any other text as it is)."""
    return str(MARKS.get(char, char))


def parenthesized(text) -> SafeString | str:
    """The text in brackets: （text） in Chinese, " (text)" in English. Safe text stays safe, other text is
    escaped only when it is to be marked safe (pass a SafeString from a template)."""
    if isinstance(text, SafeString):
        return mark_safe(conditional_escape(gettext("（%(text)s）")) % {"text": text})
    return gettext("（%(text)s）") % {"text": text}
