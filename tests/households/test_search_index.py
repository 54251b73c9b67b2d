"""A one- or two-character name (建国, 汤) is looked up through an index on PostgreSQL (issue 18): pg_trgm cannot
serve it (LIKE '%建国%' has no trigram), so households_name_grams(name), the name's pieces, is GIN-indexed
(households migration 0015). The proof is the household list page's own query, explained with the planner's
ordinary settings on a table large enough for a scan to be a real choice, and the index returning exactly the
members whose name holds the term, not the table."""
import pytest
from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from households.models import Household, Member
from households.selectors import members_matching_name, search_filter
from tests.conftest import skip_or_fail

from .factories import make_household

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

HOUSEHOLDS = 6000  # about 15,000 members: enough for the planner to prefer a scan where no index serves


def _nodes(plan):
    yield plan
    for child in plan.get("Plans", []):
        yield from _nodes(child)


def _explain(sql: str, params=None) -> dict:
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}", params)
        return cursor.fetchone()[0][0]["Plan"]


def _member_reads(plan) -> list[dict]:
    return [n for n in _nodes(plan) if n.get("Relation Name") == "households_member"]


@pytest.fixture
def many_members(demo):
    if connection.vendor != "postgresql":
        skip_or_fail("the index test needs PostgreSQL (DATABASE_URL=postgres://...)")
    from households.generator import generate

    generate(villages=[demo.village_a, demo.village_b, demo.village_c], count=HOUSEHOLDS, seed=18)
    make_household(demo.village_a, head_name="王建国")
    make_household(demo.village_c, head_name="汤建国")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE households_member")
    return Member.objects.count()


@pytest.mark.parametrize("term", ["建国", "汤"])
def test_the_household_list_finds_a_short_name_through_the_piece_index(client, demo, many_members, term):
    client.force_login(demo.township1)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("households:list"), {"q": term})
    assert response.status_code == 200
    searches = [q["sql"] for q in ctx.captured_queries if "households_name_grams" in q["sql"]]
    assert searches, "the list's search did not ask the piece index"
    holding = Member.objects.filter(name__contains=term).count()
    assert 0 < holding < many_members / 20, "the term must be selective for the index to be the right plan"
    for sql in searches:
        plan = _explain(sql)
        reads = _member_reads(plan)
        assert reads, plan
        assert not [n for n in reads if n["Node Type"] == "Seq Scan"], plan
        index_reads = [n for n in _nodes(plan) if n.get("Index Name") == "member_name_grams"]
        assert index_reads, plan
        # The index narrows the read to the members whose name holds the term: the heap reads exactly those,
        # nothing is thrown away after (a GIN trigram index with no trigram to look for would hand over every
        # row to be filtered). The index's own count may include row versions an update left behind, which the
        # heap skips, but never comes near the table.
        assert all(n["Actual Rows"] < many_members / 10 for n in index_reads), plan
        assert {n["Actual Rows"] * n["Actual Loops"] for n in reads} == {holding}, plan
        assert sum(n.get("Rows Removed by Index Recheck", 0) + n.get("Rows Removed by Filter", 0)
                   for n in reads) == 0, plan
    # The same households as a plain LIKE over names and addresses, within township 1.
    mine = Household.objects.filter(village__in=[demo.village_a, demo.village_b])
    expected = set(mine.filter(Q(members__name__contains=term) | Q(residence_address__contains=term)
                               | Q(hukou_address__contains=term)).values_list("pk", flat=True))
    assert set(mine.filter(search_filter(term)).values_list("pk", flat=True)) == expected
    assert set(members_matching_name(term).values_list("pk", flat=True)) == set(
        Member.objects.filter(name__contains=term).values_list("pk", flat=True))


def test_without_the_piece_index_a_two_character_name_scans_the_members(demo, many_members):
    """Why the piece index is there: the same search as a plain LIKE (all the trigram index could offer) reads
    the whole members table, on the same data and settings as the test above."""
    plan = _explain('SELECT "id" FROM "households_member" WHERE "name" LIKE %s', ["%建国%"])
    # Either a scan of the table or the trigram index, which has no trigram to look for and hands over every
    # row to be checked: the planner picks one or the other by the machine's costs. Both read every member.
    reads = _member_reads(plan)
    assert reads, plan
    assert sum(n["Actual Rows"] + n.get("Rows Removed by Filter", 0) + n.get("Rows Removed by Index Recheck", 0)
               for n in reads) == many_members, plan


def test_the_pieces_are_every_one_and_two_characters_of_the_name(demo):
    if connection.vendor != "postgresql":
        skip_or_fail("households_name_grams is PostgreSQL's (DATABASE_URL=postgres://...)")
    with connection.cursor() as cursor:
        cursor.execute("SELECT households_name_grams(%s)", ["阿依·买买提"])
        pieces = set(cursor.fetchone()[0])
    assert pieces == {"阿", "依", "·", "买", "提", "阿依", "依·", "·买", "买买", "买提"}


def _household_reads(plan) -> list[dict]:
    return [n for n in _nodes(plan) if n.get("Relation Name") == "households_household"]


@pytest.mark.parametrize("term", ["桦", "桦林", "桦林路8", "508819"])
def test_the_household_list_finds_an_address_through_the_piece_index(client, demo, many_members, term):
    """An address term of any length is looked up through the pieces of the residence and hukou addresses
    (migration 0019): a one- or two-character term is a piece; a longer one holds all its two-character pieces,
    and LIKE checks the few rows the index gives. Before, the address part of every search read each household
    of the jurisdiction."""
    make_household(demo.village_a, head_name="黄小梅", residence_address="桦林路8号508819室")
    make_household(demo.village_b, head_name="黄大梅", hukou_address="江西省桦林路8号5088190室")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE households_household")
    households = Household.objects.count()
    assert households > 5000
    client.force_login(demo.township1)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("households:list"), {"q": term})
    assert response.status_code == 200
    assert "黄小梅" in response.content.decode() and "黄大梅" in response.content.decode()
    searches = [q["sql"] for q in ctx.captured_queries if "households_name_grams" in q["sql"]
                and "residence_address" in q["sql"]]
    assert searches, "the list's search did not ask the address index"
    for sql in searches:
        plan = _explain(sql)
        indexes = {n.get("Index Name") for n in _nodes(plan)}
        assert {"household_residence_grams", "household_hukou_grams"} <= indexes, plan
        # The addresses are not read one by one: no scan of the households table (the page may still walk the
        # jurisdiction's households in the list's order, through its index, until it has a page of them).
        assert not [n for n in _household_reads(plan) if n["Node Type"] == "Seq Scan"], plan
        address_reads = [n for n in _nodes(plan) if n.get("Index Name") in ("household_residence_grams",
                                                                          "household_hukou_grams")]
        assert all(n["Actual Rows"] < households / 10 for n in address_reads), plan
    mine = Household.objects.filter(village__in=[demo.village_a, demo.village_b])
    expected = set(mine.filter(Q(members__name__contains=term) | Q(residence_address__contains=term)
                               | Q(hukou_address__contains=term)).values_list("pk", flat=True))
    assert len(expected) >= 2
    assert set(mine.filter(search_filter(term)).values_list("pk", flat=True)) == expected
