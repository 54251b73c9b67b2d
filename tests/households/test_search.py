"""Search as township staff search (issue 18): names anywhere in them, pinyin full and by initials with every
reading of a character that has several, ID numbers by their last digits; kept by the registry's writers."""
import datetime as dt
import importlib

import pytest
from django.apps import apps
from django.urls import reverse

from households import services
from households.bulk import RegistryWriter
from households.models import Member
from households.pinyin import MAX_ALTERNATIVES, MAX_LENGTH, name_pinyin
from households.selectors import members_matching, members_matching_id, members_matching_name

from .factories import id_number, make_household

pytestmark = pytest.mark.django_db


# ------------------------------------------------------------------------------------------ the readings
@pytest.mark.parametrize("name,readings", [
    ("曾建国", {"zengjianguo", "cengjianguo", "zjg", "cjg"}),
    ("单雄", {"shanxiong", "danxiong", "sx", "dx"}),
    ("解缙", {"xiejin", "jiejin", "xj", "jj"}),
    ("张建国", {"zhangjianguo", "zjg"}),
    ("吕秀英", {"lvxiuying", "lxy"}),
])
def test_every_reading_of_the_name_is_kept_full_and_by_initials(name, readings):
    assert readings <= set(name_pinyin(name).split())


def test_a_surname_is_read_as_a_surname_first():
    """The first spelling is the surname's reading (曾 as zēng, 单 as shàn), so a cut keeps it."""
    assert name_pinyin("曾建国").split()[0] == "zengjianguo"
    assert name_pinyin("单雄").split()[0] == "shanxiong"
    assert name_pinyin("万俟卨").split()[0].startswith("moqi")


def test_combinations_are_capped_and_fit_the_column():
    long_name = "阿依古丽·买买提" * 6
    value = name_pinyin(long_name)
    assert len(value) <= MAX_LENGTH
    assert 1 <= len([w for w in value.split() if len(w) > len(long_name) // 2]) <= MAX_ALTERNATIVES
    assert name_pinyin("") == "" and name_pinyin("·") == ""


# ------------------------------------------------------------------------------------------ the matching
def _found(term, qs=None):
    return set((qs if qs is not None else members_matching(term)).values_list("name", flat=True))


def test_names_match_anywhere_and_by_pinyin(demo):
    make_household(demo.village_a, head_name="王建国")
    make_household(demo.village_a, head_name="曾建华")
    make_household(demo.village_a, head_name="单秀英")
    make_household(demo.village_a, head_name="解明")
    assert _found("建国") == {"王建国"}
    assert _found("建") == {"王建国", "曾建华"}
    for term in ("wangjianguo", "WangJianGuo", "wang jianguo", "jianguo", "wjg", "WJG"):
        assert _found(term) == {"王建国"}, term
    for term in ("zengjianhua", "cengjianhua", "zjh", "cjh"):
        assert _found(term) == {"曾建华"}, term
    for term in ("shanxiuying", "danxiuying", "sxy", "dxy"):
        assert _found(term) == {"单秀英"}, term
    for term in ("xieming", "jieming", "xm", "jm"):
        assert _found(term) == {"解明"}, term
    assert _found("zhao") == set() and _found("") == set()


def test_id_numbers_match_whole_by_leading_digits_and_by_their_last_4_or_6(demo):
    household = make_household(demo.village_a, head_name="王建国")
    other = make_household(demo.village_a, head_name="李四")
    number = household.members.get().id_number
    other_number = other.members.get().id_number
    for term in (number, number.lower(), number[:14], number[-4:], number[-6:], f" {number[-4:]} "):
        assert number in set(members_matching_id(term).values_list("id_number", flat=True)), term
    assert _found(number, members_matching_id(number)) == {"王建国"}
    assert _found(number[-6:], members_matching_id(number[-6:])) == (
        {"王建国"} if other_number[-6:] != number[-6:] else {"王建国", "李四"})
    x = services.member_add(actor=None, household=household, name="王小", relation="child",
                            id_number="11010519491231002X")
    assert _found("002x", members_matching_id("002x")) == {x.name}
    assert members_matching_id("王建国").count() == 0 and members_matching_id("12").count() == 0


# ------------------------------------------------------------------------------------------ the writers
def test_the_services_keep_the_pinyin_on_create_and_rename(demo):
    household = make_household(demo.village_a, head_name="曾建国")
    member = household.members.get()
    assert "zengjianguo" in member.name_pinyin.split()
    services.member_update(actor=None, member=member, name="单建国")
    member.refresh_from_db()
    assert "shanjianguo" in member.name_pinyin.split() and "zengjianguo" not in member.name_pinyin
    assert _found("dan jian guo") == {"单建国"}


def test_the_bulk_writer_keeps_the_pinyin_on_create_and_rename(demo):
    household = make_household(demo.village_a, head_name=None)
    writer = RegistryWriter(actor=None, source="import", source_ref="test")
    [pk] = writer.members_create([{
        "household_id": household.pk, "name": "解建国", "relation": "head", "id_number": id_number(),
        "birth_date": dt.date(1980, 1, 1), "sex": "M", "name_pinyin": "wrong"}])
    assert {"xiejianguo", "jiejianguo"} <= set(Member.objects.get(pk=pk).name_pinyin.split())
    writer.members_update([(pk, household.pk, {"name": "单雄"}, {"name": "解建国"})])
    writer.finish()
    assert {"shanxiong", "danxiong"} <= set(Member.objects.get(pk=pk).name_pinyin.split())


def test_an_import_keeps_the_pinyin(client, demo):
    from imports.models import ImportBatch
    from tests.imports.helpers import HOUSEHOLD_HEADERS, household_row, id_for, upload, xlsx_bytes

    client.force_login(demo.township1)
    content = xlsx_bytes(HOUSEHOLD_HEADERS, [household_row(id_for(3), name="曾秀英")])
    client.post(reverse("imports:index"), {"kind": "households", "file": upload(content, "名单.xlsx")})
    client.post(reverse("imports:confirm", kwargs={"pk": ImportBatch.objects.get().pk}))
    assert "zengxiuying" in members_matching_id(id_for(3)).get().name_pinyin


def test_the_generator_keeps_the_pinyin(demo):
    from households.generator import generate

    generate(villages=[demo.village_a], count=3, seed=7)
    members = Member.objects.filter(household__village=demo.village_a)
    assert members.exists() and not members.filter(name_pinyin="").exists()


def test_the_migration_fills_the_members_already_registered(demo):
    make_household(demo.village_a, head_name="曾建国")
    Member.objects.update(name_pinyin="")
    migration = importlib.import_module("households.migrations.0014_member_name_pinyin")
    migration.fill_pinyin(apps, None)
    assert _found("cjg") == {"曾建国"}
    assert _found("jianguo", members_matching_name("jianguo")) == {"曾建国"}


def test_the_demo_district_has_a_surname_with_two_readings(demo):
    """曾 is among the demo's surnames, so zeng and ceng can be tried on the demo district."""
    from households.demo import DEMO_SEED
    from households.generator import SURNAMES, generate

    assert "曾" in SURNAMES
    generate(villages=demo.villages, count=300, seed=DEMO_SEED)
    zeng = {n for n in _found("zeng") if n.startswith("曾")}
    assert zeng and zeng <= _found("ceng")
