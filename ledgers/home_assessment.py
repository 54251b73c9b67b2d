"""Home cards of the district's supervision: for the district, self-assessments waiting for its review and
townships whose rosters are missing; for a township, its self-assessment and rosters still to send (from a
month before the date). Each count is the rows of the list it opens (the same filter of the same rows)."""
from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from relief.dates import month_day
from relief.home import HomeCard
from relief.models import Role

from .selectors_assessment import district_plan_for_user, roster_filter, roster_rows, self_assessment_rows, self_filter

REMIND_DAYS_BEFORE = 30


def _soon(due: dt.date | None, today: dt.date) -> bool:
    return due is not None and today >= due - dt.timedelta(days=REMIND_DAYS_BEFORE)


def cards(user, today=None) -> list[HomeCard]:
    if user.role not in (Role.DISTRICT, Role.TOWNSHIP):
        return []
    today = today or timezone.localdate()
    plan, _district = district_plan_for_user(user, today.year)
    if plan is None:
        return []
    result = []
    self_url, roster_url = reverse("ledgers:self_assessments"), reverse("ledgers:rosters")
    if user.role == Role.DISTRICT:
        waiting = len(self_filter(self_assessment_rows(user, plan, today), "submitted"))
        if waiting:
            result.append(HomeCard(title=_("自查评估待审核"), count=waiting, url=f"{self_url}?state=submitted",
                                   note=_("各乡镇（街道）已提交的年度自查评估")))
        missing = len(roster_filter(roster_rows(user, plan, today), "missing"))
        if missing:
            result.append(HomeCard(title=_("花名册逾期未报送"), count=missing, url=f"{roster_url}?state=missing",
                                   urgent=True, note=_("已过%(d)s，尚未报送备案的乡镇（街道）") % {
                                       "d": month_day(plan.roster_due)}))
        return result
    if _soon(plan.self_assessment_due, today):
        waiting = len(self_filter(self_assessment_rows(user, plan, today), "waiting"))
        if waiting:
            late = today > plan.self_assessment_due
            note = _("已过%(d)s，请尽快对照考核方案自查并提交区县") if late else _("请于%(d)s前对照考核方案自查并提交区县")
            result.append(HomeCard(title=_("年度自查评估待提交"), count=waiting, url=f"{self_url}?state=waiting",
                                   urgent=today >= plan.self_assessment_due,
                                   note=note % {"d": month_day(plan.self_assessment_due)}))
    if _soon(plan.roster_due, today):
        open_rows = len(roster_filter(roster_rows(user, plan, today), "open"))
        if open_rows:
            late = today > plan.roster_due
            # Past the date the district counts the township as 逾期未报送: the card says so, not only its colour.
            note = (_("协理员花名册和信息采集组花名册，已过截止日期%(d)s，请尽快报送") if late
                    else _("协理员花名册和信息采集组花名册，截止%(d)s"))
            result.append(HomeCard(title=_("花名册逾期未报送") if late else _("花名册待报送备案"), count=open_rows,
                                   url=f"{roster_url}?state=open", urgent=late,
                                   note=note % {"d": month_day(plan.roster_due)}))
    return result
