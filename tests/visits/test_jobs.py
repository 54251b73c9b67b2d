"""The visits jobs: overdue scan and weekly township summary. Run twice, same result."""
import datetime as dt

import pytest

from alerts.models import Alert, AlertKind, AlertStatus
from households.models import Cadence, RosterEntry
from visits.jobs import overdue_scan, township_summaries
from visits.models import TownshipSummary
from visits.services import visit_log

from .factories import make_roster, visit_data

pytestmark = pytest.mark.django_db
D = dt.date


def overdue_alerts():
    return Alert.objects.filter(kind=AlertKind.OVERDUE_VISIT)


def test_overdue_scan_opens_one_alert_per_overdue_household_and_is_idempotent(demo, django_assert_max_num_queries):
    late = make_roster(demo.village_a, entered_on=D(2024, 1, 1), caseworker=demo.caseworker_a)
    visited = make_roster(demo.village_a, entered_on=D(2024, 1, 1), caseworker=demo.caseworker_a)
    visit_log(actor=demo.caseworker_a, household=visited, data=visit_data(D(2024, 2, 20)))
    not_seen = make_roster(demo.village_b, entered_on=D(2024, 1, 1))
    visit_log(actor=demo.caseworker_b, household=not_seen, data=visit_data(
        D(2024, 2, 20), person_seen=False, not_seen_reason="家中无人", situation_clear=False))
    quarterly = make_roster(demo.village_c, entered_on=D(2024, 1, 1), cadence=Cadence.QUARTERLY)
    exited = make_roster(demo.village_a, entered_on=D(2023, 1, 1))
    RosterEntry.objects.filter(household=exited).update(exited_on=D(2023, 6, 1), exit_reason="迁出本市")

    # Roster and observation-only overdue visits, reviews due: a fixed number of statements.
    with django_assert_max_num_queries(9):
        result = overdue_scan(D(2024, 3, 5))
    assert result["opened"] == 2
    alerts = {a.household_id: a for a in overdue_alerts()}
    assert set(alerts) == {late.pk, not_seen.pk}
    assert alerts[late.pk].caseworker == demo.caseworker_a
    assert alerts[late.pk].period_start == D(2024, 1, 1)
    assert "纳入花名册（2024-01-01）后尚无见到本人的走访" in alerts[late.pk].reason
    assert "每月" in alerts[late.pk].reason
    assert alerts[late.pk].status == AlertStatus.OPEN and alerts[late.pk].opened_by is None

    again = overdue_scan(D(2024, 3, 5))
    assert again == {"opened": 0, "closed": 0, "reassigned": 0, "reviews_due": 0}
    assert overdue_alerts().count() == 2
    # The quarterly household falls due on 1 April: overdue on 2 April.
    overdue_scan(D(2024, 4, 2))
    assert overdue_alerts().filter(household=quarterly).count() == 1


def test_month_end_anchor_in_a_leap_year(demo):
    household = make_roster(demo.village_a, entered_on=D(2024, 1, 1))
    visit_log(actor=demo.caseworker_a, household=household, data=visit_data(D(2024, 1, 31)))
    overdue_scan(D(2024, 2, 29))
    assert not overdue_alerts().exists()
    overdue_scan(D(2024, 3, 1))
    alert = overdue_alerts().get()
    assert alert.period_start == D(2024, 1, 31)
    assert "上次见到本人的走访在 2024-01-31" in alert.reason


def test_alert_closes_on_a_completing_visit_and_the_next_period_opens_a_new_one(demo):
    household = make_roster(demo.village_a, entered_on=D(2024, 1, 1))
    overdue_scan(D(2024, 3, 5))
    alert = overdue_alerts().get()
    visit_log(actor=demo.caseworker_a, household=household, data=visit_data(D(2024, 3, 6)))
    alert.refresh_from_db()
    assert alert.status == AlertStatus.CLOSED
    overdue_scan(D(2024, 3, 7))
    assert overdue_alerts().filter(status=AlertStatus.OPEN).count() == 0
    overdue_scan(D(2024, 4, 8))
    assert overdue_alerts().filter(status=AlertStatus.OPEN).get().period_start == D(2024, 3, 6)


def test_scan_closes_alerts_of_households_no_longer_overdue(demo):
    household = make_roster(demo.village_a, entered_on=D(2024, 1, 1))
    overdue_scan(D(2024, 3, 5))
    RosterEntry.objects.filter(household=household).update(exited_on=D(2024, 3, 6), exit_reason="纳入低保")
    assert overdue_scan(D(2024, 3, 7))["closed"] == 1
    assert overdue_alerts().get().status == AlertStatus.CLOSED


def test_household_moved_to_another_village_moves_its_alerts(demo, client):
    household = make_roster(demo.village_a, entered_on=D(2024, 1, 1), caseworker=demo.caseworker_a)
    overdue_scan(D(2024, 3, 5))
    alert = overdue_alerts().get()
    assert alert.caseworker == demo.caseworker_a
    household.village = demo.village_b
    household.caseworker = demo.caseworker_b
    household.save()
    result = overdue_scan(D(2024, 3, 6))
    assert result["reassigned"] == 1 and result["opened"] == 0
    alert.refresh_from_db()
    assert alert.caseworker == demo.caseworker_b
    client.force_login(demo.caseworker_a)
    assert client.get(f"/alerts/{alert.pk}/").status_code == 404
    client.force_login(demo.caseworker_b)
    assert client.get(f"/alerts/{alert.pk}/").status_code == 200


def test_weekly_township_summary(demo):
    a = make_roster(demo.village_a, entered_on=D(2024, 1, 1))
    make_roster(demo.village_b, entered_on=D(2024, 1, 1))
    make_roster(demo.village_c, entered_on=D(2024, 1, 1))
    visit_log(actor=demo.caseworker_a, household=a, data=visit_data(D(2024, 3, 5)))
    visit_log(actor=demo.caseworker_a, household=a, data=visit_data(D(2024, 3, 6)))
    overdue_scan(D(2024, 3, 8))
    township_summaries(D(2024, 3, 4))
    township_summaries(D(2024, 3, 4))
    t1 = TownshipSummary.objects.get(township=demo.village_a.parent, week_start=D(2024, 3, 4))
    t2 = TownshipSummary.objects.get(township=demo.village_c.parent, week_start=D(2024, 3, 4))
    assert (t1.visits_logged, t1.households_visited, t1.overdue_visits, t1.unhandled_alerts) == (2, 1, 1, 1)
    assert (t2.visits_logged, t2.overdue_visits) == (0, 1)
    assert TownshipSummary.objects.filter(week_start=D(2024, 3, 4)).count() == len(demo.townships)


# ------------------------------------------------------------------ the observation list is watched too
def _observed(demo, *, decided_on, next_review_on, cadence=Cadence.QUARTERLY, village=None):
    from households import services as household_services
    from tests.households.factories import make_household

    household = make_household(village or demo.village_a, head_name="观察户", created=D(2020, 1, 1),
                               caseworker=demo.caseworker_a)
    entry = household_services.observation_add(actor=None, household=household, reason_not_eligible="收入略高于标准",
                                                cadence=cadence, decided_on=decided_on, next_review_on=next_review_on)
    return household, entry


def test_an_observation_only_household_not_seen_by_its_review_date_is_overdue_like_the_worklist_says(demo):
    from visits.selectors import worklist_for

    household, _entry = _observed(demo, decided_on=D(2024, 1, 10), next_review_on=D(2024, 3, 1))
    overdue_scan(D(2024, 2, 28))
    assert not overdue_alerts().filter(household=household).exists()
    overdue_scan(D(2024, 3, 5))
    alert = overdue_alerts().get(household=household)
    assert "复核日期 2024-03-01 已过" in alert.reason and alert.caseworker == demo.caseworker_a
    # The worklist says the same on the same day: one rule.
    work = worklist_for(demo.caseworker_a, today=D(2024, 3, 5))
    assert household.pk in {item.household_id for item in work.overdue}
    # Seen on a visit: not overdue until a quarter after it; the alert closes.
    visit_log(actor=demo.caseworker_a, household=household, data=visit_data(D(2024, 3, 6)))
    overdue_scan(D(2024, 3, 7))
    alert.refresh_from_db()
    assert alert.status == AlertStatus.CLOSED
    overdue_scan(D(2024, 6, 6))
    assert not overdue_alerts().filter(household=household, status=AlertStatus.OPEN).exists()
    overdue_scan(D(2024, 6, 7))
    later = overdue_alerts().get(household=household, status=AlertStatus.OPEN)
    assert "上次见到本人的走访在 2024-03-06" in later.reason
    assert household.pk in {i.household_id for i in worklist_for(demo.caseworker_a, today=D(2024, 6, 7)).overdue}


def test_a_roster_household_on_the_observation_list_gets_one_overdue_alert(demo):
    from households import services as household_services

    household = make_roster(demo.village_a, entered_on=D(2024, 1, 1), caseworker=demo.caseworker_a)
    household_services.observation_add(actor=None, household=household, reason_not_eligible="收入略高",
                                       decided_on=D(2024, 1, 1), next_review_on=D(2024, 12, 1))
    overdue_scan(D(2024, 3, 5))
    assert overdue_alerts().filter(household=household).count() == 1


def test_a_passed_review_date_opens_a_review_alert_that_closes_when_the_review_is_recorded(demo):
    from households import services as household_services

    household, entry = _observed(demo, decided_on=D(2024, 1, 10), next_review_on=D(2024, 3, 1))
    visit_log(actor=demo.caseworker_a, household=household, data=visit_data(D(2024, 2, 20)))
    assert overdue_scan(D(2024, 2, 29))["reviews_due"] == 0
    first = overdue_scan(D(2024, 3, 1))  # the review falls due on its day, as the home card counts it
    review = Alert.objects.get(kind=AlertKind.OBSERVATION_REVIEW_DUE, household=household)
    assert first["reviews_due"] == 1 and "复核日期 2024-03-01 已到" in review.reason
    assert review.caseworker == demo.caseworker_a
    assert overdue_scan(D(2024, 3, 5))["reviews_due"] == 0  # idempotent
    household_services.observation_review(actor=None, entry=entry, next_review_on=D(2027, 6, 1),
                                          note="仍有困难，继续观察")
    overdue_scan(D(2024, 3, 7))
    review.refresh_from_db()
    assert review.status == AlertStatus.CLOSED
