"""Import templates and error reports carry the downloader's watermark in every sheet's header and footer, as the
ledgers do (relief.xlsx.save_workbook)."""
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from imports.models import ImportBatch, ImportKind

from .helpers import HOUSEHOLD_HEADERS, family, upload, xlsx_bytes

pytestmark = pytest.mark.django_db


def _assert_watermarked(content: bytes, user):
    book = load_workbook(io.BytesIO(content))
    assert book.worksheets
    for sheet in book.worksheets:
        for part in (sheet.oddHeader.center.text, sheet.oddFooter.center.text,
                     sheet.evenHeader.center.text, sheet.evenFooter.center.text):
            assert part and user.display_name in part and f"（{user.username}）" in part, sheet.title
        assert "第 &P 页" in sheet.oddFooter.center.text


@pytest.mark.parametrize("kind", ImportKind.values)
def test_every_import_template_names_who_downloaded_it(client, demo, kind):
    client.force_login(demo.township1)
    response = client.get(reverse("imports:template", kwargs={"kind": kind}))
    assert response.status_code == 200
    _assert_watermarked(response.content, demo.township1)


def test_the_error_report_names_who_downloaded_it(client, demo):
    client.force_login(demo.township1)
    rows = family(1, 2)
    rows[1]["身份证号"] = "123"
    client.post(reverse("imports:index"), {"kind": "households",
                                           "file": upload(xlsx_bytes(HOUSEHOLD_HEADERS, rows))})
    batch = ImportBatch.objects.get()
    response = client.get(reverse("imports:error_report", kwargs={"pk": batch.pk}))
    assert response.status_code == 200
    _assert_watermarked(response.content, demo.township1)
    # Another importer of the township downloads the same report: the file names them, not the uploader.
    client.force_login(demo.admin)
    _assert_watermarked(client.get(reverse("imports:error_report", kwargs={"pk": batch.pk})).content, demo.admin)


def test_the_hotline_import_template_names_who_downloaded_it(client, demo):
    client.force_login(demo.township1)
    response = client.get(reverse("referrals:hotline_template"))
    assert response.status_code == 200
    _assert_watermarked(response.content, demo.township1)


def test_the_household_admins_xlsx_export_names_who_exported_it(demo, rf):
    from django.contrib import admin as django_admin

    from households import models as hh
    from imports.admin import KeptXLSX
    from tests.households.factories import make_household

    make_household(demo.village_a)
    model_admin = django_admin.site.get_model_admin(hh.Household)
    request = rf.get("/admin/households/household/export/")
    request.user = demo.admin
    data = model_admin.get_data_for_export(request, model_admin.get_queryset(request))
    _assert_watermarked(KeptXLSX().export_data(data), demo.admin)
