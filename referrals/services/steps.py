"""Referral steps — 转办: the village drafts, studies and submits; the township and district decide."""
from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Iterable

from django.db import transaction
from django.utils.translation import gettext as _

from households.models import Household
from relief import access, data_version
from relief.access import Action

from .. import outcomes
from ..models import (
    DecisionLevel, Department, Lead, LeadStatus, OutcomeAssistance, Referral, ReferralStatus, ReferralStep,
    StepAction, Urgency,
)
from .approval import approval_required_check
from .common import _begin, _close_lead_step_alerts, _money, _now, _required, _save_lead, _step, _today
from .errors import ReferralError
from .hukou import hukou_handover_sync
from .rules import VILLAGE

S = ReferralStatus


# ---------------------------------------------------------------- referrals: village
@transaction.atomic
def referral_create(*, actor, household: Household, summary: str, requested: str = "",
                    urgency: str = Urgency.NORMAL, willing: bool = True, lead: Lead | None = None) -> Referral:
    """A village draft (村级草稿) for one household of the caseworker's village. Stable signature.

    Whoever calls it (the household page, plans.services.plan_item_refer), the referral answers a lead: the
    one given, else the household's oldest open lead, which becomes 已转办 and points to it.
    """
    return _referral_new(actor=actor, household=household, summary=summary, requested=requested,
                         urgency=urgency, willing=willing, lead=lead, party=VILLAGE)


def _lead_answered(household: Household, lead: Lead | None) -> Lead | None:
    """The lead a new referral answers, locked; refuses a lead that already has its referral."""
    if lead is None:
        return (Lead.objects.select_for_update().open().filter(household=household)
                .exclude(pk__in=Referral.objects.filter(lead__isnull=False).values("lead_id"))
                .order_by("received_at", "pk").first())
    lead = Lead.objects.select_for_update().get(pk=lead.pk)
    if lead.household_id != household.pk:
        raise ReferralError(_("该线索关联的不是这个家庭。"))
    earlier = Referral.objects.filter(lead=lead).values_list("pk", flat=True).first()
    if earlier is not None:
        raise ReferralError(_("该线索已转为转办%(pk)s，不能再转办。") % {"pk": earlier})
    if not lead.is_open:
        raise ReferralError(_("该线索当前为“%(s)s”，不能再转办。") % {"s": lead.get_status_display()})
    return lead


def _referral_new(*, actor, household: Household, summary: str, requested: str, urgency: str, willing: bool,
                  lead: Lead | None, party: str) -> Referral:
    access.check(actor, Action.VIEW, household.village_id)
    if not access.is_referral_party(actor, party, household.village_id):
        raise ReferralError(_("转办须由本村社会救助协理员发起。") if party == VILLAGE
                            else _("您的角色不能将线索转为转办。"))
    summary = _required(summary, "summary", _("请写明家庭的困难情况。"))
    if requested and requested not in OutcomeAssistance.values:
        raise ReferralError({"requested": _("请选择建议的救助方式。")})
    if urgency not in Urgency.values:
        raise ReferralError({"urgency": _("请选择紧急程度。")})
    lead = _lead_answered(household, lead)
    if Referral.objects.open().filter(household=household).exists():
        raise ReferralError(_("该家庭已有正在办理的转办，请在原转办中补充情况。"))
    now = _now()
    status = S.DRAFT if party == VILLAGE else S.SUBMITTED
    referral = Referral.objects.create(
        household=household, village_id=household.village_id, lead=lead, summary=summary, requested=requested,
        urgency=urgency, willing=bool(willing), status=status, created_by=actor, created_at=now, updated_at=now,
        submitted_at=now if status == S.SUBMITTED else None,
        # A village draft goes on with the study the lead was waiting for (环节时限 from its registration).
        step_started_at=lead.received_at if lead is not None and status == S.DRAFT else now,
    )
    action = StepAction.CREATE if party == VILLAGE else StepAction.TAKE_IN
    ReferralStep.objects.create(referral=referral, action=action, from_status="", to_status=status,
                                actor=actor, comment=summary[:500], at=now,
                                data={"lead_id": lead.pk, "by": party} if lead else {"by": party})
    data_version.records_changed()
    if status == S.SUBMITTED:
        hukou_handover_sync(actor=actor, referral=referral)
    if lead is not None:
        lead.status = LeadStatus.REFERRED
        _save_lead(lead, ["status"])
        _close_lead_step_alerts(lead, _("线索%(pk)s已转办，超时环节改由转办跟踪，系统自动关闭。"))
    return referral


@transaction.atomic
def referral_study(*, actor, referral, meeting_date: date, participants: str, conclusion: str,
                   comment: str = "", version: int | None = None) -> Referral:
    """Village collective study (村级集体研究): meeting date, who took part, what they concluded."""
    referral = _begin(referral, actor, version, StepAction.STUDY)
    _required(meeting_date, "meeting_date", _("请填写研究日期。"))
    if meeting_date > _today():
        raise ReferralError({"meeting_date": _("研究日期不能晚于今天。")})
    referral.study_date = meeting_date
    referral.study_participants = _required(participants, "participants", _("请填写参加研究的人员。"))[:300]
    referral.study_conclusion = _required(conclusion, "conclusion", _("请填写研究结论。"))
    return _step(referral, actor=actor, action=StepAction.STUDY, to_status=S.STUDIED, comment=comment,
                 data={"meeting_date": str(meeting_date), "participants": referral.study_participants,
                       "conclusion": referral.study_conclusion},
                 fields=["study_date", "study_participants", "study_conclusion"])


@transaction.atomic
def referral_submit(*, actor, referral, comment: str = "", version: int | None = None) -> Referral:
    """Submit to the township (报送乡镇). A 急难 draft may go up before the study, which follows as paperwork."""
    referral = _begin(referral, actor, version, StepAction.SUBMIT)
    if not referral.willing:
        raise ReferralError(_("本人暂无申请意愿，请先宣讲政策、了解意愿（救助自愿），再报送乡镇。"))
    referral.submitted_at = _now()
    hukou_handover_sync(actor=actor, referral=referral)
    return _step(referral, actor=actor, action=StepAction.SUBMIT, to_status=S.SUBMITTED, comment=comment,
                 data={"before_study": referral.study_date is None}, fields=["submitted_at"])


# ---------------------------------------------------------------- referrals: township and district
def _check_deadline(deadline) -> date:
    _required(deadline, "deadline", _("请填写办结期限。"))
    if deadline < _today():
        raise ReferralError({"deadline": _("办结期限不能早于今天。")})
    return deadline


@transaction.atomic
def referral_accept(*, actor, referral, department: str, deadline: date, comment: str = "",
                    version: int | None = None) -> Referral:
    """The township accepts the referral and hands it to a department with a deadline (清单管理)."""
    referral = _begin(referral, actor, version, StepAction.ACCEPT)
    if department not in Department.values:
        raise ReferralError({"department": _("请选择承办部门。")})
    referral.department = department
    referral.deadline = _check_deadline(deadline)
    referral.assigned_at = _now()
    referral.assigned_by = actor
    return _step(referral, actor=actor, action=StepAction.ACCEPT, to_status=S.ASSIGNED, comment=comment,
                 data={"department": department, "deadline": str(deadline)},
                 fields=["department", "deadline", "assigned_at", "assigned_by"])


@transaction.atomic
def referral_bulk_accept(*, actor, referral_ids: Iterable[int], department: str, deadline: date,
                         comment: str = "") -> list[Referral]:
    """Accept and assign several submitted referrals at once: all of them, or none if one cannot be."""
    ids = sorted({int(pk) for pk in referral_ids})
    if not ids:
        raise ReferralError(_("请至少选择一条转办。"))
    done = []
    for pk in ids:  # in id order, so two people assigning overlapping sets never deadlock
        try:
            done.append(referral_accept(actor=actor, referral=pk, department=department, deadline=deadline,
                                        comment=comment))
        except ReferralError as exc:
            if hasattr(exc, "error_dict"):
                raise
            raise ReferralError(_("转办%(pk)s：%(msg)s 本次未交办任何转办。") % {"pk": pk, "msg": " ".join(exc.messages)})
    return done


@transaction.atomic
def referral_review(*, actor, referral, review_date: date, participants: str, conclusion: str,
                    comment: str = "", version: int | None = None) -> Referral:
    """A special case's collective review (集中研究会审)."""
    referral = _begin(referral, actor, version, StepAction.REVIEW)
    _required(review_date, "review_date", _("请填写会审日期。"))
    if review_date > _today():
        raise ReferralError({"review_date": _("会审日期不能晚于今天。")})
    referral.review_date = review_date
    referral.review_participants = _required(participants, "participants", _("请填写参加会审的人员。"))[:300]
    referral.review_conclusion = _required(conclusion, "conclusion", _("请填写会审结论。"))
    to_status = S.REVIEWED if referral.status == S.ASSIGNED else referral.status
    return _step(referral, actor=actor, action=StepAction.REVIEW, to_status=to_status, comment=comment,
                 data={"review_date": str(review_date), "participants": referral.review_participants,
                       "conclusion": referral.review_conclusion},
                 fields=["review_date", "review_participants", "review_conclusion"])


@transaction.atomic
def referral_notice_start(*, actor, referral, start: date, end: date, place: str, comment: str = "",
                          version: int | None = None) -> Referral:
    """Publish the public notice (公示): from when to when, where it is posted."""
    referral = _begin(referral, actor, version, StepAction.NOTICE_START)
    _required(start, "start", _("请填写公示开始日期。"))
    _required(end, "end", _("请填写公示结束日期。"))
    if end < start:
        raise ReferralError({"end": _("公示结束日期不能早于开始日期。")})
    if end < _today():
        raise ReferralError({"end": _("公示结束日期不能早于今天。")})
    referral.notice_start, referral.notice_end = start, end
    referral.notice_place = _required(place, "place", _("请填写公示地点。"))[:200]
    referral.notice_objections, referral.notice_handling, referral.notice_objections_resolved = "", "", False
    return _step(referral, actor=actor, action=StepAction.NOTICE_START, to_status=S.NOTICE, comment=comment,
                 data={"start": str(start), "end": str(end), "place": referral.notice_place},
                 fields=["notice_start", "notice_end", "notice_place", "notice_objections", "notice_handling",
                         "notice_objections_resolved"])


@transaction.atomic
def referral_notice_result(*, actor, referral, objections: str, handling: str, resolved: bool,
                           comment: str = "", version: int | None = None) -> Referral:
    """Record the objections received during the notice and how they were handled."""
    referral = _begin(referral, actor, version, StepAction.NOTICE_RESULT)
    objections, handling = (objections or "").strip(), (handling or "").strip()
    if objections and not handling:
        raise ReferralError({"handling": _("收到异议的，请写明处理情况。")})
    if resolved and objections and not handling:
        raise ReferralError({"handling": _("请写明异议如何处理完毕。")})
    referral.notice_objections = objections
    referral.notice_handling = handling
    referral.notice_objections_resolved = bool(resolved) or not objections
    return _step(referral, actor=actor, action=StepAction.NOTICE_RESULT, to_status=S.NOTICE, comment=comment,
                 data={"objections": objections, "handling": handling,
                       "resolved": referral.notice_objections_resolved},
                 fields=["notice_objections", "notice_handling", "notice_objections_resolved"])


def _check_notice_over(referral: Referral) -> None:
    if referral.status != S.NOTICE:
        return
    if _today() <= referral.notice_end:
        raise ReferralError(_("公示期至%(end)s结束，公示期间不能认定符合条件。") % {"end": referral.notice_end})
    if referral.notice_objections and not referral.notice_objections_resolved:
        raise ReferralError(_("公示收到的异议尚未处理完毕，不能认定符合条件。"))


def _decision_level(referral: Referral) -> str:
    return DecisionLevel.DISTRICT if referral.status == S.ESCALATED else DecisionLevel.TOWNSHIP


@transaction.atomic
def referral_decide_eligible(*, actor, referral, assistance_type: str, amount=None, start_date: date | None = None,
                             organisation: str = "", comment: str = "", version: int | None = None,
                             one_off: bool | None = None) -> Referral:
    """The department (recorded by the township) or the district finds the family eligible.

    Writes the assistance and a household event back to the household and moves its roster kind.
    """
    referral = _begin(referral, actor, version, StepAction.DECIDE_ELIGIBLE)
    _check_notice_over(referral)
    if assistance_type not in OutcomeAssistance.values:
        raise ReferralError({"assistance_type": _("请选择救助方式。")})
    if assistance_type == OutcomeAssistance.REFERRAL_ORG:
        organisation = _required(organisation, "organisation", _("转介的，请填写承接的慈善组织或社会组织。"))
        amount = _money(amount, "amount", required=False) or Decimal("0")
    else:
        amount = _money(amount, "amount")
        if amount == 0:
            raise ReferralError({"amount": _("救助金额须大于0。")})
    if assistance_type == OutcomeAssistance.TEMPORARY and referral.discussion_amount is not None \
            and amount > referral.discussion_amount:
        raise ReferralError({"amount": _("临时救助金额不能超过一事一议同意的%(a)s元。") % {
            "a": referral.discussion_amount}})
    start_date = _required(start_date, "start_date", _("请填写救助开始日期。"))
    approval_required_check(referral, assistance_type, amount)  # 低保/特困 after 公示: the district approves
    level = _decision_level(referral)
    referral.decision_level = level
    referral.assistance_type = assistance_type
    referral.amount = amount
    referral.start_date = start_date
    referral.organisation = (organisation or "")[:100]
    referral.decided_by, referral.decided_at = actor, _now()
    referral.ineligible_reason, referral.real_difficulty = "", False
    if referral.help_first_on and not referral.paperwork_done_on:
        referral.paperwork_done_on = _today()  # the decision completes the help-first paperwork
    note = _("转办%(pk)s认定（%(dept)s）") % {"pk": referral.pk, "dept": referral.get_department_display() or level}
    if referral.organisation:
        note = _("%(note)s：转介%(org)s") % {"note": note, "org": referral.organisation}
    record = outcomes.assistance_grant(actor=actor, referral=referral, outcome=assistance_type, amount=amount,
                                       start_date=start_date, note=note, one_off=one_off)
    outcomes.roster_kind_follow(actor=actor, referral=referral, eligible=True)
    return _step(referral, actor=actor, action=StepAction.DECIDE_ELIGIBLE, to_status=S.ELIGIBLE, comment=comment,
                 data={"assistance_type": assistance_type, "amount": str(amount), "start": str(start_date),
                       "organisation": referral.organisation, "level": level,
                       "one_off": record.end_date is not None},
                 fields=["decision_level", "assistance_type", "amount", "start_date", "organisation", "decided_by",
                         "decided_at", "ineligible_reason", "real_difficulty", "paperwork_done_on"])


@transaction.atomic
def referral_decide_ineligible(*, actor, referral, reason: str, real_difficulty: bool = False,
                               difficulty: str = "", family_informed: bool = False, comment: str = "",
                               version: int | None = None) -> Referral:
    """Not eligible: the reason in words the family can be told (required).

    In real difficulty → the family goes on the observation list (tracking contact) and the roster kind follows.
    """
    referral = _begin(referral, actor, version, StepAction.DECIDE_INELIGIBLE)
    reason = _required(reason, "reason", _("请写明不符合条件的原因（可向家庭解释的话）。"))
    if len(reason) < 4:
        raise ReferralError({"reason": _("原因过于简单，请写明可以向家庭解释的具体原因。")})
    if real_difficulty and not (difficulty or "").strip():
        raise ReferralError({"difficulty": _("确有实际困难的，请写明具体困难，便于跟踪联系。")})
    level = _decision_level(referral)
    referral.decision_level = level
    referral.ineligible_reason = reason
    referral.real_difficulty = bool(real_difficulty)
    referral.family_informed = bool(family_informed)
    referral.decided_by, referral.decided_at = actor, _now()
    referral.assistance_type, referral.amount, referral.start_date = "", None, None
    if referral.help_first_on and not referral.paperwork_done_on:
        referral.paperwork_done_on = _today()
    if real_difficulty:
        outcomes.observation_add(actor=actor, referral=referral, reason=reason, difficulty=difficulty.strip())
        outcomes.roster_kind_follow(actor=actor, referral=referral, eligible=False)
    outcomes.quarterly_check_place(actor=actor, referral=referral)
    return _step(referral, actor=actor, action=StepAction.DECIDE_INELIGIBLE, to_status=S.INELIGIBLE,
                 comment=comment,
                 data={"reason": reason, "real_difficulty": bool(real_difficulty), "difficulty": difficulty,
                       "family_informed": bool(family_informed), "level": level},
                 fields=["decision_level", "ineligible_reason", "real_difficulty", "family_informed", "decided_by",
                         "decided_at", "assistance_type", "amount", "start_date", "paperwork_done_on"])


@transaction.atomic
def referral_escalate(*, actor, referral, reason: str, version: int | None = None) -> Referral:
    """What the township cannot handle goes up to the district, with the reason."""
    referral = _begin(referral, actor, version, StepAction.ESCALATE)
    referral.escalation_reason = _required(reason, "reason", _("请写明报区县的原因。"))
    referral.escalated_at = _now()
    return _step(referral, actor=actor, action=StepAction.ESCALATE, to_status=S.ESCALATED, comment=reason,
                 fields=["escalation_reason", "escalated_at"])


def previous_status(referral: Referral) -> str | None:
    """The state the referral came from by its last forward step into the current state."""
    for step in referral.steps.order_by("-at", "-pk"):
        if step.to_status == referral.status and step.from_status and step.from_status != step.to_status \
                and step.action != StepAction.RETURN:
            return step.from_status
    return None


@transaction.atomic
def referral_return(*, actor, referral, reason: str, version: int | None = None) -> Referral:
    """Send the referral back one step, with the reason (退回)."""
    referral = _begin(referral, actor, version, StepAction.RETURN)
    reason = _required(reason, "reason", _("请写明退回原因。"))
    back = previous_status(referral)
    if back is None:
        raise ReferralError(_("找不到上一步，无法退回。"))
    fields = []
    if referral.status == S.ASSIGNED:
        referral.department, referral.deadline, referral.assigned_at, referral.assigned_by = "", None, None, None
        fields += ["department", "deadline", "assigned_at", "assigned_by"]
    if referral.status == S.NOTICE:
        referral.notice_start = referral.notice_end = None
        referral.notice_place = referral.notice_objections = referral.notice_handling = ""
        referral.notice_objections_resolved = False
        fields += ["notice_start", "notice_end", "notice_place", "notice_objections", "notice_handling",
                   "notice_objections_resolved"]
    if referral.status == S.ESCALATED:
        referral.escalated_at = None
        fields += ["escalated_at"]
    if referral.status == S.SUBMITTED:
        referral.submitted_at = None
        fields += ["submitted_at"]
    return _step(referral, actor=actor, action=StepAction.RETURN, to_status=back, comment=reason,
                 data={"from": referral.status}, fields=fields)


@transaction.atomic
def referral_help_first(*, actor, referral, amount, paperwork_due: date, comment: str,
                        version: int | None = None) -> Referral:
    """先行救助: temporary assistance given at once and recorded; the paperwork follows by `paperwork_due`."""
    referral = _begin(referral, actor, version, StepAction.HELP_FIRST)
    amount = _money(amount, "amount")
    if amount == 0:
        raise ReferralError({"amount": _("先行救助金额须大于0。")})
    _required(paperwork_due, "paperwork_due", _("请填写补办手续的期限。"))
    if paperwork_due < _today():
        raise ReferralError({"paperwork_due": _("补办手续期限不能早于今天。")})
    comment = _required(comment, "comment", _("请写明急难情况。"))
    referral.help_first_amount = amount
    referral.help_first_on = _today()
    referral.paperwork_due = paperwork_due
    outcomes.assistance_grant(actor=actor, referral=referral, outcome=OutcomeAssistance.TEMPORARY, amount=amount,
                              start_date=referral.help_first_on, one_off=True,
                              note=_("转办%(pk)s先行救助") % {"pk": referral.pk})
    return _step(referral, actor=actor, action=StepAction.HELP_FIRST, to_status=referral.status, comment=comment,
                 data={"amount": str(amount), "paperwork_due": str(paperwork_due)},
                 fields=["help_first_amount", "help_first_on", "paperwork_due"])


@transaction.atomic
def referral_paperwork_done(*, actor, referral, comment: str = "", version: int | None = None) -> Referral:
    """The help-first paperwork has been completed."""
    referral = _begin(referral, actor, version, StepAction.PAPERWORK_DONE)
    referral.paperwork_done_on = _today()
    return _step(referral, actor=actor, action=StepAction.PAPERWORK_DONE, to_status=referral.status,
                 comment=comment, fields=["paperwork_done_on"])


@transaction.atomic
def referral_discussion(*, actor, referral, amount, justification: str, agreed_by: str, meeting_date: date,
                        version: int | None = None) -> Referral:
    """一事一议: a raised temporary-assistance amount, its justification and who agreed to it."""
    referral = _begin(referral, actor, version, StepAction.DISCUSSION)
    amount = _money(amount, "amount")
    if amount == 0:
        raise ReferralError({"amount": _("金额须大于0。")})
    referral.discussion_justification = _required(justification, "justification", _("请写明提高救助额度的理由。"))
    referral.discussion_agreed_by = _required(agreed_by, "agreed_by", _("请填写参与议定并同意的人员。"))[:300]
    _required(meeting_date, "meeting_date", _("请填写议定日期。"))
    if meeting_date > _today():
        raise ReferralError({"meeting_date": _("议定日期不能晚于今天。")})
    referral.discussion_amount = amount
    referral.discussion_date = meeting_date
    return _step(referral, actor=actor, action=StepAction.DISCUSSION, to_status=referral.status,
                 comment=referral.discussion_justification,
                 data={"amount": str(amount), "agreed_by": referral.discussion_agreed_by,
                       "meeting_date": str(meeting_date)},
                 fields=["discussion_amount", "discussion_justification", "discussion_agreed_by",
                         "discussion_date"])


@transaction.atomic
def referral_inform_family(*, actor, referral, comment: str = "", version: int | None = None) -> Referral:
    """The family has been told why they are not eligible (做好解释)."""
    referral = _begin(referral, actor, version, StepAction.INFORM)
    referral.family_informed = True
    return _step(referral, actor=actor, action=StepAction.INFORM, to_status=referral.status, comment=comment,
                 fields=["family_informed"])
