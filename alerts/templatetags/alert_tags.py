import unicodedata

from django import template

from ..reasons import reason_text
from ..sources import household_step, source_of

register = template.Library()


@register.simple_tag(takes_context=True)
def alert_source(context, alert):
    """``{% alert_source alert as source %}``: the lead or referral the alert is about, if the viewer may open it."""
    request = context.get("request")
    return source_of(alert.source_ref, getattr(request, "user", None))


@register.simple_tag(takes_context=True)
def alert_household_step(context, alert):
    """``{% alert_household_step alert as step %}``: where on the family's pages the alert's work is done."""
    request = context.get("request")
    return household_step(alert, getattr(request, "user", None))


@register.filter
def alert_reason(alert) -> str:
    """``{{ alert|alert_reason }}``: the alert's reason in the reader's language (alerts/reasons.py)."""
    return reason_text(alert)


@register.filter
def alert_reason_brief(alert, columns=120) -> str:
    """``{{ alert|alert_reason_brief }}``: the reason cut to about `columns` columns of text, a Han character
    counting two: the same room in either language (a cut by characters left the English half said)."""
    text, width, limit = reason_text(alert), 0, int(columns)
    for at, char in enumerate(text):
        width += 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1
        if width > limit:
            return text[:at].rstrip() + "…"
    return text
