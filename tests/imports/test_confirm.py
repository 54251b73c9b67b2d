"""The confirmed import reuses the dry run's plan only while everything it depended on still holds."""
import pickle
import zlib

import pytest
from auditlog.models import LogEntry
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from households.selectors import members_matching_id
from households import models as hh
from imports import services, writers
from imports.models import ImportBatch, ImportStatus

from .helpers import HOUSEHOLD_HEADERS, ROSTER_HEADERS, family, id_for, upload, xlsx_bytes

pytestmark = pytest.mark.django_db


def _upload(client, rows, kind="households", headers=HOUSEHOLD_HEADERS) -> ImportBatch:
    client.post(reverse("imports:index"), {"kind": kind, "file": upload(xlsx_bytes(headers, rows))})
    return ImportBatch.objects.latest("pk")


def _confirm(client, batch, capture) -> ImportBatch:
    with capture(execute=True):
        client.post(reverse("imports:confirm", kwargs={"pk": batch.pk}))
    batch.refresh_from_db()
    return batch


def _checked(batch) -> str:
    entry = LogEntry.objects.get(additional_data__event="import", additional_data__what="imported",
                                 additional_data__batch=batch.pk)
    return entry.additional_data["checked"]


def _file_unread(monkeypatch):
    def refuse(self):
        raise AssertionError("the file was read again")
    monkeypatch.setattr(services.SheetReader, "rows", refuse)


def test_the_confirm_reuses_the_plan_without_reading_the_file(client, demo, monkeypatch,
                                                              django_capture_on_commit_callbacks):
    client.force_login(demo.township1)
    rows = []
    for n in range(0, 60, 3):
        rows += family(100 + n, 3)
    batch = _upload(client, rows)
    assert batch.status == ImportStatus.READY and batch.new_count == 60
    plan = services.plan_name(batch.file.name)
    assert default_storage.exists(plan)
    with default_storage.open(plan, "rb") as handle:
        content = handle.read()
    assert id_for(100).encode() not in content  # compressed, not a readable copy beside the upload

    _file_unread(monkeypatch)
    batch = _confirm(client, batch, django_capture_on_commit_callbacks)
    assert batch.status == ImportStatus.DONE and _checked(batch) == "plan"
    assert hh.Household.objects.count() == 20 and hh.Member.objects.count() == 60
    assert hh.HouseholdEvent.objects.filter(kind=hh.EventKind.MEMBER_ADDED, source="import").count() == 60
    assert not default_storage.exists(plan)  # deleted with the upload


def test_the_recheck_takes_a_few_queries_whatever_the_size(client, demo, monkeypatch):
    """Rechecking the plan is set-based: the import around its writes takes the same handful of queries for
    10 or 300 rows (the writer is left out here: its statements are batched by size)."""
    monkeypatch.setitem(writers.WRITERS, "households", lambda **_kwargs: None)
    client.force_login(demo.township1)
    queries = []
    for count in (10, 300):
        rows = []
        for n in range(0, count, 2):
            rows += family(1000 * count + n, 2)
        batch = _upload(client, rows)
        services.batch_confirm(actor=demo.township1, batch=batch)
        with CaptureQueriesContext(connection) as captured:
            batch = services.batch_import(batch_id=batch.pk)
        assert batch.status == ImportStatus.DONE and _checked(batch) == "plan"
        queries.append(len(captured))
    assert queries[0] == queries[1] <= 15


def test_an_id_taken_since_the_dry_run_is_caught_at_its_row(client, demo, django_capture_on_commit_callbacks):
    client.force_login(demo.township1)
    batch = _upload(client, family(1, 2) + family(5, 2))
    assert batch.status == ImportStatus.READY
    other = hh.Household.objects.create(village=demo.village_b, residence_address="别处")
    hh.Member.objects.create(household=other, name="别人", id_number=id_for(6), birth_date="1950-01-01", sex="M")
    batch = _confirm(client, batch, django_capture_on_commit_callbacks)
    assert batch.status == ImportStatus.INVALID
    assert batch.errors == [[5, "身份证号", "该身份证号已登记在另一个家庭中，同一人不能登记两次。"]]
    assert hh.Member.objects.count() == 1
    assert default_storage.exists(batch.file.name)  # kept for the error report
    assert not default_storage.exists(services.plan_name(batch.file.name))  # the stale plan is gone


def test_a_member_edited_since_the_dry_run_sends_the_confirm_back_to_the_file(client, demo,
                                                                              django_capture_on_commit_callbacks):
    client.force_login(demo.township1)
    rows = family(1, 2, **{"家庭月人均收入（元）": "800"})
    _confirm(client, _upload(client, rows), django_capture_on_commit_callbacks)
    rows[0]["家庭月人均收入（元）"] = "900"
    batch = _upload(client, rows)
    assert (batch.new_count, batch.updated_count, batch.unchanged_count) == (0, 2, 0)
    # Meanwhile somebody corrects the second member's name.
    members_matching_id(id_for(2)).update(name="改过的名字", updated_at=timezone.now())
    batch = _confirm(client, batch, django_capture_on_commit_callbacks)
    assert batch.status == ImportStatus.DONE and _checked(batch) == "file"
    # Validated against the database as it is now: the file's name is a change, with its event.
    event = hh.HouseholdEvent.objects.get(field="name", source="import")
    assert (event.old_value, event.new_value) == ("改过的名字", "成员2")
    assert hh.Household.objects.get().per_capita_income == 900


def test_a_household_changed_since_the_dry_run_is_not_overwritten_blindly(client, demo,
                                                                          django_capture_on_commit_callbacks):
    client.force_login(demo.township1)
    rows = family(1, 1, **{"家庭月人均收入（元）": "800"})
    _confirm(client, _upload(client, rows), django_capture_on_commit_callbacks)
    rows[0]["家庭月人均收入（元）"] = "900"
    batch = _upload(client, rows)
    household = hh.Household.objects.get()
    hh.Household.objects.filter(pk=household.pk).update(per_capita_income=1000, version=household.version + 1)
    batch = _confirm(client, batch, django_capture_on_commit_callbacks)
    assert batch.status == ImportStatus.DONE and _checked(batch) == "file"
    event = hh.HouseholdEvent.objects.get(kind=hh.EventKind.INCOME_CHANGED, source="import", source_ref=f"import:{batch.pk}")
    assert (event.old_value, event.new_value) == ("1000.00", "900.00")  # the real old value, not the dry run's


def test_a_caseworker_deactivated_since_the_dry_run_is_caught(client, demo, django_capture_on_commit_callbacks):
    client.force_login(demo.township1)
    _confirm(client, _upload(client, family(1, 1)), django_capture_on_commit_callbacks)
    rows = [{"户主身份证号": id_for(1), "对象类型": "救助预警", "关注原因": "独居老人", "责任协理员": "张丽"}]
    batch = _upload(client, rows, kind="roster", headers=ROSTER_HEADERS)
    assert batch.status == ImportStatus.READY
    demo.caseworker_a.is_active = False
    demo.caseworker_a.save(update_fields=["is_active"])
    batch = _confirm(client, batch, django_capture_on_commit_callbacks)
    assert batch.status == ImportStatus.INVALID and "找不到辖区内名为“张丽”的协理员" in batch.errors[0][2]
    assert not hh.RosterEntry.objects.exists()


def test_a_roster_entry_changed_since_the_dry_run_is_caught(client, demo, monkeypatch,
                                                            django_capture_on_commit_callbacks):
    client.force_login(demo.township1)
    _confirm(client, _upload(client, family(1, 1) + family(3, 1)), django_capture_on_commit_callbacks)
    rows = [{"户主身份证号": id_for(1), "对象类型": "救助预警", "关注原因": "独居老人"},
            {"户主身份证号": id_for(3), "对象类型": "救助缺失", "关注原因": "低保边缘"}]
    batch = _confirm(client, _upload(client, rows, kind="roster", headers=ROSTER_HEADERS),
                     django_capture_on_commit_callbacks)
    assert batch.status == ImportStatus.DONE and _checked(batch) == "plan"
    rows[0]["关注原因"] = "独居老人、大重病"
    batch = _upload(client, rows, kind="roster", headers=ROSTER_HEADERS)
    assert (batch.new_count, batch.updated_count, batch.unchanged_count) == (0, 1, 1)
    # Meanwhile the second household's entry gets another reason.
    entry = hh.RosterEntry.objects.get(household__members__in=members_matching_id(id_for(3)))
    entry.reasons.add(hh.FocusReasonTag.objects.get_or_create(code="unemployed")[0])
    batch = _confirm(client, batch, django_capture_on_commit_callbacks)
    assert batch.status == ImportStatus.DONE and _checked(batch) == "file"
    assert batch.updated_count == 2  # counted again against the database as it is now
    assert sorted(entry.reasons.values_list("code", flat=True)) == ["dibao_edge"]


def test_a_tampered_plan_is_never_unpickled(client, demo, monkeypatch, django_capture_on_commit_callbacks):
    client.force_login(demo.township1)
    batch = _upload(client, family(1, 2))
    plan = services.plan_name(batch.file.name)
    forged = zlib.compress(pickle.dumps({"batch": batch.pk, "sha256": batch.sha256, "kind": batch.kind}))
    default_storage.delete(plan)
    default_storage.save(plan, ContentFile(services.PLAN_MAGIC + b"\0" * 32 + forged))

    unpickled = []
    real_loads, plan_bytes = pickle.loads, zlib.decompress(forged)

    def spy(data, *args, **kwargs):
        # Other readers unpickle too (the session from a Redis cache): only the forged plan counts.
        if bytes(data) == plan_bytes:
            unpickled.append(data)
        return real_loads(data, *args, **kwargs)

    monkeypatch.setattr(services.pickle, "loads", spy)
    batch = _confirm(client, batch, django_capture_on_commit_callbacks)
    assert not unpickled  # the signature is checked first: an unsigned plan is never unpickled
    assert batch.status == ImportStatus.DONE and _checked(batch) == "file"
    assert hh.Member.objects.count() == 2


def test_cancel_and_expiry_delete_the_plan_with_the_upload(client, demo, django_capture_on_commit_callbacks):
    client.force_login(demo.township1)
    first, second = _upload(client, family(1)), _upload(client, family(3))
    plans = [services.plan_name(b.file.name) for b in (first, second)]
    assert all(default_storage.exists(p) for p in plans)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("imports:cancel", kwargs={"pk": first.pk}))
    assert not default_storage.exists(plans[0])
    with django_capture_on_commit_callbacks(execute=True):
        services.batches_expire(now=timezone.now() + services.upload_ttl() + timezone.timedelta(minutes=1))
    assert not default_storage.exists(plans[1])


def test_an_invalid_file_keeps_no_plan(client, demo):
    client.force_login(demo.township1)
    rows = family(1, 2)
    rows[1]["身份证号"] = "123"
    batch = _upload(client, rows)
    assert batch.status == ImportStatus.INVALID
    assert not default_storage.exists(services.plan_name(batch.file.name))


def test_an_id_registered_outside_the_importers_jurisdiction_is_refused_without_saying_where(client, demo):
    other = hh.Household.objects.create(village=demo.village_c, residence_address="别的街道1号")  # township 2
    hh.Member.objects.create(household=other, name="别人", id_number=id_for(6), birth_date="1950-01-01", sex="M")
    client.force_login(demo.township1)
    batch = _upload(client, family(5, 2))
    assert batch.status == ImportStatus.INVALID
    assert batch.errors == [[3, "身份证号", "该身份证号已登记，请联系乡镇民政办。"]]
