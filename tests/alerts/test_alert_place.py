"""An alert lies in its household's village now (Alert.village): every writer fills it, and a household's move
takes its alerts along at once, whichever writer moved it. The inbox, badge and worklist read that column."""
import datetime as dt
import importlib

import pytest
from django.apps import apps

from alerts.models import Alert, AlertKind
from alerts.selectors import alert_counts, alerts_for
from alerts.services import alert_open, alerts_open_many
from households.bulk import RegistryWriter
from households.models import EventSource, Household
from households.services import household_update
from tests.households.factories import make_household
from tests.visits.factories import make_roster
from visits.jobs import overdue_scan

pytestmark = pytest.mark.django_db
backfill = importlib.import_module("alerts.migrations.0013_alert_lies_in_its_village")


def test_every_writer_places_the_alert_in_the_households_village(demo):
    household = make_household(demo.village_a)
    one, _ = alert_open(kind=AlertKind.STATUS_CHANGE, household=household, reason="测试", dedupe_key="place:1")
    assert alerts_open_many(alerts=[Alert(kind=AlertKind.STATUS_CHANGE, household_id=household.pk, reason="测试",
                                          dedupe_key="place:2")]) == 1
    make_roster(demo.village_a, entered_on=dt.date(2024, 1, 1))
    overdue_scan(dt.date(2024, 3, 5))  # INSERT … SELECT (alerts_open_from_rows)
    assert set(Alert.objects.values_list("village_id", flat=True)) == {demo.village_a.pk}
    assert Alert.objects.filter(kind=AlertKind.OVERDUE_VISIT).exists() and one.village_id == demo.village_a.pk


def test_a_household_moved_by_the_service_takes_its_alerts_at_once(demo, client):
    household = make_household(demo.village_a, caseworker=demo.caseworker_a)
    alert, _ = alert_open(kind=AlertKind.STATUS_CHANGE, household=household, reason="测试", dedupe_key="move:1")
    before_a = alert_counts(demo.caseworker_a)["open"]
    before_b = alert_counts(demo.caseworker_b)["open"]
    household_update(actor=demo.township1, household=household, version=household.version, village=demo.village_b)
    alert.refresh_from_db()
    assert alert.village_id == demo.village_b.pk
    assert alert not in alerts_for(demo.caseworker_a) and alert in alerts_for(demo.caseworker_b)
    assert alert_counts(demo.caseworker_a)["open"] == before_a - 1
    assert alert_counts(demo.caseworker_b)["open"] == before_b + 1
    client.force_login(demo.caseworker_a)
    assert client.get(f"/alerts/{alert.pk}/").status_code == 404


def test_a_household_moved_by_an_import_takes_its_alerts(demo):
    household = make_household(demo.village_a)
    alert, _ = alert_open(kind=AlertKind.STATUS_CHANGE, household=household, reason="测试", dedupe_key="move:2")
    writer = RegistryWriter(actor=demo.township1, source=EventSource.IMPORT, source_ref="import:test")
    writer.households_update({household.pk: ({"village_id": demo.village_b.pk}, {"village_id": demo.village_a.pk})})
    writer.finish()
    alert.refresh_from_db()
    assert alert.village_id == demo.village_b.pk


def test_the_upgrade_places_existing_alerts_in_their_households_village(demo):
    household = make_household(demo.village_a)
    alert, _ = alert_open(kind=AlertKind.STATUS_CHANGE, household=household, reason="测试", dedupe_key="move:3")
    # As before the upgrade, and after a move nobody told alerts of: the column does not name the village now.
    Household.objects.filter(pk=household.pk).update(village=demo.village_b)
    backfill.place_in_household_village(apps, None)
    alert.refresh_from_db()
    assert alert.village_id == demo.village_b.pk
