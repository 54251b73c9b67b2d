"""The status-change scan (情况变化预警): alerts opened from household events, per the alert rules.

It lives with the alerts because it reads only household data (events, roster, 低保 standards) and the
rules, which are alert data. alerts/tasks.py wraps it for Celery. Idempotent: each alert's dedupe key
names its event and rule, and the insert ignores keys already taken, so a scan that runs twice, or a
task re-delivered after a worker died, opens nothing twice.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from households.models import AssistanceRecord, AssistanceType, HouseholdEvent, RosterEntry
from households.standards import StandardTable

from .models import Alert, AlertKind, AlertRule, RuleCondition
from .selectors import assignee_expression
from .services import alerts_open_many, quarterly_check_enter

# Status-change alerts look this far back for events, so a job that did not run for a while (or
# failed) catches up; the dedupe key keeps the overlap harmless.
EVENT_LOOKBACK = dt.timedelta(days=7)


def _decimal(value: str) -> Decimal | None:
    try:
        return Decimal(str(value).replace(",", "").replace("元", "").strip())
    except (InvalidOperation, ValueError):
        return None


# A family already on these gets no advice to check that it qualifies for them (张荣博 on 特困 was told to check
# whether he qualifies for 低保): the income rules speak for families the assistance does not reach yet.
COVERED_BY = {
    RuleCondition.INCOME_BELOW_DIBAO: {AssistanceType.DIBAO, AssistanceType.TEKUN},
    RuleCondition.INCOME_LOW_INCOME_BAND: {AssistanceType.DIBAO, AssistanceType.TEKUN, AssistanceType.LOW_INCOME},
}


def rule_matches(rule: AlertRule, event: HouseholdEvent, standards, district_id,
                 covered: set[str] | frozenset[str] = frozenset()) -> bool:
    """Whether the rule speaks for the event; `covered`: the assistance types the household receives now."""
    if rule.event_kind != event.kind:
        return False
    if rule.field and rule.field != event.field:
        return False
    condition = rule.condition
    if condition == RuleCondition.ANY:
        return True
    if condition == RuleCondition.NEWLY_SET:
        return not (event.old_value or "").strip() and bool((event.new_value or "").strip())
    if condition == RuleCondition.NEW_VALUE_IN:
        return (event.new_value or "").strip() in {str(v) for v in rule.values or []}
    if condition == RuleCondition.INCREASED:
        # A rigid expense (刚性支出) that rose: an empty old value counts as 0, an empty new one is no figure.
        new, old = _decimal(event.new_value), _decimal(event.old_value or "0")
        return new is not None and new > (old if old is not None else Decimal(0))
    if condition == RuleCondition.FEED_KIND_IN:
        # A matched row of a department list (部门数据比对命中), by the list's kind (imports.FeedKind).
        return str((event.data or {}).get("feed_kind", "")) in {str(v) for v in rule.values or []}
    if condition in (RuleCondition.INCOME_BELOW_DIBAO, RuleCondition.INCOME_LOW_INCOME_BAND):
        if covered & COVERED_BY[condition]:
            return False
        income = _decimal(event.new_value)
        applying = standards.applying(district_id, event.household.hukou_type, timezone.localdate(event.occurred_at))
        standard = applying.monthly_amount if applying else None
        # An income changed to 未登记 (empty new value) is not a figure: it is never compared.
        if income is None or standard is None:
            return False
        old = _decimal(event.old_value)
        if condition == RuleCondition.INCOME_BELOW_DIBAO:
            # "Fell under": it was not already under the line before this change.
            return income < standard and (old is None or old >= standard)
        upper = standard * Decimal(str(settings.RELIEF_LOW_INCOME_FACTOR))
        return standard <= income < upper and (old is None or old >= upper)
    return False


def rules_for_event(rules, event: HouseholdEvent, standards, district_id,
                    covered: set[str] | frozenset[str] = frozenset()) -> list[AlertRule]:
    """The rules that speak for one event. A catch-all rule (condition 任意, no field) gives way when a more
    specific rule of the same event matches: a 医疗自付过高 match is one alert saying what it is, not that plus a
    generic 部门数据比对命中 about the same row."""
    matched = [rule for rule in rules if rule_matches(rule, event, standards, district_id, covered)]
    specific = [rule for rule in matched if rule.condition != RuleCondition.ANY or rule.field]
    return specific or matched


def status_change_scan(since: dt.datetime | None = None) -> dict[str, int]:
    """Open status-change alerts for recent household events, per the active AlertRule rows."""
    since = since or timezone.now() - EVENT_LOOKBACK
    rules = list(AlertRule.objects.filter(active=True))
    if not rules:
        return {"events": 0, "opened": 0, "quarterly": 0}
    events = list(
        HouseholdEvent.objects.filter(occurred_at__gte=since, kind__in={r.event_kind for r in rules})
        .select_related("household", "household__village__parent", "household__caseworker")
        .order_by("occurred_at", "pk")
    )
    # Events may be days old: the table holds every standard, to measure each against the one of its day.
    standards = StandardTable.load() if any(r.condition.startswith("income_") for r in rules) else None
    assignees = dict(
        RosterEntry.objects.filter(household_id__in={e.household_id for e in events}, exited_on__isnull=True)
        .annotate(a=assignee_expression()).values_list("household_id", "a"))
    # What each household receives now, for the income rules (COVERED_BY); read only when there are such rules.
    covered: dict[int, set[str]] = {}
    if standards is not None:
        for household_id, kind in AssistanceRecord.objects.running(timezone.localdate()).filter(
                household_id__in={e.household_id for e in events}).values_list("household_id", "type"):
            covered.setdefault(household_id, set()).add(kind)
    candidates, quarterly = [], []
    for event in events:
        household = event.household
        district_id = household.village.parent.parent_id if household.village.parent else None
        for rule in rules_for_event(rules, event, standards, district_id, covered.get(household.pk, frozenset())):
            caseworker_id = assignees.get(household.pk)
            if caseworker_id is None and household.caseworker and \
                    household.caseworker.jurisdiction_id == household.village_id:
                caseworker_id = household.caseworker_id
            candidates.append(Alert(
                kind=AlertKind.STATUS_CHANGE, household=household, rule=rule, event=event,
                reason=rule.reason.format(old=event.old_value or "—", new=event.new_value or "—"),
                dedupe_key=f"event:{event.pk}:rule:{rule.pk}", caseworker_id=caseworker_id,
                opened_at=timezone.now(), source_ref=event.source_ref[:100],
            ))
            if rule.quarterly_check:
                quarterly.append((household, rule.reason.format(old=event.old_value or "—",
                                                                new=event.new_value or "—")))
    with transaction.atomic():
        opened = alerts_open_many(alerts=candidates)
        entered = sum(1 for household, reason in quarterly if quarterly_check_enter(household=household, reason=reason))
    return {"events": len(events), "opened": opened, "quarterly": entered}
