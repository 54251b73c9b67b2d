"""Alerts about no registered family yet (a lead, a hotline work order): they lie in the lead's village, link
to the lead, and obey the same jurisdiction as every other alert."""
import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from alerts import selectors, services
from alerts.models import Alert, AlertKind, AlertStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def lead_alert(demo):
    from referrals import services as referral_services
    from referrals.models import LeadChannel

    lead = referral_services.lead_create(actor=demo.township1, channel=LeadChannel.HOTLINE, village=demo.village_a,
                                         subject_name="无名老人", description="桥洞下露宿")
    alert, created = services.alert_open(kind=AlertKind.STEP_OVERDUE, household=None, village=demo.village_a,
                                         reason="线索登记后未按时村级研究", dedupe_key=f"t:{lead.pk}",
                                         source_ref=f"lead:{lead.pk}")
    assert created
    return lead, alert


def test_an_alert_must_lie_somewhere(demo):
    with pytest.raises(ValidationError) as exc:
        services.alert_open(kind=AlertKind.OTHER, household=None, reason="x", dedupe_key="nowhere")
    assert "须关联家庭" in exc.value.messages[0]
    assert not Alert.objects.exists()


def test_the_inbox_links_it_to_its_lead_for_the_village_only(client, demo, lead_alert):
    lead, alert = lead_alert
    client.force_login(demo.caseworker_a)
    listing = client.get(reverse("alerts:list")).content.decode()
    lead_url = reverse("referrals:lead_detail", args=[lead.pk])
    assert "尚未关联家庭" in listing and f'href="{lead_url}"' in listing
    assert selectors.unhandled_alert_count(demo.caseworker_a) == alert.__class__.objects.within(
        [demo.village_a.pk]).unhandled().count()
    detail = client.get(reverse("alerts:detail", args=[alert.pk])).content.decode()
    assert f"办理线索{lead.pk}" in detail and "visits/" not in detail.split("关闭预警")[0].split("预警原因")[1]
    assert client.post(reverse("alerts:close", args=[alert.pk]), {"note": "已上门核实"}).status_code == 302
    alert.refresh_from_db()
    assert alert.status == AlertStatus.CLOSED and alert.closed_by == demo.caseworker_a

    for outsider in (demo.caseworker_b, demo.township2):
        client.force_login(outsider)
        assert client.get(reverse("alerts:detail", args=[alert.pk])).status_code == 404
        assert f'href="{lead_url}"' not in client.get(reverse("alerts:list") + "?status=closed").content.decode()


def test_village_filter_counts_and_worklist_include_it(client, demo, lead_alert):
    _lead, alert = lead_alert
    counts = selectors.alert_counts(demo.township1, village=demo.village_a)
    assert counts["open"] == selectors.alerts_for(demo.township1, status="open", village=demo.village_a).count()
    assert alert in selectors.alerts_for(demo.township1, village=demo.village_a)
    assert alert not in selectors.alerts_for(demo.township1, village=demo.village_b)
    client.force_login(demo.caseworker_a)
    worklist = client.get(reverse("visits:worklist")).content.decode()
    assert reverse("alerts:detail", args=[alert.pk]) in worklist and "尚未关联家庭" in worklist
