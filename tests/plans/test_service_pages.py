"""Service-kind pages: the household page section and its forms, the list by village (counts = rows),
jurisdiction, query caps, and the ledgers' 服务类型 column and per-kind counts."""
import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from households.models import Cadence
from plans import service_kinds as services
from plans.models import ServiceGoal, ServiceRecord, ServiceType
from tests.ledgers.factories import put_on_roster
from tests.ledgers.helpers import open_xlsx, post_ledger, table

from . import factories

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate


def _start(actor, household, kind, days=10, **kw):
    current = ServiceRecord.objects.current().filter(household=household).first()
    return services.service_start(actor=actor, household=household, kind=kind,
                                  started_on=TODAY() - dt.timedelta(days=days), reason="走访发现",
                                  current_id=current.pk if current else None,
                                  version=current.version if current else None, **kw)


def _detail(client, h):
    return client.get(reverse("households:detail", args=[h.pk])).content.decode()


def test_township_sets_referral_and_adds_a_goal_through_the_forms(client, demo):
    h = factories.household(demo.village_a)
    client.force_login(demo.township1)
    page = _detail(client, h)
    assert "尚未确定服务类型" in page and 'data-testid="service-start"' in page
    assert client.get(reverse("plans:service_start", args=[h.pk])).status_code == 200
    response = client.post(reverse("plans:service_start", args=[h.pk]), {
        "svc-kind": "referral", "svc-started_on": (TODAY() - dt.timedelta(days=10)).isoformat(), "svc-reason": "需社工个案管理",
        "svc-case_worker": demo.caseworker_a.pk, "svc-current_id": "", "svc-version": ""})
    assert response.status_code == 302
    record = ServiceRecord.objects.current().get(household=h)
    assert record.kind == ServiceType.REFERRAL and record.case_worker == demo.caseworker_a
    client.post(reverse("plans:service_goal_add", args=[record.pk]), {
        "goal-version": record.version, "goal-text": "每两周心理疏导",
        "goal-target_on": (TODAY() - dt.timedelta(days=1)).isoformat()})
    page = _detail(client, h)
    assert "每两周心理疏导" in page and 'data-testid="goals-overdue"' in page and "已超期" in page
    # The same form again, read before the goal was added: refused, nothing stored.
    response = client.post(reverse("plans:service_goal_add", args=[record.pk]), {
        "goal-version": record.version, "goal-text": "重复提交", "goal-target_on": TODAY().isoformat()},
        follow=True)
    assert "已被他人修改" in response.content.decode()
    assert ServiceGoal.objects.filter(record=record).count() == 1


def test_bad_form_input_is_shown_in_chinese(client, demo):
    h = factories.household(demo.village_a)
    client.force_login(demo.caseworker_a)
    response = client.post(reverse("plans:service_start", args=[h.pk]), {
        "svc-kind": "tracking", "svc-started_on": TODAY().isoformat(), "svc-reason": "长期关注",
        "svc-current_id": "", "svc-version": ""})
    assert response.status_code == 400
    assert 'data-field="cadence"' in response.content.decode()
    assert "跟踪联系服务须选择联系频次" in response.content.decode()
    assert not ServiceRecord.objects.filter(household=h).exists()


def test_tracking_household_page_shows_due_contact_and_contact_form(client, demo):
    h = factories.household(demo.village_a)
    _start(demo.township1, h, ServiceType.TRACKING, days=40, cadence=Cadence.MONTHLY)
    client.force_login(demo.caseworker_a)
    page = _detail(client, h)
    assert "联系到期" in page and 'data-testid="contact-add"' in page
    record = ServiceRecord.objects.current().get(household=h)
    client.post(reverse("plans:service_contact_add", args=[record.pk]), {
        "contact-version": record.version, "contact-contacted_on": TODAY().isoformat(),
        "contact-method": "phone", "contact-note": "电话联系，情况稳定"})
    page = _detail(client, h)
    assert "电话联系，情况稳定" in page and "联系到期" not in page


def test_district_reads_the_section_without_forms(client, demo):
    h = factories.household(demo.village_a)
    _start(demo.township1, h, ServiceType.COMPREHENSIVE)
    client.force_login(demo.district_official)
    page = _detail(client, h)
    assert "综合救助服务" in page and 'data-testid="service-start"' not in page
    assert client.post(reverse("plans:service_start", args=[h.pk]), {}).status_code in (403, 404)


def test_forms_outside_the_jurisdiction_answer_404(client, demo):
    h = factories.household(demo.village_c)
    record = _start(demo.township2, h, ServiceType.COMPREHENSIVE)
    client.force_login(demo.township1)
    assert client.post(reverse("plans:service_start", args=[h.pk]), {}).status_code == 404
    assert client.post(reverse("plans:service_note_add", args=[record.pk]), {}).status_code == 404
    page = client.get(reverse("plans:service_list")).content.decode()
    assert h.residence_address not in page


def _list_rows(client, url) -> int:
    page = client.get(url.replace("&amp;", "&")).content.decode()
    return int(re.search(r'data-testid="service-total">共 (\d+) 户', page)[1])


def test_list_counts_per_village_equal_the_rows_they_link_to(client, demo, django_assert_max_num_queries):
    for village, kinds in [(demo.village_a, [ServiceType.COMPREHENSIVE, ServiceType.COMPREHENSIVE,
                                             ServiceType.REFERRAL]),
                           (demo.village_b, [ServiceType.TRACKING])]:
        for kind in kinds:
            h = factories.household(village)
            extra = {"case_worker": demo.township1} if kind == ServiceType.REFERRAL else {}
            if kind == ServiceType.TRACKING:
                extra = {"cadence": Cadence.QUARTERLY}
            _start(demo.township1, h, kind, **extra)
    client.force_login(demo.township1)
    client.get(reverse("home"))
    with django_assert_max_num_queries(14):
        page = client.get(reverse("plans:service_list")).content.decode()
    links = re.findall(r'data-count="(\d+)" href="([^"]+)"', page)
    assert len(links) >= 6
    for count, href in links:
        assert _list_rows(client, reverse("plans:service_list") + href) == int(count), href
    assert _list_rows(client, reverse("plans:service_list")) == 4


def test_list_query_count_does_not_grow_with_rows(client, demo, django_assert_max_num_queries):
    client.force_login(demo.township1)
    client.get(reverse("home"))
    for _ in range(8):
        _start(demo.township1, factories.household(demo.village_a), ServiceType.COMPREHENSIVE)
    with django_assert_max_num_queries(14):
        client.get(reverse("plans:service_list") + "?flag=review_due")
    h = factories.household(demo.village_a)
    record = _start(demo.township1, h, ServiceType.REFERRAL, case_worker=demo.caseworker_a)
    client.get(reverse("households:detail", args=[h.pk]))
    for n in range(5):
        record.refresh_from_db()
        services.service_goal_add(actor=demo.township1, record=record, text=f"目标{n}", target_on=TODAY(),
                                  version=record.version)
        record.refresh_from_db()
        services.service_note_add(actor=demo.township1, record=record, noted_on=TODAY(), note=f"跟进{n}",
                                  version=record.version)
    with django_assert_max_num_queries(45):
        assert "目标4" in _detail(client, h)


def test_roster_ledger_has_the_service_kind_and_summary_counts_kinds(client, demo):
    h = factories.household(demo.village_a)
    put_on_roster(h, caseworker=demo.caseworker_a)
    _start(demo.township1, h, ServiceType.TRACKING, cadence=Cadence.MONTHLY)
    client.force_login(demo.township1)
    headers, rows = table(open_xlsx(post_ledger(client, demo.township1.jurisdiction)).active)
    column = headers.index("服务类型")
    assert [r[column] for r in rows if r[3] and r[column]] == ["跟踪联系服务"]
    headers, rows = table(open_xlsx(post_ledger(client, demo.township1.jurisdiction, kind="summary")).active)
    column = headers.index("期末跟踪联系服务（户）")
    by_name = {r[0]: r[column] for r in rows}
    assert by_name[demo.village_a.name] == 1 and by_name["合计"] == 1
