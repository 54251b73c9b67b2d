import re

from django import template
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe

register = template.Library()


@register.filter
def duration_zh(value) -> str:
    """A timedelta in words: "15 分钟", "1 小时 30 分钟" (django-axes hands templates ISO 8601, "PT15M")."""
    from datetime import timedelta

    from django.utils.translation import gettext as _

    if not isinstance(value, timedelta):
        return ""
    minutes = max(int(value.total_seconds() // 60), 0)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    parts = [(days, _("天")), (hours, _("小时")), (minutes, _("分钟"))]
    words = " ".join(f"{n} {unit}" for n, unit in parts if n)
    return words or _("1 分钟")


_SOURCE_URL = re.compile(r"[（(]?\s*(https?://[^\s（）()]+)\s*[）)]?")


@register.filter
def cited(value) -> str:
    """A citation with its web address as a short link: "上海市民政局：…（https://…）" reads as the text and
    "原文", not as a long address that breaks a phone's line."""
    from django.utils.translation import gettext as _

    text = str(value or "")
    links = []

    def keep(match):
        links.append(match.group(1))
        return ""

    plain = _SOURCE_URL.sub(keep, text).strip()
    parts = [escape(plain)] + [format_html('<a href="{}" rel="noopener noreferrer">{}</a>', url, _("原文"))
                               for url in links]
    return mark_safe(" ".join(p for p in parts if p))


@register.filter
def masked_phone(value) -> str:
    """A phone number as lists and sections show it (139****5678): a person's number is personal data, shown in
    full only where the page asked a reason for it (relief/reveal.py)."""
    from relief.reveal import mask_phone

    return mask_phone(str(value or ""))


@register.simple_tag(takes_context=True)
def back_to_list(context, view_name: str) -> str:
    """``{% back_to_list "households:list" %}``: the list as the user last saw it (search, filters, page), for a
    page's back link (relief.search_terms.last_list_address)."""
    from relief.search_terms import last_list_address

    request = context.get("request")
    if request is None:
        from django.urls import reverse

        return reverse(view_name)
    return last_list_address(request, view_name)
