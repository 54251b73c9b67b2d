from django import template

from ..reasons import reason_text
from ..sources import source_of

register = template.Library()


@register.simple_tag(takes_context=True)
def alert_source(context, alert):
    """``{% alert_source alert as source %}``: the lead or referral the alert is about, if the viewer may open it."""
    request = context.get("request")
    return source_of(alert.source_ref, getattr(request, "user", None))


@register.filter
def alert_reason(alert) -> str:
    """``{{ alert|alert_reason }}``: the alert's reason in the reader's language (alerts/reasons.py)."""
    return reason_text(alert)
