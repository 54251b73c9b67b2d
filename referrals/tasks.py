"""Deadline alerts for referrals (run daily by Celery beat, see CELERY_BEAT_SCHEDULE).

Opens, through alerts.services.alert_open, one alert per referral past its deadline (转办超期) and one per
help-first case whose paperwork is late (先行救助补办手续超期). The dedupe key names the occurrence (referral
and deadline), so a run repeated the same day — or a task re-delivered after a worker died — opens nothing
twice; a new deadline set after a return is a new occurrence and gets its own alert.
"""
from __future__ import annotations

import datetime as dt

from celery import shared_task
from django.db import DatabaseError, InterfaceError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import OPEN_STATUSES, Referral

RETRY = {"autoretry_for": (DatabaseError, InterfaceError), "retry_backoff": 30, "retry_backoff_max": 600,
         "max_retries": 5, "acks_late": True, "reject_on_worker_lost": True,
         # A nightly scan of the district takes a minute or two; past these it is stuck, not slow.
         "soft_time_limit": 15 * 60, "time_limit": 17 * 60}


def overdue_key(referral_id: int, deadline: dt.date) -> str:
    """One occurrence of a referral past its deadline (a new deadline is a new occurrence)."""
    return f"referral_overdue:{referral_id}:{deadline:%Y-%m-%d}"


def paperwork_key(referral_id: int, due: dt.date) -> str:
    return f"help_first_late:{referral_id}:{due:%Y-%m-%d}"


def step_key(referral_id: int, step: str, started_at: dt.datetime) -> str:
    """One occurrence of a referral's step running late (a step entered again after a return is a new one)."""
    return f"step_overdue:referral:{referral_id}:{step}:{int(started_at.timestamp())}"


def lead_step_key(lead_id: int) -> str:
    return f"step_overdue:lead:{lead_id}:study"


def _due_words(clock) -> str:
    """The due moment in words: a day limit's last day (the day itself is in time), an hour limit's time."""
    if clock.in_hours:
        return timezone.localtime(clock.due_at).strftime("%Y-%m-%d %H:%M")
    return f"{clock.due_date:%Y-%m-%d}"


def step_alerts(now: dt.datetime | None = None) -> dict:
    """环节超时: open an alert per step past its limit (referrals/steplimits.py), close those whose step moved
    on or is no longer late. Set-based: a fixed number of statements whatever the count.

    The alert goes to who holds the step: the household's caseworker for a village step, nobody in particular
    for a township or district step (the township and district see every alert of their villages). A lead not
    yet linked to a household has no alert (alerts are about households); it is counted on the 清单管理 table
    and listed with 仅看超时 all the same. The department's deadline keeps its own alert (转办超期).
    """
    from alerts.models import Alert, AlertKind
    from alerts.reasons import reason_fields
    from alerts.selectors import household_caseworker_expression
    from alerts.services import alerts_close_except, alerts_open_many

    from . import alert_reasons
    from .models import Lead
    from .steplimits import ALERTED_STEPS, STEP_LEVEL, VILLAGE, LimitTable, clock_of_lead, clock_of_referral, \
        lead_late_q, referral_late_q

    now = now or timezone.now()
    table = LimitTable()
    alerts, keys = [], []
    late = (Referral.objects.filter(referral_late_q(table, now, steps=ALERTED_STEPS))
            .annotate(household_caseworker=household_caseworker_expression(),
                      hukou_township=F("hukou_handover__township_id"))
            .only("pk", "status", "urgency", "step_started_at", "family_informed", "deadline", "household_id"))
    for referral in late.iterator(chunk_size=1000):
        clock = clock_of_referral(referral, table)
        key = step_key(referral.pk, clock.step, referral.step_started_at)
        keys.append(key)
        in_village = STEP_LEVEL[clock.step] == VILLAGE
        alerts.append(Alert(
            kind=AlertKind.STEP_OVERDUE, household_id=referral.household_id, dedupe_key=key,
            source_ref=f"referral:{referral.pk}",
            # A township or district step of a case the hukou township handles is that township's to answer.
            township_id=None if in_village else referral.hukou_township,
            caseworker_id=referral.household_caseworker if in_village else None,
            **reason_fields(alert_reasons.REFERRAL_STEP_OVERDUE, pk=referral.pk, step=str(clock.step),
                            level=clock.level, due=_due_words(clock), left=clock.left(now))))
    # A lead about no registered family yet is alerted all the same, in its village (alerts/sources.py links it).
    leads = (Lead.objects.filter(lead_late_q(table, now))
             .annotate(household_caseworker=household_caseworker_expression())
             .only("pk", "status", "urgency", "received_at", "household_id", "village_id"))
    for lead in leads.iterator(chunk_size=1000):
        clock = clock_of_lead(lead, table)
        key = lead_step_key(lead.pk)
        keys.append(key)
        alerts.append(Alert(
            kind=AlertKind.STEP_OVERDUE, household_id=lead.household_id, dedupe_key=key, source_ref=f"lead:{lead.pk}",
            village_id=None if lead.household_id else lead.village_id,
            caseworker_id=lead.household_caseworker,
            **reason_fields(alert_reasons.LEAD_STEP_OVERDUE, pk=lead.pk, due=_due_words(clock), left=clock.left(now))))
    with transaction.atomic():
        opened = alerts_open_many(alerts=alerts)
        closed = alerts_close_except(kind=AlertKind.STEP_OVERDUE, keep_dedupe_keys=keys,
                                     note=_("环节已办理或不再超时，系统自动关闭。"))
    return {"opened": opened, "late": len(keys), "closed": closed}


@shared_task(name="referrals.step_alerts", **RETRY)
def step_alerts_task() -> dict:
    """Every hour: 环节超时 alerts (急难 steps are counted in hours)."""
    return step_alerts()


def deadline_alerts(today: dt.date | None = None) -> dict:
    """Open the alerts due today; returns how many were opened and how many already existed."""
    from alerts.models import AlertKind
    from alerts.reasons import reason_fields
    from alerts.services import alert_open

    from . import alert_reasons

    today = today or timezone.localdate()
    opened = existing = 0
    overdue = (Referral.objects.overdue(today).annotate(hukou_township=F("hukou_handover__township_id"))
               .select_related("household").only("pk", "deadline", "department", "status", "household"))
    for referral in overdue.iterator(chunk_size=500):
        with transaction.atomic():
            _alert, created = alert_open(
                kind=AlertKind.REFERRAL_OVERDUE, household=referral.household,
                **reason_fields(alert_reasons.REFERRAL_OVERDUE, pk=referral.pk, dept=referral.department,
                                deadline=referral.deadline.isoformat(), status=referral.status),
                dedupe_key=overdue_key(referral.pk, referral.deadline),
                source_ref=f"referral:{referral.pk}", township_id=referral.hukou_township)
        opened, existing = opened + created, existing + (not created)
    late = (Referral.objects.paperwork_late(today).annotate(hukou_township=F("hukou_handover__township_id"))
            .select_related("household").only("pk", "paperwork_due", "help_first_amount", "household"))
    for referral in late.iterator(chunk_size=500):
        with transaction.atomic():
            _alert, created = alert_open(
                kind=AlertKind.HELP_FIRST_PAPERWORK_LATE, household=referral.household,
                **reason_fields(alert_reasons.PAPERWORK_LATE, pk=referral.pk, amount=str(referral.help_first_amount),
                                due=referral.paperwork_due.isoformat()),
                dedupe_key=paperwork_key(referral.pk, referral.paperwork_due),
                source_ref=f"referral:{referral.pk}", township_id=referral.hukou_township)
        opened, existing = opened + created, existing + (not created)
    return {"opened": opened, "existing": existing}


DEPARTMENT_ITEM_KEY_PREFIX = "department_item:"


def department_item_alerts(today: dt.date | None = None) -> dict:
    """部门事项超期, set-based: one alert per department item of a multi-department case (综合评估) still pending
    after its own deadline — each department's part is watched on its own, not only the case's deadline — and
    one UPDATE closes the alerts of items decided since or given a later deadline. About the case's household,
    or, for a case about no registered family, about its village. Idempotent: the key names the item and its
    deadline (`department_item:<id>:<deadline>`)."""
    from django.db.models import Case, CharField, DateField, F, Value, When
    from django.db.models.functions import Cast, Concat

    from alerts.models import AlertKind
    from alerts.reasons import choice_label_sql, reason_params_expression, reason_sql
    from alerts.selectors import household_caseworker_expression
    from alerts.services import ROW_COLUMNS, alerts_close_except, alerts_open_from_rows

    from . import alert_reasons
    from .models import Department
    from .models_departments import DepartmentItem

    today = today or timezone.localdate()
    key = Concat(Value(DEPARTMENT_ITEM_KEY_PREFIX), Cast("pk", CharField()), Value(":"),
                 Cast("deadline", CharField()), output_field=CharField())
    # The text in the site's language (alerts.reasons.reason_fields), the values for the reader's.
    reason = reason_sql(alert_reasons.DEPARTMENT_ITEM_OVERDUE, referral=F("assessment__referral_id"),
                        department=choice_label_sql("department", Department), measure=F("measure"),
                        deadline=F("deadline"))
    params = reason_params_expression(alert_reasons.DEPARTMENT_ITEM_OVERDUE, referral=F("assessment__referral_id"),
                                      department=F("department"), measure=F("measure"),
                                      deadline=Cast("deadline", CharField()))
    overdue = DepartmentItem.objects.overdue(today).filter(assessment__referral__status__in=OPEN_STATUSES)
    with transaction.atomic():
        rows = (overdue
                .annotate(key=key, reason_text=reason,
                          assignee=Case(When(assessment__referral__hukou_handover__isnull=False, then=None),
                                        default=household_caseworker_expression("assessment__referral__household__")),
                          period=Cast(Value(None), DateField()),
                          alert_place=Case(When(assessment__referral__household__isnull=True, then=F("village_id")),
                                           default=None),
                          alert_source=Concat(Value("referral:"), Cast("assessment__referral_id", CharField()),
                                              output_field=CharField()),
                          alert_township=F("assessment__referral__hukou_handover__township_id"),
                          alert_params=params)
                .values_list("key", "assessment__referral__household_id", "reason_text", "assignee", "period",
                             "alert_place", "alert_source", "alert_township", "alert_params"))
        opened = alerts_open_from_rows(kind=AlertKind.DEPARTMENT_ITEM_OVERDUE, rows=rows,
                                       columns=(*ROW_COLUMNS, "village_id", "source_ref", "township_id",
                                                "reason_params"))
        closed = alerts_close_except(kind=AlertKind.DEPARTMENT_ITEM_OVERDUE,
                                     keep_dedupe_keys=overdue.annotate(key=key).values("key"),
                                     note=_("部门事项已作出办理结果，或期限已调整，系统自动关闭。"))
    return {"opened": opened, "closed": closed}


@shared_task(name="referrals.deadline_alerts", **RETRY)
def deadline_alerts_task(today: str | None = None) -> dict:
    """Every morning: alerts for overdue referrals, overdue department items and late help-first paperwork."""
    day = dt.date.fromisoformat(today) if today else None
    return {**deadline_alerts(day), "department_items": department_item_alerts(day)}


def hotline_overdue_alerts(now: dt.datetime | None = None) -> dict:
    """热线工单超时, set-based: one INSERT … SELECT opens an alert per work order past its current deadline (the
    first response, else the feedback) — about the lead's household, or, while the lead names none, about the
    lead in its village — and one UPDATE closes the alerts of work orders no longer overdue (answered, or a
    deadline moved). Idempotent: the dedupe key names the work order and the stage
    (`hotline_overdue:<id>:response|feedback`)."""
    from django.db.models import CharField, DateField, F, Value
    from django.db.models.functions import Cast, Concat
    from django.db.models import Case, When

    from alerts.models import AlertKind
    from alerts.reasons import reason_params_expression, reason_sql
    from alerts.selectors import household_caseworker_expression
    from alerts.services import ROW_COLUMNS, alerts_close_except, alerts_open_from_rows

    from . import alert_reasons
    from .models import HotlineWorkOrder
    from .services.hotline import ALERT_PREFIX

    now = now or timezone.now()
    key = Concat(Value(ALERT_PREFIX), Cast("pk", CharField()), Value(":"),
                 Case(When(responded_at__isnull=True, then=Value("response")), default=Value("feedback")),
                 output_field=CharField())
    awaiting_response = Q(responded_at__isnull=True)
    # The text in the site's language (alerts.reasons.reason_fields), the values for the reader's.
    reason = Case(When(awaiting_response, then=reason_sql(alert_reasons.HOTLINE_RESPONSE_OVERDUE, number=F("number"))),
                  default=reason_sql(alert_reasons.HOTLINE_FEEDBACK_OVERDUE, number=F("number")),
                  output_field=CharField())
    params = Case(
        When(awaiting_response, then=reason_params_expression(alert_reasons.HOTLINE_RESPONSE_OVERDUE,
                                                              number=F("number"))),
        default=reason_params_expression(alert_reasons.HOTLINE_FEEDBACK_OVERDUE, number=F("number")))
    overdue = HotlineWorkOrder.objects.overdue(now)
    with transaction.atomic():
        rows = (overdue
                .annotate(key=key, reason_text=reason,
                          assignee=household_caseworker_expression("lead__household__"),
                          period=Cast(Value(None), DateField()),
                          alert_place=Case(When(lead__household__isnull=True, then=F("lead__village_id")),
                                           default=None),
                          alert_source=Concat(Value("lead:"), Cast("lead_id", CharField()), output_field=CharField()),
                          alert_params=params)
                .values_list("key", "lead__household_id", "reason_text", "assignee", "period", "alert_place",
                             "alert_source", "alert_params"))
        opened = alerts_open_from_rows(kind=AlertKind.HOTLINE_OVERDUE, rows=rows,
                                       columns=(*ROW_COLUMNS, "village_id", "source_ref", "reason_params"))
        closed = alerts_close_except(kind=AlertKind.HOTLINE_OVERDUE,
                                     keep_dedupe_keys=overdue.annotate(key=key).values("key"),
                                     note=_("工单已响应或已反馈，或期限已调整，不再超时，系统自动关闭。"))
    return {"opened": opened, "closed": closed}


@shared_task(name="referrals.hotline_overdue_alerts", **RETRY)
def hotline_overdue_alerts_task() -> dict:
    """Every quarter of an hour: alerts for hotline work orders past their deadline, closed once answered."""
    return hotline_overdue_alerts()


@shared_task(name="referrals.letter_overdue_alerts", **RETRY)
def letter_overdue_alerts_task(today: str | None = None) -> dict:
    """Every morning: 协查函逾期未复 alerts for cooperation letters unanswered past their reply deadline."""
    from .services.hukou import letters_overdue_scan

    return letters_overdue_scan(dt.date.fromisoformat(today) if today else None)
