"""离线走访 (issue 17): the download package and the way back (visits/offline.py, views_offline.py)."""
import datetime as dt
import io
import json
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from PIL import Image

from households.services import household_update
from tests.visits.factories import make_roster, post_data
from visits.models import Visit
from tests.queries import app_queries

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "private"


def jpeg(name="p.jpg"):
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (10, 200, 30)).save(buffer, "JPEG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def download(client, **params):
    response = client.get(reverse("visits:offline_download"), params)
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"].startswith("application/json")
    assert "no-store" in response["Cache-Control"]
    return json.loads(response.content)


def test_the_package_holds_the_worklist_of_the_caseworker_only(client, demo):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    mine = [make_roster(demo.village_a, entered_on=dt.date(2024, 1, 1), head_name="陈秀珍") for _ in range(3)]
    other = make_roster(demo.village_c, entered_on=dt.date(2024, 1, 1))
    client.force_login(demo.caseworker_a)
    with CaptureQueriesContext(connection) as done:
        package = download(client)
    # The package's own reads; without Redis (SQLite runs) the cache and the session are tables too.
    assert len(app_queries(done.captured_queries)) <= 20
    ids = [h["id"] for h in package["households"]]
    assert sorted(ids) == sorted(h.pk for h in mine) and other.pk not in ids
    row = package["households"][0]
    assert row["reasons"][0] == "overdue" and row["head"] == "陈秀珍"
    # Members as a list would show them, the ID number masked: the phone may be lost.
    assert "*" in row["members"][0]["id_number"]
    assert package["user"] == demo.caseworker_a.pk and package["count"] == 3 and not package["truncated"]
    # The size shown is the size sent (but for the figure itself).
    assert abs(package["bytes"] - len(client.get(reverse("visits:offline_download")).content)) < 32
    assert {"method", "kind", "needs", "food"} <= set(package["form"]["fields"])
    assert [u[0] for u in row["visitors"]].count(demo.caseworker_a.pk) == 1


def test_pins_are_kept_within_the_jurisdiction(client, demo):
    unwatched = make_roster(demo.village_a)
    # A household not on the worklist (no roster, no observation) comes along when pinned.
    from tests.households.factories import make_household

    loose = make_household(demo.village_a)
    outside = make_household(demo.village_c)
    client.force_login(demo.caseworker_a)
    package = download(client, pin=[loose.pk, outside.pk])
    ids = [h["id"] for h in package["households"]]
    assert loose.pk in ids and unwatched.pk in ids and outside.pk not in ids
    assert next(h for h in package["households"] if h["id"] == loose.pk)["reasons"] == ["pinned"]


def test_the_package_is_bounded_by_households_and_bytes(client, demo, settings):
    for _ in range(4):
        make_roster(demo.village_a)
    client.force_login(demo.caseworker_a)
    settings.RELIEF_OFFLINE_MAX_HOUSEHOLDS = 2
    package = download(client)
    assert package["count"] == 2 and package["total"] == 4 and package["truncated"]
    settings.RELIEF_OFFLINE_MAX_HOUSEHOLDS = 100
    settings.RELIEF_OFFLINE_MAX_BYTES = 5000
    body = client.get(reverse("visits:offline_download")).content
    package = json.loads(body)
    assert len(body) <= 5000 and package["truncated"] and package["count"] < 4


def test_who_may_download(client, demo):
    response = client.get(reverse("visits:offline_download"))
    assert response.status_code == 302 and "/login/" in response["Location"]
    client.force_login(demo.district_official)
    assert client.get(reverse("visits:offline_download")).status_code == 403


def form_of(household, **overrides):
    return {**post_data(household, **overrides), "household": str(household.pk)}


def sync(client, household, **overrides):
    data = form_of(household, **overrides)
    return client.post(reverse("visits:offline_sync"), data)


def test_a_synced_visit_is_stored_once_whatever_the_resends(client, demo):
    household = make_roster(demo.village_a)
    client.force_login(demo.caseworker_a)
    key = str(uuid.uuid4())
    first = sync(client, household, submission_key=key, photos=jpeg())
    assert first.status_code == 201 and first.json()["status"] == "stored"
    visit = Visit.objects.get(household=household)
    assert str(visit.idempotency_key) == key and visit.photos.count() == 1
    again = sync(client, household, submission_key=key, photos=jpeg())
    assert again.status_code == 200 and again.json()["status"] == "duplicate"
    # Even after the household moved away, a resend of what was stored is harmless (not refused).
    household_update(actor=demo.township1, household=household, version=household.version, village=demo.village_b)
    assert sync(client, household, submission_key=key).json()["status"] == "duplicate"
    assert Visit.objects.filter(household=household).count() == 1


def test_a_household_moved_to_another_village_is_refused_with_the_reason(client, demo):
    household = make_roster(demo.village_a)
    household_update(actor=demo.township1, household=household, version=household.version, village=demo.village_b)
    client.force_login(demo.caseworker_a)
    response = sync(client, household)
    assert response.status_code == 422
    answer = response.json()
    assert answer["status"] == "refused" and "已不在您负责的村/社区" in answer["errors"][0]["message"]
    assert not Visit.objects.filter(household=household).exists()


def test_the_three_donts_and_the_photo_checks_refuse_as_online(client, demo):
    household = make_roster(demo.village_a)
    client.force_login(demo.caseworker_a)
    not_seen = sync(client, household, person_seen=None, situation_clear=None, not_seen_reason="")
    assert not_seen.status_code == 422
    fields = {e["field"] for e in not_seen.json()["errors"]}
    assert "not_seen_reason" in fields
    bad_photo = sync(client, household, photos=SimpleUploadedFile("x.jpg", b"not an image", content_type="image/jpeg"))
    assert bad_photo.status_code == 422
    assert any("不是有效的图片" in e["message"] for e in bad_photo.json()["errors"])
    assert not Visit.objects.exists()


def test_a_household_of_another_township_is_refused(client, demo):
    household = make_roster(demo.village_c)
    client.force_login(demo.caseworker_a)
    assert sync(client, household).status_code == 422
    client.force_login(demo.township1)
    assert sync(client, household).status_code == 422
    assert not Visit.objects.exists()


def test_sync_needs_a_session_and_the_csrf_token(demo):
    household = make_roster(demo.village_a)
    anonymous = Client(enforce_csrf_checks=True)
    response = anonymous.post(reverse("visits:offline_sync"), form_of(household))
    assert response.status_code in (302, 403)
    signed_in = Client(enforce_csrf_checks=True)
    signed_in.force_login(demo.caseworker_a)
    refused = signed_in.post(reverse("visits:offline_sync"), form_of(household))
    assert refused.status_code == 403
    token = signed_in.get(reverse("visits:offline_session")).json()["csrf"]
    accepted = signed_in.post(reverse("visits:offline_sync"), form_of(household),
                              HTTP_X_CSRFTOKEN=token)
    assert accepted.status_code == 201
    assert Visit.objects.count() == 1


def test_a_phone_number_changed_offline_never_overwrites_a_later_save(client, demo):
    household = make_roster(demo.village_a, phone="13800000000")
    read_at = household.version
    client.force_login(demo.caseworker_a)
    # Someone saves in between.
    household_update(actor=demo.township1, household=household, version=read_at, phone="13911111111")
    response = client.post(reverse("visits:offline_change"),
                           {"household": household.pk, "version": read_at, "phone": "13722222222"})
    assert response.status_code == 409
    answer = response.json()
    assert answer["status"] == "conflict" and answer["current"]["phone"] == "13911111111"
    household.refresh_from_db()
    assert household.phone == "13911111111"
    ok = client.post(reverse("visits:offline_change"),
                     {"household": household.pk, "version": answer["current"]["version"], "phone": "13722222222"})
    assert ok.status_code == 201
    household.refresh_from_db()
    assert household.phone == "13722222222"


def test_only_the_phone_may_change_offline(client, demo):
    household = make_roster(demo.village_a)
    client.force_login(demo.caseworker_a)
    response = client.post(reverse("visits:offline_change"), {"household": household.pk, "version": household.version})
    assert response.status_code == 422


def test_the_service_worker_may_control_the_whole_site(client, demo):
    client.force_login(demo.caseworker_a)
    response = client.get(reverse("visits:offline_sw"))
    assert response.status_code == 200
    assert response["Service-Worker-Allowed"] == "/"
    assert response["Content-Type"].startswith("text/javascript")
    body = response.content.decode()
    assert "/static/js/offline.js" in body and "__VERSION__" not in body
    # The offline page carries no personal data, no user name and no CSRF token (the worker keeps it).
    shell = client.get(reverse("visits:offline_shell")).content.decode()
    assert demo.caseworker_a.display_name not in shell and "csrfmiddlewaretoken" not in shell
