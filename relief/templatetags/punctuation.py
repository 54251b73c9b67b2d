"""Chinese punctuation between the app's words and values, translated like the words (issue 18): an English
page reads "Status: closed (System)", not "Status：closed（System）".

Where a label and its value stand apart in a template (`{% translate "状态" %}{% colon %}{{ value }}`), or a
value is put in brackets (`{% parens %}{{ who }}{% endparens %}`), the punctuation comes from here; a sentence
of the app's own is one message with its punctuation inside it, as ever. Python code takes the same marks
from `relief.punctuation`.

    {% load punctuation %}
    {% colon %}  {% semicolon %}  {% comma %}        ：；， in Chinese, ": " "; " ", " in English
    {% parens %}…{% endparens %}                      （…） in Chinese, " (…)" in English
    {{ errors|join_with:"；" }}                       a list joined by one of the marks above
"""
from django import template
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe

from relief import punctuation

register = template.Library()


@register.simple_tag
def colon() -> str:
    return str(punctuation.COLON)


@register.simple_tag
def semicolon() -> str:
    return str(punctuation.SEMICOLON)


@register.simple_tag
def comma() -> str:
    return str(punctuation.COMMA)


class ParensNode(template.Node):
    def __init__(self, nodelist):
        self.nodelist = nodelist

    def render(self, context):
        inner = self.nodelist.render(context)
        if not inner.strip():
            return inner
        return mark_safe(punctuation.parenthesized(mark_safe(inner) if context.autoescape else inner))


@register.tag
def parens(parser, token):
    nodelist = parser.parse(("endparens",))
    parser.delete_first_token()
    return ParensNode(nodelist)


@register.filter(is_safe=True, needs_autoescape=True)
def join_with(value, mark: str, autoescape=True):
    """The list joined by the translated mark (one of ：；，、)."""
    escape = conditional_escape if autoescape else str
    return mark_safe(escape(punctuation.mark(mark)).join(escape(v) for v in value))
