"""Who may act: which party (village, township, district) takes each step from each state."""
from __future__ import annotations


from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from relief import access

from ..models import (
    Referral, ReferralStatus, StepAction, Urgency,
)

S = ReferralStatus


from .errors import ReferralError, S


# ---------------------------------------------------------------- who may act
VILLAGE, TOWNSHIP, DISTRICT = "village", "township", "district"

PARTY_LABEL = {VILLAGE: gettext_lazy("村社会救助协理员"), TOWNSHIP: gettext_lazy("乡镇民政办"),
               DISTRICT: gettext_lazy("区县民政局")}


# Each step: the states it starts from → the party that takes it there.
STEP_RULES: dict[str, dict[str, str]] = {
    StepAction.STUDY: {S.DRAFT: VILLAGE},
    StepAction.SUBMIT: {S.STUDIED: VILLAGE, S.DRAFT: VILLAGE},  # from draft only for 急难 (see referral_submit)
    StepAction.ACCEPT: {S.SUBMITTED: TOWNSHIP},
    StepAction.REVIEW: {S.ASSIGNED: TOWNSHIP, S.ESCALATED: DISTRICT},
    StepAction.NOTICE_START: {S.ASSIGNED: TOWNSHIP, S.REVIEWED: TOWNSHIP},
    StepAction.NOTICE_RESULT: {S.NOTICE: TOWNSHIP},
    StepAction.DECIDE_ELIGIBLE: {S.ASSIGNED: TOWNSHIP, S.NOTICE: TOWNSHIP, S.ESCALATED: DISTRICT},
    StepAction.DECIDE_INELIGIBLE: {S.ASSIGNED: TOWNSHIP, S.REVIEWED: TOWNSHIP, S.NOTICE: TOWNSHIP,
                                   S.ESCALATED: DISTRICT},
    StepAction.ESCALATE: {S.SUBMITTED: TOWNSHIP, S.ASSIGNED: TOWNSHIP, S.REVIEWED: TOWNSHIP},
    StepAction.RETURN: {S.STUDIED: VILLAGE, S.SUBMITTED: TOWNSHIP, S.ASSIGNED: TOWNSHIP, S.REVIEWED: TOWNSHIP,
                        S.NOTICE: TOWNSHIP, S.ESCALATED: DISTRICT},
    StepAction.HELP_FIRST: {S.SUBMITTED: TOWNSHIP, S.ASSIGNED: TOWNSHIP, S.REVIEWED: TOWNSHIP, S.NOTICE: TOWNSHIP,
                            S.ESCALATED: TOWNSHIP},
    StepAction.PAPERWORK_DONE: {s: TOWNSHIP for s in S.values},
    StepAction.DISCUSSION: {S.SUBMITTED: TOWNSHIP, S.ASSIGNED: TOWNSHIP, S.REVIEWED: TOWNSHIP, S.NOTICE: TOWNSHIP,
                            S.ESCALATED: DISTRICT},
    StepAction.INFORM: {S.INELIGIBLE: VILLAGE},
}
# Telling the family may be done by the township as well as the village.
EXTRA_PARTIES = {StepAction.INFORM: {S.INELIGIBLE: TOWNSHIP}}


# A case handed to several departments (综合评估, services/departments.py) is decided item by item and the family
# told once: the single-department steps below are not taken on it.
MULTI_DEPARTMENT_BLOCKED = {StepAction.REVIEW, StepAction.NOTICE_START, StepAction.DECIDE_ELIGIBLE,
                            StepAction.DECIDE_INELIGIBLE, StepAction.ESCALATE, StepAction.RETURN, StepAction.INFORM}


def has_assessment(referral: Referral) -> bool:
    """Handled by several departments (a CaseAssessment); read once per referral object."""
    return referral.status in (S.ASSIGNED, S.ELIGIBLE, S.INELIGIBLE) and hasattr(referral, "assessment")


def step_party(action: str, status: str) -> str | None:
    return STEP_RULES.get(action, {}).get(status)


def can_step(user, referral: Referral, action: str) -> bool:
    """May this user take this step on this referral now (ignoring the step's own input checks)?"""
    parties = [p for p in (step_party(action, referral.status), EXTRA_PARTIES.get(action, {}).get(referral.status))
               if p]
    if not parties:
        return False
    if action in MULTI_DEPARTMENT_BLOCKED and has_assessment(referral):
        return False
    if action == StepAction.HELP_FIRST and referral.help_first_on:
        return False
    if action == StepAction.PAPERWORK_DONE and not (referral.help_first_on and not referral.paperwork_done_on):
        return False
    if action == StepAction.INFORM and referral.family_informed:
        return False
    if action == StepAction.SUBMIT and referral.status == S.DRAFT and referral.urgency != Urgency.EMERGENCY:
        return False
    return any(access.is_referral_party(user, p, referral.village_id) for p in parties)


def allowed_steps(user, referral: Referral) -> list[str]:
    return [a for a in STEP_RULES if can_step(user, referral, a)]


def _refuse_step(actor, referral: Referral, action: str) -> None:
    """Raise the clearest reason why the actor may not take this step now."""
    label = StepAction(action).label
    parties = [p for p in (step_party(action, referral.status), EXTRA_PARTIES.get(action, {}).get(referral.status))
               if p]
    if not parties:
        if action in (StepAction.DECIDE_ELIGIBLE, StepAction.DECIDE_INELIGIBLE) and referral.status in (S.DRAFT,
                                                                                                     S.STUDIED):
            raise ReferralError(_("该转办尚在村级办理（%(status)s），还未报送乡镇，不能认定结果。") % {
                "status": referral.get_status_display()})
        if action == StepAction.DECIDE_ELIGIBLE and referral.status == S.REVIEWED:
            raise ReferralError(_("集中研究会审后须先公示，公示期满且异议处理完毕后方可认定符合条件。"))
        if referral.status in (S.ELIGIBLE, S.INELIGIBLE):
            raise ReferralError(_("该转办已办结（%(status)s），不能再“%(step)s”。") % {
                "status": referral.get_status_display(), "step": label})
        raise ReferralError(_("当前状态为“%(status)s”，不能“%(step)s”。") % {
            "status": referral.get_status_display(), "step": label})
    if action in MULTI_DEPARTMENT_BLOCKED and has_assessment(referral):
        raise ReferralError(_("该转办经综合评估交办多个部门，由各部门分别办理、办结后一次性告知家庭，"
                              "不能“%(step)s”。") % {"step": label})
    if not any(access.is_referral_party(actor, p, referral.village_id) for p in parties):
        who = "、".join(str(PARTY_LABEL[p]) for p in parties)
        raise ReferralError(_("“%(step)s”须由%(who)s办理，您的角色不能办理此步骤。") % {"step": label, "who": who})
    if action == StepAction.SUBMIT and referral.status == S.DRAFT:
        raise ReferralError(_("当前状态为“村级草稿”，不能“报送乡镇”：须先经村级集体研究（急难事项除外）。"))
    if action == StepAction.HELP_FIRST:
        raise ReferralError(_("该转办已于%(d)s先行救助，不能重复。") % {"d": referral.help_first_on})
    if action == StepAction.PAPERWORK_DONE:
        raise ReferralError(_("该转办没有待补办手续的先行救助。"))
    if action == StepAction.INFORM:
        raise ReferralError(_("已告知家庭。"))
    raise ReferralError(_("当前状态为“%(status)s”，不能“%(step)s”。") % {
        "status": referral.get_status_display(), "step": label})


