"""The search box of the household, lead, referral, alert and audit lists (issue 18): name anywhere, pinyin,
part of an ID number, address, work order number; within the user's jurisdiction; a fixed number of queries."""
import datetime as dt
import re

import pytest
from django.urls import reverse

from alerts.models import AlertKind
from alerts.services import alert_open
from referrals import services as referral_services
from referrals.models import LeadChannel
from relief.models import Jurisdiction, JurisdictionLevel, Role
from tests.households.factories import make_household
from tests.referrals.helpers import draft

pytestmark = pytest.mark.django_db

SAME_NAME = "曾建国"


def _rows(client, url_name, **params):
    response = client.get(reverse(url_name), params)
    assert response.status_code == 200
    return {row.pk for row in response.context["page"].object_list}


def _families(demo):
    """The same name in township 1 (village A) and township 2 (village C)."""
    mine = make_household(demo.village_a, actor=demo.caseworker_a, head_name=SAME_NAME,
                          residence_address="安化路200弄3号")
    theirs = make_household(demo.village_c, actor=demo.caseworker_c, head_name=SAME_NAME,
                            residence_address="安化路200弄5号")
    other = make_household(demo.village_a, actor=demo.caseworker_a, head_name="李桂英", residence_address="武夷路8号")
    return mine, theirs, other


def _terms(household):
    number = household.members.get().id_number
    return ["建国", "zengjianguo", "cengjianguo", "zjg", number, number[-4:], number[-6:], "安化路200弄3"]


def test_the_household_list_searches_within_the_jurisdiction(client, demo):
    mine, theirs, other = _families(demo)
    client.force_login(demo.township1)
    for term in _terms(mine):
        assert _rows(client, "households:list", q=term) == {mine.pk}, term


def test_the_lead_list_searches_family_person_and_work_order(client, demo):
    mine, theirs, other = _families(demo)
    linked = referral_services.lead_create(actor=demo.township1, channel=LeadChannel.HOTLINE, description="热线反映",
                                           household=mine)
    referral_services.work_order_register(actor=demo.township1, lead=linked, number="GD2026120200731")
    unlinked = referral_services.lead_create(actor=demo.township1, channel=LeadChannel.VISIT, description="来访",
                                             village=demo.village_b, subject_name="单秀英", subject_address="天山路9号")
    referral_services.lead_create(actor=demo.township2, channel=LeadChannel.HOTLINE, description="外乡镇",
                                  household=theirs)
    referral_services.lead_create(actor=demo.township1, channel=LeadChannel.VISIT, description="其他",
                                  household=other)
    client.force_login(demo.township1)
    for term in _terms(mine) + ["GD2026120200731", "200731"]:
        assert _rows(client, "referrals:lead_list", q=term) == {linked.pk}, term
    assert _rows(client, "referrals:lead_list", q="秀英") == {unlinked.pk}
    assert _rows(client, "referrals:lead_list", q="天山路") == {unlinked.pk}


def test_the_referral_list_searches_within_the_jurisdiction(client, demo):
    mine, theirs, other = _families(demo)
    lead = referral_services.lead_create(actor=demo.township1, channel=LeadChannel.HOTLINE, description="热线",
                                         household=mine)
    referral_services.work_order_register(actor=demo.township1, lead=lead, number="GD88001")
    referral = draft(demo, household=mine, lead=lead)
    draft(demo, village=demo.village_c, household=theirs)
    draft(demo, household=other)
    client.force_login(demo.township1)
    for term in _terms(mine) + ["GD88001"]:
        assert _rows(client, "referrals:list", q=term) == {referral.pk}, term


def test_the_alert_list_searches_within_the_jurisdiction(client, demo):
    mine, theirs, other = _families(demo)
    alert, _ = alert_open(kind=AlertKind.STATUS_CHANGE, household=mine, reason="家庭成员住院", dedupe_key="t:mine")
    alert_open(kind=AlertKind.STATUS_CHANGE, household=theirs, reason="家庭成员住院", dedupe_key="t:theirs")
    alert_open(kind=AlertKind.STATUS_CHANGE, household=other, reason="家庭成员住院", dedupe_key="t:other")
    hotline, _ = alert_open(kind=AlertKind.HOTLINE_OVERDUE, household=None, village=demo.village_b,
                            reason="热线工单GD77001：首次响应期限已过，尚未登记首次响应。", dedupe_key="t:hotline")
    client.force_login(demo.township1)
    for term in _terms(mine):
        assert _rows(client, "alerts:list", q=term, status="all") == {alert.pk}, term
    assert _rows(client, "alerts:list", q="GD77001", status="all") == {hotline.pk}


def test_the_audit_list_searches_people_within_the_jurisdiction(client, demo, make_staff):
    from auditlog.context import set_actor

    with set_actor(demo.caseworker_a):  # as the request's middleware does: the change log names its actor
        mine, theirs, other = _families(demo)
    elsewhere = Jurisdiction.objects.create(level=JurisdictionLevel.DISTRICT, code="310106000000", name="静安区")
    # The audit log is the audit administrator's (三员分立).
    outsider = make_staff(Role.AUDITOR, elsewhere)
    client.force_login(demo.auditor)
    member_pk, household_pk = mine.members.get().pk, mine.pk
    for term in _terms(mine)[1:-1]:  # a name's own words also match the record's text; pinyin and ID only people
        rows = client.get(reverse("audit_log"), {"q": term}).context["page"].object_list
        found = {(entry.content_type.model, entry.object_id) for entry in rows}
        assert ("member", member_pk) in found and ("household", household_pk) in found, term
        assert ("member", other.members.get().pk) not in found, term
    client.force_login(outsider)
    assert not client.get(reverse("audit_log"), {"q": "zjg"}).context["page"].object_list


@pytest.mark.parametrize("url_name,params", [
    ("households:list", {}), ("referrals:lead_list", {}), ("referrals:list", {}), ("alerts:list", {"status": "all"}),
])
def test_a_search_costs_the_same_queries_for_2_or_8_matches(client, demo, django_assert_max_num_queries,
                                                             url_name, params):
    def add(n):
        for i in range(n):
            household = make_household(demo.village_a, head_name=f"曾建{'国华明伟'[i % 4]}")
            referral_services.lead_create(actor=demo.township1, channel=LeadChannel.VISIT, description="来访",
                                          household=household)
            draft(demo, household=household)
            alert_open(kind=AlertKind.STATUS_CHANGE, household=household, reason="变化", dedupe_key=f"n:{household.pk}")
    add(2)
    client.force_login(demo.township1)
    query = {"q": "zengjian", **params}
    assert len(_rows(client, url_name, **query)) == 2
    with django_assert_max_num_queries(40) as ctx:
        client.get(reverse(url_name), query)
    add(6)
    with django_assert_max_num_queries(len(ctx)):
        assert len(_rows(client, url_name, **query)) == 8


def test_the_household_list_says_which_member_a_search_found(client, demo):
    from households import services as household_services

    household = make_household(demo.village_a, actor=demo.caseworker_a, head_name="汤峰荣")
    spouse = household_services.member_add(actor=demo.caseworker_a, household=household, name="王静",
                                           relation="spouse", id_number=_spouse_number())
    client.force_login(demo.township1)

    def note(q):
        page = client.get(reverse("households:list"), {"q": q}).content.decode()
        return re.findall(r'data-testid="match-note">([^<]*)<', page)

    assert note(spouse.id_number) == ["匹配：王静的身份证号"]
    assert note(spouse.id_number[-6:]) == ["匹配：王静的身份证号"]
    assert note("王静") == ["匹配：家庭成员 王静"]
    assert note(household.members.get(name="汤峰荣").id_number) == [], "the row shows the head's own number"
    assert note("汤峰") == []


def _spouse_number():
    from tests.households.factories import id_number

    return id_number(born=dt.date(1983, 5, 2), sex="F")
