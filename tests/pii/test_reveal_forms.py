"""Edit forms that hold full personal data (a member's ID number, a household's phone) show it masked; a reveal
with a reason (relief/reveal.py, audited) shows it in full to see and edit; a masked value never overwrites the
stored one; the rest of the form is edited either way."""
import pytest
from auditlog.models import LogEntry
from django.urls import reverse

from households.models import Household, Member
from referrals import services as referral_services
from relief.audit import AuditEvent
from tests.households.factories import make_household

pytestmark = pytest.mark.django_db

HOUSEHOLD_POST = {
    "residence_address": "安化路100弄2号301室", "hukou_address": "", "hukou_type": "urban", "per_capita_income": "1200",
    "medical_expense": "0", "education_expense": "0", "other_expense": "0", "housing": "owned",
}


def _views(obj):
    return LogEntry.objects.filter(additional_data__event=AuditEvent.VIEW_PERSONAL_DATA, object_pk=str(obj.pk),
                                   content_type__model=obj._meta.model_name)


def _member_post(member, **extra):
    return {"name": member.name, "relation": member.relation, "self_care": "full", **extra}


def test_member_form_is_masked_and_saves_without_touching_the_id_number(client, demo):
    household = make_household(demo.village_a)
    member = household.members.get()
    number, born = member.id_number, member.birth_date
    url = reverse("households:member_edit", args=[household.pk, member.pk])
    client.force_login(demo.caseworker_a)
    html = client.get(url).content.decode()
    assert number not in html and member.masked_id_number in html
    assert born.isoformat() not in html  # nor the birth date, the number's hidden middle
    assert 'name="id_number"' not in html and 'data-testid="reveal-form"' in html
    assert not _views(member).exists()
    # The masked number posted back (or anything posted in its place) is not the form's to write.
    response = client.post(url, _member_post(member, name="改名后", id_number=member.masked_id_number,
                                             birth_date="2000-01-01"))
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.name == "改名后" and member.id_number == number and member.birth_date == born


def test_member_form_revealed_with_a_reason_edits_the_id_number(client, demo):
    from tests.imports.helpers import make_id

    household = make_household(demo.village_a)
    member = household.members.get()
    url = reverse("households:member_edit", args=[household.pk, member.pk])
    client.force_login(demo.caseworker_a)
    response = client.post(url, {"reveal": "1", "reason": "curious"})
    assert response.status_code == 400 and member.id_number not in response.content.decode()
    assert not _views(member).exists()
    html = client.post(url, {"reveal": "1", "reason": "verify_identity"}).content.decode()
    assert f'value="{member.id_number}"' in html and 'name="revealed" value="1"' in html and "原因：核对身份" in html
    entry = _views(member).get()
    assert entry.actor == demo.caseworker_a and entry.additional_data["page"] == "member_edit"
    assert entry.additional_data["reason"] == "verify_identity"
    new_number = make_id(77, birth="19600203")
    response = client.post(url, _member_post(member, id_number=new_number, revealed="1"))
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.id_number == new_number and member.birth_date.isoformat() == "1960-02-03"
    # An error in the full form keeps it full (the user's own input), and the next visit is masked again.
    response = client.post(url, _member_post(member, name="", id_number=new_number, revealed="1"))
    assert response.status_code == 200 and 'name="revealed" value="1"' in response.content.decode()
    assert new_number not in client.get(url).content.decode()


def test_household_form_masks_the_phone_and_keeps_it_unless_revealed(client, demo):
    household = make_household(demo.village_a)
    Household.objects.filter(pk=household.pk).update(phone="13912345678")
    household.refresh_from_db()
    url = reverse("households:edit", args=[household.pk])
    client.force_login(demo.township1)
    html = client.get(url).content.decode()
    assert "13912345678" not in html and "139****5678" in html and 'name="phone"' not in html
    data = {**HOUSEHOLD_POST, "village": demo.village_a.pk, "version": household.version}
    assert client.post(url, {**data, "phone": "139****5678", "per_capita_income": "900"}).status_code == 302
    household.refresh_from_db()
    assert household.phone == "13912345678" and household.per_capita_income == 900
    html = client.post(url, {"reveal": "1", "reason": "home_visit"}).content.decode()
    assert 'value="13912345678"' in html
    assert _views(household).get().additional_data["fields"] == ["phone"]
    data["version"] = household.version
    assert client.post(url, {**data, "phone": "13800000000", "revealed": "1"}).status_code == 302
    household.refresh_from_db()
    assert household.phone == "13800000000"


def test_an_editor_who_may_not_see_full_data_gets_the_masked_form_and_no_reveal(rf):
    """No role holds EDIT_HOUSEHOLDS without VIEW_PERSONAL_DATA today; the rule is edit_reveal's, so it is checked
    there: the form stays masked, and a reveal or a 'revealed' POST is refused."""
    from django.core.exceptions import PermissionDenied

    from relief.reveal import edit_reveal

    reveal = edit_reveal(rf.get("/"), may_reveal=False)
    assert not reveal.full and not reveal.revealing
    reveal = edit_reveal(rf.post("/", {"name": "x"}), may_reveal=False)
    assert not reveal.full
    for data in ({"reveal": "1", "reason": "verify_identity"}, {"revealed": "1", "name": "x"}):
        with pytest.raises(PermissionDenied):
            edit_reveal(rf.post("/", data), may_reveal=False)


def test_reveal_on_forms_and_leads_outside_the_jurisdiction_is_404(client, demo):
    other = make_household(demo.village_c)
    member = other.members.get()
    lead = referral_services.lead_create(actor=demo.township2, channel="hotline", village=demo.village_c,
                                         subject_name="外", reporter_contact="13812345678", description="外村")
    client.force_login(demo.caseworker_a)
    for url in (reverse("households:member_edit", args=[other.pk, member.pk]),
                reverse("households:edit", args=[other.pk]), reverse("referrals:lead_detail", args=[lead.pk])):
        assert client.post(url, {"reveal": "1", "reason": "verify_identity"}).status_code == 404, url
    assert not LogEntry.objects.filter(additional_data__event=AuditEvent.VIEW_PERSONAL_DATA).exists()


def test_the_unregistered_people_of_department_lists_show_phones_masked(client, demo):
    from imports.models import FeedMatch, FeedRecord, ImportBatch, ImportKind, ImportStatus

    batch = ImportBatch.objects.create(kind=ImportKind.FEED, jurisdiction=demo.township1.jurisdiction,
                                       created_by=demo.township1, status=ImportStatus.DONE, file_name="x.xlsx",
                                       sha256="0" * 64, feed_kind="medical_self_pay", source_department="医保局")
    FeedRecord.objects.create(batch=batch, row_number=2, name="无名", id_number="310105195001010013",
                              phone="13912345678", match=FeedMatch.UNMATCHED)
    client.force_login(demo.township1)
    html = client.get(reverse("imports:leads")).content.decode()
    assert "无名" in html and "13912345678" not in html and "139****5678" in html
