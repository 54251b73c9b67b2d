"""Background jobs of plans: the policy match (政策找人), scheduled nightly and queued after a policy edit, and
the copy of a visit's needs to the needs list."""
import datetime as dt

from celery import shared_task
from django.utils import timezone

# How far back the periodic sweep looks for visits whose needs were never copied.
NEEDS_SWEEP_DAYS = 7


# Every policy against every household: minutes on a district; past these it is stuck, not slow.
@shared_task(name="plans.match_policies", acks_late=True, soft_time_limit=30 * 60, time_limit=32 * 60)
def match_policies(policy_ids=None) -> dict:
    """Open a lead, once, for every household that seems to qualify for a policy it does not receive.

    Idempotent (one PolicyMatch per household and policy, a dedupe key per lead), so a re-delivered
    task or two runs at once open nothing twice.
    """
    from .services import policy_match_run

    stats = policy_match_run(policy_ids=policy_ids)
    return {"policies": stats.policies, "matched": stats.matched, "leads_opened": stats.leads_opened,
            "stale_policies": stats.stale_policies}


@shared_task(name="plans.copy_visit_needs", acks_late=True, autoretry_for=(Exception,), retry_backoff=10,
             retry_backoff_max=600, max_retries=8)
def copy_visit_needs(visit_id: int | None = None) -> int:
    """Copy one visit's needs to the needs list; without an id (beat), every recent visit not yet copied.
    Idempotent: a visit copied twice adds nothing. Returns the number of needs on the list for those visits."""
    from .services import needs_from_visit, visits_with_uncopied_needs

    if visit_id is not None:
        visit_ids = [visit_id]
    else:
        visit_ids = visits_with_uncopied_needs(since=timezone.localdate() - dt.timedelta(days=NEEDS_SWEEP_DAYS))
    return sum(len(needs_from_visit(visit_id=pk)) for pk in visit_ids)


@shared_task(name="plans.service_scan", acks_late=True, soft_time_limit=10 * 60, time_limit=11 * 60)
def service_scan() -> dict:
    """跟踪联系到期 and 服务类型待复核 alerts (after the status-change scan); idempotent (dedupe keys)."""
    from .service_kinds import service_scan as scan

    return scan()
