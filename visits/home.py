"""Home-page cards: the caseworker's visits due and overdue, the township's weekly summary (alerts: alerts/home.py)."""
from django.urls import reverse
from django.utils.translation import gettext as _, ngettext

from relief import access
from relief.access import Action
from relief.home import HomeCard
from relief.models import JurisdictionLevel, Role

from .models import TownshipSummary
from .selectors import worklist_for


def cards(user) -> list[HomeCard]:
    if not access.can_anywhere(user, Action.VIEW):
        return []
    result = []
    if user.role == Role.CASEWORKER and access.can_anywhere(user, Action.LOG_VISITS):
        work = worklist_for(user)
        url = reverse("visits:worklist")
        result.append(HomeCard(title=_("逾期未走访"), count=len(work.overdue), url=f"{url}?show=overdue",
                               urgent=bool(work.overdue)))
        result.append(HomeCard(title=_("本月应走访"), count=len(work.due_this_period), url=f"{url}?show=due"))
        result.append(HomeCard(title=_("上次未见到本人"), count=len(work.not_seen), url=f"{url}?show=not_seen"))
        result.append(HomeCard(title=_("见到本人但仍需跟进"), count=len(work.open_case), url=f"{url}?show=open_case"))
    if user.role in (Role.TOWNSHIP, Role.DISTRICT, Role.ADMIN):
        townships = access.jurisdictions_for(user, Action.VIEW, JurisdictionLevel.TOWNSHIP)
        latest = (TownshipSummary.objects.filter(township__in=townships).order_by("-week_start")
                  .values_list("week_start", flat=True).first())
        if latest:
            rows = list(TownshipSummary.objects.filter(township__in=townships, week_start=latest))
            url = f"{reverse('visits:summaries')}?week={latest.isoformat()}"
            note = ngettext("%(d)s 起一周，%(n)d 个乡镇/街道", "%(d)s 起一周，%(n)d 个乡镇/街道", len(rows)) % {"d": latest.isoformat(), "n": len(rows)}
            result.append(HomeCard(title=_("上周走访次数"), count=sum(r.visits_logged for r in rows), url=url,
                                   note=note, total_testid="total-visits-logged"))
            result.append(HomeCard(title=_("上周新增预警"), count=sum(r.new_alerts for r in rows), url=url, note=note,
                                   total_testid="total-new-alerts"))
            overdue = sum(r.overdue_visits for r in rows)
            result.append(HomeCard(title=_("走访逾期户数（周报）"), count=overdue, url=url, note=note,
                                   urgent=bool(overdue), total_testid="total-overdue-visits"))
    return result
