"""The household page asks once which kinds of record a family has (households/presence.py) and reads only those:
a family with nothing reads none of the sections' selects; a family with each kind shows each."""
import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from alerts.models import AlertKind
from alerts.services import alert_open
from households.presence import has_records, listed, record_kinds_of
from plans import services as plan_services
from referrals import services as referral_services
from plans.models import Need
from referrals.models import LeadChannel
from tests.households.factories import make_household
from tests.visits.factories import make_roster, visit_data
from visits.services import visit_log

pytestmark = pytest.mark.django_db

SKIPPED_TABLES = ["referrals_lead", "referrals_referral", "plans_need", "plans_planitem", "plans_policymatch",
                  "plans_servicerecord", "visits_visit", "alerts_alert", "households_rosterentry",
                  "households_observationentry"]


def _page(client, household):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("households:detail", args=[household.pk]))
    assert response.status_code == 200
    return response.content.decode(), [q["sql"] for q in queries.captured_queries]


def _reads(sqls, table):
    """The selects of the family's rows of the table (not the EXISTS probe that asks whether there are any, nor the
    navigation's count of the jurisdiction's alerts)."""
    return [s for s in sqls if f'FROM "{table}"' in s and f'"{table}"."household_id"' in s
            and not s.startswith("SELECT EXISTS")]


def test_a_family_with_no_records_reads_none_of_the_sections_selects(client, demo):
    household = make_household(demo.village_a, actor=demo.caseworker_a, head_name="韩桂英")
    client.force_login(demo.township1)
    page, sqls = _page(client, household)
    for table in SKIPPED_TABLES:
        assert not _reads(sqls, table), table
    assert sum(s.startswith("SELECT EXISTS") for s in sqls) == 1, "one probe for every kind"
    assert 'data-testid="no-patrol-records"' in page


def test_a_family_with_each_kind_of_record_shows_each(client, demo):
    household = make_roster(demo.village_a, caseworker=demo.caseworker_a, head_name="韩桂英")
    visited_on = timezone.localdate() - dt.timedelta(days=3)
    visit_log(actor=demo.caseworker_a, household=household, data=visit_data(visited_on))
    alert_open(kind=AlertKind.STATUS_CHANGE, household=household, reason="家庭成员住院，请走访", dedupe_key="t:p")
    referral_services.lead_create(actor=demo.township1, channel=LeadChannel.HOTLINE, household=household,
                                  description="热线反映：老人行动不便")
    plan_services.need_create(actor=demo.township1, household=household, kind="other",
                              description="希望有人帮忙办理残疾证")
    assert record_kinds_of(household) >= {"households.RosterEntry", "visits.Visit", "alerts.Alert",
                                          "referrals.Lead", "plans.Need"}
    client.force_login(demo.township1)
    page, sqls = _page(client, household)
    for table in ["households_rosterentry", "visits_visit", "alerts_alert", "referrals_lead", "plans_need"]:
        assert _reads(sqls, table), table
    for shown in ["家庭成员住院，请走访", "热线反映：老人行动不便", "希望有人帮忙办理残疾证", visited_on.isoformat()]:
        assert shown in page, shown
    assert 'data-testid="no-patrol-records"' not in page


def test_the_answer_is_kept_on_the_household_for_the_page_and_a_kind_not_asked_about_is_read(demo):
    household = make_household(demo.village_a, actor=demo.caseworker_a)
    with CaptureQueriesContext(connection) as queries:
        assert listed(household, Need, lambda: Need.objects.filter(household=household)) == []
        assert not has_records(household, Need)
    assert len(queries.captured_queries) == 1
    from households.models import HouseholdEvent

    assert has_records(household, HouseholdEvent), "a kind the setting does not name is always read"


def test_the_page_reads_no_jurisdiction_and_no_check_record_of_a_family_without_them(client, demo):
    """The jurisdictions above the family and the user come from the rows kept in the process
    (relief.selectors.attach_jurisdictions); the quarterly and whole-household checks are asked in the probe."""
    household = make_household(demo.village_a, actor=demo.caseworker_a, head_name="韩桂英")
    client.force_login(demo.township1)
    _page(client, household)  # the process keeps the jurisdictions' rows
    page, sqls = _page(client, household)
    assert not [s for s in sqls if 'JOIN "relief_jurisdiction"' in s and 'FROM "households_household"' in s]
    assert not [s for s in sqls if s.startswith('SELECT "relief_user"') and "relief_jurisdiction" in s]
    for table in ("households_quarterlycheckentry", "households_writtenrefusal", "households_wholehouseholdcheck"):
        assert not _reads(sqls, table), table
    assert demo.village_a.name in page and demo.village_a.parent.name in page


def test_a_renamed_village_shows_at_once_on_the_household_page(client, demo):
    household = make_household(demo.village_a, actor=demo.caseworker_a, head_name="韩桂英")
    client.force_login(demo.township1)
    _page(client, household)
    village = demo.village_a
    village.name = "新命名村委会"
    village.save()  # replaces the access stamp the kept rows are read under
    page, _sqls = _page(client, household)
    assert "新命名村委会" in page
