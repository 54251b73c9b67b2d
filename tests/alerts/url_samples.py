"""Objects in village C (township 2), outside caseworker A's and township 1's jurisdiction."""
from alerts.models import Alert, AlertKind
from tests.visits.factories import make_roster


def _alert(demo):
    household = make_roster(demo.village_c)
    return Alert.objects.create(kind=AlertKind.OVERDUE_VISIT, household=household, reason="逾期",
                                dedupe_key=f"overdue:{household.pk}:2024-01-01")


OUTSIDE_OBJECT_KWARGS = {
    "alerts:detail": lambda demo: {"pk": _alert(demo).pk},
    "alerts:acknowledge": lambda demo: {"pk": _alert(demo).pk},
    "alerts:close": lambda demo: {"pk": _alert(demo).pk},
}
