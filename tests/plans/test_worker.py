"""The policy match through a real Celery worker (Redis): idempotent, one lead per household and policy."""
import datetime as dt

import pytest

from plans.demo import load as load_plans_demo
from plans.models import PolicyMatch
from plans.tasks import match_policies
from referrals.models import Lead

from . import factories


def test_match_job_through_a_real_worker_is_idempotent(celery_worker, demo):
    factories.standard(demo.district, "1330")
    load_plans_demo()
    old = factories.household(demo.village_a, income="900", members=[{"birth_date": dt.date(1948, 3, 3)}])
    low = factories.household(demo.village_c, income="1700")
    factories.household(demo.village_b, income="8000")
    first = match_policies.delay().get(timeout=120)
    assert first["leads_opened"] >= 2 and first["stale_policies"] == []
    leads = Lead.objects.filter(household__in=[old, low])
    assert leads.count() == PolicyMatch.objects.count() == first["matched"]
    assert set(leads.values_list("village_id", flat=True)) == {demo.village_a.pk, demo.village_c.pk}
    # Twice at once, and once more: nothing new.
    results = [match_policies.delay(), match_policies.delay()]
    assert all(r.get(timeout=120)["leads_opened"] == 0 for r in results)
    assert Lead.objects.count() == first["leads_opened"] and PolicyMatch.objects.count() == first["matched"]


pytestmark = pytest.mark.django_db(transaction=True)
