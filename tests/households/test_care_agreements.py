"""Care agreements (照料协议) of 特困 people cared for at home (seed 002 §二(三)): who needs one, its state, the
alert for a missing or expired one and its closing, the household section and the township list."""
import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from alerts.care_jobs import care_agreement_scan
from alerts.models import Alert, AlertKind, AlertStatus
from households import care, care_services
from households.models import AssistanceType, CarerRelation, HousingSituation, MemberStatus, SelfCare

from .factories import make_household

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


def tekun_person(village, *, self_care=SelfCare.NONE, caseworker=None, **fields):
    household = make_household(village, head={"self_care": self_care}, assistance=[AssistanceType.TEKUN],
                               caseworker=caseworker, **fields)
    return household.members.get()


def agree(member, *, starts=-30, ends=300, actor=None, follow_months=1):
    return care_services.care_agreement_record(
        actor=actor, member=member, carer_name="李桂芳", carer_phone="13816627730",
        carer_relation=CarerRelation.NEIGHBOUR, terms="每日送餐，协助服药", follow_months=follow_months,
        starts_on=TODAY + dt.timedelta(days=starts), ends_on=TODAY + dt.timedelta(days=ends))


def states(village):
    return {m.pk: m.care_state for m in care.care_people([village.pk], TODAY)}


def test_who_needs_an_agreement(demo):
    """特困, cannot (fully or partly) care for themselves, present, not in central care: needs one."""
    none = tekun_person(demo.village_a)
    partial = tekun_person(demo.village_a, self_care=SelfCare.PARTIAL, residence_address="长宁路2号")
    tekun_person(demo.village_a, self_care=SelfCare.FULL, residence_address="长宁路3号")
    tekun_person(demo.village_a, housing=HousingSituation.INSTITUTION, residence_address="长宁路4号")
    make_household(demo.village_a, head={"self_care": SelfCare.NONE}, assistance=[AssistanceType.DIBAO],
                   residence_address="长宁路5号")
    gone = tekun_person(demo.village_a, residence_address="长宁路6号")
    from households import services

    services.member_status_change(actor=None, member=gone, status=MemberStatus.DECEASED, on_date=TODAY)
    assert set(states(demo.village_a)) == {none.pk, partial.pk}


def test_states_valid_expiring_expired_missing(demo):
    valid = tekun_person(demo.village_a)
    expiring = tekun_person(demo.village_a, residence_address="长宁路2号")
    expired = tekun_person(demo.village_a, residence_address="长宁路3号")
    missing = tekun_person(demo.village_a, residence_address="长宁路4号")
    agree(valid)
    agree(expiring, ends=care.EXPIRING_DAYS - 1)
    agree(expired, starts=-400, ends=-5)
    assert states(demo.village_a) == {valid.pk: "valid", expiring.pk: "expiring", expired.pk: "expired",
                                      missing.pk: "missing"}


def test_the_service_checks_its_input_and_the_village(demo):
    member = tekun_person(demo.village_a)
    with pytest.raises(ValidationError) as err:
        agree(member, starts=0, ends=-1)
    assert "结束日期不能早于开始日期" in str(err.value)
    with pytest.raises(ValidationError):
        agree(member, starts=3, ends=300)
    with pytest.raises(ValidationError) as err:
        care_services.care_agreement_record(
            actor=None, member=member, carer_name="", carer_phone="1", carer_relation="neighbour", terms="x",
            starts_on=TODAY, ends_on=TODAY)
    assert "照料人姓名" in str(err.value)
    with pytest.raises(ValidationError) as err:
        agree(member, actor=demo.caseworker_c)
    assert "不在您负责的村/社区" in str(err.value)
    assert not member.care_agreements.exists()
    agreement = agree(member, actor=demo.caseworker_a)
    assert member.household.events.filter(field="care_agreement").exists()
    with pytest.raises(ValidationError):
        care_services.care_follow_up_record(actor=demo.caseworker_a, agreement=agreement,
                                            followed_on=TODAY + dt.timedelta(days=1), finding="好")
    care_services.care_follow_up_record(actor=demo.caseworker_a, agreement=agreement, followed_on=TODAY,
                                        finding="见到本人，照料落实")
    assert agreement.follow_ups.count() == 1


def test_missing_and_expired_open_an_alert_for_the_caseworker_closed_by_a_valid_agreement(
        demo, django_capture_on_commit_callbacks):
    missing = tekun_person(demo.village_a, caseworker=demo.caseworker_a)
    expired = tekun_person(demo.village_a, caseworker=demo.caseworker_a, residence_address="长宁路2号")
    valid = tekun_person(demo.village_a, residence_address="长宁路3号")
    agree(expired, starts=-400, ends=-5)
    agree(valid)
    first = care_agreement_scan()
    assert (first["due"], first["opened"]) == (2, 2)
    alerts = Alert.objects.filter(kind=AlertKind.CARE_AGREEMENT_DUE)
    assert {a.household_id for a in alerts} == {missing.household_id, expired.household_id}
    assert all(a.caseworker == demo.caseworker_a for a in alerts)
    assert "已于" in alerts.get(household=expired.household).reason
    assert care_agreement_scan()["opened"] == 0  # idempotent
    # Recording a valid agreement closes the alert at once (on commit), without waiting for the morning scan.
    with django_capture_on_commit_callbacks(execute=True):
        agree(missing, actor=demo.caseworker_a)
    assert alerts.get(household=missing.household).status == AlertStatus.CLOSED
    assert alerts.get(household=expired.household).status == AlertStatus.OPEN
    # The morning scan closes what is no longer due too (here: the person moved into central care).
    from households import services

    household = expired.household
    services.household_update(actor=None, household=household, version=household.version,
                              housing=HousingSituation.INSTITUTION)
    assert care_agreement_scan()["closed"] == 1
    assert not Alert.objects.filter(kind=AlertKind.CARE_AGREEMENT_DUE, status=AlertStatus.OPEN).exists()


def test_the_household_section_and_the_forms(client, demo):
    member = tekun_person(demo.village_a)
    url = reverse("households:detail", args=[member.household_id])
    client.force_login(demo.caseworker_a)
    page = client.get(url).content.decode()
    assert "分散供养特困人员照料协议" in page and "尚未签订照料协议" in page
    add = reverse("households:care_agreement_add", args=[member.household_id, member.pk])
    response = client.post(add, {"carer_name": "李桂芳", "carer_phone": "13816627730", "carer_relation": "neighbour",
                                 "terms": "每日送餐", "starts_on": TODAY.isoformat(),
                                 "ends_on": (TODAY - dt.timedelta(days=1)).isoformat(), "follow_months": 1})
    assert response.status_code == 200 and "结束日期不能早于开始日期" in response.content.decode()
    response = client.post(add, {"carer_name": "李桂芳", "carer_phone": "13816627730", "carer_relation": "neighbour",
                                 "terms": "每日送餐", "starts_on": TODAY.isoformat(),
                                 "ends_on": (TODAY + dt.timedelta(days=365)).isoformat(), "follow_months": 1})
    assert response.status_code == 302
    agreement = member.care_agreements.get()
    page = client.get(url).content.decode()
    assert "协议有效" in page and "李桂芳" in page and "登记照料跟踪" in page
    follow = reverse("households:care_follow_up_add", args=[member.household_id, agreement.pk])
    assert client.post(follow, {"followed_on": TODAY.isoformat(), "care_given": "on",
                                "finding": "见到本人"}).status_code == 302
    assert agreement.follow_ups.get().recorded_by == demo.caseworker_a
    # Another village's caseworker: the forms do not exist for them.
    client.force_login(demo.caseworker_c)
    assert client.get(add).status_code == 404 and client.get(follow).status_code == 404


def test_the_list_counts_per_village_within_the_jurisdiction(client, demo, django_assert_max_num_queries):
    missing = tekun_person(demo.village_a)
    expiring = tekun_person(demo.village_b, residence_address="长宁路2号")
    other = tekun_person(demo.village_c, residence_address="长宁路3号")
    agree(expiring, ends=10)
    client.force_login(demo.township1)
    url = reverse("households:care_list")
    client.get(url)
    with django_assert_max_num_queries(20):
        response = client.get(url)
    assert [m.pk for m in response.context["page"]] == [missing.pk]
    assert response.context["totals"] == {"due": 1, "expiring": 1, "valid": 0, "all": 2}
    assert [m.pk for m in client.get(url + "?show=expiring").context["page"]] == [expiring.pk]
    assert [m.pk for m in client.get(url + "?show=all").context["page"]] == [missing.pk, expiring.pk]
    assert other.pk not in [m.pk for m in client.get(url + "?show=all").context["page"]]
    client.force_login(demo.caseworker_a)
    assert [m.pk for m in client.get(url + "?show=all").context["page"]] == [missing.pk]


def test_the_household_page_shows_the_carers_phone_masked(client, demo):
    """A carer's phone is a person's number: masked on the household page like the family's own."""
    member = tekun_person(demo.village_a)
    agree(member)
    client.force_login(demo.township1)
    page = client.get(reverse("households:detail", args=[member.household_id])).content.decode()
    assert "李桂芳" in page and "138****7730" in page and "13816627730" not in page
