"""The kept latest visit dates (visits.latest) agree with the visits, however visits are written."""
import datetime as dt

import pytest

from visits import latest
from visits.models import LatestVisit, Visit
from visits.selectors import household_watch
from visits.services import visit_log

from .factories import make_roster, visit_data

pytestmark = pytest.mark.django_db
D = dt.date


def dates(household):
    row = LatestVisit.objects.filter(household=household).first()
    return (row.visited_on, row.seen_on) if row else None


def follow_up(household):
    return LatestVisit.objects.get(household=household).follow_up_on


def test_a_logged_visit_moves_the_dates_forward_never_back(demo):
    household = make_roster(demo.village_a, caseworker=demo.caseworker_a)
    assert dates(household) is None
    visit_log(actor=demo.caseworker_a, household=household, data=visit_data(D(2024, 3, 10)))
    assert dates(household) == (D(2024, 3, 10), D(2024, 3, 10))
    # An older visit logged late (a paper record typed in afterwards) leaves the newer dates.
    visit_log(actor=demo.caseworker_a, household=household, data=visit_data(D(2024, 2, 1)))
    assert dates(household) == (D(2024, 3, 10), D(2024, 3, 10))
    # A later visit that did not see the person moves the last visit, not the last time seen.
    visit_log(actor=demo.caseworker_a, household=household, data=visit_data(
        D(2024, 4, 2), person_seen=False, not_seen_reason="家中无人", situation_clear=False, willingness=""))
    assert dates(household) == (D(2024, 4, 2), D(2024, 3, 10))
    watch = household_watch(household)
    assert (watch.last_visit_on, watch.last_seen, watch.follow_up_on) == (D(2024, 4, 2), False, D(2024, 4, 9))
    # A not-seen visit logged late for an earlier day keeps the latest visit's follow-up.
    visit_log(actor=demo.caseworker_a, household=household, data=visit_data(
        D(2024, 3, 20), person_seen=False, not_seen_reason="住院", situation_clear=False, willingness="",
        next_follow_up_on=D(2024, 3, 25)))
    assert follow_up(household) == D(2024, 4, 9)
    # Seen again: no follow-up is pending.
    visit_log(actor=demo.caseworker_a, household=household, data=visit_data(D(2024, 4, 5)))
    assert dates(household) == (D(2024, 4, 5), D(2024, 4, 5)) and follow_up(household) is None
    assert household_watch(household).follow_up_on is None


def test_an_edited_or_deleted_visit_recomputes_the_household(demo):
    household = make_roster(demo.village_a, caseworker=demo.caseworker_a)
    older, _ = visit_log(actor=demo.caseworker_a, household=household, data=visit_data(D(2024, 2, 1)))
    newer, _ = visit_log(actor=demo.caseworker_a, household=household, data=visit_data(D(2024, 3, 10)))
    # The admin corrects a date backwards: the kept copy follows, it is not merged forward.
    newer.visited_on = D(2024, 1, 15)
    newer.save()
    assert dates(household) == (D(2024, 2, 1), D(2024, 2, 1))
    older.delete()
    assert dates(household) == (D(2024, 1, 15), D(2024, 1, 15))
    newer.delete()
    assert dates(household) is None


def test_rebuild_restores_what_bulk_writes_skipped(demo):
    first = make_roster(demo.village_a, caseworker=demo.caseworker_a)
    second = make_roster(demo.village_a, caseworker=demo.caseworker_a)
    Visit.objects.bulk_create([
        Visit(household=first, visited_on=D(2024, 5, 1), person_seen=True, completes_period=True),
        Visit(household=first, visited_on=D(2024, 6, 1), person_seen=False, not_seen_reason="外出",
              next_follow_up_on=D(2024, 6, 8)),
        Visit(household=second, visited_on=D(2024, 4, 1), person_seen=False, not_seen_reason="外出",
              next_follow_up_on=D(2024, 4, 8)),
    ])
    assert dates(first) is None and dates(second) is None
    latest.rebuild(None, models=latest.current_models())
    assert dates(first) == (D(2024, 6, 1), D(2024, 5, 1)) and follow_up(first) == D(2024, 6, 8)
    assert dates(second) == (D(2024, 4, 1), None) and follow_up(second) == D(2024, 4, 8)


def test_the_household_page_due_date_agrees_with_the_worklist(demo):
    from django.db.models import prefetch_related_objects

    from households import services as household_services

    household = make_roster(demo.village_a, caseworker=demo.caseworker_a, entered_on=D(2024, 1, 10))
    household_services.observation_add(actor=None, household=household, reason_not_eligible="收入略高",
                                       decided_on=D(2024, 1, 5), next_review_on=D(2024, 2, 1))
    for when, seen in ((D(2024, 2, 3), True), (D(2024, 3, 8), False)):
        visit_log(actor=demo.caseworker_a, household=household, data=visit_data(
            when, **({} if seen else {"person_seen": False, "not_seen_reason": "外出", "situation_clear": False,
                                      "willingness": ""})))
    from_query = household_watch(household)
    prefetch_related_objects([household], "roster_entries", "observation_entries")
    from_page = household_watch(household, latest=LatestVisit.objects.get(household=household))
    fields = ("due_on", "cadence", "anchor", "last_visit_on", "last_seen", "follow_up_on")
    assert [getattr(from_page, f) for f in fields] == [getattr(from_query, f) for f in fields]
    assert from_page.last_seen is False and from_page.follow_up_on == D(2024, 3, 15)


def test_the_kept_row_follows_the_latest_visit_left_open_and_rebuild_agrees(demo):
    household = make_roster(demo.village_a, caseworker=demo.caseworker_a)
    visit_log(actor=demo.caseworker_a, household=household, data=visit_data(
        D(2024, 3, 10), care="", situation_clear=False, next_follow_up_on=D(2024, 3, 20)))
    row = LatestVisit.objects.get(household=household)
    assert (row.case_open, row.follow_up_on) == (True, D(2024, 3, 20))
    watch = household_watch(household)
    assert (watch.last_seen, watch.open_after_seen, watch.follow_up_on) == (True, True, D(2024, 3, 20))
    # An older closed visit typed in late changes nothing; rebuild from the visits gives the same row.
    visit_log(actor=demo.caseworker_a, household=household, data=visit_data(D(2024, 3, 1)))
    LatestVisit.objects.filter(household=household).delete()
    latest.rebuild([household.pk], models=latest.current_models())
    row = LatestVisit.objects.get(household=household)
    assert (row.visited_on, row.seen_on, row.case_open, row.follow_up_on) == (
        D(2024, 3, 10), D(2024, 3, 10), True, D(2024, 3, 20))
    # A later visit that clears it closes the case.
    visit_log(actor=demo.caseworker_a, household=household, data=visit_data(D(2024, 3, 15)))
    row = LatestVisit.objects.get(household=household)
    assert (row.case_open, row.follow_up_on) == (False, None)
    assert household_watch(household).open_after_seen is False
