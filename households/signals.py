"""Keep the household list's copies right whatever saves or deletes an assistance record, a roster
entry (or its reasons) or an observation entry: services, the admin, another app's code.

Signals run inside the saving transaction, so the copy commits or rolls back with the record. Bulk
writes (bulk_create, bulk_update, queryset.update) send no signals: their authors call
services.household_refresh_flags with the households they touched.
"""
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import Signal, receiver

from relief import figure_cache

from .models import AssistanceRecord, DibaoStandard, ObservationEntry, RosterEntry
from .standards import STANDARDS_TOPIC

# Sent inside the writing transaction when households moved to another village (the service's edit, an import's
# update): records of other apps kept by the household's village follow (alerts/receivers.py).
households_moved = Signal()  # kwargs: household_ids


def _refresh(household_ids) -> None:
    from .services import household_refresh_flags

    household_refresh_flags(household_ids)


@receiver(post_save, sender=AssistanceRecord, dispatch_uid="households_flags_assistance_save")
@receiver(post_delete, sender=AssistanceRecord, dispatch_uid="households_flags_assistance_delete")
@receiver(post_save, sender=RosterEntry, dispatch_uid="households_flags_roster_save")
@receiver(post_delete, sender=RosterEntry, dispatch_uid="households_flags_roster_delete")
@receiver(post_save, sender=ObservationEntry, dispatch_uid="households_flags_observation_save")
@receiver(post_delete, sender=ObservationEntry, dispatch_uid="households_flags_observation_delete")
def record_changed(sender, instance, raw=False, **kwargs):
    if raw:  # loaddata: the fixture's households carry their own values
        return
    _refresh([instance.household_id])


@receiver(m2m_changed, sender=RosterEntry.reasons.through, dispatch_uid="households_flags_roster_reasons")
def roster_reasons_changed(sender, instance, action, reverse, pk_set, **kwargs):
    if action not in ("post_add", "post_remove", "post_clear"):
        return
    if not reverse:
        _refresh([instance.household_id])
    elif pk_set:  # tag.entries.add/remove(entries)
        _refresh(RosterEntry.objects.filter(pk__in=pk_set).values_list("household_id", flat=True))
    else:  # tag.entries.clear(): the affected entries are already unlinked; refresh every roster household
        _refresh(RosterEntry.objects.filter(exited_on__isnull=True).values_list("household_id", flat=True))


@receiver(post_save, sender=DibaoStandard, dispatch_uid="households_standards_save")
@receiver(post_delete, sender=DibaoStandard, dispatch_uid="households_standards_delete")
def standard_changed(sender, instance, **kwargs):
    """Kept standards (households/standards.py) are read afresh once this commits, whoever saved it."""
    figure_cache.changed(STANDARDS_TOPIC)
