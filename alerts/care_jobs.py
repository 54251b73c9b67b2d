"""The care-agreement scan (照料协议预警, seed 002 §二(三)): a 特困 person cared for at home who needs a care
agreement (households/care.py says who) and has none running, or whose agreement expired, opens an alert for
the village caseworker; once a valid agreement is recorded the alert closes.

Run every morning (alerts/tasks.py) and, for one person, right after an agreement is recorded (the
`care_agreement_recorded` signal, connected in alerts/apps.py). Idempotent: the dedupe key names the
occurrence (`care:<member>:missing`, `care:<member>:expired:<end date>`), so a rerun opens nothing twice.
"""
from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from households.care import CareState, alert_key, care_people
from households.models import RosterEntry
from relief import data_version
from relief.models import Jurisdiction, JurisdictionLevel

from .models import Alert, AlertKind, UNHANDLED_STATUSES
from . import reasons
from .reasons import reason_fields
from .selectors import assignee_expression, household_caseworker_expression
from .services import alerts_close_except, alerts_open_many


CARE_MISSING, CARE_EXPIRED = "care_agreement_missing", "care_agreement_expired"
REASONS = {
    CARE_MISSING: gettext_lazy("分散供养的失能、半失能特困人员尚未签订照料协议，请落实照料人并登记照料协议"),
    CARE_EXPIRED: gettext_lazy("照料协议已于 %(d)s 到期，请续签照料协议并跟踪照料落实情况"),
}


def register_reasons() -> None:
    """Pages word these reasons in their reader's language (alerts/reasons.py); from AlertsConfig.ready."""
    reasons.register_reasons(REASONS)


def _reason(state: str, last_ends_on) -> dict:
    """The alert's reason fields (alerts.reasons.reason_fields)."""
    if state == CareState.MISSING:
        return reason_fields(CARE_MISSING)
    return reason_fields(CARE_EXPIRED, d=last_ends_on.isoformat())


def care_agreement_scan(today: dt.date | None = None, member_ids=None) -> dict[str, int]:
    """Open the alerts of people due an agreement (missing or expired); close those no longer due.
    `member_ids` limits the run to some people (after an agreement is recorded)."""
    today = today or timezone.localdate()
    villages = Jurisdiction.objects.filter(level=JurisdictionLevel.VILLAGE).values("pk")
    people = care_people(villages, today)
    if member_ids is not None:
        people = people.filter(pk__in=list(member_ids))
    roster = RosterEntry.objects.filter(household_id=OuterRef("household_id"), exited_on__isnull=True) \
        .annotate(a=assignee_expression()).values("a")[:1]
    due = list(people.filter(care_state__in=CareState.DUE)
               .annotate(assignee=Coalesce(Subquery(roster), household_caseworker_expression()))
               .values_list("pk", "household_id", "care_state", "last_ends_on", "assignee"))
    now = timezone.now()
    candidates = [Alert(kind=AlertKind.CARE_AGREEMENT_DUE, household_id=household_id, caseworker_id=assignee,
                        **_reason(state, last_ends_on), dedupe_key=alert_key(pk, state, last_ends_on),
                        period_start=last_ends_on, opened_at=now, source_ref=f"member:{pk}")
                   for pk, household_id, state, last_ends_on, assignee in due]
    keep = [a.dedupe_key for a in candidates]
    with transaction.atomic():
        opened = alerts_open_many(alerts=candidates)
        if member_ids is None:
            closed = alerts_close_except(kind=AlertKind.CARE_AGREEMENT_DUE, keep_dedupe_keys=keep,
                                         note=_("已登记有效的照料协议，或此人已不需照料协议（集中供养、能自理、不再享受特困供养等）"))
        else:
            closed = _close_for_members(list(member_ids), keep)
        if opened or closed:
            data_version.records_changed()
    return {"due": len(candidates), "opened": opened, "closed": closed}


def _close_for_members(member_ids, keep) -> int:
    """The same closing, for the alerts of some people only (their alerts' source is `member:<id>`)."""
    from .services import alert_close

    closed = 0
    stale = (Alert.objects.filter(kind=AlertKind.CARE_AGREEMENT_DUE, status__in=UNHANDLED_STATUSES,
                                  source_ref__in=[f"member:{pk}" for pk in member_ids])
             .exclude(dedupe_key__in=keep))
    for alert in stale:
        alert_close(actor=None, alert=alert, note=_("已登记有效的照料协议"))
        closed += 1
    return closed


def on_care_agreement_recorded(sender, member_id, **kwargs) -> None:
    care_agreement_scan(member_ids=[member_id])
