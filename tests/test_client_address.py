"""The client's address behind a proxy: read from the hops our proxy added, never from what the client sent.

Behind one nginx (PROXY_COUNT=1) REMOTE_ADDR is nginx and the last X-Forwarded-For entry is the address
nginx saw; anything to its left is the client's own header.
"""
import pytest
from auditlog.models import LogEntry
from django.http import HttpResponse
from django.test import Client, RequestFactory
from django.urls import reverse

from relief.demo import DEMO_PASSWORD
from relief.http import client_address

pytestmark = pytest.mark.django_db

NGINX = "127.0.0.1"


def through_proxy(real_address, sent_by_client=None):
    """The headers nginx's `proxy_add_x_forwarded_for` hands the app for a client at `real_address`."""
    chain = f"{sent_by_client}, {real_address}" if sent_by_client else real_address
    return {"REMOTE_ADDR": NGINX, "HTTP_X_FORWARDED_FOR": chain}


@pytest.mark.parametrize("proxies,meta,expected", [
    (0, {"REMOTE_ADDR": "10.1.2.3", "HTTP_X_FORWARDED_FOR": "6.6.6.6"}, "10.1.2.3"),
    (1, through_proxy("10.1.2.3"), "10.1.2.3"),
    (1, through_proxy("10.1.2.3", sent_by_client="6.6.6.6"), "10.1.2.3"),
    (1, through_proxy("10.1.2.3", sent_by_client="not-an-address, 8.8.8.8"), "10.1.2.3"),
    (1, {"REMOTE_ADDR": NGINX}, NGINX),  # straight to the app, not through nginx (a health check)
    (2, {"REMOTE_ADDR": "10.9.0.2", "HTTP_X_FORWARDED_FOR": "6.6.6.6, 203.0.113.7, 10.9.0.1"}, "203.0.113.7"),
    (1, {"REMOTE_ADDR": NGINX, "HTTP_X_FORWARDED_FOR": "2001:db8::7"}, "2001:db8::7"),
])
def test_client_address_counts_proxies_from_the_right(settings, proxies, meta, expected):
    settings.RELIEF_PROXY_COUNT = proxies
    assert client_address(RequestFactory().get("/", **meta)) == expected


def test_a_forged_forwarded_for_does_not_reach_the_audit_log(client, settings, demo):
    settings.RELIEF_PROXY_COUNT = 1
    client.post(reverse("login"), {"username": "caseworker1", "password": DEMO_PASSWORD},
                **through_proxy("10.1.2.3", sent_by_client="6.6.6.6"))
    login = LogEntry.objects.get(additional_data__event="login")
    assert login.remote_addr == "10.1.2.3"
    # Model changes logged by django-auditlog's middleware read the address the same way.
    from relief.middleware import AuditlogMiddleware

    def rename(request):
        demo.caseworker_a.first_name = "新名"
        demo.caseworker_a.save()
        return HttpResponse()

    request = RequestFactory().post("/", **through_proxy("10.1.2.3", sent_by_client="6.6.6.6"))
    request.user = demo.township1
    AuditlogMiddleware(rename)(request)
    change = LogEntry.objects.get_for_object(demo.caseworker_a).filter(action=LogEntry.Action.UPDATE).latest("pk")
    assert change.remote_addr == "10.1.2.3" and change.actor == demo.township1

def test_behind_the_proxy_a_lock_holds_the_failing_address_only(settings, demo):
    """Five wrong passwords from one office lock that office out, not a colleague elsewhere behind nginx."""
    settings.RELIEF_PROXY_COUNT = 1
    attacker, colleague = Client(), Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        attacker.post(reverse("login"), {"username": "caseworker2", "password": "wrong"},
                      **through_proxy("10.7.0.5"))
    locked = attacker.post(reverse("login"), {"username": "caseworker2", "password": DEMO_PASSWORD},
                           **through_proxy("10.7.0.5"))
    assert locked.status_code == 429
    # Claiming the colleague's address in a header of one's own does not lift the lock.
    forged = attacker.post(reverse("login"), {"username": "caseworker2", "password": DEMO_PASSWORD},
                           **through_proxy("10.7.0.5", sent_by_client="10.8.0.9"))
    assert forged.status_code == 429
    allowed = colleague.post(reverse("login"), {"username": "caseworker2", "password": DEMO_PASSWORD},
                             **through_proxy("10.8.0.9"))
    assert allowed.status_code == 302
