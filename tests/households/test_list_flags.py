"""The household list's kept copies (categories, roster kind/reasons, observation review date), the
township filter and the observation review page."""
import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from households import services
from households.models import (
    AssistanceRecord, AssistanceType, EventKind, FocusReason, FocusReasonTag, Household, HouseholdEvent, ObservationEntry, RosterEntry,
    TargetKind,
)
from households.tasks import refresh_assistance_flags

from .factories import make_household

pytestmark = pytest.mark.django_db


def _flags(household):
    h = Household.objects.get(pk=household.pk)
    return h.categories, h.roster_kind, h.roster_reasons, h.observation_review_on


# ------------------------------------------------------------------------------------------ kept copies
def test_services_keep_the_copies_in_step(demo):
    """Every service that changes assistance, roster or observation list updates the household row."""
    household = make_household(demo.village_a)
    assert _flags(household) == ("", "", "", None)
    dibao = services.assistance_add(actor=None, household=household, type=AssistanceType.DIBAO,
                                    start_date=dt.date(2022, 1, 1))
    services.assistance_add(actor=None, household=household, type=AssistanceType.MEDICAL,
                            start_date=dt.date(2022, 1, 1))
    assert _flags(household)[0] == ",dibao,medical,"
    entry = services.roster_enter(actor=None, household=household, target_kind=TargetKind.MISSING,
                                  reasons=[FocusReason.ELDERLY_ALONE, FocusReason.DISABLED])
    assert _flags(household)[1:3] == ("missing", ",disabled,elderly_alone,")
    services.roster_change(actor=None, entry=entry, reason="复核", target_kind=TargetKind.INSUFFICIENT,
                           reasons=[FocusReason.SERIOUS_ILLNESS])
    assert _flags(household)[1:3] == ("insufficient", ",serious_illness,")
    obs = services.observation_add(actor=None, household=household, reason_not_eligible="收入略高",
                                   decided_on=dt.date(2024, 1, 1), next_review_on=dt.date(2024, 4, 1))
    assert _flags(household)[3] == dt.date(2024, 4, 1)
    services.assistance_end(actor=None, record=dibao, end_date=timezone.localdate() - dt.timedelta(days=1))
    services.roster_exit(actor=None, entry=entry, reason="迁出")
    services.observation_remove(actor=None, entry=obs, reason="已就业")
    assert _flags(household) == (",medical,", "", "", None)


def test_a_refused_write_leaves_the_copies_as_they_were(demo):
    """The copy is written in the service's transaction: when the write is rolled back, so is the copy."""
    household = make_household(demo.village_a)
    with pytest.raises(RuntimeError), transaction.atomic():
        services.roster_enter(actor=None, household=household, reasons=["disabled"], target_kind="warning")
        assert _flags(household)[1] == "warning"
        raise RuntimeError("the caller's transaction fails after the service")
    assert _flags(household) == ("", "", "", None)
    assert not RosterEntry.objects.filter(household=household).exists()


def test_direct_saves_and_deletes_keep_the_copies_through_signals(demo):
    """The admin and other apps' code save models directly: signals refresh the row in the same transaction."""
    household = make_household(demo.village_a)
    record = AssistanceRecord.objects.create(household=household, type="tekun", start_date=dt.date(2023, 1, 1))
    entry = RosterEntry.objects.create(household=household, target_kind="warning")
    entry.reasons.add(FocusReasonTag.objects.get_or_create(code="disabled")[0])
    ObservationEntry.objects.create(household=household, reason_not_eligible="x", next_review_on=dt.date(2030, 1, 1))
    assert _flags(household) == (",tekun,", "warning", ",disabled,", dt.date(2030, 1, 1))
    entry.reasons.clear()
    assert _flags(household)[2] == ""
    record.delete()
    entry.delete()
    assert _flags(household)[:3] == ("", "", "")


def test_bulk_writers_call_refresh_and_a_full_refresh_repairs_every_row(demo):
    households = [make_household(demo.village_a) for _i in range(3)]
    RosterEntry.objects.bulk_create([RosterEntry(household=h, target_kind="missing") for h in households])
    assert {_flags(h)[1] for h in households} == {""}  # bulk writes send no signals...
    assert services.household_refresh_flags([h.pk for h in households[:2]]) == 2
    assert [_flags(h)[1] for h in households] == ["missing", "missing", ""]
    Household.objects.filter(pk=households[0].pk).update(categories=",dibao,")
    assert services.household_refresh_flags() == 2  # ...and a full refresh repairs what went wrong
    assert [_flags(h)[:2] for h in households] == [("", "missing")] * 3


def test_nightly_job_follows_assistance_that_starts_or_ends_by_date(demo):
    """No write happens when assistance runs out or begins: the nightly job moves the category."""
    today = timezone.localdate()
    ending = make_household(demo.village_a)
    services.assistance_add(actor=None, household=ending, type="dibao", start_date=dt.date(2022, 1, 1), end_date=today)
    starting = make_household(demo.village_a)
    services.assistance_add(actor=None, household=starting, type="low_income",
                            start_date=today + dt.timedelta(days=1))
    assert (_flags(ending)[0], _flags(starting)[0]) == (",dibao,", "")
    tomorrow = today + dt.timedelta(days=1)
    assert services.household_refresh_assistance_flags(on=tomorrow) == 2
    assert (_flags(ending)[0], _flags(starting)[0]) == ("", ",low_income,")
    assert services.household_refresh_assistance_flags(on=tomorrow) == 0  # idempotent
    assert refresh_assistance_flags.delay().get() == 0  # today's view: nothing changed since the writes


def test_roster_import_refreshes_the_copies(demo):
    """imports.writers.write_roster writes entries in bulk and then refreshes the households it touched."""
    from types import SimpleNamespace

    from imports.writers import write_roster

    household = make_household(demo.village_a)
    plan = SimpleNamespace(new_entries=[(household.pk, {"target_kind": "warning", "cadence": "monthly"},
                                         ["disabled"])], changed_entries=[])
    write_roster(batch=SimpleNamespace(pk=1, source_ref="import:1"), actor=demo.township1, plan=plan)
    assert _flags(household)[1:3] == ("warning", ",disabled,")


# ------------------------------------------------------------------------------------------ township filter
def _names(client, **params):
    response = client.get(reverse("households:list"), params)
    assert response.status_code == 200
    html = response.content.decode()
    return {n for n in ("甲村户", "乙村户", "丙村户") if n in html}, html


def test_district_official_filters_the_list_by_township(client, demo):
    make_household(demo.village_a, head_name="甲村户")
    make_household(demo.village_b, head_name="乙村户")
    make_household(demo.village_c, head_name="丙村户")
    township1, township2 = demo.village_a.parent, demo.village_c.parent
    client.force_login(demo.district_official)
    assert _names(client)[0] == {"甲村户", "乙村户", "丙村户"}
    assert _names(client, township=township1.pk)[0] == {"甲村户", "乙村户"}
    assert _names(client, township=township2.pk)[0] == {"丙村户"}
    assert _names(client, township=township1.pk, village=demo.village_b.pk)[0] == {"乙村户"}
    names, html = _names(client, township=township2.pk, village=demo.village_a.pk)
    assert names == set() and "所选村/社区不属于所选乡镇/街道。" in html


def test_township_filter_never_reaches_outside_the_users_jurisdiction(client, demo):
    """Another township's pk is refused with a message and lists nothing (not everything)."""
    make_household(demo.village_a, head_name="甲村户")
    make_household(demo.village_c, head_name="丙村户")
    client.force_login(demo.township1)
    assert _names(client, township=demo.village_a.parent_id)[0] == {"甲村户"}
    names, html = _names(client, township=demo.village_c.parent_id)
    assert names == set() and "不在您的辖区内" in html
    client.force_login(demo.caseworker_a)
    assert _names(client, township=demo.village_c.parent_id)[0] == set()


def test_filtered_list_reads_one_table(client, demo, django_assert_max_num_queries):
    """A filtered page costs the same few queries with 1 or 30 matching households (no per-row queries)."""
    def queries():
        client.force_login(demo.district_official)
        with django_assert_max_num_queries(20) as captured:
            params = {"category": "dibao", "on_roster": "1", "township": demo.village_a.parent_id, "size": 100}
            assert client.get(reverse("households:list"), params).status_code == 200
        return len(captured), [q["sql"] for q in captured.captured_queries]

    def add(n):
        for _i in range(n):
            h = make_household(demo.village_a, members=2)
            services.assistance_add(actor=None, household=h, type="dibao", start_date=dt.date(2022, 1, 1))
            services.roster_enter(actor=None, household=h, reasons=["disabled"], target_kind="insufficient")

    add(1)
    # The first page a user opens also computes and stores the figures every page shows (relief/figure_cache.py).
    queries()
    small, _sql = queries()
    add(29)
    large, sql = queries()
    assert large == small
    assert not any("households_assistancerecord" in q or "households_rosterentry" in q for q in sql)


# ------------------------------------------------------------------------------------------ observation review
def _observed(demo, village=None):
    household = make_household(village or demo.village_a, head_name="观察户")
    entry = services.observation_add(actor=None, household=household, reason_not_eligible="收入略高于标准",
                                     decided_on=dt.date(2024, 1, 1), next_review_on=dt.date(2024, 4, 1))
    return household, entry


def test_caseworker_records_a_review_and_sets_the_next_date(client, demo):
    household, entry = _observed(demo)
    client.force_login(demo.caseworker_a)
    url = reverse("households:observation_review", args=[household.pk])
    page = client.get(url).content.decode()
    assert "观察名单复核" in page and "收入略高于标准" in page
    next_date = timezone.localdate() + dt.timedelta(days=90)
    response = client.post(url, {"reviewed_on": timezone.localdate().isoformat(), "note": "收入仍不稳定，继续观察",
                                 "cadence": "monthly", "next_review_on": next_date.isoformat()})
    assert response.status_code == 302
    entry.refresh_from_db()
    assert (entry.next_review_on, entry.cadence) == (next_date, "monthly")
    assert _flags(household)[3] == next_date
    event = HouseholdEvent.objects.get(household=household, field="observation_review")
    assert event.kind == EventKind.OTHER and event.actor == demo.caseworker_a
    assert event.data["note"] == "收入仍不稳定，继续观察" and event.data["cadence"] == ["quarterly", "monthly"]
    detail = client.get(reverse("households:detail", args=[household.pk])).content.decode()
    assert "收入仍不稳定，继续观察" in detail and 'data-testid="observation-reviews"' in detail
    # No longer due: the list's review filter no longer shows it.
    assert "观察户" not in client.get(reverse("households:list"), {"review_due": "on"}).content.decode()


def test_review_errors_are_shown_at_the_field_and_nothing_is_saved(client, demo):
    household, entry = _observed(demo)
    client.force_login(demo.caseworker_a)
    url = reverse("households:observation_review", args=[household.pk])
    today = timezone.localdate()
    response = client.post(url, {"reviewed_on": (today + dt.timedelta(days=1)).isoformat(), "note": "",
                                 "cadence": "quarterly", "next_review_on": today.isoformat()})
    html = response.content.decode()
    assert response.status_code == 200
    assert "请填写复核情况。" in html
    response = client.post(url, {"reviewed_on": (today + dt.timedelta(days=1)).isoformat(), "note": "看过",
                                 "cadence": "quarterly", "next_review_on": today.isoformat()})
    html = response.content.decode()
    assert 'data-field="reviewed_on"' in html and "复核日期不能晚于今天。" in html
    assert 'data-field="next_review_on"' in html and "下次复核日期应晚于今天。" in html
    entry.refresh_from_db()
    assert entry.next_review_on == dt.date(2024, 4, 1)
    assert not HouseholdEvent.objects.filter(household=household, field="observation_review").exists()


def test_review_is_refused_after_removal_and_outside_the_jurisdiction(client, demo):
    household, entry = _observed(demo)
    with pytest.raises(ValidationError):
        services.observation_remove(actor=None, entry=entry, reason="已就业")
        services.observation_review(actor=None, entry=entry, next_review_on=dt.date(2099, 1, 1))
    client.force_login(demo.caseworker_a)
    assert client.get(reverse("households:observation_review", args=[household.pk])).status_code == 404
    other, _entry = _observed(demo, demo.village_c)
    assert client.get(reverse("households:observation_review", args=[other.pk])).status_code == 404
    client.force_login(demo.district_official)  # may read, may not edit
    assert client.get(reverse("households:observation_review", args=[other.pk])).status_code == 403
