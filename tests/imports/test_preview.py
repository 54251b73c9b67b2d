"""The preview of a file with errors marks the bad rows and cells, with the row number, column and reason."""
import re

import pytest
from django.urls import reverse

from imports.models import ImportBatch, ImportStatus

from .helpers import HOUSEHOLD_HEADERS, family, id_for, upload, xlsx_bytes

pytestmark = pytest.mark.django_db


def _detail(client, rows) -> tuple[ImportBatch, str]:
    client.post(reverse("imports:index"), {"kind": "households", "file": upload(xlsx_bytes(HOUSEHOLD_HEADERS, rows))})
    batch = ImportBatch.objects.latest("pk")
    return batch, client.get(reverse("imports:detail", kwargs={"pk": batch.pk})).content.decode()


def _row_html(page: str, number: int) -> str:
    match = re.search(rf'<tr id="row-{number}"[^>]*>(.*?)</tr>', page, re.S)
    assert match, f"row {number} is not in the preview"
    return match.group(0)


def test_bad_rows_and_cells_are_marked_in_the_preview(client, demo):
    client.force_login(demo.township1)
    rows = family(1, 3)
    rows[1]["与户主关系"] = "邻居"
    bad_id = rows[2]["身份证号"][:-1] + ("0" if rows[2]["身份证号"][-1] != "0" else "1")
    rows[2]["身份证号"] = bad_id
    batch, page = _detail(client, rows)
    assert batch.status == ImportStatus.INVALID
    good, relation, id_row = _row_html(page, 2), _row_html(page, 3), _row_html(page, 4)
    assert "preview-error-row" not in good and "有错误" not in good
    for html in (relation, id_row):
        assert 'class="row-error"' in html and "有错误" in html
    # The bad cell is flagged and shows what the file held; the row says which column and why.
    assert re.search(r'class="cell-error" title="[^"]*不是可选项[^"]*"[^>]*>邻居', relation)
    assert "与户主关系：“邻居”不是可选项" in relation
    assert "身份证号：" in id_row and "校验位" in id_row
    assert bad_id not in page and bad_id[:6] + "********" + bad_id[-4:] in page  # masked even when wrong
    # The error list points at the marked rows.
    assert 'href="#row-3"' in page and 'href="#row-4"' in page
    assert "预览：有错误的行已标红" in page


def test_an_empty_required_cell_is_marked(client, demo):
    client.force_login(demo.township1)
    rows = family(1, 2)
    rows[1]["姓名"] = ""
    _batch, page = _detail(client, rows)
    row = _row_html(page, 3)
    assert re.search(r'class="cell-error" title="必填，不能为空。"[^>]*>（空）', row)


def test_a_bad_row_past_the_first_rows_is_in_the_preview_too(client, demo):
    client.force_login(demo.township1)
    rows = []
    for n in range(0, 60, 2):
        rows += family(100 + n, 2)
    rows[49]["与户主关系"] = "邻居"  # spreadsheet row 51
    batch, page = _detail(client, rows)
    assert batch.error_count == 1
    assert 'id="row-21"' in page and 'id="row-22"' not in page  # the first 20 data rows...
    assert "邻居" in _row_html(page, 51)  # ...and the bad one
    assert 'href="#row-51"' in page


def test_a_good_file_has_a_plain_preview(client, demo):
    client.force_login(demo.township1)
    batch, page = _detail(client, family(1, 2))
    assert batch.status == ImportStatus.READY
    assert "预览：前几行将保存为" in page and 'class="row-error"' not in page and 'class="cell-error"' not in page
    assert id_for(1) not in page
