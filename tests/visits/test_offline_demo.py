"""The demo caseworker's 下载今日走访 on the demo district as `make run` loads it (issue 17)."""
import json

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_the_demo_caseworker_downloads_the_day_within_the_limits(client, full_demo, django_assert_max_num_queries):
    client.force_login(full_demo.users["caseworker1"])
    assert "下载今日走访" in client.get(reverse("visits:worklist")).content.decode()
    with django_assert_max_num_queries(25):
        response = client.get(reverse("visits:offline_download"))
    package = json.loads(response.content)
    assert package["count"] > 0 and package["count"] <= package["limits"]["households"]
    assert len(response.content) <= package["limits"]["bytes"]
    # Every kind of row the offline page draws is in the demo: overdue, due, not seen, with members and visits.
    reasons = {r for h in package["households"] for r in h["reasons"]}
    assert {"overdue", "not_seen"} <= reasons
    assert any(h["visits"] for h in package["households"]) and all(h["members"] for h in package["households"])
    print(f"offline package caseworker1: {package['count']} of {package['total']} households, {len(response.content)} bytes")
