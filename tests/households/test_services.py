"""Services: bad input refused with a Chinese message at the field and nothing saved; events and history kept."""
import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from households import selectors, services
from households.models import (
    AssistanceType, Cadence, DibaoStandard, EventKind, FocusReason, Household, HouseholdEvent, Member, MemberStatus,
    RosterChange, RosterChangeKind, StandardArea, TargetKind,
)

from .factories import id_number, make_household

pytestmark = pytest.mark.django_db


def _errors(exc) -> dict:
    return exc.value.message_dict


# ------------------------------------------------------------------------------------------ members
def test_member_add_derives_birth_date_and_sex_and_records_an_event(demo):
    household = make_household(demo.village_a)
    number = id_number(born=dt.date(2001, 2, 3), sex="F")
    member = services.member_add(actor=demo.caseworker_a, household=household, name="李小梅", id_number=number,
                                 relation="child")
    assert (member.birth_date, member.sex) == (dt.date(2001, 2, 3), "F")
    event = HouseholdEvent.objects.get(household=household, member=member)
    assert event.kind == EventKind.MEMBER_ADDED and event.actor == demo.caseworker_a


@pytest.mark.parametrize("kwargs, field, words", [
    ({"id_number": "110105194912310021"}, "id_number", "校验位错误"),
    ({"id_number": "11010519491231"}, "id_number", "18位"),
    ({"id_number": "11010519491231002X", "birth_date": dt.date(1950, 1, 1)}, "birth_date", "1949年12月31日"),
    ({"id_number": "11010519491231002X", "sex": "M"}, "sex", "女"),
    ({"id_number": "11010519491231002X", "name": "  "}, "name", "请填写成员姓名"),
])
def test_bad_member_input_is_refused_at_the_field_and_nothing_saved(demo, kwargs, field, words):
    household = make_household(demo.village_a)
    before = (Member.objects.count(), HouseholdEvent.objects.count())
    with pytest.raises(ValidationError) as exc:
        services.member_add(actor=demo.caseworker_a, household=household, **{"name": "王强", **kwargs})
    assert words in " ".join(_errors(exc)[field])
    assert (Member.objects.count(), HouseholdEvent.objects.count()) == before


def test_an_id_number_belongs_to_one_person_in_the_whole_database(demo):
    """A person registered in village C cannot be registered again in village A."""
    other = make_household(demo.village_c)
    number = other.members.get().id_number
    household = make_household(demo.village_a)
    with pytest.raises(ValidationError) as exc:
        services.member_add(actor=demo.caseworker_a, household=household, name="重复人", id_number=number.lower())
    assert "已登记" in _errors(exc)["id_number"][0]
    assert household.members.count() == 1


def test_member_update_records_health_disability_and_employment_events(demo):
    household = make_household(demo.village_a)
    member = household.members.get()
    services.member_update(actor=demo.caseworker_a, member=member, serious_illness="尿毒症",
                           disability_type="physical", disability_grade="2", employment="unemployed")
    kinds = set(HouseholdEvent.objects.filter(member=member).values_list("kind", flat=True))
    assert {EventKind.HEALTH_CHANGED, EventKind.DISABILITY_CHANGED, EventKind.EMPLOYMENT_CHANGED} <= kinds
    event = HouseholdEvent.objects.get(member=member, kind=EventKind.HEALTH_CHANGED)
    assert (event.old_value, event.new_value) == ("", "尿毒症")


def test_member_update_refuses_a_number_registered_to_someone_else(demo):
    household = make_household(demo.village_a, members=1)
    head, child = household.members.order_by("pk")
    with pytest.raises(ValidationError) as exc:
        services.member_update(actor=demo.caseworker_a, member=child, id_number=head.id_number)
    assert "已登记" in _errors(exc)["id_number"][0]
    child.refresh_from_db()
    assert child.id_number != head.id_number


def test_member_death_ends_personal_assistance_and_is_an_event(demo):
    household = make_household(demo.village_a)
    member = household.members.get()
    record = services.assistance_add(actor=None, household=household, member=member,
                                     type=AssistanceType.DISABILITY_SUBSIDY, start_date=dt.date(2020, 1, 1))
    today = timezone.localdate()
    services.member_status_change(actor=demo.caseworker_a, member=member, status=MemberStatus.DECEASED)
    record.refresh_from_db()
    assert record.end_date == today
    assert HouseholdEvent.objects.filter(member=member, kind=EventKind.MEMBER_DECEASED).exists()
    assert selectors.current_categories(household, on=today + dt.timedelta(days=1)) == []


# ------------------------------------------------------------------------------------------ households
def test_negative_income_is_refused(demo):
    with pytest.raises(ValidationError) as exc:
        services.household_create(actor=demo.caseworker_a, village=demo.village_a, residence_address="长宁路1号",
                                  per_capita_income=Decimal("-1"))
    assert "不能为负数" in _errors(exc)["per_capita_income"][0]
    assert not Household.objects.exists()


@pytest.mark.parametrize("village", ["group", "outside", "missing"])
def test_unknown_or_foreign_village_is_refused(demo, village):
    target = {"group": demo.village_a.children.first(), "outside": demo.village_c, "missing": 999999}[village]
    with pytest.raises(ValidationError) as exc:
        services.household_create(actor=demo.caseworker_a, village=target, residence_address="长宁路1号")
    assert "村/社区" in _errors(exc)["village"][0]
    assert not Household.objects.exists()


def test_head_with_a_bad_id_number_saves_no_household(demo):
    with pytest.raises(ValidationError):
        services.household_create(actor=demo.caseworker_a, village=demo.village_a, residence_address="长宁路1号",
                                  head={"name": "张三", "id_number": "110105194912310021"})
    assert not Household.objects.exists()


def test_a_stale_version_is_refused_and_the_first_save_kept(demo):
    """Two staff open the same household; the second save is refused instead of overwriting the first."""
    household = make_household(demo.village_a, per_capita_income=1000)
    first = Household.objects.get(pk=household.pk)
    second = Household.objects.get(pk=household.pk)
    services.household_update(actor=demo.caseworker_a, household=first, version=first.version,
                              per_capita_income=Decimal("1200"))
    with pytest.raises(ValidationError) as exc:
        services.household_update(actor=demo.township1, household=second, version=second.version,
                                  per_capita_income=Decimal("900"))
    assert exc.value.code == "stale" and "已被他人修改" in exc.value.messages[0]
    household.refresh_from_db()
    assert household.per_capita_income == Decimal("1200")
    event = HouseholdEvent.objects.get(household=household, kind=EventKind.INCOME_CHANGED)
    assert (event.old_value, event.new_value) == ("1000.00", "1200.00")


def test_moving_to_another_village_is_an_event(demo):
    household = make_household(demo.village_a)
    services.household_update(actor=demo.township1, household=household, version=household.version,
                              village=demo.village_b)
    event = HouseholdEvent.objects.get(household=household, kind=EventKind.VILLAGE_CHANGED)
    assert (event.old_value, event.new_value) == (demo.village_a.name, demo.village_b.name)


# ------------------------------------------------------------------------------------------ assistance
def test_assistance_start_and_end_change_the_current_categories(demo):
    household = make_household(demo.village_a)
    record = services.assistance_add(actor=demo.caseworker_a, household=household, type=AssistanceType.DIBAO,
                                     start_date=dt.date(2023, 1, 1), monthly_amount=600)
    assert selectors.current_categories(household) == [AssistanceType.DIBAO]
    services.assistance_end(actor=demo.caseworker_a, record=record, end_date=dt.date(2024, 1, 1))
    household = Household.objects.get(pk=household.pk)
    assert selectors.current_categories(household) == []
    kinds = list(HouseholdEvent.objects.filter(household=household).values_list("kind", flat=True))
    assert kinds.count(EventKind.CATEGORY_CHANGED) == 2
    assert EventKind.ASSISTANCE_STARTED in kinds and EventKind.ASSISTANCE_ENDED in kinds


def test_assistance_with_negative_amount_or_end_before_start_is_refused(demo):
    household = make_household(demo.village_a)
    with pytest.raises(ValidationError) as exc:
        services.assistance_add(actor=None, household=household, type=AssistanceType.DIBAO,
                                start_date=dt.date(2024, 1, 1), end_date=dt.date(2023, 1, 1), monthly_amount=-5)
    assert set(_errors(exc)) == {"end_date", "monthly_amount"}
    assert not household.assistance.exists()


# ------------------------------------------------------------------------------------------ roster
def test_roster_entry_change_and_exit_keep_the_whole_history(demo):
    household = make_household(demo.village_a)
    entry = services.roster_enter(actor=demo.caseworker_a, household=household,
                                  reasons=[FocusReason.ELDERLY_ALONE], target_kind=TargetKind.WARNING)
    assert entry.cadence == Cadence.MONTHLY
    services.roster_change(actor=demo.caseworker_a, entry=entry, reason="新发现残疾",
                           reasons=[FocusReason.ELDERLY_ALONE, FocusReason.DISABLED],
                           target_kind=TargetKind.MISSING)
    services.roster_exit(actor=demo.township1, entry=entry, reason="已纳入特困供养")
    changes = list(RosterChange.objects.filter(entry=entry).order_by("at", "pk"))
    assert [c.kind for c in changes] == [RosterChangeKind.ENTERED, RosterChangeKind.CHANGED, RosterChangeKind.EXITED]
    assert changes[1].changes["reasons"] == [["elderly_alone"], ["disabled", "elderly_alone"]]
    assert changes[1].changes["target_kind"] == ["warning", "missing"]
    assert changes[2].reason == "已纳入特困供养" and changes[2].actor == demo.township1
    kinds = set(HouseholdEvent.objects.filter(household=household).values_list("kind", flat=True))
    assert {EventKind.ROSTER_ENTERED, EventKind.ROSTER_CHANGED, EventKind.ROSTER_EXITED} <= kinds
    # The household may enter again later; the old entry stays.
    services.roster_enter(actor=None, household=household, reasons=[FocusReason.OTHER], target_kind="warning")
    assert household.roster_entries.count() == 2


def test_refused_or_exited_families_default_to_a_quarterly_check(demo):
    household = make_household(demo.village_a)
    entry = services.roster_enter(actor=None, household=household, reasons=[FocusReason.REFUSED_OR_EXITED],
                                  target_kind=TargetKind.WARNING)
    assert entry.cadence == Cadence.QUARTERLY


def test_roster_refuses_a_second_open_entry_and_an_exit_without_reason(demo):
    household = make_household(demo.village_a)
    entry = services.roster_enter(actor=None, household=household, reasons=["disabled"], target_kind="warning")
    with pytest.raises(ValidationError) as exc:
        services.roster_enter(actor=None, household=household, reasons=["disabled"], target_kind="warning")
    assert "已在花名册上" in exc.value.messages[0]
    with pytest.raises(ValidationError) as exc:
        services.roster_exit(actor=None, entry=entry, reason=" ")
    assert "退出原因" in _errors(exc)["reason"][0]
    with pytest.raises(ValidationError) as exc:
        services.roster_change(actor=None, entry=entry, reason="", target_kind="missing")
    assert "调整原因" in _errors(exc)["reason"][0]
    with pytest.raises(ValidationError):
        services.roster_enter(actor=None, household=make_household(demo.village_a, head_name="甲"), reasons=[],
                              target_kind="warning")


# ------------------------------------------------------------------------------------------ observation
def test_observation_list_add_and_remove_with_reasons(demo):
    household = make_household(demo.village_a)
    today = timezone.localdate()
    entry = services.observation_add(actor=demo.caseworker_a, household=household,
                                     reason_not_eligible="人均收入略高于低保标准", difficulty="医疗支出大")
    assert entry.next_review_on == services.next_review_date(today, Cadence.QUARTERLY)
    assert entry.decided_by == demo.caseworker_a
    with pytest.raises(ValidationError):
        services.observation_add(actor=None, household=household, reason_not_eligible="重复")
    with pytest.raises(ValidationError) as exc:
        services.observation_remove(actor=None, entry=entry, reason="")
    assert "移出原因" in _errors(exc)["reason"][0]
    services.observation_remove(actor=demo.township1, entry=entry, reason="已纳入低保")
    entry.refresh_from_db()
    assert entry.removed_on == today and entry.removed_by == demo.township1
    kinds = list(HouseholdEvent.objects.filter(household=household).values_list("kind", flat=True))
    assert EventKind.OBSERVATION_ADDED in kinds and EventKind.OBSERVATION_REMOVED in kinds


def test_observation_without_reason_is_refused(demo):
    household = make_household(demo.village_a)
    with pytest.raises(ValidationError) as exc:
        services.observation_add(actor=None, household=household, reason_not_eligible="")
    assert "未纳入救助的原因" in _errors(exc)["reason_not_eligible"][0]


# ------------------------------------------------------------------------------------------ standards
def test_income_band_against_the_standard_in_force(demo, settings):
    settings.RELIEF_LOW_INCOME_FACTOR = "1.5"
    services.dibao_standard_set(actor=None, district=demo.district, monthly_amount=1240,
                                effective_from=dt.date(2020, 7, 1))
    services.dibao_standard_set(actor=None, district=demo.district, monthly_amount=1330,
                                effective_from=dt.date(2021, 7, 1), source="沪民")
    household = Household.objects.select_related("village__parent__parent").get(
        pk=make_household(demo.village_a, per_capita_income=1300).pk)
    assert selectors.dibao_standard_for(household, dt.date(2021, 1, 1)).monthly_amount == 1240
    assert selectors.income_band(household, dt.date(2021, 1, 1)).code == "low_income"
    band = selectors.income_band(household, dt.date(2024, 1, 1))
    assert band.code == "under" and band.standard.monthly_amount == 1330
    household.per_capita_income = Decimal("1995")
    assert selectors.income_band(household, dt.date(2024, 1, 1)).code == "above"
    household.per_capita_income = Decimal("1994.99")
    assert selectors.income_band(household, dt.date(2024, 1, 1)).code == "low_income"
    assert selectors.income_band(household, dt.date(2019, 1, 1)).code == "unknown"


def test_a_separate_rural_standard_applies_to_rural_hukou(demo):
    services.dibao_standard_set(actor=None, district=demo.district, monthly_amount=636, area=StandardArea.URBAN,
                                effective_from=dt.date(2021, 9, 1))
    services.dibao_standard_set(actor=None, district=demo.district, monthly_amount=515, area=StandardArea.RURAL,
                                effective_from=dt.date(2021, 9, 1))
    rural = make_household(demo.village_a, hukou_type="rural")
    urban = make_household(demo.village_a, hukou_type="urban", head_name="乙")
    assert selectors.dibao_standard_for(rural).monthly_amount == 515
    assert selectors.dibao_standard_for(urban).monthly_amount == 636
    assert DibaoStandard.objects.count() == 2
