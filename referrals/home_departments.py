"""Home cards of the multi-department cases: the items waiting for a department, and those past their deadline,
counted with the queue's own filters (selectors_departments.items_filtered), so a card's number is the rows its
list shows. Shown to whoever may open the queue (a department's account, township staff)."""
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import npgettext

from relief import access, data_version, figure_cache
from relief.home import HomeCard

from .selectors_departments import items_filtered


def cards(user) -> list[HomeCard]:
    if not access.may_open(user, "referrals:department_items"):
        return []
    base = reverse("referrals:department_items")
    today = timezone.localdate()

    def count():
        return items_filtered(user, state="pending").count(), items_filtered(user, state="overdue").count()

    # Per user (a department's account sees its own department's items); creating and deciding items are steps
    # of the referral, which replace the records' stamp (referrals.services.common._step).
    pending, overdue = figure_cache.cached(data_version.RECORDS, f"department-items-{user.pk}-{today.isoformat()}",
                                           count, ttl=60)
    return [HomeCard(npgettext("home card", "部门待办事项", "部门待办事项", pending), pending, base,
                     urgent=pending > 0 and access.is_department_staff(user)),
            HomeCard(npgettext("home card", "部门事项超期", "部门事项超期", overdue), overdue, base + "?state=overdue",
                     urgent=overdue > 0)]
