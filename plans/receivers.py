"""How plans hears of work done in the apps below it."""
import logging

from django.db import transaction

logger = logging.getLogger(__name__)


def queue_needs_copy(sender, visit, **kwargs):
    """A visit that found needs: copy them to the needs list in the background once the visit is committed.

    The copy is a retried task, so a slow or failing copy never holds up or undoes the caseworker's visit.
    If the broker cannot take it now, the periodic sweep (plans.copy_visit_needs without an id) copies it.
    """
    if not visit.has_needs():
        return
    visit_id = visit.pk

    def queue():
        from .tasks import copy_visit_needs

        try:
            copy_visit_needs.delay(visit_id)
        except Exception:  # noqa: BLE001 - the broker is down: the sweep will find this visit
            logger.warning("could not queue the needs copy of visit %s; the periodic sweep will copy it", visit_id)

    transaction.on_commit(queue)
