"""A large import through the real Redis broker and a real Celery worker, on committed data."""
import pytest

from households import models as hh
from imports import services
from imports.models import ImportBatch, ImportStatus
from imports.tasks import import_batch, validate_batch

from .helpers import HOUSEHOLD_HEADERS, csv_bytes, household_row, id_for, upload

pytestmark = [pytest.mark.worker]


def test_validate_and_import_run_in_the_worker_idempotently(celery_worker, demo):
    rows = []
    for n in range(0, 600, 3):
        head = id_for(n)
        rows += [household_row(head, name=f"户主{n}"),
                 household_row(head, id_for(n + 1), name=f"成员{n + 1}", village="", address="")]
    batch = services.batch_upload(actor=demo.township1, kind="households",
                                  upload=upload(csv_bytes(HOUSEHOLD_HEADERS, rows, "gbk"), "名单.csv"))
    assert validate_batch.delay(batch.pk).get(timeout=120) == ImportStatus.READY
    batch.refresh_from_db()
    assert (batch.total_rows, batch.new_count, batch.error_count) == (400, 400, 0)
    assert hh.Member.objects.count() == 0
    services.batch_confirm(actor=demo.township1, batch=batch)
    assert import_batch.delay(batch.pk).get(timeout=120) == ImportStatus.DONE
    batch.refresh_from_db()
    assert batch.status == ImportStatus.DONE and not batch.file
    assert hh.Household.objects.count() == 200 and hh.Member.objects.count() == 400
    assert hh.HouseholdEvent.objects.filter(source_ref=f"import:{batch.pk}").count() == 400
    # The worker reported progress through Redis, which the page reads.
    assert services.progress_get(batch.pk) == {"phase": "import", "done": 400, "total": 400}
    # Redis may deliver a task twice: the second run changes nothing.
    assert import_batch.delay(batch.pk).get(timeout=60) == ImportStatus.DONE
    assert hh.Member.objects.count() == 400
    assert ImportBatch.objects.get(pk=batch.pk).new_count == 400


def test_the_worker_refuses_a_sheet_of_one_endless_row_at_the_limit(celery_worker, demo):
    """A row of 300,000 cells (varied enough to pass the archive's checks) no longer grows the worker
    until it dies: the dry run stops at Excel's width and says so."""
    from openpyxl.utils import get_column_letter

    from .test_hostile_files import sheet_rows, with_sheet

    cells = b"".join(f'<c r="{get_column_letter((n * 7919) % 16384 + 1)}1" s="{(n * 31) % 97}"/>'.encode()
                     for n in range(300_000))
    content = with_sheet(sheet_rows(b'<row r="1">', cells, b"</row>"), level=6)
    batch = services.batch_upload(actor=demo.township1, kind="households", upload=upload(content))
    assert batch.status == ImportStatus.VALIDATING
    assert services.runs_in_background(batch)
    assert validate_batch.delay(batch.pk).get(timeout=120) == ImportStatus.INVALID
    batch.refresh_from_db()
    assert "第 1 行有超过 16384 个单元格" in batch.message
    assert hh.Household.objects.count() == 0
