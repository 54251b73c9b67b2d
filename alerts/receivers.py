"""What alerts does when households tell of a change (households/signals.py)."""
from .models import Alert
from .services import alerts_place_with_households


def on_households_moved(sender, household_ids, **kwargs) -> None:
    """The households' alerts lie where the households live now (Alert.village), in the same transaction. An
    alert the family's hukou township holds stays there (place_in): only its village of record moves."""
    alerts_place_with_households(Alert.objects.filter(household_id__in=household_ids))
