"""Home-page reminders of the monthly closing (seed 004: the monthly ledger to the county by month end,
the classified summary by the 5th of the next month)."""
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _, npgettext

from relief import access
from relief.access import Action
from relief.dates import month_day, year_month
from relief.home import HomeCard
from relief.models import JurisdictionLevel, Role

from .models import SnapshotKind
from relief.months import add_months, month_end
from . import selectors
from .selectors import closing_pending

REMIND_DAYS_BEFORE_MONTH_END = 5
SUMMARY_DUE_DAY = 5


def cards(user, today=None) -> list[HomeCard]:
    if user.role != Role.TOWNSHIP:
        return []
    today = today or timezone.localdate()
    townships = list(access.jurisdictions_for(user, Action.EXPORT_LEDGERS, JurisdictionLevel.TOWNSHIP))
    if not townships:
        return []
    this_month = today.replace(day=1)
    previous = add_months(this_month, -1)
    url = reverse("ledgers:closing")
    result = []
    days_left = (month_end(today) - today).days
    if days_left < REMIND_DAYS_BEFORE_MONTH_END:
        open_count = len(closing_pending(user, SnapshotKind.MONTHLY, today))
        if open_count:
            result.append(HomeCard(
                title=_("本月救助台账待报送"), count=open_count, url=f"{url}?pending={SnapshotKind.MONTHLY}",
                urgent=days_left <= 1,
                note=_("请于%(d)s前报送区县（月末自动月结）") % {"d": month_day(month_end(today))}))
    if today.day <= SUMMARY_DUE_DAY:
        open_count = len(closing_pending(user, SnapshotKind.SUMMARY, today))
        if open_count:
            result.append(HomeCard(
                title=_("上月归类汇总待报送"), count=open_count, url=f"{url}?pending={SnapshotKind.SUMMARY}",
                urgent=today.day >= SUMMARY_DUE_DAY - 1,
                note=_("%(m)s归类汇总请于%(d)s前报送") % {
                    "m": year_month(previous), "d": month_day(this_month.replace(day=SUMMARY_DUE_DAY))}))
    overdue = selectors.corrections_visible(user).overdue(today).count()
    if overdue:
        result.append(HomeCard(title=npgettext("home card", "监督检查整改逾期", "监督检查整改逾期", overdue),
                               count=overdue, urgent=True,
                               url=f"{reverse('ledgers:inspections')}?show=overdue",
                               note=_("检查发现的问题已过整改期限，请督促并确认")))
    return result
