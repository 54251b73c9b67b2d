"""Home cards: what awaits this user in leads and referrals, counted within their jurisdiction.

Each card counts with the same QuerySet method (referrals.models) that the list it links to filters with, so
the number on the card is the number of rows the user finds behind it; a card is shown only to a role that may
open its list.
"""
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from relief import access, data_version, figure_cache
from relief.access import Action
from relief.home import HomeCard
from relief.models import Role

from .models import Referral, ReferralStatus as S
from .selectors import open_lead_count, work_orders_for
from .services.rules import handled_by_q, visible_referrals
from .steplimits import DISTRICT, TOWNSHIP, VILLAGE, LimitTable, level_late_q


def cards(user) -> list[HomeCard]:
    """Kept between looks under the stamp every lead, referral and work-order service replaces
    (relief/figure_cache.py): the home page is every user's first page, and these counts change with the work
    done, not with each look. Per user (the cards follow the role and the handling township) and language."""
    return figure_cache.cached(data_version.RECORDS, f"referral-cards-{user.pk}-{translation.get_language()}",
                               lambda: _cards(user))


def _cards(user) -> list[HomeCard]:
    result = []
    if access.may_open(user, "referrals:lead_list"):
        leads = open_lead_count(user)
        result.append(HomeCard(_("待处理线索"), leads, reverse("referrals:lead_list") + "?status=open"))
    if access.may_open(user, "referrals:work_orders"):
        result.extend(work_order_cards(user))
    if not access.may_open(user, "referrals:list"):
        return result
    referrals = visible_referrals(user)
    base = reverse("referrals:list")
    if user.role == Role.CASEWORKER:
        result.append(HomeCard(_("村级待报送转办"), referrals.at_village().count(), base + "?status=village"))
    elif user.role == Role.TOWNSHIP:
        submitted = referrals.filter(status=S.SUBMITTED).filter(handled_by_q(user)).count()
        result.append(HomeCard(_("待受理转办"), submitted, base + "?status=submitted&handled_here=on",
                               urgent=submitted > 0))
        paperwork = referrals.paperwork_pending().count()
        result.append(HomeCard(_("先行救助待补手续"), paperwork, base + "?paperwork=on", urgent=paperwork > 0))
    if user.role == Role.DISTRICT and access.may_open(user, "referrals:escalations"):
        escalated = referrals.filter(status=S.ESCALATED).count()
        result.append(HomeCard(_("待区县决定"), escalated, reverse("referrals:escalations"), urgent=escalated > 0))
    overdue = referrals.overdue().count()
    result.append(HomeCard(_("超期转办"), overdue, base + "?overdue=on", urgent=overdue > 0))
    # A step past its time limit (环节超时, the tag 超时N天 on a row) at the user's own level: the steps the user
    # answers for, beside the department's deadline above.
    level = OWN_LEVEL.get(user.role)
    if level is not None:
        late = referrals.filter(level_late_q(level, LimitTable()))
        url = f"{base}?late={level}"
        if user.role == Role.TOWNSHIP:
            # A case handed over to the family's hukou township is that township's step, not this one's.
            late, url = late.filter(handled_by_q(user)), url + "&handled_here=on"
        late = late.count()
        result.append(HomeCard(_("本级环节超时"), late, url, urgent=late > 0))
    return result


OWN_LEVEL = {Role.CASEWORKER: VILLAGE, Role.TOWNSHIP: TOWNSHIP, Role.DISTRICT: DISTRICT}


def work_order_cards(user) -> list[HomeCard]:
    """热线工单: those past a deadline and those awaiting a first response, as the list filters them."""
    from django.utils import timezone

    orders = work_orders_for(user).order_by()
    base = reverse("referrals:work_orders")
    overdue = orders.overdue(timezone.now()).count()
    waiting = orders.awaiting_response().count()
    return [HomeCard(_("热线工单超时"), overdue, base + "?stage=overdue", urgent=overdue > 0),
            HomeCard(_("热线工单待首次响应"), waiting, base + "?stage=awaiting_response")]
