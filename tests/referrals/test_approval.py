"""After 公示: objections, submission for approval, the district's answer, 审批权限 and the 长期公示."""
import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from households.models import AssistanceRecord, ObservationEntry
from referrals import services
from referrals.models import (
    ApprovalRequest, ApprovalRule, NoticeObjection, Referral, ReferralStatus as S, ReferralStep,
)
from referrals.selectors_approval import mask_name, notice_board_rows
from referrals.services import ReferralConflict
from relief.models import Jurisdiction, Role
from tests.households.factories import make_household

from . import helpers as h

pytestmark = pytest.mark.django_db
MATERIALS = ["income_check", "home_visit", "review", "notice"]


def notice_over(demo, **kwargs):
    r = h.in_notice(demo, **kwargs)
    Referral.objects.filter(pk=r.pk).update(notice_start=h.today() - dt.timedelta(days=8),
                                            notice_end=h.today() - dt.timedelta(days=1))
    return Referral.objects.get(pk=r.pk)


def submit(demo, r, kind="dibao", amount=900, **kwargs):
    return services.approval_submit(actor=h.township_of(demo, r), referral=r, assistance_type=kind, amount=amount,
                                    start_date=h.today(), materials=kwargs.pop("materials", MATERIALS), **kwargs)


# ---------------------------------------------------------------- objections
def test_an_objection_sends_the_case_back_to_investigation_with_it_on_the_timeline(demo):
    r = h.in_notice(demo)
    objection = services.objection_record(actor=demo.township1, referral=r, raised_by="匿名群众",
                                          raised_on=h.today(), content="其子在外地有稳定工作", handling="重新入户调查",
                                          deadline=h.today() + dt.timedelta(days=10), version=r.version)
    r.refresh_from_db()
    assert r.status == S.ASSIGNED and r.deadline == h.today() + dt.timedelta(days=10)
    assert objection.notice_start == h.today() and objection.recorded_by == demo.township1
    step = r.steps.order_by("-at", "-pk").first()
    assert step.action == "objection" and step.from_status == S.NOTICE and "其子在外地有稳定工作" in step.comment
    assert r.notice_start is None and r.notice_objections == ""  # the notice is over; the objection row keeps it
    # It cannot skip the new notice: 低保 is not decided from 已交办部门 after an objection.
    with pytest.raises(ValidationError, match="重新“开始公示”"):
        services.referral_decide_eligible(actor=demo.township1, referral=r, assistance_type="dibao", amount=900,
                                          start_date=h.today())
    # After the investigation the case is published again and the old objection stays on record.
    r = services.referral_notice_start(actor=demo.township1, referral=r, start=h.today(),
                                       end=h.today() + dt.timedelta(days=7), place="公开栏")
    assert r.status == S.NOTICE and NoticeObjection.objects.filter(referral=r).count() == 1


def test_objection_refused_outside_notice_or_the_period_or_by_the_village(demo):
    r = h.assigned(demo)
    with pytest.raises(ValidationError, match="当前状态为“已交办部门”，不能“登记公示异议·退回调查”"):
        services.objection_record(actor=demo.township1, referral=r, raised_by="甲", raised_on=h.today(),
                                  content="x", handling="y", deadline=h.today())
    r = h.in_notice(demo)
    with pytest.raises(ValidationError, match="须由乡镇民政办办理"):
        services.objection_record(actor=demo.caseworker_a, referral=r, raised_by="甲", raised_on=h.today(),
                                  content="x", handling="y", deadline=h.today())
    with pytest.raises(ValidationError) as exc:
        services.objection_record(actor=demo.township1, referral=r, raised_by="甲",
                                  raised_on=h.today() - dt.timedelta(days=3), content="x", handling="y",
                                  deadline=h.today())
    assert "公示期" in exc.value.message_dict["raised_on"][0]
    with pytest.raises(ValidationError) as exc:
        services.objection_record(actor=demo.township1, referral=r, raised_by="甲", raised_on=h.today(),
                                  content="x", handling="", deadline=h.today())
    assert "handling" in exc.value.message_dict
    assert not NoticeObjection.objects.exists() and Referral.objects.get(pk=r.pk).status == S.NOTICE


# ---------------------------------------------------------------- submission
def test_the_township_cannot_decide_dibao_after_notice_and_submits_it(demo):
    r = notice_over(demo)
    with pytest.raises(ValidationError, match="由区县民政局审批"):
        services.referral_decide_eligible(actor=demo.township1, referral=r, assistance_type="dibao", amount=900,
                                          start_date=h.today())
    approval = submit(demo, r, materials_note="残疾证复印件", opinion="公示期满无异议")
    r.refresh_from_db()
    assert r.status == S.APPROVAL and approval.state == "pending"
    assert approval.due_on == h.today() + dt.timedelta(days=10) and approval.level == "district"
    step = r.steps.order_by("-at", "-pk").first()
    assert step.action == "approval_submit" and "家庭经济状况核对报告" in step.data["materials"]
    assert not AssistanceRecord.objects.filter(household=r.household).exists()


def test_submission_refused_during_notice_without_materials_and_for_what_the_township_approves(demo):
    r = h.in_notice(demo)
    with pytest.raises(ValidationError, match="公示期满后方可报送审批"):
        submit(demo, r)
    r = notice_over(demo)
    with pytest.raises(ValidationError) as exc:
        submit(demo, r, materials=["application"])
    assert "家庭经济状况核对报告" in exc.value.message_dict["materials"][0]
    with pytest.raises(ValidationError) as exc:
        submit(demo, r, kind="temporary", amount=800)
    assert "由乡镇审批" in exc.value.message_dict["assistance_type"][0]
    with pytest.raises(ValidationError, match="须由乡镇民政办办理"):
        services.approval_submit(actor=demo.district_official, referral=r, assistance_type="dibao", amount=900,
                                 start_date=h.today(), materials=MATERIALS)
    assert not ApprovalRequest.objects.exists()
    # What the township may approve it decides from 公示 as before: 临时救助 up to 1,000 元.
    r = services.referral_decide_eligible(actor=demo.township1, referral=r, assistance_type="temporary",
                                          amount=800, start_date=h.today())
    assert r.status == S.ELIGIBLE and r.decision_level == "township"


def test_temporary_assistance_over_the_township_limit_goes_to_the_district(demo):
    r = notice_over(demo)
    with pytest.raises(ValidationError, match="由区县民政局审批"):
        services.referral_decide_eligible(actor=demo.township1, referral=r, assistance_type="temporary",
                                          amount=1500, start_date=h.today())
    assert submit(demo, r, kind="temporary", amount=1500).level == "district"


def test_double_submit_and_stale_submit_are_refused(demo):
    r = notice_over(demo)
    read = r.version
    submit(demo, r, version=read)
    with pytest.raises(ReferralConflict):
        submit(demo, r, version=read)
    with pytest.raises(ValidationError, match="不能重复报送"):
        submit(demo, r)
    assert ApprovalRequest.objects.filter(referral=r).count() == 1


# ---------------------------------------------------------------- the district's answer
def test_only_an_approval_writes_the_assistance_to_the_household(demo):
    r = notice_over(demo)
    approval = submit(demo, r, amount=1200)
    r.refresh_from_db()
    approval = services.approval_approve(actor=demo.district_official, approval=approval, comment="同意",
                                         version=r.version)
    r.refresh_from_db()
    assert approval.state == "approved" and approval.decided_by == demo.district_official
    assert r.status == S.ELIGIBLE and r.decision_level == "district" and r.amount == Decimal("1200.00")
    record = AssistanceRecord.objects.get(household=r.household, type="dibao")
    assert record.monthly_amount == Decimal("1200.00") and record.end_date is None
    assert r.steps.filter(action="approve").count() == 1
    with pytest.raises(ValidationError, match="已批准"):
        services.approval_approve(actor=demo.district_official, approval=approval)
    with pytest.raises(ValidationError, match="已批准"):
        services.approval_refuse(actor=demo.district_official, approval=approval, reason="收入超过标准")


def test_a_refusal_returns_to_the_township_with_its_reason_and_the_family_is_informed(demo):
    r = notice_over(demo)
    approval = submit(demo, r)
    with pytest.raises(ValidationError) as exc:
        services.approval_refuse(actor=demo.district_official, approval=approval, reason="")
    assert "reason" in exc.value.message_dict
    approval = services.approval_refuse(actor=demo.district_official, approval=approval, real_difficulty=True,
                                        reason="家庭拥有两套住房，超过财产标准", difficulty="失业，需就业帮扶")
    r.refresh_from_db()
    assert approval.state == "refused" and r.status == S.INELIGIBLE and r.decision_level == "district"
    assert r.ineligible_reason == "家庭拥有两套住房，超过财产标准" and not r.family_informed
    assert not AssistanceRecord.objects.filter(household=r.household).exists()
    assert ObservationEntry.objects.filter(household=r.household, removed_on__isnull=True).exists()
    # The family-informed step as after any refusal: the village or the township.
    assert "inform" in services.allowed_steps(demo.township1, r)
    r = services.referral_inform_family(actor=demo.caseworker_a, referral=r, comment="已上门解释")
    assert r.family_informed


def test_answers_refused_for_the_township_and_for_a_stale_version(demo):
    r = notice_over(demo)
    approval = submit(demo, r)
    with pytest.raises(ValidationError, match="须由区县民政局办理"):
        services.approval_approve(actor=demo.township1, approval=approval)
    r.refresh_from_db()
    with pytest.raises(ReferralConflict):
        services.approval_approve(actor=demo.district_official, approval=approval, version=r.version - 1)
    assert ApprovalRequest.objects.get(pk=approval.pk).state == "pending"
    assert not AssistanceRecord.objects.filter(household=r.household).exists()


def test_district_of_another_district_gets_404(demo, make_staff, client):
    """Another district's official neither sees the queue's rows nor the submission, nor may answer it."""
    other = Jurisdiction.objects.create(code="310199000000", name="外区", level="district",
                                        parent=demo.village_a.parent.parent.parent)
    outsider = make_staff(Role.DISTRICT, other)
    approval = submit(demo, notice_over(demo))
    client.force_login(outsider)
    assert client.get(reverse("referrals:approval_detail", kwargs={"pk": approval.pk})).status_code == 404
    response = client.get(reverse("referrals:approval_queue"))
    assert response.status_code == 200 and response.context["page"].paginator.count == 0
    from django.http import Http404

    with pytest.raises(Http404):
        services.approval_approve(actor=outsider, approval=approval)


# ---------------------------------------------------------------- 审批权限
def test_the_district_sets_who_approves_from_a_date(demo):
    district = demo.district_official.jurisdiction
    services.approval_rule_set(actor=demo.district_official, assistance_type="temporary", level="township",
                               township_up_to=Decimal("2000"), days=5, effective_from=h.today())
    r = notice_over(demo)
    with pytest.raises(ValidationError) as exc:
        submit(demo, r, kind="temporary", amount=1500)  # now within the township's limit
    assert "由乡镇审批" in exc.value.message_dict["assistance_type"][0]
    rule = services.approval_rule_for(district.pk, "temporary")
    assert rule.row is not None and rule.level_for(Decimal("2500")) == "district"
    with pytest.raises(ValidationError, match="区县民政局设定"):
        services.approval_rule_set(actor=demo.township1, assistance_type="dibao", level="township", days=5,
                                   effective_from=h.today())
    with pytest.raises(ValidationError) as exc:
        services.approval_rule_set(actor=demo.district_official, assistance_type="dibao", level="district",
                                   days=5, effective_from=h.today() - dt.timedelta(days=1))
    assert "effective_from" in exc.value.message_dict
    # A later change holds from its date; today's rule stays.
    services.approval_rule_set(actor=demo.district_official, assistance_type="dibao", level="township",
                               days=5, effective_from=h.today() + dt.timedelta(days=30))
    assert services.approval_rule_for(district.pk, "dibao").level == "district"
    assert services.approval_rule_for(district.pk, "dibao", h.today() + dt.timedelta(days=30)).level == "township"
    assert ApprovalRule.objects.count() == 2


# ---------------------------------------------------------------- 长期公示
@pytest.mark.parametrize("name,masked", [("张小三", "张*三"), ("王五", "王*"), ("欧阳小明", "欧**明"), ("李", "*"),
                                         ("", "")])
def test_names_on_the_notice_hide_the_middle(name, masked):
    assert mask_name(name) == masked


def test_the_notice_lists_current_recipients_masked_without_id_numbers_or_addresses(demo, client):
    make_household(demo.village_a, head_name="张小三", residence_address="长宁路9号", assistance=["dibao"])
    make_household(demo.village_a, head_name="王五", assistance=["tekun"])
    make_household(demo.village_a, head_name="赵六", assistance=["temporary"])
    make_household(demo.village_c, head_name="钱七", assistance=["dibao"])
    rows = notice_board_rows(demo.village_a.pk, h.today())
    assert sorted(r["name"] for r in rows) == ["张*三", "王*"]
    services.objection_hotline_set(actor=demo.township1, township=demo.village_a.parent, phone="021-62512345")
    client.force_login(demo.caseworker_a)
    response = client.get(reverse("referrals:notice_board", kwargs={"village_pk": demo.village_a.pk}))
    html = response.content.decode()
    assert response.status_code == 200 and "张*三" in html and "王*" in html and "021-62512345" in html
    assert "张小三" not in html and "长宁路9号" not in html and "钱" not in html and "data-print" in html
    from households.models import Member

    id_numbers = [n for n in Member.objects.filter(household__village=demo.village_a)
                  .values_list("id_number", flat=True) if n]
    assert id_numbers and not any(n in html for n in id_numbers)
    # As of a day before the assistance began: nobody.
    response = client.get(reverse("referrals:notice_board", kwargs={"village_pk": demo.village_a.pk}),
                          {"as_of": "2000-01-01"})
    assert "张*三" not in response.content.decode()
    # The caseworker may not set the township's number.
    assert client.post(reverse("referrals:notice_board", kwargs={"village_pk": demo.village_a.pk}),
                       {"phone": "110"}).status_code == 403


def test_timeline_rows_survive_every_step(demo):
    """Each step of the approval path writes one timeline row."""
    r = notice_over(demo)
    approval = submit(demo, r)
    services.approval_approve(actor=demo.district_official, approval=approval)
    actions = list(ReferralStep.objects.filter(referral=r).values_list("action", flat=True))
    assert actions[-2:] == ["approval_submit", "approve"]


def test_a_case_submitted_for_approval_is_no_longer_overdue_by_its_handling_deadline(demo):
    """已报审批: the department's deadline no longer applies (the district's queue has its own); its overdue
    alert closes on submission and the morning job opens none."""
    from alerts.models import Alert, AlertKind, AlertStatus
    from referrals.tasks import deadline_alerts

    r = notice_over(demo)
    Referral.objects.filter(pk=r.pk).update(deadline=h.today() - dt.timedelta(days=2))
    deadline_alerts()
    alert = Alert.objects.get(kind=AlertKind.REFERRAL_OVERDUE, source_ref=f"referral:{r.pk}")
    assert Referral.objects.overdue().filter(pk=r.pk).exists()
    submit(demo, Referral.objects.get(pk=r.pk))
    assert not Referral.objects.overdue().filter(pk=r.pk).exists()
    alert.refresh_from_db()
    assert alert.status == AlertStatus.CLOSED
    assert deadline_alerts()["opened"] == 0


def test_a_running_notice_is_not_overdue_by_the_handling_deadline_and_an_ended_one_is(demo):
    """公示中: the statutory days are nobody's delay, so a handling deadline passing during them makes no 超期转办;
    once the notice has ended, the township's next step (报送审批) is late again."""
    r = h.in_notice(demo)
    Referral.objects.filter(pk=r.pk).update(deadline=h.today() - dt.timedelta(days=2),
                                            notice_start=h.today() - dt.timedelta(days=3),
                                            notice_end=h.today() + dt.timedelta(days=4))
    assert not Referral.objects.overdue().filter(pk=r.pk).exists()
    Referral.objects.filter(pk=r.pk).update(notice_end=h.today() - dt.timedelta(days=1))
    assert Referral.objects.overdue().filter(pk=r.pk).exists()
