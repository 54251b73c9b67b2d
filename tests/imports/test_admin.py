"""Import records in the Django admin: read-only, within the admin's jurisdiction, errors shown."""
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from households.selectors import members_matching_id
from imports.models import ImportBatch, ImportKind, ImportStatus
from relief.models import Jurisdiction, JurisdictionLevel, Role
from tests.households.factories import make_household
from tests.queries import app_queries

pytestmark = pytest.mark.django_db


def _batch(jurisdiction, user, **extra):
    values = {"kind": ImportKind.HOUSEHOLDS, "status": ImportStatus.INVALID, "file_name": "名单.xlsx",
              "sha256": "ab" * 32, "total_rows": 3, "error_count": 1,
              "errors": [[3, "身份证号", "身份证号应为18位，当前为3位。"]], **extra}
    return ImportBatch.objects.create(jurisdiction=jurisdiction, created_by=user, **values)


@pytest.fixture
def records(demo):
    other = Jurisdiction.objects.create(code="320102000000", name="玄武区", level=JurisdictionLevel.DISTRICT)
    return {
        "township": _batch(demo.townships[0], demo.township1, file_name="华阳路名单.xlsx"),
        "district": _batch(demo.admin.jurisdiction, demo.admin, status=ImportStatus.DONE, errors=[], error_count=0,
                           file_name="全区名单.xlsx"),
        "outside": _batch(other, None, file_name="外区名单.xlsx"),
    }


def test_the_admin_lists_the_records_of_the_district_only(client, demo, records):
    client.force_login(demo.admin)
    for n in range(20):
        _batch(demo.townships[1], demo.township2, file_name=f"江苏路{n}.xlsx")
    # The first page a user opens also computes and stores the figures every page shows (relief/figure_cache.py).
    client.get(reverse("admin:imports_importbatch_changelist"))
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("admin:imports_importbatch_changelist"))
    # Data queries: without Redis (SQLite runs) the session and the kept figures are read from the cache table.
    data = app_queries(captured.captured_queries)
    assert len(data) <= 12, "\n".join(data)
    assert response.status_code == 200
    page = response.content.decode()
    assert "华阳路名单.xlsx" in page and "全区名单.xlsx" in page and "江苏路19.xlsx" in page
    assert "外区名单.xlsx" not in page
    outside = client.get(reverse("admin:imports_importbatch_change", args=[records["outside"].pk]))
    assert outside.status_code == 302  # the admin's "does not exist" redirect: never shown


def test_a_record_is_read_only_with_its_counts_hash_and_errors(client, demo, records):
    client.force_login(demo.admin)
    url = reverse("admin:imports_importbatch_change", args=[records["township"].pk])
    page = client.get(url).content.decode()
    assert "ab" * 32 in page and "华阳路名单.xlsx" in page and str(demo.township1) in page
    assert "身份证号应为18位，当前为3位。" in page
    assert 'name="_save"' not in page  # nothing to save
    assert client.post(url, {"file_name": "改名.xlsx"}).status_code == 403
    assert client.get(reverse("admin:imports_importbatch_add")).status_code == 403
    delete = client.post(reverse("admin:imports_importbatch_delete", args=[records["township"].pk]), {"post": "yes"})
    assert delete.status_code == 403
    assert ImportBatch.objects.get(pk=records["township"].pk).file_name == "华阳路名单.xlsx"


def test_only_admins_and_district_officials_with_staff_accounts_see_the_records(client, demo, records, make_staff):
    listing = reverse("admin:imports_importbatch_changelist")
    client.force_login(demo.township1)
    assert client.get(listing).status_code == 302  # not staff: sent to the admin login
    clerk = make_staff(Role.TOWNSHIP, demo.townships[0], is_staff=True)
    client.force_login(clerk)
    assert client.get(listing).status_code == 403
    official = make_staff(Role.DISTRICT, demo.admin.jurisdiction, is_staff=True)
    client.force_login(official)
    response = client.get(listing)
    assert response.status_code == 200 and "外区名单.xlsx" not in response.content.decode()


def test_the_household_admin_exports_its_scoped_members_masked_by_role_and_audited(demo, records, make_staff, rf):
    pass

    from auditlog.models import LogEntry
    from django.contrib import admin as django_admin

    from households import models as hh

    from .helpers import HOUSEHOLD_HEADERS, id_for

    outside_village = Jurisdiction.objects.create(code="320102001001", name="外区社区", level=JurisdictionLevel.VILLAGE,
                                                  parent=records["outside"].jurisdiction)
    for n, village in ((1, demo.village_a), (3, demo.village_c), (5, outside_village)):
        make_household(village, head_name=f"户主{n}", head={"id_number": id_for(n)}, residence_address=f"地址{n}")
    model_admin = django_admin.site.get_model_admin(hh.Household)
    official = make_staff(Role.DISTRICT, demo.admin.jurisdiction, is_staff=True)
    for user, masked in ((demo.admin, False), (official, True)):
        request = rf.get("/admin/households/household/export/")
        request.user = user
        assert model_admin.has_export_permission(request)
        data = model_admin.get_data_for_export(request, model_admin.get_queryset(request))
        birth = HOUSEHOLD_HEADERS.index("出生日期")
        # Beside a masked number, age instead of the birth date (its hidden middle).
        assert data.headers == (HOUSEHOLD_HEADERS[:birth] + ["年龄"] + HOUSEHOLD_HEADERS[birth + 1:] if masked
                                else HOUSEHOLD_HEADERS)
        ids = [row[HOUSEHOLD_HEADERS.index("身份证号")] for row in data]
        expected = [id_for(1), id_for(3)]
        assert ids == ([i[:6] + "********" + i[-4:] for i in expected] if masked else expected)
        births = {row[birth] for row in data}
        head = members_matching_id(id_for(1)).get()  # both heads born 1950-01-01
        assert births == ({head.age_on(timezone.localdate())} if masked else {head.birth_date.isoformat()})
        entry = LogEntry.objects.filter(additional_data__event="export", actor=user).get()
        assert entry.additional_data["rows"] == 2 and entry.additional_data["masked"] is masked
    request = rf.get("/")
    request.user = demo.caseworker_a
    assert not model_admin.has_import_permission(request) and not model_admin.has_export_permission(request)
