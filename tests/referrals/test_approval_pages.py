"""The pages after 公示: forms post to the services, errors are shown in Chinese, roles are kept apart."""
import datetime as dt

import pytest
from django.urls import reverse

from referrals.models import ApprovalRule, NoticeObjection, Referral, ReferralStatus as S

from . import helpers as h

pytestmark = pytest.mark.django_db


def test_objection_form_sends_the_case_back(client, demo):
    r = h.in_notice(demo)
    url = reverse("referrals:objection_create", kwargs={"pk": r.pk})
    client.force_login(demo.caseworker_a)
    assert client.get(url).status_code == 403  # the village does not record objections
    client.force_login(demo.township1)
    page = client.get(reverse("referrals:detail", kwargs={"pk": r.pk})).content.decode()
    assert url in page
    response = client.post(url, {"version": r.version, "raised_by": "匿名群众", "raised_on": h.today(),
                                 "content": "", "handling": "重新调查", "deadline": h.today()})
    assert response.status_code == 400 and "请写明异议内容" in response.content.decode()
    response = client.post(url, {"version": r.version, "raised_by": "匿名群众", "raised_on": h.today(),
                                 "content": "其子有车", "handling": "核对车辆", "deadline": h.today()})
    assert response.status_code == 302 and Referral.objects.get(pk=r.pk).status == S.ASSIGNED
    assert NoticeObjection.objects.filter(referral=r).count() == 1


def test_submit_form_and_the_districts_answer(client, demo):
    r = h.in_notice(demo)
    Referral.objects.filter(pk=r.pk).update(notice_start=h.today() - dt.timedelta(days=8),
                                            notice_end=h.today() - dt.timedelta(days=1))
    r.refresh_from_db()
    client.force_login(demo.township1)
    url = reverse("referrals:approval_submit", kwargs={"pk": r.pk})
    response = client.post(url, {"version": r.version, "assistance_type": "dibao", "amount": "900",
                                 "start_date": h.today(), "materials": ["application"]})
    assert response.status_code == 400 and "报送审批须附" in response.content.decode()
    response = client.post(url, {"version": r.version, "assistance_type": "dibao", "amount": "900",
                                 "start_date": h.today(), "materials": ["income_check", "home_visit", "notice"]})
    assert response.status_code == 302
    approval = r.approvals.get()
    detail = reverse("referrals:approval_detail", kwargs={"pk": approval.pk})
    assert client.post(detail, {"decision": "approve", "version": r.version + 1}).status_code == 403
    client.force_login(demo.district_official)
    queue = client.get(reverse("referrals:approval_queue"))
    assert queue.context["page"].paginator.count == 1 and detail in queue.content.decode()
    response = client.post(detail, {"decision": "refuse", "version": r.version + 1, "reason": ""})
    assert response.status_code == 400 and "不予批准的原因" in response.content.decode()
    response = client.post(detail, {"decision": "refuse", "version": r.version + 1, "reason": "收入超过低保标准"})
    assert response.status_code == 302
    assert Referral.objects.get(pk=r.pk).status == S.INELIGIBLE


def test_only_the_district_sets_approval_rules(client, demo):
    url = reverse("referrals:approval_rules")
    data = {"assistance_type": "temporary", "level": "township", "township_up_to": "1500", "days": "7",
            "effective_from": h.today()}
    client.force_login(demo.township1)
    assert client.get(url).status_code == 200
    assert client.post(url, data).status_code == 403
    client.force_login(demo.district_official)
    assert client.post(url, {**data, "level": "district"}).status_code == 400  # an upper limit only for 乡镇审批
    assert client.post(url, data).status_code == 302
    assert ApprovalRule.objects.get().township_up_to == 1500
    assert "1,500元" in client.get(url).content.decode()
