"""How plans hears of work done in the apps below it."""
from relief import jobs


def queue_needs_copy(sender, visit, **kwargs):
    """A visit that found needs: copy them to the needs list in the background once the visit is committed.

    The copy is a retried task, so a slow or failing copy never holds up or undoes the caseworker's visit.
    If the broker cannot take it now (jobs.enqueue logs and goes on), the periodic sweep
    (plans.copy_visit_needs without an id) copies it.
    """
    if visit.has_needs():
        from .tasks import copy_visit_needs

        jobs.enqueue(copy_visit_needs, visit.pk)
