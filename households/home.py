"""Home-page cards of the registry: counts within the user's jurisdiction, linking to the filtered list."""
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _, ngettext, npgettext

from relief import access, data_version, figure_cache
from relief.access import Action
from relief.home import HomeCard

from . import checks
from .selectors import household_list


def cards(user) -> list[HomeCard]:
    if not access.can_anywhere(user, Action.VIEW):
        return []
    url = reverse("households:list")
    village_ids = access.village_ids_for(user, Action.VIEW)
    today = timezone.localdate()

    def count():
        return (household_list(user, on_roster=True).count(), household_list(user, review_due=True).count(),
                household_list(user, on_observation=True).count())

    # Every change of roster or observation list replaces the records' stamp (household_refresh_flags).
    on_roster, review_due, observed = figure_cache.cached(
        data_version.RECORDS, f"lists:{figure_cache.scope_key(village_ids)}:{today.isoformat()}", count, ttl=60)
    return [
        HomeCard(title=_("花名册在册家庭"), count=on_roster, url=f"{url}?on_roster=1",
                 note=_("每月至少走访一次（申请被拒、退出保障的每季度）")),
        HomeCard(title=_("观察名单待复核"), count=review_due, url=f"{url}?review_due=on",
                 urgent=review_due > 0, note=_("已到下次复核日期") if review_due else ""),
        HomeCard(title=_("救助观察名单"), count=observed, url=f"{url}?on_observation=1"),
        *check_cards(user),
    ]


def check_cards(user) -> list[HomeCard]:
    """季度排查 and 整户纳入低保: what is still to be checked, as the two lists count it."""
    village_ids = access.village_ids_for(user, Action.VIEW)
    today = timezone.localdate()

    def count():
        return (checks.quarterly_rows(village_ids, "pending", today).count(),
                checks.quarterly_rows(village_ids, "overdue", today).count(),
                checks.whole_household_rows(village_ids, "pending", today).count())

    # The whole-household rule reads every 低保 family of the scope (~100 ms for a township of 25,000
    # households): kept a minute, and afresh after any household change (every one writes an event).
    pending, overdue, whole = figure_cache.cached(
        data_version.RECORDS, f"checks:{figure_cache.scope_key(village_ids)}:{today.isoformat()}", count, ttl=60)
    return [
        HomeCard(title=_("季度排查待办"), count=pending, urgent=overdue > 0,
                 url=reverse("households:quarterly_list") + "?show=pending",
                 note=ngettext("其中逾期 %(n)s 户", "其中逾期 %(n)s 户", overdue) % {"n": overdue} if overdue else _("申请未通过、退出救助的家庭")),
        HomeCard(title=npgettext("home card", "整户纳入低保待核查", "整户纳入低保待核查", whole), count=whole,
                 url=reverse("households:whole_household_list"),
                 note=_("部分成员享受低保、仍有困难")),
    ]
