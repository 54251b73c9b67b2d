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
rules.py (who takes which step from which state, and who sees a referral handed to the hukou township), errors.py and common.py (row locks, version checks, step
rows, stale alerts), approval.py (公示异议, 报送审批 and the district's answer, 审批权限), leads.py (线索), departments.py (综合评估: one case, several departments), steps.py (转办 steps), hotline.py (热线工单: deadlines, response, feedback,
the spreadsheet import's write), limits.py (环节时限, set by the district) and hukou.py (人户分离: handover to the hukou township,
协查函/转办函 and their overdue alerts). Callers import from
`referrals.services`.
"""
from .approval import (
    MATERIALS, approval_approve, approval_refuse, approval_rule_for, approval_rule_set, approval_submit,
    objection_hotline_set, objection_record,
)
from .departments import assessment_create, assessment_inform, department_item_decide, may_inform
from .errors import ReferralConflict, ReferralError
from .feed_leads import FeedLeadsRaised, feed_batch_to_leads, feed_lead_description, feed_record_to_lead
from .hotline import (
    default_deadlines, work_order_feedback, work_order_register, work_order_respond, work_order_update,
    work_orders_import,
)
from .hukou import hukou_handover_sync, letter_answer, letter_send, letters_overdue_scan
from .leads import (
    LeadDraft, LeadsOpened, lead_close, lead_create, lead_create_for_households, lead_create_many,
    lead_link_household, lead_start, lead_to_referral,
)
from .limits import step_limit_set, step_limits_seed_defaults
from .patrols import patrol_raise_lead, patrol_record, patrol_staff_choices, patrol_update, patrol_version
from .rules import has_assessment, hukou_handover_of, may_see_referral, sees_family_of, visible_referrals
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
    "patrol_staff_choices", "patrol_update", "patrol_version", "previous_status", "referral_accept",
    "referral_bulk_accept", "referral_create", "referral_decide_eligible", "referral_decide_ineligible",
    "referral_discussion", "referral_escalate", "referral_help_first", "referral_inform_family",
    "referral_notice_result", "referral_notice_start", "referral_paperwork_done", "referral_return",
    "referral_review", "referral_study", "referral_submit", "step_limit_set", "step_limits_seed_defaults", "step_party",
    "FeedLeadsRaised", "feed_batch_to_leads", "feed_lead_description", "feed_record_to_lead",
    "default_deadlines", "work_order_feedback", "work_order_register", "work_order_respond", "work_order_update",
    "work_orders_import", "hukou_handover_sync", "letter_answer", "letter_send", "letters_overdue_scan",
    "visible_referrals", "may_see_referral", "sees_family_of", "hukou_handover_of",
    "work_orders_import", "MATERIALS", "approval_approve", "approval_refuse", "approval_rule_for",
    "approval_rule_set", "approval_submit", "objection_hotline_set", "objection_record",
    "assessment_create", "assessment_inform", "department_item_decide", "may_inform", "has_assessment",
]
