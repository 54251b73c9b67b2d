"""Home card of the approval queue (区县审批): its count is the queue's rows."""
from django.urls import reverse
from django.utils.translation import gettext as _

from relief import access
from relief.home import HomeCard

from .selectors_approval import approval_queue


def cards(user) -> list[HomeCard]:
    if not access.may_open(user, "referrals:approval_queue"):
        return []
    queue = approval_queue(user).order_by()
    pending = queue.count()
    overdue = queue.overdue().count() if pending else 0
    note = _("其中超期 %(n)s 件") % {"n": overdue} if overdue else ""
    return [HomeCard(_("待区县审批"), pending, reverse("referrals:approval_queue"), note=note, urgent=overdue > 0)]
