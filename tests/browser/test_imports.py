"""Importing a key-person roster (重点人群花名册) through the import page, from the home page.

A file with one bad row imports nothing and shows that row, its column and the reason, marked in the
preview; the corrected file imports, with counts that add up. Township staff on a phone, the admin on a
desktop.
"""
import io
import re

import pytest
from openpyxl import Workbook
from playwright.sync_api import expect

from households import models as hh
from imports import services
from imports.models import ImportBatch, ImportStatus

from tests.imports.helpers import HOUSEHOLD_HEADERS, ROSTER_HEADERS, family, id_for, upload, xlsx_bytes

pytestmark = [pytest.mark.browser]


@pytest.fixture
def private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path  # the uploads of this test, not the developer's var/private
    return tmp_path


def _register_households(user, heads):
    rows = [row for n in heads for row in family(n, 2)]
    batch = services.batch_upload(actor=user, kind="households", upload=upload(xlsx_bytes(HOUSEHOLD_HEADERS, rows)))
    services.batch_validate(batch_id=batch.pk)
    services.batch_confirm(actor=user, batch=batch)
    assert services.batch_import(batch_id=batch.pk).status == ImportStatus.DONE


def _roster(rows) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = "数据"
    sheet.append(ROSTER_HEADERS)
    for row in rows:
        sheet.append([row.get(h) for h in ROSTER_HEADERS])
    for cells in sheet.iter_rows(min_row=2):
        for cell in cells:
            if isinstance(cell.value, str):
                cell.data_type = "s"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _upload(page, name, content):
    page.get_by_label("导入类型").select_option(label="重点人群花名册")
    page.set_input_files("#id_file", files=[{"name": name, "mimeType": "application/octet-stream", "buffer": content}])
    page.get_by_role("button", name="上传并校验").click()


def _counts(page) -> tuple:
    return tuple(int(page.get_by_test_id(f"count-{k}").inner_text())
                 for k in ("total", "new", "updated", "unchanged", "errors"))


@pytest.mark.parametrize("username,width", [("township1", 360), ("admin", 1280)])
def test_a_roster_with_one_bad_row_imports_nothing_then_the_fixed_file_imports(
        transactional_db, demo, browser_login, live_server, private_media, username, width):
    user = demo.users[username]
    _register_households(demo.township1, (1, 11, 21))
    rows = [{"户主身份证号": id_for(n), "对象类型": "救助预警", "关注原因": "独居老人、大重病", "走访频次": "每月"}
            for n in (1, 11, 21)]
    rows[1]["关注原因"] = "独居老人、外星人"

    page = browser_login(username)
    page.set_viewport_size({"width": width, "height": 900})
    page.get_by_role("link", name="数据导入").first.click()
    _upload(page, "花名册.xlsx", _roster(rows))

    expect(page.get_by_test_id("batch-status")).to_have_text("校验未通过")
    assert _counts(page) == (3, 2, 0, 0, 1)
    errors = page.get_by_test_id("errors")
    expect(errors).to_contain_text("第 3 行")
    expect(errors).to_contain_text("关注原因")
    expect(errors).to_contain_text("“外星人”不是可选项")
    bad_row = page.get_by_test_id("preview-error-row")
    expect(bad_row).to_have_count(1)
    expect(bad_row).to_contain_text("有错误")
    # The bad cell shows what the file held (its reason is read out to a screen reader too).
    expect(bad_row.get_by_test_id("preview-error-cell")).to_have_text(re.compile(r"^独居老人、外星人（错误：“外星人”不是可选项"))
    expect(page.get_by_test_id("confirm")).to_have_count(0)
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    # The error list's row number leads to the marked row of the preview.
    errors.get_by_role("link", name="第 3 行").click()
    expect(bad_row).to_be_in_viewport()
    assert hh.RosterEntry.objects.count() == 0

    rows[1]["关注原因"] = "独居老人"
    page.get_by_role("link", name="重新上传").click()
    _upload(page, "花名册（改）.xlsx", _roster(rows))
    expect(page.get_by_test_id("batch-status")).to_have_text("待确认导入")
    assert _counts(page) == (3, 3, 0, 0, 0)
    expect(page.get_by_test_id("preview-error-row")).to_have_count(0)
    page.get_by_test_id("confirm").click()
    expect(page.get_by_test_id("batch-status")).to_have_text("已导入")
    assert _counts(page) == (3, 3, 0, 0, 0)
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert hh.RosterEntry.objects.filter(exited_on__isnull=True).count() == 3
    done = ImportBatch.objects.get(status=ImportStatus.DONE, kind="roster")
    assert (done.created_by, done.total_rows, done.new_count, done.error_count) == (user, 3, 3, 0)
