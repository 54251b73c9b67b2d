"""Assistants' support (协理员履职保障): recorded by township staff, the gap table's numbers equal the rows behind them."""
import datetime as dt
import re
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from ledgers import services
from ledgers.models import AssistantAllowance, EquipmentKind
from ledgers.selectors_support import assistants_for, village_gaps

pytestmark = pytest.mark.django_db


def _complete(demo, assistant):
    today = timezone.localdate()
    services.assistant_training_add(actor=demo.township1, assistant=assistant, trained_on=today, topic="政策培训",
                                    hours="4")
    services.assistant_insurance_add(actor=demo.township1, assistant=assistant, insurer="人寿",
                                     valid_until=today + dt.timedelta(days=30))
    services.assistant_equipment_issue(actor=demo.township1, assistant=assistant, kind=EquipmentKind.RECORDER,
                                       issued_on=today)


def test_records_and_what_counts_as_lacking(demo):
    today = timezone.localdate()
    _complete(demo, demo.caseworker_a)
    services.assistant_training_add(actor=demo.township1, assistant=demo.caseworker_b,
                                    trained_on=dt.date(today.year - 1, 12, 31), topic="去年的培训", hours="2")
    services.assistant_insurance_add(actor=demo.township1, assistant=demo.caseworker_b, insurer="人寿",
                                     valid_until=today - dt.timedelta(days=1))
    services.assistant_equipment_issue(actor=demo.township1, assistant=demo.caseworker_b, kind=EquipmentKind.PHONE,
                                       issued_on=today)
    by_pk = {a.pk: a for a in assistants_for(demo.township1)}
    a, b = by_pk[demo.caseworker_a.pk], by_pk[demo.caseworker_b.pk]
    assert (a.has_training, a.has_insurance, a.has_recorder) == (True, True, True)
    assert (b.has_training, b.has_insurance, b.has_recorder) == (False, False, False)
    villages = {row.village.pk for row in village_gaps(demo.township1)}
    assert demo.village_a.pk not in villages and demo.village_b.pk in villages
    assert demo.village_c.pk not in villages  # township 2 is not township 1's to see


def test_refusals_in_chinese(demo):
    month = timezone.localdate().replace(day=1)
    services.assistant_allowance_add(actor=demo.township1, assistant=demo.caseworker_a, month=month,
                                     kind="transport", amount="200")
    with pytest.raises(ValidationError) as exc:
        services.assistant_allowance_add(actor=demo.township1, assistant=demo.caseworker_a, month=month,
                                         kind="transport", amount="200")
    assert exc.value.message_dict["month"] == ["该协理员这个月的这项补贴已登记。"]
    with pytest.raises(ValidationError) as exc:
        services.assistant_training_add(actor=demo.township1, assistant=demo.caseworker_a, trained_on=month,
                                        topic=" ", hours="1")
    assert exc.value.message_dict["topic"] == ["请填写培训内容。"]
    with pytest.raises(ValidationError) as exc:
        services.assistant_training_add(actor=demo.township1, assistant=demo.caseworker_a, trained_on=month,
                                        topic="x", hours="0")
    assert exc.value.message_dict["hours"] == ["学时须大于0。"]
    assert AssistantAllowance.objects.get().amount == Decimal("200")


def test_only_the_townships_staff_record_for_its_assistants(demo):
    today = timezone.localdate()
    with pytest.raises(Http404):
        services.assistant_training_add(actor=demo.township1, assistant=demo.caseworker_c, trained_on=today,
                                        topic="x", hours="1")
    with pytest.raises(ValidationError):
        services.assistant_training_add(actor=demo.district_official, assistant=demo.caseworker_a, trained_on=today,
                                        topic="x", hours="1")
    with pytest.raises(ValidationError):
        services.assistant_training_add(actor=demo.caseworker_a, assistant=demo.caseworker_a, trained_on=today,
                                        topic="x", hours="1")
    with pytest.raises(Http404):  # a township account is no assistant
        services.assistant_training_add(actor=demo.township1, assistant=demo.township1, trained_on=today,
                                        topic="x", hours="1")


def _rows(html: str) -> int:
    return html.count('data-testid="assistant-row"')


def test_every_number_of_the_gap_table_is_the_rows_it_links_to(client, demo):
    _complete(demo, demo.caseworker_a)
    services.assistant_training_add(actor=demo.township1, assistant=demo.caseworker_b,
                                    trained_on=timezone.localdate(), topic="政策培训", hours="2")
    client.force_login(demo.district_official)
    html = client.get(reverse("ledgers:assistant_gaps")).content.decode()
    links = re.findall(r'<a class="tag red" href="([^"]+)" data-testid="gap-(\w+)">(\d+)</a>', html)
    assert links, "the demo district has villages with gaps"
    for url, _key, number in links:
        assert _rows(client.get(url.replace("&amp;", "&")).content.decode()) == int(number), url
    assert f"village={demo.village_a.pk}&amp;" not in html  # complete: not listed
    b_links = {key: url for url, key, _n in links if f"village={demo.village_b.pk}&" in url.replace("&amp;", "&")}
    assert set(b_links) == {"insurance", "recorder"}


def test_detail_page_records_and_404_outside(client, demo):
    client.force_login(demo.township1)
    url = reverse("ledgers:assistant_detail", args=[demo.caseworker_a.pk])
    bad = client.post(url, {"which": "insurance", "insurance-insurer": "", "insurance-valid_until": ""})
    body = bad.content.decode()
    assert "请填写承保公司。" in body and "请填写保险到期日。" in body
    response = client.post(url, {"which": "allowance", "allowance-month": "2026-03", "allowance-kind": "pay",
                                 "allowance-amount": "1500"})
    assert response.status_code == 302
    assert AssistantAllowance.objects.get().month == dt.date(2026, 3, 1)
    assert "1500" in client.get(url).content.decode()
    assert client.get(reverse("ledgers:assistant_detail", args=[demo.caseworker_c.pk])).status_code == 404
    client.force_login(demo.district_official)
    page = client.get(url).content.decode()
    assert "登记补贴" not in page and "1500" in page
    assert client.post(url, {"which": "allowance"}).status_code == 404
