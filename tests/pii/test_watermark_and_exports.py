"""Watermarks on pages and downloaded ledgers; exports of full data ask for their purpose, audited."""
import pytest
from auditlog.models import LogEntry
from django.urls import reverse

from households.models import Member, Relation
from relief.audit import AuditEvent
from tests.households.factories import make_household
from tests.ledgers.helpers import open_xlsx, post_ledger, table

pytestmark = pytest.mark.django_db


def test_pages_link_the_watermark_and_it_names_the_viewer(client, demo):
    client.force_login(demo.township1)
    html = client.get(reverse("home")).content.decode()
    assert 'class="watermarked"' in html and reverse("watermark_css") in html
    css = client.get(reverse("watermark_css"))
    assert css["Content-Type"].startswith("text/css") and reverse("watermark_svg") in css.content.decode()
    svg = client.get(reverse("watermark_svg"))
    assert svg["Content-Type"].startswith("image/svg+xml")
    body = svg.content.decode()
    assert demo.township1.display_name in body and demo.township1.username in body
    assert "no-store" in svg["Cache-Control"]  # drawn at each page view, with its time


def test_print_view_carries_the_watermark(client, demo):
    household = make_household(demo.village_a)
    client.force_login(demo.caseworker_a)
    html = client.get(reverse("households:print", args=[household.pk])).content.decode()
    assert 'class="watermarked"' in html and reverse("watermark_css") in html


def test_watermark_needs_a_signed_in_user(client):
    assert client.get(reverse("watermark_svg")).status_code == 302


def test_downloaded_ledger_has_the_watermark_in_header_and_footer(client, demo):
    make_household(demo.village_a)
    client.force_login(demo.township1)
    ws = open_xlsx(post_ledger(client, demo.township1.jurisdiction, kind="visits")).active
    for part in (ws.oddHeader.center.text, ws.oddFooter.center.text):
        assert demo.township1.display_name in part and demo.township1.username in part


def test_export_masks_without_a_purpose_and_records_the_purpose(client, demo):
    household = make_household(demo.village_a)
    from households import services
    from households.models import FocusReason, TargetKind
    services.roster_enter(actor=demo.caseworker_a, household=household, reasons=[FocusReason.ELDERLY_ALONE],
                          target_kind=TargetKind.WARNING)
    number = Member.objects.get(household=household, relation=Relation.HEAD).id_number
    client.force_login(demo.township1)
    _, rows = table(open_xlsx(post_ledger(client, demo.township1.jurisdiction)).active)
    assert rows and all(number not in [str(c) for c in row] for row in rows)
    entry = LogEntry.objects.filter(additional_data__event=AuditEvent.EXPORT).latest("pk")
    assert entry.additional_data["purpose"] == "" and entry.additional_data["personal_data"] is False
    _, rows = table(open_xlsx(post_ledger(client, demo.township1.jurisdiction, purpose="handle_assistance")).active)
    assert any(number in [str(c) for c in row] for row in rows)
    entry = LogEntry.objects.filter(additional_data__event=AuditEvent.EXPORT).latest("pk")
    assert entry.additional_data["purpose"] == "handle_assistance"
    assert entry.additional_data["purpose_label"] == "办理救助" and entry.additional_data["personal_data"] is True


def test_export_purpose_must_come_from_the_list(client, demo):
    client.force_login(demo.township1)
    response = post_ledger(client, demo.township1.jurisdiction, purpose="for fun")
    assert response.status_code == 200 and "请从列表中选择导出用途" in response.content.decode()
    assert not LogEntry.objects.filter(additional_data__event=AuditEvent.EXPORT).exists()


def test_a_role_without_full_data_is_not_asked_a_purpose(client, demo):
    client.force_login(demo.district_official)
    assert "导出完整身份证号的用途" not in client.get(reverse("ledgers:index")).content.decode()
    client.force_login(demo.township1)
    assert "导出完整身份证号的用途" in client.get(reverse("ledgers:index")).content.decode()
