"""The demo district shows every branch of the quarterly and whole-household checks, in each township."""
import pytest
from django.urls import reverse

from households import checks
from households.models import QuarterlyCheck, QuarterlyCheckEntry, WrittenRefusal


@pytest.mark.django_db
def test_demo_district_has_every_branch(full_demo, client):
    users = full_demo.users
    for township in ("township1", "township2", "township3"):
        client.force_login(users[township])
        response = client.get(reverse("households:quarterly_list"))
        totals = response.context["totals"]
        assert totals["overdue"] >= 1 and totals["due"] >= 1 and totals["done"] >= 1, (township, totals)
        whole = client.get(reverse("households:whole_household_list")).context["totals"]
        assert whole["pending"] >= 1 and whole["checked"] >= 1, (township, whole)
    assert QuarterlyCheck.objects.filter(visit_id__isnull=False).count() >= 1
    assert WrittenRefusal.objects.count() >= 1
    assert QuarterlyCheckEntry.objects.filter(reason="refused", ended_on__isnull=True).exists()
    # caseworker1's worklist shows families to check (the overdue one first).
    client.force_login(users["caseworker1"])
    quarterly = client.get(reverse("visits:worklist")).context["quarterly"]
    assert quarterly["total"] >= 2 and quarterly["items"][0].check_state == checks.CheckState.OVERDUE
