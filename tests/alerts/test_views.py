"""The alert inbox: badge, filters within the jurisdiction, acknowledge and close."""
import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from alerts.models import AlertKind, AlertStatus
from alerts.services import alert_open
from tests.visits.factories import make_roster
from visits.jobs import overdue_scan

pytestmark = pytest.mark.django_db
D = dt.date


def test_alert_inbox_badge_acknowledge_and_close(client, demo, django_assert_max_num_queries):
    household = make_roster(demo.village_a)
    alert, _ = alert_open(kind=AlertKind.STATUS_CHANGE, household=household, reason="家庭成员死亡",
                          dedupe_key="e1")
    alert_open(kind=AlertKind.STATUS_CHANGE, household=make_roster(demo.village_c), reason="外村", dedupe_key="e2")
    client.force_login(demo.caseworker_a)
    # The first page a user opens also computes and stores the figures every page shows (relief/figure_cache.py).
    client.get(reverse("alerts:list"))
    with django_assert_max_num_queries(14):
        inbox = client.get(reverse("alerts:list"))
    html = inbox.content.decode()
    assert "家庭成员死亡" in html and "外村" not in html
    assert '<span class="badge">1</span>' in html
    client.post(reverse("alerts:acknowledge", args=[alert.pk]))
    alert.refresh_from_db()
    assert alert.status == AlertStatus.ACKNOWLEDGED
    bad = client.post(reverse("alerts:close", args=[alert.pk]), {"note": ""})
    assert bad.status_code == 400 and "关闭预警时请写明处理情况。" in bad.content.decode()
    client.post(reverse("alerts:close", args=[alert.pk]), {"note": "已慰问，协助办理丧葬补助"})
    alert.refresh_from_db()
    assert alert.status == AlertStatus.CLOSED and alert.close_note == "已慰问，协助办理丧葬补助"
    client.force_login(demo.township1)
    assert "家庭成员死亡" in client.get(reverse("alerts:list") + "?status=all").content.decode()


def test_alert_inbox_filters_by_village_within_the_jurisdiction(client, demo, django_assert_max_num_queries):
    """?village=<pk>&kind=overdue_visit, as the ledgers dashboard links overdue visits per village."""
    in_a = make_roster(demo.village_a, entered_on=D(2024, 1, 1))
    in_b = make_roster(demo.village_b, entered_on=D(2024, 1, 1))
    in_c = make_roster(demo.village_c, entered_on=D(2024, 1, 1))
    overdue_scan(timezone.localdate())
    alert_open(kind=AlertKind.STATUS_CHANGE, household=in_a, reason="家庭成员失业", dedupe_key="v1")
    url = reverse("alerts:list")
    client.force_login(demo.township1)
    # The first page a user opens also computes and stores the figures every page shows (relief/figure_cache.py).
    client.get(url, {"kind": "overdue_visit", "village": demo.village_a.pk})
    with django_assert_max_num_queries(15):
        response = client.get(url, {"kind": "overdue_visit", "village": demo.village_a.pk})
    assert response.status_code == 200
    assert [a.household_id for a in response.context["page"]] == [in_a.pk]
    assert response.context["counts"] == {"open": 2, "acknowledged": 0, "overdue": 1}
    html = response.content.decode()
    assert f'href="?status=open&amp;village={demo.village_a.pk}"' in html
    assert "家庭成员失业" not in html  # kind kept
    both = client.get(url, {"village": demo.village_b.pk})
    assert [a.household_id for a in both.context["page"]] == [in_b.pk]
    # No filter: the whole township, never township 2.
    everything = client.get(url, {"kind": "overdue_visit"})
    assert {a.household_id for a in everything.context["page"]} == {in_a.pk, in_b.pk}
    # A village of another township is refused at the field and shows nothing of it.
    outside = client.get(url, {"kind": "overdue_visit", "village": demo.village_c.pk})
    assert outside.status_code == 200
    assert "所选村/社区不存在或不在您的辖区内。" in outside.content.decode()
    assert in_c.pk not in {a.household_id for a in outside.context["page"]}
    assert {a.household_id for a in outside.context["page"]} == {in_a.pk, in_b.pk}  # kind still applies
    assert client.get(url, {"village": "abc"}).status_code == 200
    # The district official sees every township's villages, named with their township.
    client.force_login(demo.district_official)
    response = client.get(url, {"village": demo.village_c.pk, "kind": "overdue_visit"})
    assert [a.household_id for a in response.context["page"]] == [in_c.pk]
    assert demo.village_c.parent.name in response.content.decode()
