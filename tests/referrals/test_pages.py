"""Pages: scoped to the user's jurisdiction, refusing with clear messages, query counts bounded."""
import datetime as dt

import pytest
from django.urls import reverse

from referrals import services
from referrals.models import Lead, Referral, ReferralStatus as S
from relief.audit import AuditEvent
from auditlog.models import LogEntry
from tests.households.factories import make_household

from . import helpers as h

pytestmark = pytest.mark.django_db


def test_township_queue_shows_only_its_villages_and_filters(client, demo, django_assert_max_num_queries):
    mine = [h.submitted(demo) for _ in range(3)] + [h.submitted(demo, village=demo.village_b)]
    other = h.submitted(demo, village=demo.village_c)
    client.force_login(demo.township1)
    with django_assert_max_num_queries(15):  # 15: the step limits (环节时限), read once for the page
        response = client.get(reverse("referrals:list"))
    body = response.content.decode()
    assert response.status_code == 200
    for r in mine:
        assert f"转办{r.pk}<" in body
    assert f"转办{other.pk}<" not in body
    response = client.get(reverse("referrals:list"), {"village": demo.village_b.pk, "status": "submitted"})
    assert len(response.context["page"].object_list) == 1
    more = [h.submitted(demo) for _ in range(5)]
    with django_assert_max_num_queries(15):
        client.get(reverse("referrals:list"))
    assert more


def test_overdue_filter(client, demo):
    late = h.assigned(demo)
    h.assigned(demo)
    Referral.objects.filter(pk=late.pk).update(deadline=h.today() - dt.timedelta(days=1))
    client.force_login(demo.township1)
    response = client.get(reverse("referrals:list"), {"overdue": "on"})
    assert [r.pk for r in response.context["page"]] == [late.pk]
    assert "超期" in response.content.decode()


def test_bulk_accept_from_the_queue(client, demo):
    a, b = h.submitted(demo), h.submitted(demo)
    client.force_login(demo.township1)
    response = client.post(reverse("referrals:bulk_accept"), {
        "ids": [a.pk, b.pk], "department": "medical_insurance",
        "deadline": (h.today() + dt.timedelta(days=7)).isoformat()}, follow=True)
    assert "已交办 2 条转办" in response.content.decode()
    assert set(Referral.objects.values_list("status", "department")) == {(S.ASSIGNED, "medical_insurance")}
    c = h.submitted(demo)
    response = client.post(reverse("referrals:bulk_accept"), {"ids": [c.pk], "department": "medical_insurance",
                                                             "deadline": "2000-01-01"}, follow=True)
    assert "办结期限不能早于今天" in response.content.decode()
    response = client.post(reverse("referrals:bulk_accept"), {"ids": [a.pk, c.pk], "department": "housing",
                                                             "deadline": h.today().isoformat()}, follow=True)
    assert f"转办{a.pk}：当前状态为“已交办部门”" in response.content.decode()
    assert Referral.objects.get(pk=c.pk).status == S.SUBMITTED


def test_caseworker_cannot_bulk_accept(client, demo):
    client.force_login(demo.caseworker_a)
    assert client.post(reverse("referrals:bulk_accept"), {}).status_code == 403


def test_step_page_refuses_a_village_user_approving(client, demo):
    r = h.assigned(demo)
    client.force_login(demo.caseworker_a)
    response = client.post(reverse("referrals:step", args=[r.pk, "decide_eligible"]), {
        "version": r.version, "assistance_type": "dibao", "amount": "500", "start_date": h.today().isoformat()})
    assert response.status_code == 200
    assert "须由乡镇民政办办理" in response.content.decode()
    assert Referral.objects.get(pk=r.pk).status == S.ASSIGNED


def test_step_page_stale_version_tells_the_second_person(client, demo):
    r = h.assigned(demo)
    stale = r.version
    services.referral_decide_ineligible(actor=demo.township1, referral=r, reason="收入超过低保标准")
    client.force_login(demo.township1)
    response = client.post(reverse("referrals:step", args=[r.pk, "decide_eligible"]), {
        "version": stale, "assistance_type": "dibao", "amount": "500", "start_date": h.today().isoformat()})
    assert "您的操作未保存" in response.content.decode()


def test_step_page_field_error_in_chinese(client, demo):
    r = h.submitted(demo)
    client.force_login(demo.township1)
    response = client.post(reverse("referrals:step", args=[r.pk, "accept"]), {
        "version": r.version, "department": "civil_affairs", "deadline": "2001-01-01"})
    assert response.context["form"].errors["deadline"] == ["办结期限不能早于今天。"]


def test_referral_detail_shows_the_timeline_and_allowed_steps(client, demo, django_assert_max_num_queries):
    r = h.escalated(demo)
    client.force_login(demo.district_official)
    # The first page a user opens also computes and stores the figures every page shows (relief/figure_cache.py).
    client.get(reverse("referrals:detail", args=[r.pk]))
    with django_assert_max_num_queries(14):
        response = client.get(reverse("referrals:detail", args=[r.pk]))
    body = response.content.decode()
    for label in ("村级起草", "村级集体研究", "报送乡镇", "乡镇受理并交办", "报区县"):
        assert label in body
    assert 'data-testid="step-decide_eligible"' in body
    client.force_login(demo.caseworker_a)
    body = client.get(reverse("referrals:detail", args=[r.pk])).content.decode()
    assert 'data-testid="step-' not in body


def test_district_escalations_and_department_lists(client, demo):
    up = h.escalated(demo)
    other = h.escalated(demo, village=demo.village_c)
    client.force_login(demo.district_official)
    rows = client.get(reverse("referrals:escalations")).context["page"].object_list
    assert {r.pk for r in rows} == {up.pk, other.pk}  # the district sees every township
    client.force_login(demo.township1)
    rows = client.get(reverse("referrals:escalations")).context["page"].object_list
    assert {r.pk for r in rows} == {up.pk}
    h.assigned(demo, department="housing")
    response = client.get(reverse("referrals:departments"), {"department": "housing"})
    counts = {row["code"]: row["open"] for row in response.context["counts"]}
    assert counts["housing"] == 1 and counts["civil_affairs"] == 1
    assert len(response.context["page"].object_list) == 1
    client.force_login(demo.caseworker_a)
    assert client.get(reverse("referrals:departments")).status_code == 403


def test_hotline_intake_form(client, demo):
    client.force_login(demo.township1)
    response = client.post(reverse("referrals:lead_create"), {
        "village": demo.village_c.pk, "channel": "hotline", "description": "困难", "urgency": "normal",
        "subject_name": "王"})
    assert "请选择您辖区内的村/社区" in response.content.decode()
    response = client.post(reverse("referrals:lead_create"), {
        "village": demo.village_a.pk, "channel": "hotline", "description": "", "urgency": "normal"})
    assert "请写明反映的困难情况" in response.content.decode()
    assert not Lead.objects.exists()
    response = client.post(reverse("referrals:lead_create"), {
        "village": demo.village_a.pk, "channel": "hotline", "reporter_name": "邻居刘先生",
        "reporter_contact": "13812345678", "subject_name": "孙奶奶", "subject_address": "延安西路8号",
        "description": "独居，近期摔伤无人照料", "urgency": "urgent", "source_ref": "12345-0001"})
    lead = Lead.objects.get()
    assert response.status_code == 302 and lead.received_by == demo.township1 and lead.urgency == "urgent"


def test_lead_contact_masked_for_district_and_shown_to_the_caseworker_with_a_reason_audited(client, demo):
    """The reporter's contact is masked for everyone by default; the caseworker sees it in full after choosing a
    reason (relief/reveal.py), and the audit entry records it; the district official may not reveal it."""
    lead = services.lead_create(actor=demo.township1, channel="hotline", village=demo.village_a,
                                subject_name="孙奶奶", reporter_contact="13812345678", description="摔伤")
    url = reverse("referrals:lead_detail", args=[lead.pk])
    views = LogEntry.objects.filter(additional_data__event=AuditEvent.VIEW_PERSONAL_DATA, object_pk=str(lead.pk))
    client.force_login(demo.district_official)
    body = client.get(url).content.decode()
    assert "13812345678" not in body and "138****5678" in body and 'data-testid="reveal-form"' not in body
    assert client.post(url, {"reveal": "1", "reason": "verify_identity"}).status_code == 403
    client.force_login(demo.caseworker_a)
    body = client.get(url).content.decode()
    assert "13812345678" not in body and "138****5678" in body and 'data-testid="reveal-form"' in body
    assert not views.exists()
    response = client.post(url, {"reveal": "1", "reason": "curious"})
    assert response.status_code == 400 and "13812345678" not in response.content.decode()
    body = client.post(url, {"reveal": "1", "reason": "verify_identity"}).content.decode()
    assert "13812345678" in body and "原因：核对身份" in body
    entry = views.get()
    assert entry.actor == demo.caseworker_a and entry.additional_data["reason"] == "verify_identity"
    assert entry.additional_data["fields"] == ["reporter_contact"]
    assert "13812345678" not in client.get(url).content.decode()  # the next view is masked again


def test_lead_list_scoped_with_bounded_queries(client, demo):
    """The lead list costs the same number of queries for 4 leads as for 12 (no N+1), and shows only mine."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    services.lead_create(actor=demo.township2, channel="hotline", village=demo.village_c, subject_name="外",
                         description="外村")
    client.force_login(demo.caseworker_a)
    # The first page a user opens also computes and stores the figures every page shows (relief/figure_cache.py).
    client.get(reverse("referrals:lead_list"))
    counts = []
    for total in (4, 12):
        while Lead.objects.filter(village=demo.village_a).count() < total:
            services.lead_create(actor=demo.township1, channel="hotline", village=demo.village_a,
                                 household=make_household(demo.village_a), description="线索")
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("referrals:lead_list"))
        counts.append(len(queries))
        assert len(response.context["page"].object_list) == total
        assert "外村" not in response.content.decode()
    assert counts[0] == counts[1] and counts[0] <= 16, counts


def test_lead_list_shows_a_lead_that_has_no_household(client, demo):
    """A hotline lead about a family nobody has registered yet: listed with the name and address reported."""
    services.lead_create(actor=demo.township1, channel="hotline", village=demo.village_a, subject_name="无户线索人",
                         subject_address="华阳路 1 号", description="独居老人")
    services.lead_create(actor=demo.township1, channel="hotline", village=demo.village_a, subject_name="无址线索人",
                         description="只知道姓名")
    client.force_login(demo.township1)
    response = client.get(reverse("referrals:lead_list"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "无户线索人 华阳路 1 号" in page and "无址线索人" in page


def test_lead_to_referral_through_the_pages(client, demo):
    household = make_household(demo.village_a)
    lead = services.lead_create(actor=demo.caseworker_a, channel="visit", household=household,
                                description="走访发现：患尿毒症，透析费用高")
    client.force_login(demo.caseworker_a)
    client.post(reverse("referrals:lead_action", args=[lead.pk, "start"]), {"version": lead.version})
    lead.refresh_from_db()
    response = client.post(reverse("referrals:lead_action", args=[lead.pk, "refer"]), {
        "version": lead.version, "summary": lead.description, "requested": "medical", "urgency": "normal",
        "willing": "on"})
    referral = Referral.objects.get()
    assert response["Location"] == reverse("referrals:detail", args=[referral.pk])
    assert referral.requested == "medical" and referral.lead_id == lead.pk


def test_township_cannot_open_the_create_page(client, demo):
    household = make_household(demo.village_a)
    client.force_login(demo.township1)
    assert client.get(reverse("referrals:create", args=[household.pk])).status_code == 403


def test_home_cards_and_household_section(client, demo):
    r = h.submitted(demo)
    client.force_login(demo.township1)
    body = client.get(reverse("home")).content.decode()
    assert "待受理转办" in body
    response = client.get(reverse("households:detail", args=[r.household_id]))
    assert response.status_code == 200
    assert f"转办{r.pk}" in response.content.decode()


def test_the_bulk_form_and_its_tick_boxes_show_only_beside_rows_it_can_take(client, demo):
    submitted, assigned = h.submitted(demo), h.assigned(demo)
    client.force_login(demo.township1)
    body = client.get(reverse("referrals:list"), {"status": "submitted"}).content.decode()
    assert 'id="bulk-accept"' in body and f'name="ids" value="{submitted.pk}"' in body
    body = client.get(reverse("referrals:list"), {"status": "assigned"}).content.decode()
    assert f"转办{assigned.pk}<" in body
    assert 'id="bulk-accept"' not in body and 'name="ids"' not in body and "批量受理并交办" not in body
