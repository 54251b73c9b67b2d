"""Time limits at every step — 环节时限 (seed 004 §二(四): 及时受理, 限时办结; 003 §二(三)/004 §二(四): 第一时间).

Which step a lead or referral waits for follows from its state (no second copy to keep in step):

    lead 新线索/核实中, referral 村级草稿 → STUDY  (village; from the lead's registration, or the draft)
    referral 已集体研究                 → SUBMIT (village)
    referral 已报乡镇                   → ACCEPT (township)
    referral 已交办/已会审/公示中       → HANDLE (township: the department's deadline, Referral.deadline)
    referral 不符合条件, family not told → INFORM (village)
    referral 已报区县                   → ANSWER (district)

A step started at `start` (Referral.step_started_at, Lead.received_at) is measured by the StepLimit of its step
and urgency in force on start's day (Shanghai). Days: due at the end of start's day + N, as a deadline is (the
due day itself is not overdue). Hours: due at start + N hours, overdue after that moment. The department step
keeps its own deadline (set at hand-over, offered from the HANDLE limit), and its alert stays 转办超期.

The same rule twice, as the house does: `clock_of` for one row in Python (what a page shows) and
`referral_late_q` / `lead_late_q` for SQL (lists, counts, the scan) — built from the few limit rows, with no date
arithmetic in the database. tests/referrals/test_step_limits.py checks that the two agree.
"""
from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, npgettext, pgettext_lazy

from .models import (
    OPEN_LEAD_STATUSES, LimitUnit, ReferralStatus, StepKind, StepLimit, Urgency, deadline_paused_q,
)

S = ReferralStatus
VILLAGE, TOWNSHIP, DISTRICT = "village", "township", "district"
# Who holds a step, as the clock and the overdue alert name it ("handled by the village").
LEVEL_LABELS = {VILLAGE: pgettext_lazy("handling level", "村级"), TOWNSHIP: pgettext_lazy("handling level", "乡镇"),
                DISTRICT: pgettext_lazy("handling level", "区县")}

STEP_STATUSES: dict[str, tuple[str, ...]] = {
    StepKind.STUDY: (S.DRAFT,),
    StepKind.SUBMIT: (S.STUDIED,),
    StepKind.ACCEPT: (S.SUBMITTED,),
    StepKind.HANDLE: (S.ASSIGNED, S.REVIEWED, S.NOTICE),
    StepKind.INFORM: (S.INELIGIBLE,),
    StepKind.ANSWER: (S.ESCALATED,),
}
STEP_LEVEL = {StepKind.STUDY: VILLAGE, StepKind.SUBMIT: VILLAGE, StepKind.INFORM: VILLAGE,
              StepKind.ACCEPT: TOWNSHIP, StepKind.HANDLE: TOWNSHIP, StepKind.ANSWER: DISTRICT}
STEP_SHORT = {StepKind.STUDY: gettext_lazy("村级研究"), StepKind.SUBMIT: gettext_lazy("报送乡镇"), StepKind.ACCEPT: gettext_lazy("乡镇受理"),
              StepKind.HANDLE: gettext_lazy("部门办理"), StepKind.INFORM: gettext_lazy("告知家庭"), StepKind.ANSWER: gettext_lazy("区县答复")}
NOTICE_ENDED = gettext_lazy("公示期满待认定或报批")
LEVEL_STEPS = {level: [s for s, lv in STEP_LEVEL.items() if lv == level] for level in (VILLAGE, TOWNSHIP, DISTRICT)}
# Steps whose lateness opens a 环节超时 alert; the department's deadline has its own (转办超期).
ALERTED_STEPS = (StepKind.STUDY, StepKind.SUBMIT, StepKind.ACCEPT, StepKind.INFORM, StepKind.ANSWER)

# Offered when the district has set nothing (the data migration seeds the same table).
DEFAULT_LIMITS = {
    # step: {urgency: (amount, unit)}
    StepKind.STUDY: {Urgency.NORMAL: (7, "days"), Urgency.URGENT: (3, "days"), Urgency.EMERGENCY: (24, "hours")},
    StepKind.SUBMIT: {Urgency.NORMAL: (3, "days"), Urgency.URGENT: (2, "days"), Urgency.EMERGENCY: (24, "hours")},
    StepKind.ACCEPT: {Urgency.NORMAL: (5, "days"), Urgency.URGENT: (2, "days"), Urgency.EMERGENCY: (24, "hours")},
    StepKind.HANDLE: {Urgency.NORMAL: (15, "days"), Urgency.URGENT: (7, "days"), Urgency.EMERGENCY: (72, "hours")},
    StepKind.INFORM: {Urgency.NORMAL: (5, "days"), Urgency.URGENT: (3, "days"), Urgency.EMERGENCY: (24, "hours")},
    StepKind.ANSWER: {Urgency.NORMAL: (15, "days"), Urgency.URGENT: (7, "days"), Urgency.EMERGENCY: (48, "hours")},
}
DEFAULTS_FROM = dt.date(2020, 1, 1)
DEFAULTS_NOTE = ("默认值：政策文件要求“及时受理”“限时办结”、急难“第一时间”处置，"
                 "未规定具体天数；急难按小时计，区县可调整。")


def start_of_day(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time()))


class LimitTable:
    """The limit rows, read once (a page, a scan): which limit applies to a step started on a day."""

    def __init__(self, rows=None):
        rows = list(StepLimit.objects.order_by("effective_from", "pk")) if rows is None else list(rows)
        self.by_key: dict[tuple[str, str], list[StepLimit]] = {}
        for row in sorted(rows, key=lambda r: (r.effective_from, r.pk or 0)):
            self.by_key.setdefault((row.step, row.urgency), []).append(row)

    def resolve(self, step: str, urgency: str, day: dt.date) -> StepLimit | None:
        found = None
        for row in self.by_key.get((step, urgency), ()):
            if row.effective_from <= day:
                found = row
        return found

    def periods(self, step: str, urgency: str):
        """(first day, day after the last or None, limit) for each limit of the step and urgency."""
        rows = self.by_key.get((step, urgency), [])
        for i, row in enumerate(rows):
            yield row.effective_from, rows[i + 1].effective_from if i + 1 < len(rows) else None, row


@dataclass(frozen=True)
class Clock:
    """A running step: what it is, who holds it, when it is due, and the words for what is left."""

    step: str
    level: str
    due_at: dt.datetime
    in_hours: bool
    due_date: dt.date | None = None
    # What the step is called when its state says more than the step's name (a 公示 that has ended).
    label: str = ""

    @property
    def step_label(self) -> str:
        return str(self.label or STEP_SHORT[self.step])

    @property
    def level_label(self) -> str:
        return str(LEVEL_LABELS[self.level])

    def is_late(self, now: dt.datetime | None = None) -> bool:
        now = now or timezone.now()
        if self.in_hours:
            return now > self.due_at
        return timezone.localdate(now) > self.due_date

    def left_text(self, now: dt.datetime | None = None) -> str:
        return left_words(self.left(now)) if self.step == StepKind.HANDLE else step_left_words(self.left(now))

    def left(self, now: dt.datetime | None = None) -> list:
        """What is left, as [what, how many] (left_words reads it): kept with an alert, worded when shown."""
        now = now or timezone.now()
        if not self.in_hours:
            days = (self.due_date - timezone.localdate(now)).days
            if days > 0:
                return ["days_left", days]
            if days == 0:
                return ["due_today", 0]
            return ["days_over", -days]
        seconds = (self.due_at - now).total_seconds()
        if seconds >= 0:
            return ["hours_left", max(math.ceil(seconds / 3600), 0)]
        hours = max(int(-seconds // 3600), 1)  # whole hours past, from the first second on
        if hours >= 48:
            return ["days_over", hours // 24]
        return ["hours_over", hours]

    def tone(self, now: dt.datetime | None = None) -> str:
        now = now or timezone.now()
        if self.is_late(now):
            return "red"
        soon = (self.due_at - now) <= (dt.timedelta(hours=6) if self.in_hours else dt.timedelta(days=1))
        return "amber" if soon else "green"


def left_words(left) -> str:
    """"剩余3天", "今天到期", "超期5小时"… from Clock.left's [what, how many]: a deadline (the department's)."""
    what, n = left
    if what == "due_today":
        return _("今天到期")
    # Each with its plural: English counts "1 day", "2 days"; Chinese says both alike.
    if what == "days_left":
        text = npgettext("time left", "剩余%(n)s天", "剩余%(n)s天", n)
    elif what == "hours_left":
        text = npgettext("time left", "剩余%(n)s小时", "剩余%(n)s小时", n)
    elif what == "days_over":
        text = npgettext("time left", "超期%(n)s天", "超期%(n)s天", n)
    else:
        text = npgettext("time left", "超期%(n)s小时", "超期%(n)s小时", n)
    return text % {"n": n}


def step_left_words(left) -> str:
    """The same for a step's time limit, late said as 超时 (环节超时), not 超期: 超期 is the department's deadline,
    which the 超期转办 card and filter count; a step past its limit is counted by 环节超时."""
    what, n = left
    if what == "days_over":
        return npgettext("time left", "超时%(n)s天", "超时%(n)s天", n) % {"n": n}
    if what == "hours_over":
        return npgettext("time left", "超时%(n)s小时", "超时%(n)s小时", n) % {"n": n}
    return left_words(left)


def _clock(step: str, urgency: str, start: dt.datetime | None, table: LimitTable) -> Clock | None:
    if start is None:
        return None
    day = timezone.localdate(start)
    limit = table.resolve(step, urgency, day)
    if limit is None:
        return None
    if limit.unit == LimitUnit.HOURS:
        return Clock(step, STEP_LEVEL[step], start + limit.duration, True)
    due = day + dt.timedelta(days=limit.amount)
    return Clock(step, STEP_LEVEL[step], start_of_day(due + dt.timedelta(days=1)), False, due)


def step_of_referral(referral) -> str | None:
    if referral.status == S.INELIGIBLE and referral.family_informed:
        return None
    for step, statuses in STEP_STATUSES.items():
        if referral.status in statuses:
            return step
    return None


def clock_of_referral(referral, table: LimitTable) -> Clock | None:
    step = step_of_referral(referral)
    if step is None:
        return None
    if step == StepKind.HANDLE:
        if referral.deadline is None or referral.deadline_paused:
            return None
        due = referral.deadline
        # A 公示 that has ended (one running has no clock): the township's next step is to decide or submit.
        label = NOTICE_ENDED if referral.status == S.NOTICE else ""
        return Clock(step, TOWNSHIP, start_of_day(due + dt.timedelta(days=1)), False, due, label)
    return _clock(step, referral.urgency, referral.step_started_at, table)


def clock_of_lead(lead, table: LimitTable) -> Clock | None:
    if lead.status not in OPEN_LEAD_STATUSES:
        return None
    return _clock(StepKind.STUDY, lead.urgency, lead.received_at, table)


def _late_q(field: str, step: str, table: LimitTable, now: dt.datetime) -> Q:
    """Rows whose step `step`, started at `field`, is past its limit at `now` (without the state condition)."""
    today = timezone.localdate(now)
    q = Q(pk__in=[])
    for urgency in Urgency.values:
        for first, after, limit in table.periods(step, urgency):
            if limit.unit == LimitUnit.HOURS:
                threshold = now - limit.duration
            else:
                threshold = start_of_day(today - dt.timedelta(days=limit.amount))
            part = Q(urgency=urgency, **{f"{field}__gte": start_of_day(first), f"{field}__lt": threshold})
            if after is not None:
                part &= Q(**{f"{field}__lt": start_of_day(after)})
            q |= part
    return q


def referral_step_q(step: str) -> Q:
    q = Q(status__in=STEP_STATUSES[step])
    return q & Q(family_informed=False) if step == StepKind.INFORM else q


def referral_late_q(table: LimitTable, now: dt.datetime | None = None, steps=None) -> Q:
    """Referrals whose current step is past its limit (the department step: its deadline, as 转办超期)."""
    now = now or timezone.now()
    q = Q(pk__in=[])
    for step in steps or STEP_STATUSES:
        if step == StepKind.HANDLE:
            day = timezone.localdate(now)
            q |= referral_step_q(step) & ~deadline_paused_q(day) & Q(deadline__lt=day)
        else:
            q |= referral_step_q(step) & _late_q("step_started_at", step, table, now)
    return q


def level_late_q(level: str, table: LimitTable, now: dt.datetime | None = None) -> Q:
    return referral_late_q(table, now, steps=LEVEL_STEPS[level])


def lead_late_q(table: LimitTable, now: dt.datetime | None = None) -> Q:
    """Open leads not studied (made a referral or closed) within the STUDY limit."""
    now = now or timezone.now()
    return Q(status__in=OPEN_LEAD_STATUSES) & _late_q("received_at", StepKind.STUDY, table, now)


def attach_clocks(rows, kind: str = "referral", table: LimitTable | None = None) -> list:
    """Set `.clock` on each row of a page (one query for the limits): what the lists show per row."""
    rows = list(rows)
    table = table or LimitTable()
    clock_of = clock_of_lead if kind == "lead" else clock_of_referral
    now = timezone.now()
    for row in rows:
        row.clock = clock_of(row, table)
        row.clock_text, row.clock_tone = "", ""
        if row.clock is not None:
            row.clock_text = row.clock.left_text(now)
            row.clock_tone = row.clock.tone(now)
    return rows


def default_deadline_for(urgency: str, table: LimitTable | None = None, today: dt.date | None = None) -> dt.date:
    """The 办结期限 the hand-over form offers: today + the HANDLE limit (hours rounded up to whole days)."""
    today = today or timezone.localdate()
    limit = (table or LimitTable()).resolve(StepKind.HANDLE, urgency, today)
    if limit is None:
        from .forms import DEFAULT_DEADLINE_DAYS

        return today + dt.timedelta(days=DEFAULT_DEADLINE_DAYS)
    days = math.ceil(limit.amount / 24) if limit.unit == LimitUnit.HOURS else limit.amount
    return today + dt.timedelta(days=days)
