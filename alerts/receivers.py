"""What alerts does when households tell of a change (households/signals.py)."""
from django.db.models import OuterRef, Subquery

from households.models import Household
from relief import figure_cache

from .models import Alert
from .selectors import ALERTS_TOPIC


def on_households_moved(sender, household_ids, **kwargs) -> None:
    """The households' alerts lie where the households live now (Alert.village), in the same transaction. An
    alert the family's hukou township holds stays there (place_in): only its village of record moves."""
    moved = Alert.objects.filter(household_id__in=household_ids).update(
        village_id=Subquery(Household.objects.filter(pk=OuterRef("household_id")).values("village_id")[:1]))
    if moved:
        figure_cache.changed(ALERTS_TOPIC)
