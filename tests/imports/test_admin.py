"""Import records in the Django admin: read-only, within the admin's jurisdiction, errors shown."""
import pytest
from django.urls import reverse

from imports.models import ImportBatch, ImportKind, ImportStatus
from relief.models import Jurisdiction, JurisdictionLevel, Role

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


def test_the_admin_lists_the_records_of_the_district_only(client, demo, records, django_assert_max_num_queries):
    client.force_login(demo.admin)
    for n in range(20):
        _batch(demo.townships[1], demo.township2, file_name=f"江苏路{n}.xlsx")
    with django_assert_max_num_queries(12):
        response = client.get(reverse("admin:imports_importbatch_changelist"))
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
