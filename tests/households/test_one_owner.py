"""One owner for registry writes: a rule gives the same result whichever way a change arrives — a page's form
(households.services), a spreadsheet (imports → households.bulk) or the Django admin (read-only)."""
import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from households.selectors import members_matching_id
from households import models as hh
from tests.imports.helpers import HOUSEHOLD_HEADERS, ROSTER_HEADERS, family, household_row, id_for, xlsx_bytes

pytestmark = pytest.mark.django_db


def _import(client, headers, rows, kind="households"):
    client.post(reverse("imports:index"), {"kind": kind, "file": _upload(xlsx_bytes(headers, rows))})
    from imports.models import ImportBatch

    batch = ImportBatch.objects.latest("pk")
    client.post(reverse("imports:confirm", kwargs={"pk": batch.pk}))
    batch.refresh_from_db()
    assert batch.status == "done", (batch.status, batch.errors, batch.message)
    return batch


def _upload(content):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("名单.xlsx", content)


def _family_with_disability_subsidy(client, demo):
    """A family of two through the import, the second person receiving assistance paid to them alone."""
    _import(client, HOUSEHOLD_HEADERS, family(1, 2))
    member = members_matching_id(id_for(2)).get()
    from households import services

    services.assistance_add(actor=demo.township1, household=member.household, member=member,
                            type="disability_subsidy", start_date=dt.date(2024, 1, 1), monthly_amount=300)
    return member


@pytest.mark.parametrize("path", ["form", "import"])
def test_a_death_ends_the_persons_assistance(client, demo, path):
    client.force_login(demo.township1)
    member = _family_with_disability_subsidy(client, demo)
    household = member.household
    if path == "form":
        client.post(reverse("households:member_status", args=[household.pk, member.pk]),
                    {"status": "deceased", "on_date": timezone.localdate().isoformat()})
    else:
        _import(client, HOUSEHOLD_HEADERS, family(1, 1) + [
            household_row(id_for(1), id_for(2), name="成员2", village="", address="", **{"状态": "死亡"})])
    member.refresh_from_db()
    record = hh.AssistanceRecord.objects.get(member=member)
    assert member.status == hh.MemberStatus.DECEASED and record.end_date == timezone.localdate()
    assert hh.HouseholdEvent.objects.filter(member=member, kind=hh.EventKind.MEMBER_DECEASED).count() == 1
    ended = hh.HouseholdEvent.objects.get(member=member, kind=hh.EventKind.ASSISTANCE_ENDED)
    assert ended.old_value == "残疾人两项补贴" and ended.household_id == household.pk
    # It runs through its last day, today, and no further.
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    assert not hh.AssistanceRecord.objects.running(tomorrow).filter(member=member).exists()


@pytest.mark.parametrize("path", ["form", "import"])
def test_an_event_per_changed_field_with_readable_values(client, demo, path):
    client.force_login(demo.township1)
    _import(client, HOUSEHOLD_HEADERS, family(1, 1, **{"家庭月人均收入（元）": "800", "住房情况": "自有住房"}))
    household = hh.Household.objects.get()
    before = hh.HouseholdEvent.objects.count()
    if path == "form":
        from households import services

        services.household_update(actor=demo.township1, household=household, version=household.version,
                                  per_capita_income="1500", housing="rented", phone="13900000000")
    else:
        _import(client, HOUSEHOLD_HEADERS, family(1, 1, **{"家庭月人均收入（元）": "1500", "住房情况": "租房",
                                                            "联系电话": "13900000000"}))
    events = {e.field: e for e in hh.HouseholdEvent.objects.order_by("pk")[before:]}
    assert events["per_capita_income"].kind == hh.EventKind.INCOME_CHANGED
    assert (events["per_capita_income"].old_value, events["per_capita_income"].new_value) == ("800.00", "1500.00")
    assert (events["housing"].old_value, events["housing"].new_value) == ("自有住房", "租住")
    assert events["housing"].kind == hh.EventKind.DETAILS_CHANGED, "an edit is no 其他"
    # The phone is encrypted in its column; the history, read by roles that may not see it, keeps it masked.
    assert events["phone"].new_value == "139****0000" and events["phone"].kind == hh.EventKind.DETAILS_CHANGED
    household.refresh_from_db()
    assert household.version == 2  # an editor holding the older copy is told, whichever way it changed


@pytest.mark.parametrize("path", ["form", "import"])
def test_a_roster_entry_refreshes_the_list_flags(client, demo, path):
    client.force_login(demo.township1)
    _import(client, HOUSEHOLD_HEADERS, family(1, 1))
    household = hh.Household.objects.get()
    assert household.roster_kind == ""
    if path == "form":
        from households import services

        services.roster_enter(actor=demo.township1, household=household, target_kind="warning",
                              reasons=["elderly_alone"])
    else:
        row = {"户主身份证号": id_for(1), "对象类型": "救助预警", "关注原因": "独居老人"}
        _import(client, ROSTER_HEADERS, [row], kind="roster")
    household.refresh_from_db()
    assert household.roster_kind == "warning" and ",elderly_alone," in household.roster_reasons
    entered = hh.HouseholdEvent.objects.get(household=household, kind=hh.EventKind.ROSTER_ENTERED)
    assert entered.new_value.startswith("救助预警：") and "独居老人" in entered.new_value
