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
