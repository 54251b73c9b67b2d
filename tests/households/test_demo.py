"""Demo and benchmark data: valid, realistic, bulk-written, idempotent."""
from io import StringIO

import pytest
from django.core.management import call_command

from households import demo as households_demo
from django.db.models import F

from households.idcard import birth_date_of, validate_id_number
from households.models import DibaoStandard, Household, Member, RosterChange, RosterEntry

pytestmark = pytest.mark.django_db


def test_generate_households_command(demo, django_assert_max_num_queries):
    out = StringIO()
    call_command("generate_households", "--count", "300", "--seed", "5", stdout=out)
    assert "households: 300" in out.getvalue()
    assert Household.objects.count() == 300
    members = list(Member.objects.all())
    assert 2.0 <= len(members) / 300 <= 3.0
    for member in members:
        assert validate_id_number(member.id_number) == member.id_number
        assert member.name and member.birth_date == birth_date_of(member.id_number)
    on_roster = RosterEntry.objects.filter(exited_on__isnull=True).count()
    assert on_roster == 90  # 30%
    assert RosterChange.objects.filter(kind="entered").count() == RosterEntry.objects.count()
    # Every generated household lies in a demo village and has a caseworker of that village.
    assert not Household.objects.exclude(caseworker__jurisdiction=F("village")).exists()


def test_same_seed_same_data(demo):
    call_command("generate_households", "--count", "20", "--seed", "9", "--villages", demo.village_a.code,
                 stdout=StringIO())
    first = sorted(Member.objects.values_list("name", "birth_date"))
    Household.objects.all().delete()
    call_command("generate_households", "--count", "20", "--seed", "9", "--villages", demo.village_a.code,
                 stdout=StringIO())
    assert sorted(Member.objects.values_list("name", "birth_date")) == first


def test_demo_loader_is_idempotent_and_loads_the_standard_as_data(demo, monkeypatch):
    monkeypatch.setattr(households_demo, "DEMO_HOUSEHOLDS", 120)
    households_demo.load()
    households_demo.load()
    assert Household.objects.count() == 120
    standard = DibaoStandard.objects.get()
    assert (standard.monthly_amount, str(standard.effective_from), standard.district) == (
        1330, "2021-07-01", demo.district)
    assert "shine.cn" in standard.source
