"""What an alert is about, beyond its household: the apps above name their records here.

An alert's ``source_ref`` is ``"<kind>:<pk>"`` (``referral:12``, ``lead:7``, ``hotline:3``). Alerts sit
below the apps whose records they are about, so those apps register, from their ``AppConfig.ready``, how
such a reference reads and where its page is: the inbox then links each alert to its lead or referral,
and an alert about no household yet (a lead, a work order) still has somewhere to go.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.urls import reverse

_SOURCES: dict[str, tuple[str, Callable[[str], str] | str]] = {}


@dataclass(frozen=True)
class AlertSource:
    label: str
    url: str


def register_source(kind: str, *, url_name: str, label: Callable[[str], str] | str) -> None:
    """``label`` names the record from its pk: a function (the owning app's one way of naming it, e.g.
    referrals.labels.referral_label → 转办12) or a format string with ``{pk}``; ``url_name`` takes the pk."""
    _SOURCES[kind] = (url_name, label)


def source_of(source_ref: str, user=None) -> AlertSource | None:
    """The record's label and page; with ``user``, only when that page's own rule lets the user in (a district
    official reads alerts but opens no lead)."""
    kind, _sep, pk = (source_ref or "").partition(":")
    known = _SOURCES.get(kind)
    if known is None or not pk.isdigit():
        return None
    url_name, label = known
    if user is not None:
        from relief import access

        if not access.may_open(user, url_name, int(pk)):
            return None
    text = label(pk) if callable(label) else str(label).format(pk=pk)
    return AlertSource(label=text, url=reverse(url_name, args=[int(pk)]))


def household_step(alert, user) -> AlertSource | None:
    """Where on the family's own pages the alert's work is done, for a kind whose work is no visit: the
    observation review, the care agreement, the service type's review or contact (seen from the alert page,
    the visit button alone sent the user to the wrong form). None for other kinds, an alert of no household,
    one another township holds, or a page the user may not open."""
    from django.utils.translation import gettext as _

    from relief import access

    from .models import AlertKind

    if alert.household_id is None or alert.township_id:
        return None
    steps = {
        AlertKind.OBSERVATION_REVIEW_DUE: (_("记录观察名单复核"), "households:observation_review", ""),
        AlertKind.CARE_AGREEMENT_DUE: (_("登记照料协议"), "households:detail", "#care-agreements"),
        AlertKind.SERVICE_REVIEW_DUE: (_("复核服务类型"), "households:detail", "#services"),
        AlertKind.CONTACT_DUE: (_("登记跟踪联系"), "households:detail", "#services"),
    }
    if alert.kind not in steps:
        return None
    label, url_name, anchor = steps[alert.kind]
    if user is not None and not access.may_open(user, url_name, alert.household_id):
        return None
    return AlertSource(label=label, url=reverse(url_name, args=[alert.household_id]) + anchor)
