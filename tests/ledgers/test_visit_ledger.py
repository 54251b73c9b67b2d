"""The streamed visit ledger: plain tuples per chunk, the same rows whatever the chunk size, a query count that
does not grow with the number of visits, heads of household and visitors resolved per chunk, masking by role."""
import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from households.models import Member, MemberStatus, Relation
from ledgers.reports import LedgerRequest, VisitLedger, ledger_for
from relief.months import month_start
from visits.models import Visit

from tests.households.factories import make_household

from .factories import make_visit, put_on_roster
from .helpers import open_xlsx, post_ledger, table

pytestmark = pytest.mark.django_db


def today():
    return timezone.localdate()


def visit_on(day):
    # Visits of this month only (the ledger's period is the month of the request).
    return max(month_start(today()), today() - dt.timedelta(days=day))


@pytest.fixture
def many_visits(demo):
    """Seven households in two villages of township 1 with two or three visits each, two visitors on some."""
    households = []
    for i in range(7):
        village = demo.village_a if i % 2 == 0 else demo.village_b
        h = make_household(village, head_name=f"户主{i}", residence_address=f"华阳路{i}号", members=1)
        put_on_roster(h)
        households.append(h)
        for day in range(2 + i % 2):
            visit = make_visit(h, demo.caseworker_a if village == demo.village_a else demo.caseworker_b,
                               visited_on=visit_on(day), volunteers="网格员王芳" if day == 1 else "")
            if i == 3:
                visit.visitors.add(demo.township1)
    return households


def ledger_rows(user, jurisdiction, kind="visits", chunk=None, monkeypatch=None):
    if chunk is not None:
        monkeypatch.setattr(VisitLedger, "chunk_size", chunk)
    request = LedgerRequest(user=user, kind=kind, jurisdiction=jurisdiction, start=month_start(today()), end=today(),
                            purpose="data_check")
    return [list(sheet.rows) for sheet in ledger_for(request).sheets()]


def test_rows_do_not_depend_on_the_chunk_size(demo, many_visits, monkeypatch):
    """A household's visits split over two chunks keep their head, their visitors and an unbroken 序号."""
    whole = ledger_rows(demo.township1, demo.township1.jurisdiction)[0]
    small = ledger_rows(demo.township1, demo.township1.jurisdiction, chunk=2, monkeypatch=monkeypatch)[0]
    assert len(whole) == Visit.objects.filter(household__in=many_visits).count() == 17
    assert small == whole
    assert [row[0] for row in small] == list(range(1, 18))
    # Ledger order: village code, household, visit date.
    codes = {demo.village_a.name: demo.village_a.code, demo.village_b.name: demo.village_b.code}
    keys = [(codes[row[2]], row[5]) for row in whole]
    assert keys == sorted(keys, key=lambda k: (k[0], int(k[1][3:-1])))
    for row in whole:
        household = next(h for h in many_visits if h.residence_address == row[5])
        head = Member.objects.get(household=household, relation=Relation.HEAD)
        assert row[1] == household.village.parent.name and row[2] == household.village.name
        assert row[3] == head.name and row[4] == head.id_number
    visited_by_two = [row for row in whole if row[3] == "户主3"]
    assert {row[8] for row in visited_by_two} == {
        f"{demo.caseworker_b.display_name}、{demo.township1.display_name}",
        f"{demo.caseworker_b.display_name}、{demo.township1.display_name}、网格员王芳"}


def test_one_household_one_sheet_across_chunks(demo, many_visits, monkeypatch):
    sheets = ledger_rows(demo.township1, demo.village_a, kind="visits_by_household", chunk=3,
                         monkeypatch=monkeypatch)
    in_a = [h for h in many_visits if h.village_id == demo.village_a.pk]
    assert len(sheets) == len(in_a) == 4
    assert [len(rows) for rows in sheets] == [Visit.objects.filter(household=h).count() for h in in_a]
    assert all([row[0] for row in rows] == list(range(1, len(rows) + 1)) for rows in sheets)


def test_visit_ledger_query_count_does_not_grow_with_visits(client, demo, many_visits):
    client.force_login(demo.township1)

    def queries():
        with CaptureQueriesContext(connection) as context:
            response = post_ledger(client, demo.township1.jurisdiction, kind="visits")
            _, rows = table(open_xlsx(response).active)
        return len(context.captured_queries), len(rows)

    queries()  # the first request fills caches (content types, the user's grants)
    few, rows_before = queries()
    for i in range(12):
        h = make_household(demo.village_b, head_name=f"新户{i}", members=2)
        for day in range(3):
            visit = make_visit(h, demo.caseworker_b, visited_on=visit_on(day))
            visit.visitors.add(demo.township1)
    many, rows_after = queries()
    assert rows_after == rows_before + 36
    assert many == few, "the visit ledger must not query per visit, visitor or household"
    assert few <= 15, few


def test_head_is_a_present_member_and_district_sees_masked_numbers(client, demo):
    h = make_household(demo.village_a, head_name="已故户主", members=1)
    Member.objects.filter(household=h, relation=Relation.HEAD).update(status=MemberStatus.DECEASED)
    survivor = Member.objects.get(household=h, relation=Relation.CHILD)
    make_visit(h, demo.caseworker_a, food="normal")
    client.force_login(demo.township1)
    headers, rows = table(open_xlsx(post_ledger(client, demo.township1.jurisdiction, kind="visits",
                                                purpose="verify_identity")).active)
    assert rows[0][3] == survivor.name and rows[0][4] == survivor.id_number
    # An unanswered check is a blank cell; an answered one its label.
    assert rows[0][headers.index("饮食")] == "正常" and rows[0][headers.index("住房安全")] is None
    client.force_login(demo.district_official)
    _, rows = table(open_xlsx(post_ledger(client, demo.district, kind="visits")).active)
    assert len(rows) == 1 and rows[0][3] == survivor.name
    assert rows[0][4] != survivor.id_number
    assert rows[0][4] == survivor.id_number[:6] + "********" + survivor.id_number[-4:]
