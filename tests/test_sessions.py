"""Sessions come from the cache and survive its going away (relief/sessions.py)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse

from relief.models import Jurisdiction, JurisdictionLevel, Role

# A Redis nobody listens on: what the app meets when Redis has gone away.
AWAY = {
    "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:1/0",
                "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2}},
}


@pytest.fixture
def township_staff(db, make_staff):
    district = Jurisdiction.objects.create(level=JurisdictionLevel.DISTRICT, code="990100000000", name="测试区")
    township = Jurisdiction.objects.create(level=JurisdictionLevel.TOWNSHIP, code="990101000000", name="测试镇",
                                           parent=district)
    return make_staff(Role.TOWNSHIP, township)


def _session_reads(client, url):
    with CaptureQueriesContext(connection) as page:
        response = client.get(url)
    return response, [q["sql"] for q in page.captured_queries if 'FROM "django_session"' in q["sql"]]


def test_a_signed_in_page_reads_no_session_row_once_cached(client, township_staff):
    client.force_login(township_staff)
    home = reverse("home")
    client.get(home)
    response, reads = _session_reads(client, home)
    assert response.status_code == 200
    assert reads == []


def test_logging_out_ends_the_cached_session(client, township_staff):
    client.force_login(township_staff)
    cookie = client.cookies["sessionid"].value
    assert client.get(reverse("home")).status_code == 200
    client.post(reverse("logout"))
    client.cookies["sessionid"] = cookie  # the old cookie, replayed
    response = client.get(reverse("home"))
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_pages_work_from_the_database_when_the_cache_is_away(client, township_staff):
    client.force_login(township_staff)
    cookie = client.cookies["sessionid"].value
    with override_settings(CACHES=AWAY):
        response, reads = _session_reads(client, reverse("home"))
        assert response.status_code == 200
        assert len(reads) == 1, "the session comes from its database row"
        assert response.context["user"] == township_staff
        assert client.post(reverse("logout")).status_code == 302
        client.cookies["sessionid"] = cookie  # the old cookie, replayed while the cache is still away
        response = client.get(reverse("home"))
        assert response.status_code == 302, "the database row decides: the session has ended"


def test_a_cached_session_lapses_within_the_bound(settings):
    from relief.sessions import _cache_seconds

    settings.SESSION_CACHE_SECONDS = 300
    assert _cache_seconds(8 * 3600) == 300
    assert _cache_seconds(120) == 120, "never longer than the session itself"
    assert _cache_seconds(-5) == 0
