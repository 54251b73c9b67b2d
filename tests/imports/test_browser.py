"""On a phone: upload a roster, watch the progress bar, read the preview, confirm, see the result."""
import pytest
from playwright.sync_api import expect

from households import models as hh

from .helpers import HOUSEHOLD_HEADERS, csv_bytes, household_row, id_for

pytestmark = [pytest.mark.browser, pytest.mark.worker]


def test_upload_preview_confirm_with_progress_bar(celery_worker, demo, browser_login, live_server, settings):
    settings.RELIEF_IMPORT_SYNC_MAX_ROWS = 100  # this file goes to the worker, with a progress bar
    rows = []
    for n in range(0, 6000, 2):
        head = id_for(n)
        rows += [household_row(head, name=f"户主{n}"),
                 household_row(head, id_for(n + 1), name=f"成员{n + 1}", village="", address="")]
    content = csv_bytes(HOUSEHOLD_HEADERS, rows, "gb18030")

    page = browser_login("township1")
    page.get_by_role("link", name="数据导入").click()
    expect(page.get_by_test_id("template-households")).to_be_visible()
    page.set_input_files("#id_file", files=[{"name": "华一居委会花名册.csv", "mimeType": "text/csv", "buffer": content}])
    page.get_by_role("button", name="上传并校验").click()

    progress = page.get_by_test_id("progress")
    expect(progress).to_be_visible()
    expect(progress.get_by_role("progressbar")).to_be_attached()
    # htmx polls until the dry run is over, then the page reloads with the preview.
    expect(page.get_by_test_id("count-total")).to_be_visible(timeout=90_000)
    from imports.models import ImportBatch

    batch = ImportBatch.objects.get()
    assert batch.status == "ready", (batch.status, batch.message, batch.errors[:3], batch.total_rows)
    expect(page.get_by_test_id("count-new")).to_have_text("6000")
    expect(page.get_by_test_id("count-errors")).to_have_text("0")
    expect(page.get_by_test_id("preview")).to_contain_text("户主0")
    assert hh.Member.objects.count() == 0  # nothing written before confirmation
    assert page.evaluate("document.documentElement.scrollWidth") <= 360

    page.get_by_test_id("confirm").click()
    expect(page.get_by_test_id("batch-status")).to_contain_text("已导入", timeout=120_000)
    assert hh.Member.objects.count() == 6000
