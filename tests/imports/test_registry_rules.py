"""The import applies the registry's own rules: unknown facts stay unknown, the roster's visit cadence."""
import pytest
from django.urls import reverse

from households.selectors import members_matching_id
from households.models import Household, RosterEntry
from imports import services
from imports.models import ImportBatch, ImportStatus

from .helpers import HOUSEHOLD_HEADERS, ROSTER_HEADERS, family, id_for, upload, xlsx_bytes

pytestmark = pytest.mark.django_db


def _imported(client, user, kind, rows, headers):
    batch = services.batch_upload(actor=user, kind=kind, upload=upload(xlsx_bytes(headers, rows)))
    batch = services.batch_validate(batch_id=batch.pk)
    if batch.status == ImportStatus.READY:
        client.force_login(user)
        client.post(reverse("imports:confirm", kwargs={"pk": batch.pk}))
    return ImportBatch.objects.get(pk=batch.pk)


def test_blank_hukou_housing_and_income_are_stored_as_unrecorded(client, demo):
    batch = _imported(client, demo.township1, "households", family(1, 2), HOUSEHOLD_HEADERS)
    assert batch.status == ImportStatus.DONE, batch.errors
    household = Household.objects.get(members__in=members_matching_id(id_for(1)))
    assert (household.hukou_type, household.housing, household.per_capita_income) == ("", "", None)
    assert not household.income_recorded


def test_a_quarterly_cadence_is_refused_for_a_roster_family_not_refused_or_exited(client, demo):
    _imported(client, demo.township1, "households", family(1, 1) + family(3, 1), HOUSEHOLD_HEADERS)
    rows = [{"户主身份证号": id_for(1), "对象类型": "救助预警", "关注原因": "独居老人", "走访频次": "每季度"},
            {"户主身份证号": id_for(3), "对象类型": "救助预警", "关注原因": "申请被拒或退出保障", "走访频次": "每季度"}]
    batch = _imported(client, demo.township1, "roster", rows, ROSTER_HEADERS)
    assert batch.status == ImportStatus.INVALID
    assert [(e[0], e[1]) for e in batch.errors] == [(2, "走访频次")]
    assert "每月至少走访一次" in batch.errors[0][2]
    assert not RosterEntry.objects.exists()
