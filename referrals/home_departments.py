"""Home cards of the multi-department cases: the items waiting for a department, and those past their deadline,
counted with the queue's own filters (selectors_departments.items_filtered), so a card's number is the rows its
list shows. Shown to whoever may open the queue (a department's account, township staff)."""
from django.urls import reverse
from django.utils.translation import gettext as _

from relief import access
from relief.home import HomeCard

from .selectors_departments import items_filtered


def cards(user) -> list[HomeCard]:
    if not access.may_open(user, "referrals:department_items"):
        return []
    base = reverse("referrals:department_items")
    pending = items_filtered(user, state="pending").count()
    overdue = items_filtered(user, state="overdue").count()
    return [HomeCard(_("部门待办事项"), pending, base, urgent=pending > 0 and access.is_department_staff(user)),
            HomeCard(_("部门事项超期"), overdue, base + "?state=overdue", urgent=overdue > 0)]
