"""The demo district's needs list: what its visits found is on it, as a deployment's copy puts it there."""
import pytest
from django.urls import reverse

from plans.models import Need
from visits.models import Visit

pytestmark = pytest.mark.django_db


def test_the_demo_districts_visits_have_their_needs_on_the_needs_list(full_demo, client):
    """The demo's visits are made in bulk (no signal): each that found a need has it on the household's list,
    dated by the visit, as the household's plan page shows."""
    found = [v for v in Visit.objects.exclude(needs=[]).order_by("pk")]
    assert found
    copied = {(n.source_ref, n.kind): n for n in Need.objects.filter(source="visit")}
    for visit in found:
        for kind in visit.needs:
            assert copied[(str(visit.pk), kind)].created_at == visit.created_at
    visit = found[0]
    client.force_login(full_demo.users["district"])
    page = client.get(reverse("plans:household_plan", args=[visit.household_id])).content.decode()
    assert visit.needs_text in page

