"""Every redirect whose target comes from the request stays on this site (`next` on forms, login, logout)."""
import datetime as dt

import pytest
from django.urls import reverse

from relief.demo import DEMO_PASSWORD
from tests.referrals import helpers as referral_helpers

pytestmark = pytest.mark.django_db

FOREIGN_TARGETS = ["//evil.example/", "https://evil.example/", "/\\evil.example/", "\\\\evil.example",
                   "javascript:alert(1)", "http:evil.example", " //evil.example"]


def _unmatched_lead(demo):
    from imports.models import FeedMatch, FeedRecord, ImportBatch, ImportKind, ImportStatus

    batch = ImportBatch.objects.create(kind=ImportKind.FEED, status=ImportStatus.DONE, jurisdiction=demo.village_a.parent,
                                       created_by=demo.township1, file_name="名单.xlsx", sha256="0" * 64,
                                       feed_kind="unemployed", source_department="社保所")
    return FeedRecord.objects.create(batch=batch, row_number=2, name="王五", id_number="310105198001010013",
                                     match=FeedMatch.UNMATCHED, village=demo.village_a)


def _bulk_accept(client, demo, target):
    referral = referral_helpers.submitted(demo)
    return client.post(reverse("referrals:bulk_accept"), {
        "ids": [referral.pk], "department": "medical_insurance",
        "deadline": (referral_helpers.today() + dt.timedelta(days=7)).isoformat(), "next": target})


def _lead_review(client, demo, target):
    lead = _unmatched_lead(demo)
    return client.post(reverse("imports:lead_review", kwargs={"pk": lead.pk}),
                       {"review_note": "已入户核实", "next": target})


FORMS = {"bulk_accept": (_bulk_accept, "referrals:list"), "lead_review": (_lead_review, "imports:leads")}


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("target", FOREIGN_TARGETS)
def test_a_foreign_next_falls_back_to_the_list(client, demo, form, target):
    post, fallback = FORMS[form]
    client.force_login(demo.township1)
    response = post(client, demo, target)
    assert response.status_code == 302
    assert response["Location"] == reverse(fallback)


@pytest.mark.parametrize("form", FORMS)
def test_a_next_on_this_site_is_followed(client, demo, form):
    post, fallback = FORMS[form]
    client.force_login(demo.township1)
    target = reverse(fallback) + "?page=2"
    assert post(client, demo, target)["Location"] == target


@pytest.mark.parametrize("target", FOREIGN_TARGETS)
def test_login_and_logout_ignore_a_foreign_next(client, demo, target):
    response = client.post(reverse("login"), {"username": "caseworker1", "password": DEMO_PASSWORD, "next": target})
    assert response.status_code == 302 and response["Location"] == reverse("home")
    response = client.post(reverse("logout"), {"next": target})
    assert response.status_code == 302 and response["Location"] == reverse("login")


def test_login_follows_a_next_on_this_site(client, demo):
    response = client.post(reverse("login"), {"username": "caseworker1", "password": DEMO_PASSWORD,
                                              "next": reverse("households:list")})
    assert response["Location"] == reverse("households:list")
