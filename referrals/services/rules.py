"""Who may act: which party (village, township, district) takes each step from each state."""
from __future__ import annotations


from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from relief import access, punctuation

from ..models import (
    Referral, ReferralStatus, StepAction, Urgency,
)

S = ReferralStatus


from .errors import ReferralError, S


# ---------------------------------------------------------------- who may see and handle a referral
# Residence and hukou in different places (seed 004 §二(二), referrals/models_hukou.py). The one rule:
# - the residence side (the village's caseworker, its township, its district) sees every referral of its villages
#   and takes the village's steps (draft, study, submission, telling the family): discovery and visits;
# - a referral handed over to the family's hukou township (HukouHandover, written at submission) is handled
#   there: its township and district steps are taken by the hukou township's staff and district, who see that
#   case (its page, timeline and outcome) and nothing else of the family — the household page, its leads and
#   visits stay with the residence side (404 for them).

def hukou_handover_of(referral: Referral):
    """The referral's handover to the hukou township, or None (read once per referral object)."""
    from ..models_hukou import HukouHandover

    try:
        return referral.hukou_handover
    except HukouHandover.DoesNotExist:
        return None


def handling_place_id(referral: Referral, party: str) -> int:
    """The jurisdiction whose `party` takes the referral's steps: the residence village for the village's
    steps; the hukou township (or, for the district, its district above it) once the referral is handed over."""
    if party != VILLAGE:
        handover = hukou_handover_of(referral)
        if handover is not None:
            return handover.township_id
    return referral.village_id


def hukou_handover_q(user) -> Q:
    """Referrals handed over to a hukou township the user serves (township staff there, or its district)."""
    return Q(hukou_handover__township__in=access.jurisdiction_ids_for(user, access.Action.DECIDE_REFERRALS))


def handled_by_q(user) -> Q:
    """Referrals whose township and district steps are the user's to take: not handed over to a hukou township
    (the residence side handles them), or handed over to one the user serves. With visible_referrals, the
    residence township's queue of what awaits acceptance leaves out the cases another township handles."""
    return Q(hukou_handover__isnull=True) | hukou_handover_q(user)


def visible_referrals(user, queryset: QuerySet | None = None) -> QuerySet:
    """The referrals the user may see: those of their villages, and those handed over to their hukou township."""
    queryset = Referral.objects.all() if queryset is None else queryset
    if user.is_superuser:
        return queryset
    villages = access.village_ids_for(user, access.Action.VIEW)
    return queryset.filter(Q(village__in=villages) | hukou_handover_q(user))


def may_see_referral(user, referral: Referral) -> bool:
    if access.can(user, access.Action.VIEW, referral.village_id):
        return True
    handover = hukou_handover_of(referral)
    return handover is not None and access.can(user, access.Action.DECIDE_REFERRALS, handover.township_id)


def check_sees_referral(user, referral: Referral) -> None:
    """Http404 for a referral the user may not see (neither its residence side nor its hukou township)."""
    if not may_see_referral(user, referral):
        raise Http404(_("未找到该记录，或它不在您的辖区内。"))


def sees_family_of(user, referral: Referral) -> bool:
    """May open the family's own records (household page, leads, visits): the residence side only."""
    return access.can(user, access.Action.VIEW, referral.village_id)


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
    return any(access.is_referral_party(user, p, handling_place_id(referral, p)) for p in parties)


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
    if not any(access.is_referral_party(actor, p, handling_place_id(referral, p)) for p in parties):
        handover = hukou_handover_of(referral)
        if handover is not None and VILLAGE not in parties:
            raise ReferralError(_("该家庭户籍在%(t)s，转办由户籍地乡镇（街道）受理办理，“%(step)s”须由%(t)s办理；"
                                  "居住地负责走访和动态监测。") % {"t": handover.township.name, "step": label})
        who = punctuation.mark("、").join(str(PARTY_LABEL[p]) for p in parties)
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


