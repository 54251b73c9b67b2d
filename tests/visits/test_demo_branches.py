"""The demo district shows every branch the household and visit pages have (issue 11)."""
import pytest
from django.utils import timezone

from households import demo as households_demo
from households.models import Household, ObservationEntry, RosterEntry
from visits import demo as visits_demo
from visits.cadence import period_end
from visits.models import Visit
from visits.selectors import worklist_for

pytestmark = pytest.mark.django_db


def test_demo_district_has_every_branch_and_loading_twice_changes_nothing(demo, monkeypatch):
    monkeypatch.setattr(households_demo, "DEMO_HOUSEHOLDS", 400)
    households_demo.load()
    visits_demo.load()
    counts = (Household.objects.count(), Visit.objects.count(), RosterEntry.objects.count())

    unrecorded = Household.objects.filter(per_capita_income__isnull=True)
    assert unrecorded.exists() and Household.objects.income_recorded().exists()
    assert unrecorded.filter(hukou_type="", housing="").count() == unrecorded.count()
    # An unknown income produced no assistance derived from it.
    assert not unrecorded.filter(assistance__type__in=["dibao", "tekun", "low_income"],
                                 assistance__end_date__isnull=True).exists()
    assert RosterEntry.objects.filter(exited_on__isnull=False).exists()
    assert RosterEntry.objects.filter(exited_on__isnull=True).exists()
    assert ObservationEntry.objects.filter(removed_on__isnull=True).exists()
    assert not RosterEntry.objects.filter(exited_on__isnull=True, cadence="half_yearly").exists()

    today = timezone.localdate()
    overdue = not_yet_due = 0
    for user in demo.users.values():
        if user.role == "caseworker":
            work = worklist_for(user)
            overdue += len(work.overdue)
            not_yet_due += sum(1 for item in work.due_this_period if item.due_on > today)
    assert overdue > 0
    if today < period_end(today):  # on a month's last day nothing can fall due later that month
        assert not_yet_due > 0
    # Not-seen visits carry no willingness answer.
    assert not Visit.objects.filter(person_seen=False).exclude(willingness="").exists()

    households_demo.load()
    visits_demo.load()
    assert (Household.objects.count(), Visit.objects.count(), RosterEntry.objects.count()) == counts
