"""Full personal data is masked by default even to roles that may see it; a reveal takes a reason, audited."""
import pytest
from auditlog.models import LogEntry
from django.urls import reverse

from households import services
from relief.audit import AuditEvent
from tests.households.factories import make_household

pytestmark = pytest.mark.django_db


def _views(household):
    return LogEntry.objects.filter(additional_data__event=AuditEvent.VIEW_PERSONAL_DATA, object_pk=str(household.pk))




def test_masked_by_default_and_no_audit_until_a_reason_is_given(client, demo):
    household = make_household(demo.village_a)
    number = household.members.get().id_number
    client.force_login(demo.caseworker_a)
    html = client.get(reverse("households:detail", args=[household.pk])).content.decode()
    assert number not in html and f"{number[:6]}********{number[-4:]}" in html
    assert "核对身份" in html and "办理救助" in html  # the short list of reasons
    assert not _views(household).exists()


def test_reason_required_for_reveal(client, demo):
    household = make_household(demo.village_a)
    number = household.members.get().id_number
    client.force_login(demo.caseworker_a)
    for data in ({}, {"reason": "curiosity"}):
        response = client.post(reverse("households:detail", args=[household.pk]), data)
        html = response.content.decode()
        assert response.status_code == 400
        assert number not in html
        assert "请选择查看完整信息的原因" in html or "请从列表中选择查看原因" in html
    assert not _views(household).exists()


def test_reveal_shows_full_data_once_and_records_the_reason(client, demo):
    household = make_household(demo.village_a)
    number = household.members.get().id_number
    client.force_login(demo.township1)
    html = client.post(reverse("households:detail", args=[household.pk]), {"reason": "verify_identity"}).content.decode()
    assert number in html and "原因：核对身份" in html
    entry = _views(household).get()
    assert entry.actor == demo.township1
    assert entry.additional_data["reason"] == "verify_identity" and entry.additional_data["reason_label"] == "核对身份"
    # The reveal lasts for that page view: the next one is masked again.
    assert number not in client.get(reverse("households:detail", args=[household.pk])).content.decode()


def test_phone_masked_until_revealed(client, demo):
    household = make_household(demo.village_a)
    type(household).objects.filter(pk=household.pk).update(phone="13912345678")
    client.force_login(demo.caseworker_a)
    html = client.get(reverse("households:detail", args=[household.pk])).content.decode()
    assert "13912345678" not in html and "139****5678" in html
    html = client.post(reverse("households:detail", args=[household.pk]), {"reason": "home_visit"}).content.decode()
    assert "13912345678" in html


def test_a_role_that_may_not_see_full_data_cannot_reveal_it(client, demo):
    household = make_household(demo.village_a)
    number = household.members.get().id_number
    client.force_login(demo.district_official)
    html = client.get(reverse("households:detail", args=[household.pk])).content.decode()
    assert 'data-testid="reveal-form"' not in html
    response = client.post(reverse("households:detail", args=[household.pk]), {"reason": "verify_identity"})
    assert response.status_code == 403 and number not in response.content.decode()
    assert not _views(household).exists()


def test_reveal_outside_the_jurisdiction_is_404(client, demo):
    other = make_household(demo.village_c)
    client.force_login(demo.caseworker_a)
    assert client.post(reverse("households:detail", args=[other.pk]), {"reason": "verify_identity"}).status_code == 404
