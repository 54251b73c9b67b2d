"""Background jobs of plans: the policy match (政策找人), scheduled nightly and queued after a policy edit."""
from celery import shared_task


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
