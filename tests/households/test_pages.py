"""The household list and the household page (一户一页): search, filters, masking, audit, query counts."""
import datetime as dt

import pytest
from auditlog.models import LogEntry
from django.urls import reverse

from households import services
from households.models import AssistanceType, DibaoStandard, FocusReason, TargetKind
from relief.audit import AuditEvent

from .factories import id_number, make_household

pytestmark = pytest.mark.django_db


def _personal_data_views(household):
    return LogEntry.objects.filter(additional_data__event=AuditEvent.VIEW_PERSONAL_DATA, object_pk=str(household.pk))


def test_list_shows_households_in_jurisdiction_with_masked_id(client, demo):
    """The list shows only the user's villages, and ID numbers as first 6 + last 4."""
    mine = make_household(demo.village_a, head_name="王秀兰")
    make_household(demo.village_c, head_name="外村人")
    head = mine.members.get()
    client.force_login(demo.caseworker_a)
    response = client.get(reverse("households:list"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "王秀兰" in html and "外村人" not in html
    assert head.id_number not in html
    assert f"{head.id_number[:6]}********{head.id_number[-4:]}" in html


def test_detail_page_renders_everything(client, demo):
    household = make_household(demo.village_a, head_name="李桂英", members=2, per_capita_income=1500,
                               hukou_type="urban")
    DibaoStandard.objects.create(district=demo.district, monthly_amount=1330, effective_from=dt.date(2021, 7, 1),
                                 source="沪民规〔2021〕")
    services.assistance_add(actor=demo.caseworker_a, household=household, type=AssistanceType.TEMPORARY,
                            start_date=dt.date(2024, 1, 1), monthly_amount=800)
    services.roster_enter(actor=demo.caseworker_a, household=household, reasons=[FocusReason.DIBAO_EDGE],
                          target_kind=TargetKind.WARNING)
    client.force_login(demo.caseworker_a)
    response = client.get(reverse("households:detail", args=[household.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "李桂英" in html
    assert "低收入" in html and "1330" in html and "2021-07-01" in html
    assert "低保边缘" in html and "临时救助" in html
    assert household.members.first().id_number in html
    assert _personal_data_views(household).count() == 1
