"""The reasons of the alerts referrals opens (referrals/tasks.py, services/hukou.py), by name: registered with
alerts.reasons from ReferralsConfig.ready, so that the inbox words each in its reader's language."""
from django.utils.translation import gettext, gettext_lazy as _

REFERRAL_STEP_OVERDUE = "referral_step_overdue"
LEAD_STEP_OVERDUE = "lead_step_overdue"
REFERRAL_OVERDUE = "referral_overdue"
PAPERWORK_LATE = "help_first_paperwork_late"
DEPARTMENT_ITEM_OVERDUE = "department_item_overdue"
HOTLINE_RESPONSE_OVERDUE = "hotline_response_overdue"
HOTLINE_FEEDBACK_OVERDUE = "hotline_feedback_overdue"
LETTER_OVERDUE = "letter_overdue"

MESSAGES = {
    REFERRAL_STEP_OVERDUE: _("转办%(pk)s“%(step)s”环节超时（%(level)s办理，期限%(due)s，%(left)s）。"),
    LEAD_STEP_OVERDUE: _("线索%(pk)s登记后未按时村级研究（期限%(due)s，%(left)s）。"),
    REFERRAL_OVERDUE: _("转办%(pk)s交%(dept)s办理，期限%(deadline)s已过，尚未办结（%(status)s）。"),
    PAPERWORK_LATE: _("转办%(pk)s已先行救助%(amount)s元，补办手续期限%(due)s已过。"),
    DEPARTMENT_ITEM_OVERDUE: _("转办%(referral)s：%(department)s承办的“%(measure)s”办理期限%(deadline)s已过，尚未作出办理结果。"),
    HOTLINE_RESPONSE_OVERDUE: _("热线工单%(number)s：首次响应期限已过，尚未登记首次响应。"),
    HOTLINE_FEEDBACK_OVERDUE: _("热线工单%(number)s：已首次响应，反馈期限已过，尚未登记反馈。"),
    LETTER_OVERDUE: _("%(kind)s（发往%(to)s，%(sent)s发出）回复期限%(due)s已过，尚未收到回复。"),
}


def register() -> None:
    from alerts.reasons import choice_reader, register_reasons

    from .models import Department, ReferralStatus
    from .models_hukou import LetterKind
    from .steplimits import LEVEL_LABELS, STEP_SHORT, step_left_words

    def department_or_township(code):
        return choice_reader(Department)(code) if code else gettext("乡镇")

    register_reasons(MESSAGES, {
        REFERRAL_STEP_OVERDUE: {"step": lambda code: str(STEP_SHORT[code]), "level": lambda code: str(LEVEL_LABELS[code]),
                                "left": step_left_words},
        LEAD_STEP_OVERDUE: {"left": step_left_words},
        REFERRAL_OVERDUE: {"dept": department_or_township, "status": choice_reader(ReferralStatus)},
        DEPARTMENT_ITEM_OVERDUE: {"department": choice_reader(Department)},
        LETTER_OVERDUE: {"kind": choice_reader(LetterKind)},
    })
