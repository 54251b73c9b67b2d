"""The household page's visits section: visits, alerts, next due date and why the case is still open."""
from django.utils.translation import gettext_lazy as _

from alerts.selectors import household_alerts
from households.presence import listed
from households.sections import HouseholdSection
from relief import access
from relief.access import Action

from .models import LatestVisit, Visit
from .selectors import case_open_reasons, household_watch

RECENT_VISITS = 12
RECENT_ALERTS = 10


def section(request, household):
    """A fixed number of queries (visits with their visitors, alerts) whatever the household's history."""
    visits = listed(household, Visit, lambda: Visit.objects.filter(household=household).prefetch_related("visitors")
                    .order_by("-visited_on", "-pk")[:RECENT_VISITS])
    alerts = household_alerts(household, RECENT_ALERTS)
    # The kept latest dates (visits.latest) exist once the family has a visit: with the roster and observation
    # entries the page prefetched, the due date needs no other query.
    latest = LatestVisit.objects.filter(household_id=household.pk).first() if visits else None
    watch = household_watch(household, latest=latest)
    user = request.user
    return HouseholdSection(
        title=str(_("走访与预警")),
        template="visits/household_section.html",
        context={
            "household": household, "visits": visits, "alerts": alerts, "watch": watch,
            "open_reasons": case_open_reasons(visits, alerts, watched=watch is not None),
            "may_log": access.can(user, Action.LOG_VISITS, household.village_id),
            "may_read_visits": access.can(user, Action.VIEW_PERSONAL_DATA, household.village_id),
        },
        order=30,
    )
