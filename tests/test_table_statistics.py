"""A bulk write that outdates a table's planner statistics asks PostgreSQL to ANALYZE it once it commits
(relief/table_statistics.py): the lead list after the first policy match read every lead of the township
through a plan made for an empty table. These tests commit (transaction=True), as the jobs do."""
import os

import pytest
from django.db import connection, transaction

from referrals.models import Lead, LeadChannel
from referrals.services import lead_create_for_households
from relief.bulk_insert import insert_rows
from relief.models import Jurisdiction, JurisdictionLevel
from tests.conftest import skip_or_fail

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def postgresql():
    if connection.vendor != "postgresql":
        skip_or_fail("planner statistics are PostgreSQL's (DATABASE_URL=postgres://...)")


def _known_rows(model) -> float:
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE oid = %s::regclass", [model._meta.db_table])
        return cursor.fetchone()[0]


def _analyzed_empty(model):
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {model._meta.db_table}")
    assert _known_rows(model) <= 0


def _villages(count: int, start: int = 0) -> list[dict]:
    return [{"code": f"9{start + i:011d}", "name": f"统计村{start + i}", "level": JurisdictionLevel.VILLAGE}
            for i in range(count)]


def test_many_rows_written_are_analyzed_once_committed():
    _analyzed_empty(Jurisdiction)
    with transaction.atomic():
        insert_rows(Jurisdiction, _villages(300))
        insert_rows(Jurisdiction, _villages(300, start=300))  # a second batch: one ANALYZE still
        pending = [c for _s, c, *_r in connection.run_on_commit if getattr(c, "table", None)]
        assert len(pending) == 1
        assert _known_rows(Jurisdiction) <= 0  # nothing runs before the commit
    assert _known_rows(Jurisdiction) == 600


def test_a_rolled_back_write_and_a_small_one_analyze_nothing():
    _analyzed_empty(Jurisdiction)
    with transaction.atomic():
        insert_rows(Jurisdiction, _villages(300))
        transaction.set_rollback(True)
    assert _known_rows(Jurisdiction) <= 0
    insert_rows(Jurisdiction, _villages(40))  # at or under autovacuum's 50 rows
    assert _known_rows(Jurisdiction) <= 0


def test_a_tenth_of_the_table_is_the_threshold():
    from relief.table_statistics import THRESHOLD_FRACTION, THRESHOLD_ROWS

    with transaction.atomic():
        insert_rows(Jurisdiction, _villages(3000))
    known = _known_rows(Jurisdiction)
    assert known >= 3000
    threshold = int(THRESHOLD_ROWS + THRESHOLD_FRACTION * known)
    insert_rows(Jurisdiction, _villages(threshold - 10, start=3000))  # well over 50 rows, under a tenth
    assert _known_rows(Jurisdiction) == known
    insert_rows(Jurisdiction, _villages(threshold + 10, start=6000))
    assert _known_rows(Jurisdiction) > known


def test_the_policy_matchs_leads_are_analyzed_when_they_commit():
    from django.core.management import call_command

    from households.models import Household
    from relief.demo import load_demo_district

    load_demo_district()
    call_command("generate_households", count=120, stdout=open(os.devnull, "w"))
    _analyzed_empty(Lead)
    ids = list(Household.objects.values_list("pk", flat=True))
    opened = lead_create_for_households(actor=None, household_ids=ids, channel=LeadChannel.FEED,
                                        description="政策匹配：测试", dedupe_prefix="stats-test:")
    assert len(opened.created_ids) == 120
    assert _known_rows(Lead) == Lead.objects.count()
