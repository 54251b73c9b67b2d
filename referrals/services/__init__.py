"""Writes for leads and referrals: one function per step, each under a row lock with a version check.

Who acts at each step
---------------------
- village (村社会救助协理员, Action.SUBMIT_REFERRALS on the household's village): drafts, collective study,
  submission, taking a studied referral back to draft, telling the family.
- township (乡镇民政办, Action.DECIDE_REFERRALS): accepts and hands to a department with a deadline, collective
  review, public notice, help first, one case one discussion, escalation, returns. The departments (民政, 社保,
  医保 …) have no accounts: township staff record each department's decision on its behalf (清单管理).
- district (区县民政局, Action.DECIDE_REFERRALS): decides or returns what was escalated to it.

Errors
------
Outside the actor's jurisdiction → Http404 (the referral does not exist for them). A step the actor's role may
not take, a step the referral's state does not allow, or bad input → ReferralError (a ValidationError with a
Chinese message, per field where one field is at fault). A referral changed by someone else since the actor
read it (their `version` is stale) → ReferralConflict, and nothing is stored.

Where it lives
--------------
rules.py (who takes which step from which state), errors.py and common.py (row locks, version checks, step
rows, stale alerts), leads.py (线索), departments.py (综合评估: one case, several departments), steps.py (转办 steps), hotline.py (热线工单: deadlines, response, feedback,
the spreadsheet import's write) and limits.py (环节时限, set by the district). Callers import from
`referrals.services`.
"""
from .departments import assessment_create, assessment_inform, department_item_decide, may_inform
from .errors import ReferralConflict, ReferralError
from .hotline import (
    default_deadlines, work_order_feedback, work_order_register, work_order_respond, work_order_update,
    work_orders_import,
)
from .leads import (
    LeadDraft, LeadsOpened, lead_close, lead_create, lead_create_for_households, lead_create_many,
    lead_link_household, lead_start, lead_to_referral,
)
from .limits import step_limit_set, step_limits_seed_defaults
from .patrols import patrol_raise_lead, patrol_record, patrol_staff_choices
from .rules import has_assessment
from .rules import DISTRICT, EXTRA_PARTIES, PARTY_LABEL, STEP_RULES, TOWNSHIP, VILLAGE, allowed_steps, can_step, step_party
from .steps import (
    previous_status, referral_accept, referral_bulk_accept, referral_create, referral_decide_eligible,
    referral_decide_ineligible, referral_discussion, referral_escalate, referral_help_first, referral_inform_family,
    referral_notice_result, referral_notice_start, referral_paperwork_done, referral_return, referral_review,
    referral_study, referral_submit,
)

__all__ = [
    "DISTRICT", "EXTRA_PARTIES", "PARTY_LABEL", "STEP_RULES", "TOWNSHIP", "VILLAGE", "LeadDraft", "LeadsOpened", "ReferralConflict",
    "ReferralError", "allowed_steps", "can_step", "lead_close", "lead_create", "lead_create_for_households", "lead_create_many",
    "lead_link_household", "lead_start", "lead_to_referral", "patrol_raise_lead", "patrol_record",
    "patrol_staff_choices", "previous_status", "referral_accept",
    "referral_bulk_accept", "referral_create", "referral_decide_eligible", "referral_decide_ineligible",
    "referral_discussion", "referral_escalate", "referral_help_first", "referral_inform_family",
    "referral_notice_result", "referral_notice_start", "referral_paperwork_done", "referral_return",
    "referral_review", "referral_study", "referral_submit", "step_limit_set", "step_limits_seed_defaults", "step_party",
    "default_deadlines", "work_order_feedback", "work_order_register", "work_order_respond", "work_order_update",
    "work_orders_import", "assessment_create", "assessment_inform", "department_item_decide", "may_inform", "has_assessment",
]
