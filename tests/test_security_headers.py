"""Headers of every response: the Content-Security-Policy, and no caching of what a signed-in user sees."""
import datetime as dt
import io
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from imports.models import ImportBatch
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from tests.imports.helpers import HOUSEHOLD_HEADERS, family, upload, xlsx_bytes
from tests.visits.factories import make_roster, visit_data
from visits.services import visit_log

pytestmark = pytest.mark.django_db


def directives(response) -> dict:
    header = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in header.split(";") if part.strip()}


def test_pages_allow_scripts_and_styles_from_the_app_only(client, demo):
    for response in (client.get(reverse("login")), _signed_in(client, demo.township1).get(reverse("home"))):
        policy = directives(response)
        assert policy["default-src"] == ["'self'"]
        assert policy["script-src"] == ["'self'"] and policy["style-src"] == ["'self'"]
        assert policy["object-src"] == ["'none'"] and policy["frame-ancestors"] == ["'none'"]
        assert policy["base-uri"] == ["'self'"] and policy["form-action"] == ["'self'"]


def test_the_admin_alone_may_run_the_inline_scripts_of_its_packages(client, demo):
    client.force_login(demo.admin)
    policy = directives(client.get("/admin/households/household/export/"))
    assert "'unsafe-inline'" in policy["script-src"] and policy["frame-ancestors"] == ["'none'"]
    assert "'unsafe-inline'" not in directives(client.get(reverse("home")))["script-src"]


INLINE = [
    (re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I), "an inline <script>"),
    (re.compile(r"<style", re.I), "a <style> element"),
    (re.compile(r"\sstyle=", re.I), "a style attribute"),
    (re.compile(r"\son[a-z]+=", re.I), "an on… handler"),
    (re.compile(r"javascript:", re.I), "a javascript: link"),
]


def test_no_template_of_the_app_writes_inline_scripts_or_styles():
    """What the policy would refuse in the browser is refused here first (the admin's overrides excepted)."""
    base = Path(settings.BASE_DIR)
    found = []
    for path in sorted(base.glob("templates/**/*.html")) + sorted(base.glob("*/templates/**/*.html")):
        if "admin" in path.relative_to(base).parts:
            continue
        text = path.read_text()
        for pattern, what in INLINE:
            if pattern.search(text):
                found.append(f"{path.relative_to(base)}: {what}")
    assert not found, "\n".join(found)


def _signed_in(client, user):
    client.force_login(user)
    return client


def no_store(response) -> bool:
    return "no-store" in response.get("Cache-Control", "")


def jpeg():
    buffer = io.BytesIO()
    Image.new("RGB", (20, 20), (10, 200, 30)).save(buffer, "JPEG")
    return SimpleUploadedFile("p.jpg", buffer.getvalue(), content_type="image/jpeg")


def test_signed_in_pages_and_downloads_are_never_stored(client, demo, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "private"
    caseworker = _signed_in(client, demo.caseworker_a)
    household = make_roster(demo.village_a)
    assert no_store(caseworker.get(reverse("home")))
    assert no_store(caseworker.get(reverse("households:detail", args=[household.pk])))
    visit, _ = visit_log(actor=demo.caseworker_a, household=household, data=visit_data(dt.date(2024, 3, 5)),
                         photos=[jpeg()])
    photo = caseworker.get(reverse("visits:photo", args=[visit.photos.get().pk]))
    assert photo.status_code == 200 and no_store(photo)

    township = _signed_in(client, demo.township1)
    month = f"{timezone.localdate():%Y-%m}"
    ledger = township.post(reverse("ledgers:export"), {"kind": "roster", "jurisdiction": demo.township1.jurisdiction.pk,
                                                      "month_from": month, "month_to": month})
    assert ledger["Content-Type"].startswith("application/vnd.openxmlformats") and no_store(ledger)
    rows = family(1, 2)
    rows[1]["身份证号"] = "123"
    township.post(reverse("imports:index"), {"kind": "households", "file": upload(xlsx_bytes(HOUSEHOLD_HEADERS, rows))})
    report = township.get(reverse("imports:error_report", kwargs={"pk": ImportBatch.objects.get().pk}))
    assert report.status_code == 200 and no_store(report)
    # The htmx fragments of a page are responses like the others.
    assert no_store(township.get(reverse("imports:detail", kwargs={"pk": ImportBatch.objects.get().pk}),
                                 HTTP_HX_REQUEST="true"))

