"""The household page's visits section: visits, alerts, next due date and why the case is still open."""
from django.utils.translation import gettext_lazy as _

from alerts.selectors import household_alerts
from households.sections import HouseholdSection
from relief import access
from relief.access import Action

from .models import Visit
from .selectors import case_open_reasons, household_watch

RECENT_VISITS = 12
RECENT_ALERTS = 10


def section(request, household):
    """A fixed number of queries (visits with their visitors, alerts) whatever the household's history."""
    # Each visit row brings the household's kept latest dates (visits.latest) along: the due date then needs
    # no query of its own, the page having prefetched the roster and observation entries.
    visits = list(Visit.objects.filter(household=household).select_related("logged_by", "household__latest_visit")
                  .prefetch_related("visitors").order_by("-visited_on", "-pk")[:RECENT_VISITS])
    alerts = household_alerts(household, RECENT_ALERTS)
    latest = getattr(visits[0].household, "latest_visit", None) if visits else None
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
