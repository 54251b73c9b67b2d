"""The demo district shows alerts about no registered family yet, and alerts that link to their letter."""
import pytest
from django.urls import reverse

from alerts.models import Alert, AlertKind


@pytest.mark.django_db
def test_demo_has_an_alert_about_a_lead_with_no_household(full_demo, client):
    about_lead = Alert.objects.filter(household__isnull=True, kind=AlertKind.STEP_OVERDUE,
                                      source_ref__startswith="lead:").select_related("village").first()
    assert about_lead is not None, "a late lead about no registered family is alerted in the demo"
    township = next(u for u in full_demo.users.values()
                    if u.role == "township" and u.jurisdiction_id == about_lead.village.parent_id)
    client.force_login(township)
    listing = client.get(reverse("alerts:list") + f"?village={about_lead.village_id}").content.decode()
    lead_url = reverse("referrals:lead_detail", args=[int(about_lead.source_ref.split(":")[1])])
    assert "尚未关联家庭" in listing and f'href="{lead_url}"' in listing
    letter = Alert.objects.filter(kind=AlertKind.LETTER_OVERDUE).first()
    assert letter is not None
    client.force_login(next(u for u in full_demo.users.values()
                            if u.role == "township" and u.jurisdiction_id == letter.household.village.parent_id))
    detail = client.get(reverse("alerts:detail", args=[letter.pk])).content.decode()
    assert reverse("referrals:letter_detail", args=[int(letter.source_ref.split(":")[1])]) in detail
