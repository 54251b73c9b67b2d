"""Keeps visits.models.LatestVisit true on every save and delete of a visit, however it is made."""
from . import latest


def visit_saved(sender, instance, created, raw=False, **kwargs):
    if raw:  # loaddata: the fixture's own rows, rebuilt by whoever loads them
        return
    if created:
        latest.visit_recorded(instance, models=latest.current_models())
    else:
        latest.rebuild([instance.household_id], models=latest.current_models())


def visit_deleted(sender, instance, **kwargs):
    latest.rebuild([instance.household_id], models=latest.current_models())
