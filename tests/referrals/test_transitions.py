"""Every step of a referral, by the role allowed to take it and refused for the others."""
import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404

from referrals import services
from referrals.models import Lead, LeadStatus, Referral, ReferralStatus as S, ReferralStep, StepAction
from tests.households.factories import make_household

from . import helpers as h

pytestmark = pytest.mark.django_db


def test_village_drafts_studies_and_submits_with_a_timeline(demo):
    """A caseworker drafts, records the collective study and submits; each step is in the timeline."""
    r = h.draft(demo)
    assert r.status == S.DRAFT and r.village == demo.village_a
    r = services.referral_study(actor=demo.caseworker_a, referral=r, meeting_date=h.today(),
                                participants="村支书、主任、协理员", conclusion="同意上报", version=r.version)
    assert r.status == S.STUDIED and r.study_participants == "村支书、主任、协理员"
    r = services.referral_submit(actor=demo.caseworker_a, referral=r, comment="请乡镇审核", version=r.version)
    assert r.status == S.SUBMITTED and r.submitted_at
    steps = list(r.steps.values_list("action", "from_status", "to_status", "actor__username"))
    assert steps == [
        (StepAction.CREATE, "", S.DRAFT, "caseworker1"),
        (StepAction.STUDY, S.DRAFT, S.STUDIED, "caseworker1"),
        (StepAction.SUBMIT, S.STUDIED, S.SUBMITTED, "caseworker1"),
    ]


def test_submitting_a_draft_without_study_is_refused_unless_emergency(demo):
    r = h.draft(demo)
    with pytest.raises(ValidationError, match="当前状态为“村级草稿”，不能“报送乡镇”"):
        services.referral_submit(actor=demo.caseworker_a, referral=r)
    urgent = h.draft(demo, urgency="emergency")
    urgent = services.referral_submit(actor=demo.caseworker_a, referral=urgent)
    assert urgent.status == S.SUBMITTED
    assert urgent.steps.get(action=StepAction.SUBMIT).data == {"before_study": True}


def test_unwilling_family_is_not_submitted(demo):
    r = h.draft(demo, willing=False)
    r = services.referral_study(actor=demo.caseworker_a, referral=r, meeting_date=h.today(), participants="两委",
                                conclusion="待了解意愿")
    with pytest.raises(ValidationError, match="救助自愿"):
        services.referral_submit(actor=demo.caseworker_a, referral=r)


def test_township_cannot_draft_and_other_village_cannot_see(demo):
    household = make_household(demo.village_a)
    with pytest.raises(ValidationError, match="本村社会救助协理员"):
        services.referral_create(actor=demo.township1, household=household, summary="困难")
    with pytest.raises(Http404):
        services.referral_create(actor=demo.caseworker_c, household=household, summary="困难")
    with pytest.raises(Http404):
        services.referral_study(actor=demo.caseworker_c, referral=h.draft(demo), meeting_date=h.today(),
                                participants="x", conclusion="y")


def test_second_open_referral_for_a_household_is_refused(demo):
    r = h.draft(demo)
    with pytest.raises(ValidationError, match="已有正在办理的转办"):
        services.referral_create(actor=demo.caseworker_a, household=r.household, summary="又一次")


def test_deciding_a_draft_is_refused(demo):
    r = h.draft(demo)
    with pytest.raises(ValidationError, match="尚在村级办理"):
        services.referral_decide_eligible(actor=demo.township1, referral=r, assistance_type="dibao", amount=500,
                                          start_date=h.today())
    assert Referral.objects.get(pk=r.pk).status == S.DRAFT


def test_village_user_cannot_accept_or_approve(demo):
    r = h.submitted(demo)
    with pytest.raises(ValidationError, match="须由乡镇民政办办理"):
        services.referral_accept(actor=demo.caseworker_a, referral=r, department="civil_affairs",
                                 deadline=h.today() + dt.timedelta(days=5))
    r = h.assigned(demo)
    with pytest.raises(ValidationError, match="须由乡镇民政办办理"):
        services.referral_decide_eligible(actor=demo.caseworker_a, referral=r, assistance_type="dibao", amount=500,
                                          start_date=h.today())


def test_other_township_gets_404(demo):
    r = h.submitted(demo)
    with pytest.raises(Http404):
        services.referral_accept(actor=demo.township2, referral=r, department="civil_affairs",
                                 deadline=h.today() + dt.timedelta(days=5))


def test_accept_requires_department_and_a_deadline_not_in_the_past(demo):
    r = h.submitted(demo)
    with pytest.raises(ValidationError) as exc:
        services.referral_accept(actor=demo.township1, referral=r, department="civil_affairs",
                                 deadline=h.today() - dt.timedelta(days=1))
    assert exc.value.message_dict == {"deadline": ["办结期限不能早于今天。"]}
    with pytest.raises(ValidationError) as exc:
        services.referral_accept(actor=demo.township1, referral=r, department="nope", deadline=h.today())
    assert "department" in exc.value.message_dict
    r = services.referral_accept(actor=demo.township1, referral=r, department="social_security",
                                 deadline=h.today())
    assert (r.status, r.department, r.deadline, r.assigned_by) == (S.ASSIGNED, "social_security", h.today(),
                                                                   demo.township1)


def test_district_cannot_decide_what_was_not_escalated(demo):
    r = h.assigned(demo)
    with pytest.raises(ValidationError, match="须由乡镇民政办办理"):
        services.referral_decide_ineligible(actor=demo.district_official, referral=r, reason="收入超过标准")


def test_escalation_and_district_decision(demo):
    r = h.escalated(demo)
    assert r.status == S.ESCALATED and r.escalation_reason
    with pytest.raises(ValidationError, match="须由区县民政局办理"):
        services.referral_decide_eligible(actor=demo.township1, referral=r, assistance_type="dibao", amount=600,
                                          start_date=h.today())
    r = services.referral_decide_eligible(actor=demo.district_official, referral=r, assistance_type="tekun",
                                          amount="1200", start_date=h.today(), comment="区县会商同意")
    assert r.status == S.ELIGIBLE and r.decision_level == "district" and r.amount == Decimal("1200.00")


def test_escalation_needs_a_reason(demo):
    r = h.assigned(demo)
    with pytest.raises(ValidationError) as exc:
        services.referral_escalate(actor=demo.township1, referral=r, reason="  ")
    assert exc.value.message_dict == {"reason": ["请写明报区县的原因。"]}


def test_ineligible_needs_a_reason(demo):
    r = h.assigned(demo)
    with pytest.raises(ValidationError) as exc:
        services.referral_decide_ineligible(actor=demo.township1, referral=r, reason="")
    assert "reason" in exc.value.message_dict
    assert Referral.objects.get(pk=r.pk).status == S.ASSIGNED


def test_returns_go_back_one_step(demo):
    r = h.assigned(demo)
    r = services.referral_return(actor=demo.township1, referral=r, reason="部门不对，需重新交办")
    assert r.status == S.SUBMITTED and r.department == "" and r.deadline is None
    r = services.referral_return(actor=demo.township1, referral=r, reason="材料不全，请补充收入证明")
    assert r.status == S.STUDIED
    with pytest.raises(ValidationError, match="须由村社会救助协理员办理"):
        services.referral_return(actor=demo.township1, referral=r, reason="再退")
    r = services.referral_return(actor=demo.caseworker_a, referral=r, reason="重新研究")
    assert r.status == S.DRAFT
    with pytest.raises(ValidationError, match="不能“退回”"):
        services.referral_return(actor=demo.caseworker_a, referral=r, reason="x")
    returns = r.steps.filter(action=StepAction.RETURN).values_list("comment", flat=True)
    assert list(returns) == ["部门不对，需重新交办", "材料不全，请补充收入证明", "重新研究"]


def test_district_returns_to_the_township(demo):
    r = h.escalated(demo)
    r = services.referral_return(actor=demo.district_official, referral=r, reason="请乡镇先核实收入")
    assert r.status == S.ASSIGNED


def test_collective_review_then_notice_then_approval_only_after_the_period(demo):
    r = h.reviewed(demo)
    assert r.status == S.REVIEWED and r.review_conclusion
    with pytest.raises(ValidationError, match="须先公示"):
        services.referral_decide_eligible(actor=demo.township1, referral=r, assistance_type="dibao", amount=500,
                                          start_date=h.today())
    r = services.referral_notice_start(actor=demo.township1, referral=r, start=h.today(),
                                       end=h.today() + dt.timedelta(days=7), place="村务公开栏")
    with pytest.raises(ValidationError, match="公示期间不能认定符合条件"):
        services.referral_decide_eligible(actor=demo.township1, referral=r, assistance_type="dibao", amount=500,
                                          start_date=h.today())
    # The notice period is over, but an objection is still being handled.
    Referral.objects.filter(pk=r.pk).update(notice_start=h.today() - dt.timedelta(days=8),
                                            notice_end=h.today() - dt.timedelta(days=1))
    r = services.referral_notice_result(actor=demo.township1, referral=r, objections="邻居反映其子有车",
                                        handling="正在核实车辆登记", resolved=False)
    with pytest.raises(ValidationError, match="异议尚未处理完毕"):
        services.referral_decide_eligible(actor=demo.township1, referral=r, assistance_type="dibao", amount=500,
                                          start_date=h.today())
    r = services.referral_notice_result(actor=demo.township1, referral=r, objections="邻居反映其子有车",
                                        handling="经核实车辆已于2023年转让", resolved=True)
    # 低保 after 公示 is the district's to approve (referrals/services/approval.py); the township decides
    # what it may approve itself, such as 临时救助 up to 1,000 元.
    with pytest.raises(ValidationError, match="由区县民政局审批"):
        services.referral_decide_eligible(actor=demo.township1, referral=r, assistance_type="dibao", amount=500,
                                          start_date=h.today())
    r = services.referral_decide_eligible(actor=demo.township1, referral=r, assistance_type="temporary",
                                          amount=500, start_date=h.today())
    assert r.status == S.ELIGIBLE


def test_notice_dates_are_checked(demo):
    r = h.reviewed(demo)
    with pytest.raises(ValidationError) as exc:
        services.referral_notice_start(actor=demo.township1, referral=r, start=h.today(),
                                       end=h.today() - dt.timedelta(days=1), place="公开栏")
    assert "end" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.referral_notice_result(actor=demo.township1, referral=h.in_notice(demo), objections="有异议",
                                        handling="", resolved=True)
    assert "handling" in exc.value.message_dict


def test_help_first_records_assistance_at_once_with_a_paperwork_deadline(demo):
    r = h.submitted(demo, urgency="emergency")
    with pytest.raises(ValidationError, match="须由乡镇民政办办理"):
        services.referral_help_first(actor=demo.caseworker_a, referral=r, amount=1000,
                                     paperwork_due=h.today() + dt.timedelta(days=5), comment="火灾")
    with pytest.raises(ValidationError) as exc:
        services.referral_help_first(actor=demo.township1, referral=r, amount=1000,
                                     paperwork_due=h.today() - dt.timedelta(days=1), comment="火灾")
    assert "paperwork_due" in exc.value.message_dict
    r = services.referral_help_first(actor=demo.township1, referral=r, amount=1000,
                                     paperwork_due=h.today() + dt.timedelta(days=5), comment="房屋失火，无处居住")
    assert r.status == S.SUBMITTED and r.help_first_amount == Decimal("1000.00")
    record = r.household.assistance.get()
    assert (record.type, record.monthly_amount, record.start_date, record.end_date) == (
        "temporary", Decimal("1000.00"), h.today(), h.today())
    assert not services.can_step(demo.township1, r, StepAction.HELP_FIRST)  # once only
    r = services.referral_paperwork_done(actor=demo.township1, referral=r, comment="申请书、证明已补齐")
    assert r.paperwork_done_on == h.today()


def test_one_case_one_discussion_caps_the_temporary_amount(demo):
    r = h.assigned(demo)
    with pytest.raises(ValidationError) as exc:
        services.referral_discussion(actor=demo.township1, referral=r, amount=8000, justification="",
                                     agreed_by="党委会", meeting_date=h.today())
    assert "justification" in exc.value.message_dict
    r = services.referral_discussion(actor=demo.township1, referral=r, amount=8000,
                                     justification="重病住院，自付费用高", agreed_by="镇长、分管领导、民政办主任",
                                     meeting_date=h.today())
    assert r.discussion_amount == Decimal("8000.00")
    with pytest.raises(ValidationError, match="不能超过一事一议同意的8000.00元"):
        services.referral_decide_eligible(actor=demo.township1, referral=r, assistance_type="temporary",
                                          amount=9000, start_date=h.today())
    r = services.referral_decide_eligible(actor=demo.township1, referral=r, assistance_type="temporary",
                                          amount=8000, start_date=h.today())
    assert r.status == S.ELIGIBLE


def test_stale_version_is_refused(demo):
    r = h.submitted(demo)
    stale = r.version
    services.referral_accept(actor=demo.township1, referral=r, department="civil_affairs", deadline=h.today(),
                             version=stale)
    with pytest.raises(services.ReferralConflict, match="您的操作未保存"):
        services.referral_return(actor=demo.township1, referral=r, reason="退回", version=stale)


def test_decided_referral_cannot_be_decided_again(demo):
    r = h.assigned(demo)
    r = services.referral_decide_ineligible(actor=demo.township1, referral=r, reason="家庭收入高于低保标准",
                                            family_informed=False)
    with pytest.raises(ValidationError, match="已办结"):
        services.referral_decide_eligible(actor=demo.township1, referral=r, assistance_type="dibao", amount=500,
                                          start_date=h.today())
    r = services.referral_inform_family(actor=demo.caseworker_a, referral=r, comment="已上门解释")
    assert r.family_informed
    assert not services.can_step(demo.caseworker_a, r, StepAction.INFORM)


def test_bulk_accept_is_all_or_nothing(demo):
    a, b = h.submitted(demo), h.submitted(demo, village=demo.village_b)
    c = h.draft(demo)
    with pytest.raises(ValidationError, match=f"转办{c.pk}"):
        services.referral_bulk_accept(actor=demo.township1, referral_ids=[a.pk, b.pk, c.pk],
                                      department="disabled", deadline=h.today())
    assert set(Referral.objects.filter(pk__in=[a.pk, b.pk]).values_list("status", flat=True)) == {S.SUBMITTED}
    done = services.referral_bulk_accept(actor=demo.township1, referral_ids=[a.pk, b.pk], department="disabled",
                                         deadline=h.today())
    assert [r.status for r in done] == [S.ASSIGNED, S.ASSIGNED]


def test_allowed_steps_per_role(demo):
    r = h.assigned(demo)
    assert services.allowed_steps(demo.caseworker_a, r) == []
    township = services.allowed_steps(demo.township1, r)
    assert {StepAction.DECIDE_ELIGIBLE, StepAction.DECIDE_INELIGIBLE, StepAction.ESCALATE, StepAction.RETURN,
            StepAction.REVIEW, StepAction.NOTICE_START, StepAction.HELP_FIRST, StepAction.DISCUSSION} == set(township)
    assert services.allowed_steps(demo.district_official, r) == []
    assert services.allowed_steps(demo.township2, r) == []


# ---------------------------------------------------------------- leads
def test_lead_create_is_idempotent_on_its_dedupe_key(demo):
    first = services.lead_create(actor=None, channel="feed", village=demo.village_a, subject_name="李四",
                                 description="医保数据：年自付医疗费用超过3万元", dedupe_key="plans:match:7:2026-05")
    again = services.lead_create(actor=None, channel="feed", village=demo.village_a, subject_name="李四",
                                 description="重复运行", dedupe_key="plans:match:7:2026-05")
    assert first.was_created and not again.was_created and again.pk == first.pk
    assert Lead.objects.count() == 1


def test_lead_create_checks_input_and_jurisdiction(demo):
    with pytest.raises(ValidationError) as exc:
        services.lead_create(actor=demo.township1, channel="hotline", village=demo.village_a, description="")
    assert "description" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.lead_create(actor=demo.township1, channel="hotline", village=demo.village_a, description="困难")
    assert "subject_name" in exc.value.message_dict
    with pytest.raises(Http404):
        services.lead_create(actor=demo.township1, channel="hotline", village=demo.village_c, subject_name="王",
                             description="困难")
    household = make_household(demo.village_b)
    with pytest.raises(ValidationError) as exc:
        services.lead_create(actor=demo.township1, channel="hotline", village=demo.village_a, household=household,
                             description="困难")
    assert "village" in exc.value.message_dict


def test_lead_is_looked_into_then_closed_with_a_reason(demo):
    lead = services.lead_create(actor=demo.township1, channel="hotline", village=demo.village_a,
                                subject_name="赵大妈", reporter_contact="13800001111", description="独居无人照料")
    lead = services.lead_start(actor=demo.caseworker_a, lead=lead)
    assert lead.status == LeadStatus.LOOKING_INTO and lead.looked_into_by == demo.caseworker_a
    with pytest.raises(ValidationError):
        services.lead_close(actor=demo.caseworker_a, lead=lead, reason="")
    lead = services.lead_close(actor=demo.caseworker_a, lead=lead, reason="经核实已享受特困供养")
    assert lead.status == LeadStatus.CLOSED
    with pytest.raises(ValidationError, match="不能再关闭"):
        services.lead_close(actor=demo.caseworker_a, lead=lead, reason="again")


def test_lead_becomes_a_referral_with_a_new_household(demo):
    lead = services.lead_create(actor=demo.township1, channel="hotline", village=demo.village_a,
                                subject_name="钱阿姨", subject_address="华山路5号", description="丈夫去世，无收入")
    with pytest.raises(ValidationError, match="请先关联或登记"):
        services.lead_to_referral(actor=demo.caseworker_a, lead=lead)
    lead = services.lead_link_household(actor=demo.caseworker_a, lead=lead, phone="13900002222")
    assert lead.household.residence_address == "华山路5号" and lead.household.village == demo.village_a
    with pytest.raises(ValidationError, match="不能将线索转为转办"):
        services.lead_to_referral(actor=demo.district_official, lead=lead)
    referral = services.lead_to_referral(actor=demo.caseworker_a, lead=lead, requested="dibao")
    lead.refresh_from_db()
    assert lead.status == LeadStatus.REFERRED and referral.lead == lead
    assert referral.summary == "丈夫去世，无收入" and referral.status == S.DRAFT
    assert ReferralStep.objects.get(referral=referral).data == {"lead_id": lead.pk, "by": "village"}


def test_township_takes_a_lead_in_as_a_referral_ready_to_hand_over(demo):
    """Township staff who took the call turn the lead into a referral the township has received (已报乡镇)."""
    household = make_household(demo.village_a)
    lead = services.lead_create(actor=demo.township1, channel="hotline", household=household,
                                description="独居老人摔伤，无人照料")
    referral = services.lead_to_referral(actor=demo.township1, lead=lead, requested="temporary")
    lead.refresh_from_db()
    assert lead.status == LeadStatus.REFERRED and lead.referral == referral
    assert referral.status == S.SUBMITTED and referral.submitted_at is not None
    assert [s.action for s in referral.steps.all()] == ["take_in"]
    assert services.allowed_steps(demo.township1, referral)[0] == "accept"
