"""A person's name that starts like a spreadsheet formula (= + - @) is refused at every entry point.

One validator (households.validators) on the model fields; the forms, services, imports and the Django
admin all reach it, and each says why in Chinese.
"""
import datetime as dt
import io

import pytest
from django.core.exceptions import ValidationError
from django.test import RequestFactory
from django.urls import reverse
from openpyxl import load_workbook

from households import models as hh
from households.forms import MemberForm
from households.services import member_add
from households.validators import validate_person_name
from imports import services as imports
from referrals.forms import LeadForm
from referrals.models import Lead, LeadChannel
from referrals.services import LeadDraft, ReferralError, lead_create, lead_create_many

from .helpers import FEED_HEADERS, HOUSEHOLD_HEADERS, csv_bytes, family, id_for, upload

pytestmark = pytest.mark.django_db

BAD = ["=1+1", "+86", "-1", "@SUM(A1)", '=HYPERLINK("http://example.invalid/","点我")', " =A1", "\t=A1"]
MESSAGE = "姓名不能以"


def _household(demo):
    household = hh.Household.objects.create(village=demo.village_a, residence_address="华阳路1号")
    member_add(actor=demo.township1, household=household, name="张三", id_number=id_for(1), relation="head")
    return household


@pytest.mark.parametrize("name", BAD)
def test_the_validator_refuses_names_that_start_like_formulas(name):
    with pytest.raises(ValidationError) as exc:
        validate_person_name(name)
    assert MESSAGE in exc.value.messages[0] and "公式" in exc.value.messages[0]


@pytest.mark.parametrize("name", ["张三", "欧阳娜娜", "阿卜杜-热合曼", "李@", "Anne-Marie"])
def test_real_names_pass(name):
    validate_person_name(name)


def test_the_model_fields_carry_the_validator(demo):
    from imports.models import FeedRecord
    from plans.models import TeamMember

    for model, field in ((hh.Member, "name"), (Lead, "reporter_name"), (Lead, "subject_name"),
                         (FeedRecord, "name"), (TeamMember, "name")):
        assert validate_person_name in model._meta.get_field(field).validators, (model, field)
    member = hh.Member(household=_household(demo), name="=1+1", id_number=id_for(3), birth_date=dt.date(1950, 1, 1),
                       sex="M")
    with pytest.raises(ValidationError) as exc:
        member.full_clean(exclude=["household"], validate_unique=False)
    assert MESSAGE in exc.value.message_dict["name"][0]


def test_household_services_and_member_form_refuse_it(demo):
    household = _household(demo)
    with pytest.raises(ValidationError) as exc:
        member_add(actor=demo.township1, household=household, name="@cmd", id_number=id_for(3))
    assert MESSAGE in exc.value.message_dict["name"][0]
    form = MemberForm(data={"name": "+1", "relation": "child", "id_number": id_for(5), "status": "present",
                            "self_care": "full"})
    assert not form.is_valid() and MESSAGE in form.errors["name"][0]
    assert hh.Member.objects.count() == 1


def test_the_lead_form_and_services_refuse_subject_and_reporter_names(demo):
    from relief.models import Jurisdiction

    villages = Jurisdiction.objects.filter(pk=demo.village_a.pk)
    data = {"village": demo.village_a.pk, "channel": LeadChannel.HOTLINE, "reporter_name": "=1+1",
            "subject_name": "-2", "description": "独居老人生活困难", "urgency": "normal"}
    form = LeadForm(data=data, villages=villages)
    assert not form.is_valid()
    assert MESSAGE in form.errors["reporter_name"][0] and MESSAGE in form.errors["subject_name"][0]
    with pytest.raises(ReferralError) as exc:
        lead_create(actor=demo.township1, channel=LeadChannel.HOTLINE, description="困难", village=demo.village_a,
                    subject_name="@王五")
    assert MESSAGE in exc.value.message_dict["subject_name"][0]
    with pytest.raises(ReferralError) as exc:
        lead_create_many(actor=None, leads=[LeadDraft(channel=LeadChannel.HOTLINE, description="困难",
                                                      village_id=demo.village_a.pk, subject_name="王五",
                                                      reporter_name="+李四")])
    assert "第1条线索" in exc.value.message_dict["reporter_name"][0]
    assert Lead.objects.count() == 0


def test_the_lead_page_shows_the_message(client, demo):
    client.force_login(demo.township1)
    response = client.post(reverse("referrals:lead_create"), {
        "village": demo.village_a.pk, "channel": LeadChannel.HOTLINE, "subject_name": "=HYPERLINK(1)",
        "description": "独居老人生活困难", "urgency": "normal"})
    assert response.status_code in (200, 400) and MESSAGE in response.content.decode()
    assert Lead.objects.count() == 0


def test_each_import_kind_refuses_it(demo):
    rows = family(1, 2)
    rows[1]["姓名"] = "=1+1"
    batch = imports.batch_upload(actor=demo.township1, kind="households",
                                 upload=upload(csv_bytes(HOUSEHOLD_HEADERS, rows), "名单.csv"))
    batch = imports.batch_validate(batch_id=batch.pk)
    assert [e[:2] for e in batch.errors] == [[3, "姓名"]] and MESSAGE in batch.errors[0][2]
    feed = [{"姓名": "@SUM(1)", "身份证号": id_for(7)}]
    batch = imports.batch_upload(actor=demo.township1, kind="feed", feed_kind="unemployed",
                                 upload=upload(csv_bytes(FEED_HEADERS, feed), "名单.csv"))
    batch = imports.batch_validate(batch_id=batch.pk)
    assert [e[:2] for e in batch.errors] == [[2, "姓名"]] and MESSAGE in batch.errors[0][2]
    # The roster names no person: its caseworker column is looked up among the township's caseworkers.
    assert hh.Member.objects.count() == 0


def test_the_django_admin_refuses_it(demo):
    from django.contrib.admin.sites import site

    household = _household(demo)
    request = RequestFactory().post("/")
    request.user = demo.admin
    member_admin = site._registry[hh.Member]
    form_class = member_admin.get_form(request, hh.Member.objects.get())
    member = hh.Member.objects.get()
    data = {"household": household.pk, "name": "=cmd|' /C calc'!A0", "relation": "head", "id_number": member.id_number,
            "birth_date": "1950-01-01", "sex": "M", "status": "present", "self_care": "full"}
    form = form_class(data=data, instance=member)
    assert not form.is_valid() and MESSAGE in form.errors["name"][0]
    inline = next(i for i in site._registry[hh.Household].get_inline_instances(request, household)
                  if i.model is hh.Member)
    formset_class = inline.get_formset(request, household)
    assert "name" in formset_class.form.base_fields
    prefix = formset_class.get_default_prefix()
    formset = formset_class(data={f"{prefix}-TOTAL_FORMS": "1", f"{prefix}-INITIAL_FORMS": "1",
                                  f"{prefix}-0-id": member.pk, f"{prefix}-0-household": household.pk,
                                  f"{prefix}-0-name": "+1", f"{prefix}-0-relation": "head",
                                  f"{prefix}-0-sex": "M", f"{prefix}-0-birth_date": "1950-01-01",
                                  f"{prefix}-0-status": "present"}, instance=household, prefix=prefix)
    assert not formset.is_valid() and MESSAGE in formset.forms[0].errors["name"][0]


def test_the_admin_export_writes_text_never_formulas(demo):
    """Values that look like formulas (an address, a note) are exported as neutralised text cells."""
    from django.contrib.admin.sites import site
    from imports.admin import KeptXLSX
    from imports.resources import HouseholdMemberResource

    household = _household(demo)
    hh.Household.objects.filter(pk=household.pk).update(residence_address='=HYPERLINK("http://example.invalid/")')
    admin = site._registry[hh.Household]
    assert [f for f in admin.get_export_formats()] == [KeptXLSX]
    dataset = HouseholdMemberResource().export(hh.Household.objects.all())
    content = KeptXLSX().export_data(dataset)
    sheet = load_workbook(io.BytesIO(content)).active
    cells = [cell for row in sheet.iter_rows() for cell in row]
    assert any(cell.value == '＝HYPERLINK("http://example.invalid/")' for cell in cells)
    assert not any(cell.data_type == "f" for cell in cells)
