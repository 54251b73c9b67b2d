"""Upload → dry run → preview → confirm, through the pages, with jurisdiction, atomicity and audit."""
import datetime as dt
import io
from decimal import Decimal

import pytest
from auditlog.models import LogEntry
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from households.selectors import members_matching_id
from households import models as hh
from imports import services
from imports.models import ImportBatch, ImportStatus
from imports.resources import HouseholdMemberResource
from tests.households.factories import make_household

from .helpers import HOUSEHOLD_HEADERS, csv_bytes, family, household_row, id_for, upload, xlsx_bytes
from tests.audit_helpers import without_seals

pytestmark = pytest.mark.django_db


def _post(client, content, name="名单.xlsx", kind="households", **extra):
    return client.post(reverse("imports:index"), {"kind": kind, "file": upload(content, name), **extra})


def test_upload_preview_confirm(client, demo, django_capture_on_commit_callbacks):
    """Nothing is written before confirmation; confirming writes households, members, events and one audit entry."""
    client.force_login(demo.township1)
    rows = family(1, 3, **{"家庭月人均收入（元）": "1,200.5", "住房情况": "租房", "户籍性质": "城镇"})
    response = _post(client, xlsx_bytes(HOUSEHOLD_HEADERS, rows))
    batch = ImportBatch.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("imports:detail", kwargs={"pk": batch.pk})
    assert batch.status == ImportStatus.READY and batch.new_count == 3
    assert hh.Household.objects.count() == 0 and hh.Member.objects.count() == 0
    page = client.get(response["Location"]).content.decode()
    assert "确认导入" in page and "租住" in page and "华一居委会" in page
    assert id_for(1) not in page and id_for(1)[:6] + "********" in page  # ID numbers masked in the preview
    stored = batch.file.name
    assert default_storage.exists(stored)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("imports:confirm", kwargs={"pk": batch.pk}))
    batch.refresh_from_db()
    assert batch.status == ImportStatus.DONE and batch.confirmed_by == demo.township1
    household = hh.Household.objects.get()
    assert household.village == demo.village_a
    assert household.per_capita_income == Decimal("1200.50")
    assert household.housing == hh.HousingSituation.RENTED and household.hukou_type == hh.HukouType.URBAN
    assert hh.Member.objects.filter(household=household).count() == 3
    head = members_matching_id(id_for(1)).get()
    assert head.relation == hh.Relation.HEAD and head.birth_date == dt.date(1950, 1, 1) and head.sex == "M"
    events = hh.HouseholdEvent.objects.filter(household=household)
    assert events.count() == 3 and set(events.values_list("source", "source_ref")) == {("import", f"import:{batch.pk}")}
    entry = LogEntry.objects.filter(additional_data__event="import", additional_data__what="imported").get()
    assert entry.actor == demo.township1 and entry.additional_data["new"] == 3
    assert not batch.file and not default_storage.exists(stored)  # the upload is deleted on confirm
    # Confirming twice does nothing more.
    client.post(reverse("imports:confirm", kwargs={"pk": batch.pk}))
    assert hh.Member.objects.count() == 3


def test_an_error_in_the_last_of_1000_rows_writes_nothing(client, demo):
    client.force_login(demo.township1)
    rows = []
    for n in range(0, 1000, 2):
        rows += family(10_000 + n, 2)
    rows[-1]["身份证号"] = rows[-1]["身份证号"][:-1] + ("0" if rows[-1]["身份证号"][-1] != "0" else "1")
    _post(client, csv_bytes(HOUSEHOLD_HEADERS, rows), "名单.csv")
    batch = ImportBatch.objects.get()
    assert batch.total_rows == 1000 and batch.error_count == 1
    assert batch.errors == [[1001, "身份证号", batch.errors[0][2]]] and "校验位" in batch.errors[0][2]
    response = client.post(reverse("imports:confirm", kwargs={"pk": batch.pk}))
    assert response.status_code == 302
    batch.refresh_from_db()
    assert batch.status == ImportStatus.INVALID
    assert hh.Household.objects.count() == 0 and hh.Member.objects.count() == 0 and hh.HouseholdEvent.objects.count() == 0


def test_changes_between_dry_run_and_confirm_are_caught_and_nothing_is_written(client, demo):
    """The import validates again inside its transaction: a clash found then rolls everything back."""
    client.force_login(demo.township1)
    rows = family(1, 2) + family(5, 2)
    _post(client, xlsx_bytes(HOUSEHOLD_HEADERS, rows))
    batch = ImportBatch.objects.get()
    assert batch.status == ImportStatus.READY
    # Meanwhile somebody registers the last member in another household.
    make_household(demo.village_b, head_name="别人", head={"id_number": id_for(6)}, residence_address="别处")
    client.post(reverse("imports:confirm", kwargs={"pk": batch.pk}))
    batch.refresh_from_db()
    assert batch.status == ImportStatus.INVALID and "另一个家庭" in batch.errors[0][2]
    assert hh.Household.objects.count() == 1 and hh.Member.objects.count() == 1


def test_ids_already_registered_or_repeated_in_the_file(client, demo):
    client.force_login(demo.township1)
    make_household(demo.village_b, head_name="别人", head={"id_number": id_for(3)}, residence_address="别处")
    rows = family(1, 2) + [household_row(id_for(1), id_for(2), name="重复", village="", address=""),
                            household_row(id_for(1), id_for(3), name="别人", village="", address="")]
    _post(client, xlsx_bytes(HOUSEHOLD_HEADERS, rows))
    batch = ImportBatch.objects.get()
    assert [e[:2] for e in batch.errors] == [[4, "身份证号"], [5, "身份证号"]]
    assert "与第 3 行重复" in batch.errors[0][2] and "另一个家庭" in batch.errors[1][2]


def test_enumerations_and_villages_by_label_code_and_jurisdiction(client, demo):
    client.force_login(demo.township1)
    rows = (family(1, 1, village=demo.village_b.code, **{"住房情况": "豪宅"})
            + family(3, 1, village=demo.village_c.name) + family(5, 1, village=demo.village_c.code)
            + family(7, 1, village="不存在村"))
    _post(client, xlsx_bytes(HOUSEHOLD_HEADERS, rows))
    batch = ImportBatch.objects.get()
    errors = {}
    for row, column, message in batch.errors:
        errors[(row, column)] = errors.get((row, column), "") + message
    assert "不是可选项" in errors[(2, "住房情况")] and "自有住房" in errors[(2, "住房情况")]
    for row in (3, 4, 5):  # village C is in township 2: named or coded, it is outside township 1
        assert "不是您辖区内的村/社区" in errors[(row, "村/社区")]
    assert (2, "村/社区") not in errors  # village B by its code is fine


def test_a_township_user_cannot_import_into_or_see_another_township(client, demo):
    """township1 cannot see, confirm or cancel township 2's import, nor update its households."""
    client.force_login(demo.township2)
    _post(client, xlsx_bytes(HOUSEHOLD_HEADERS, family(1, 2, village=demo.village_c.name)))
    theirs = ImportBatch.objects.get()
    client.post(reverse("imports:confirm", kwargs={"pk": theirs.pk}))
    assert hh.Household.objects.get().village == demo.village_c

    client.force_login(demo.township1)
    for name in ("imports:detail", "imports:error_report"):
        assert client.get(reverse(name, kwargs={"pk": theirs.pk})).status_code == 404
    # Importing the same head into township 1 is refused at the row.
    _post(client, xlsx_bytes(HOUSEHOLD_HEADERS, family(1, 2)))
    mine = ImportBatch.objects.exclude(pk=theirs.pk).get()
    assert mine.status == ImportStatus.INVALID and "其他辖区" in mine.errors[0][2]
    assert mine.duplicate_of is None  # township 2's upload is not theirs to know about
    assert hh.Household.objects.get().village == demo.village_c
    # Caseworkers cannot import at all; district officials read the records but cannot confirm.
    client.force_login(demo.caseworker_a)
    assert client.get(reverse("imports:index")).status_code == 403
    client.force_login(demo.district_official)
    assert client.get(reverse("imports:index")).status_code == 403
    assert client.get(reverse("imports:detail", kwargs={"pk": mine.pk})).status_code == 200
    assert client.post(reverse("imports:cancel", kwargs={"pk": mine.pk})).status_code == 404


def test_reimport_updates_changed_rows_with_events(client, demo):
    client.force_login(demo.township1)
    rows = family(1, 2, **{"家庭月人均收入（元）": "800"})
    _post(client, xlsx_bytes(HOUSEHOLD_HEADERS, rows))
    client.post(reverse("imports:confirm", kwargs={"pk": ImportBatch.objects.get().pk}))
    rows[0]["家庭月人均收入（元）"] = "1500"
    rows[1]["就业状况"] = "失业"
    rows.append(household_row(id_for(1), id_for(9), name="新生儿", village="", address="", **{"与户主关系": "孙女"}))
    content = xlsx_bytes(HOUSEHOLD_HEADERS, rows)
    _post(client, content)
    batch = ImportBatch.objects.latest("pk")
    assert (batch.new_count, batch.updated_count, batch.unchanged_count) == (1, 2, 0)
    client.post(reverse("imports:confirm", kwargs={"pk": batch.pk}))
    household = hh.Household.objects.get()
    assert household.per_capita_income == Decimal("1500") and household.version == 2
    income = hh.HouseholdEvent.objects.get(kind=hh.EventKind.INCOME_CHANGED)
    assert (income.old_value, income.new_value, income.source) == ("800.00", "1500.00", "import")
    employment = hh.HouseholdEvent.objects.get(kind=hh.EventKind.EMPLOYMENT_CHANGED)
    assert employment.member.id_number == id_for(2) and employment.new_value == "失业"
    assert members_matching_id(id_for(9)).get().relation == hh.Relation.GRANDCHILD
    # The same file a third time: all unchanged, warned as a duplicate.
    _post(client, content, "名单(2).xlsx")
    again = ImportBatch.objects.latest("pk")
    assert (again.new_count, again.updated_count, again.unchanged_count) == (0, 0, 3)
    assert again.duplicate_of == batch
    assert "完全相同" in client.get(reverse("imports:detail", kwargs={"pk": again.pk})).content.decode()


def test_round_trip_template_filled_imported_exported(client, demo):
    """The downloaded template, filled in, imports; exporting those households gives the same values back."""
    client.force_login(demo.township1)
    response = client.get(reverse("imports:template", kwargs={"kind": "households"}))
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames[:2] == ["数据", "填写说明"]
    sheet = book["数据"]
    headers = [c.value for c in sheet[1]]
    assert headers == HOUSEHOLD_HEADERS
    assert any("与户主关系" in str(v.sqref) or v.formula1 for v in sheet.data_validations.dataValidation)
    notes = [row[0] for row in book["填写说明"].iter_rows(values_only=True)]
    assert "身份证号" in notes
    head, child = id_for(21), id_for(22)
    filled = [
        ["华一居委会", "", head, "华阳路1弄1号101室", "华阳路1弄1号", "城镇", "否", "1200.00", "3000.00", "0.00",
         "0.00", "租住", "13800000000", "李四", "户主", head, "1950-01-01", "男", "汉族", "丧偶", "肺癌", "高血压",
         "肢体残疾", "二级", "部分自理", "无劳动能力", "", "在户"],
        ["华一居委会", "", head, "华阳路1弄1号101室", "华阳路1弄1号", "城镇", "否", "1200.00", "3000.00", "0.00",
         "0.00", "租住", "13800000000", "李小", "子女", child, "1950-01-01", "男", "汉族", "未婚", "", "", "", "",
         "完全自理", "在校学生", "本科及以上", "在户"],
    ]
    sheet.delete_rows(2)
    for row in filled:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    _post(client, buffer.getvalue(), "模板.xlsx")
    batch = ImportBatch.objects.get()
    assert batch.status == ImportStatus.READY, (batch.message, batch.errors)
    client.post(reverse("imports:confirm", kwargs={"pk": batch.pk}))
    exported = HouseholdMemberResource().export(hh.Member.objects.order_by("pk"))
    assert exported.headers == HOUSEHOLD_HEADERS
    assert [list(map(str, row)) for row in exported] == filled


def test_cancel_and_expiry_delete_the_uploaded_file(client, demo, django_capture_on_commit_callbacks):
    client.force_login(demo.township1)
    _post(client, xlsx_bytes(HOUSEHOLD_HEADERS, family(1)))
    _post(client, xlsx_bytes(HOUSEHOLD_HEADERS, family(3)))
    first, second = ImportBatch.objects.order_by("pk")
    names = first.file.name, second.file.name
    assert all(default_storage.exists(n) for n in names)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("imports:cancel", kwargs={"pk": first.pk}))
    first.refresh_from_db()
    assert first.status == ImportStatus.CANCELLED and not default_storage.exists(names[0])
    # Its page no longer reads as waiting: nothing was, or will be, written.
    page = client.get(reverse("imports:detail", kwargs={"pk": first.pk})).content.decode()
    assert "未导入任何数据" in page and "尚未写入" not in page and "将保存为" not in page
    assert client.post(reverse("imports:confirm", kwargs={"pk": first.pk})).status_code == 302
    assert hh.Household.objects.count() == 0
    assert services.batches_expire(now=timezone.now() + dt.timedelta(hours=1)) == 0
    with django_capture_on_commit_callbacks(execute=True):
        assert services.batches_expire(now=timezone.now() + dt.timedelta(hours=25)) == 1
    second.refresh_from_db()
    assert second.status == ImportStatus.EXPIRED and not default_storage.exists(names[1])


def test_error_report_is_the_file_with_an_error_column_and_is_audited(client, demo):
    client.force_login(demo.township1)
    rows = family(1, 2)
    rows[1]["身份证号"] = "123"
    rows[1]["居住地址"] = "=HYPERLINK(\"http://x\")"
    _post(client, xlsx_bytes(HOUSEHOLD_HEADERS, rows))
    batch = ImportBatch.objects.get()
    page = client.get(reverse("imports:detail", kwargs={"pk": batch.pk})).content.decode()
    assert "第 3 行" in page and "身份证号应为18位，当前为3位" in page
    response = client.get(reverse("imports:error_report", kwargs={"pk": batch.pk}))
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = list(sheet.iter_rows(values_only=True))
    assert values[0][-1] == "错误说明"
    assert values[1][-1] is None and "身份证号：身份证号应为18位" in values[2][-1]
    cell = sheet.cell(row=3, column=HOUSEHOLD_HEADERS.index("居住地址") + 1)
    assert cell.data_type == "s" and cell.value == "＝HYPERLINK(\"http://x\")"  # neutralised, as in the ledgers
    assert LogEntry.objects.filter(additional_data__event="export", additional_data__batch=batch.pk).count() == 1


def test_record_pages_are_visible_to_admins_and_district_with_bounded_queries(client, demo,
                                                                              django_assert_max_num_queries):
    client.force_login(demo.township1)
    for n in range(5):
        _post(client, xlsx_bytes(HOUSEHOLD_HEADERS, family(1 + n * 3)))
    client.force_login(demo.township2)
    _post(client, xlsx_bytes(HOUSEHOLD_HEADERS, family(50, village=demo.village_c.name)))
    for user, expected in ((demo.district_official, 6), (demo.admin, 6), (demo.township1, 5), (demo.township2, 1)):
        client.force_login(user)
        # The first page a user opens also computes and stores the figures every page shows (relief/figure_cache.py).
        client.get(reverse("imports:records"))
        with django_assert_max_num_queries(10):
            response = client.get(reverse("imports:records"))
        assert response.status_code == 200
        assert len(response.context["page"].object_list) == expected
    batch = ImportBatch.objects.first()
    client.force_login(demo.admin)
    # The first page a user opens also computes and stores the figures every page shows (relief/figure_cache.py).
    client.get(reverse("imports:detail", kwargs={"pk": batch.pk}))
    with django_assert_max_num_queries(10):
        assert client.get(reverse("imports:detail", kwargs={"pk": batch.pk})).status_code == 200


def test_large_files_validate_and_import_through_the_task_with_progress(client, demo, settings,
                                                                       django_capture_on_commit_callbacks):
    settings.RELIEF_IMPORT_SYNC_MAX_ROWS = 5
    client.force_login(demo.township1)
    rows = []
    for n in range(0, 20, 2):
        rows += family(100 + n, 2)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        _post(client, csv_bytes(HOUSEHOLD_HEADERS, rows), "名单.csv")
    assert len(without_seals(callbacks)) == 1  # the dry run was queued as a task
    batch = ImportBatch.objects.get()
    assert batch.status == ImportStatus.READY  # the (eager) task has run
    response = client.get(reverse("imports:progress", kwargs={"pk": batch.pk}), HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and response.headers.get("HX-Refresh") == "true"
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        client.post(reverse("imports:confirm", kwargs={"pk": batch.pk}))
    assert len(without_seals(callbacks)) == 2  # the import task, then the file deletion
    batch.refresh_from_db()
    assert batch.status == ImportStatus.DONE and hh.Member.objects.count() == 20
    # A re-delivered task finds the batch done and writes nothing twice.
    from imports.tasks import import_batch

    assert import_batch(batch.pk) == ImportStatus.DONE
    assert hh.Member.objects.count() == 20


def test_progress_partial_while_running(client, demo, settings):
    # Progress lives in the cache (Redis in production); a database cache inside a transaction is skipped.
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    client.force_login(demo.township1)
    _post(client, xlsx_bytes(HOUSEHOLD_HEADERS, family(1)))
    batch = ImportBatch.objects.get()
    ImportBatch.objects.filter(pk=batch.pk).update(status=ImportStatus.IMPORTING, total_rows=200)
    services.progress_set(batch.pk, "import", 50, 200)
    response = client.get(reverse("imports:progress", kwargs={"pk": batch.pk}), HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert 'role="progressbar"' in body and 'value="25"' in body and "已处理 50 / 200 行" in body
    assert "hx-trigger" in body
