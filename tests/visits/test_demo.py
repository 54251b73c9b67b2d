"""Demo visits: a living worklist for `make run` — a realistic spread, valid visits, alerts, idempotent."""
import pytest
from django.utils import timezone

from households import demo as households_demo
from households.models import Household
from visits import demo as visits_demo
from alerts.models import Alert, AlertKind
from visits.models import TownshipSummary, Visit
from visits.selectors import worklist_for

pytestmark = pytest.mark.django_db


def test_demo_visits_spread_alerts_and_idempotent(demo, monkeypatch):
    monkeypatch.setattr(households_demo, "DEMO_HOUSEHOLDS", 400)
    households_demo.load()
    visits_demo.load()
    visits = Visit.objects.count()
    alerts = Alert.objects.count()
    assert visits > 100

    today = timezone.localdate()
    # Every visit obeys the model's rules: dates not in the future nor before the household existed,
    # a not-seen visit never completes the period and always carries a follow-up date.
    for visit in Visit.objects.select_related("household").prefetch_related("visitors", "household__members"):
        assert visit.visited_on <= today
        assert visit.visited_on >= timezone.localdate(visit.household.created_at)
        assert visit.completes_period == visit.person_seen
        if not visit.person_seen:
            assert visit.next_follow_up_on and visit.not_seen_reason
        assert [u.jurisdiction_id for u in visit.visitors.all()] == [visit.household.village_id]
        if visit.has_needs() and not visit.measures:
            assert visit.case_open
        _agrees_with_the_family(visit, today)

    # The spread a caseworker meets: up to date, overdue, not seen last time — across the district.
    overdue = up_to_date = not_seen = 0
    open_case = []
    for user in demo.users.values():
        if user.role != "caseworker":
            continue
        work = worklist_for(user)
        overdue += len(work.overdue)
        not_seen += len(work.not_seen)
        open_case += work.open_case
        up_to_date += sum(1 for i in work.overdue + work.due_this_period if i.due_on >= today)
    watched = Household.objects.filter(roster_entries__exited_on__isnull=True).count()
    assert overdue > 0 and not_seen > 0
    # Seen but left open (三个不放过): some with a follow-up date passed, some still ahead, some with none.
    assert {i.follow_up_on is None for i in open_case} == {True, False}
    dated = [i.follow_up_on for i in open_case if i.follow_up_on]
    assert min(dated) < today <= max(dated)
    assert overdue < watched  # most households are visited on time
    # The jobs ran: overdue alerts for the overdue roster households, the weekly summary per township.
    assert Alert.objects.filter(kind=AlertKind.OVERDUE_VISIT).exists()
    assert TownshipSummary.objects.count() == len(demo.townships)

    visits_demo.load()
    assert Visit.objects.count() == visits
    assert Alert.objects.count() == alerts


def test_demo_loader_without_demo_district_does_nothing(db):
    visits_demo.load()
    assert not Visit.objects.exists()


def _agrees_with_the_family(visit, today):
    """What the demo's caseworker wrote does not contradict who lives there: the head count, a child at school,
    a person living alone."""
    import re

    present = [m for m in visit.household.members.all() if m.status == "present"]
    said = f"{visit.situation}{visit.needs_text}{visit.not_seen_reason}"
    counted = re.search("一家(.)口", said)
    if counted:
        assert "一二三四五六七八九十".index(counted[1]) + 1 == len(present), (said, len(present))
    if "孩子" in said:
        assert any(m.school_stage for m in present), said
    if "独居" in said:
        assert len(present) == 1, said
    if "老人" in said or "老两口" in said:
        assert any((today - m.birth_date).days >= 60 * 365 for m in present), said

