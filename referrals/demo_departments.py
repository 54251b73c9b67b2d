"""Demo of several departments on one case (appended to RELIEF_DEMO_LOADERS after referrals.demo).

In 华阳路街道 (township 1) the 社保所 has an account of its own (`shebao1`); its other departments have none, so
township staff record their decisions. Two cases, made through referrals.services as staff make them:
- one still being handled: 医保 decided (approved, by the township for it), 社保 pending and not yet due (for the
  社保所's own account to decide), 住建 pending and past its deadline;
- one fully decided (社保 approved by the 社保所, 残联 refused by the township for it) and the family told once.
Dates are counted from today (the service clock is moved for earlier steps). Idempotent: a second run finds
the department account with its first case and does nothing.
"""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.db import transaction

from households.models import Household
from relief.models import Jurisdiction, Role, User
from relief.services import staff_create

from . import services
from .models import CaseAssessment, Department, LeadChannel, OutcomeAssistance, Referral
from .models_departments import AssessmentIntake
from .services.common import clock

TOWNSHIP_CODE = "310105001000"
VILLAGE_CODES = ["310105001003", "310105001004"]
DEPARTMENT_USER = ("shebao1", "周敏（社保所）", Department.SOCIAL_SECURITY)


def _department_user(township) -> User:
    from relief.demo import DEMO_PASSWORD

    username, full_name, department = DEPARTMENT_USER
    user = User.objects.filter(username=username).first()
    if user is None:
        user = staff_create(actor=None, username=username, password=DEMO_PASSWORD, role=Role.DEPARTMENT,
                            jurisdiction=township, full_name=full_name, department=department)
    return user


def _household(village) -> Household | None:
    return (Household.objects.filter(village=village, leads__isnull=True, referrals__isnull=True)
            .order_by("pk").first())


def _referral(officer, village, description: str, *, walk_in: bool) -> Referral | None:
    household = _household(village)
    if household is None:
        return None
    lead = services.lead_create(actor=officer, channel=LeadChannel.WALK_IN if walk_in else LeadChannel.VISIT,
                                village=village, household=household, description=description)
    return services.lead_to_referral(actor=officer, lead=lead, summary=description)


@transaction.atomic
def load(stdout=None) -> None:
    township = Jurisdiction.objects.filter(code=TOWNSHIP_CODE).first()
    villages = list(Jurisdiction.objects.filter(code__in=VILLAGE_CODES).order_by("code"))
    officer = User.objects.filter(role=Role.TOWNSHIP, jurisdiction=township, is_active=True).order_by("pk").first()
    if township is None or len(villages) < 2 or officer is None:
        return
    shebao = _department_user(township)
    if CaseAssessment.objects.filter(items__decided_by=shebao).exists():
        return
    # Case 1: assessed 20 days ago; 医保 decided, 社保 not yet due, 住建 overdue.
    with clock.days_ago(20):
        referral = _referral(officer, villages[0], "独居老人，患慢性病长期服药，医疗支出大；房屋漏雨；"
                                                   "子女失业，家庭收入低于低保标准。", walk_in=True)
        if referral is None:
            return
        today = clock.today()
        case = services.assessment_create(
            actor=officer, referral=referral, intake=AssessmentIntake.WALK_IN,
            needs="基本生活：收入低于低保标准；医疗：慢性病门诊费用负担重；住房：屋顶漏雨需修缮；就业：子女失业。",
            opinion="就业援助（社保所）；医疗救助（医保）；危房修缮（住建）；低保另经公示报区县审批。",
            items=[{"department": Department.MEDICAL_INSURANCE, "measure": "慢性病门诊医疗救助",
                    "assistance_type": OutcomeAssistance.MEDICAL, "deadline": today + timedelta(days=10)},
                   {"department": Department.SOCIAL_SECURITY, "measure": "子女就业援助：公益性岗位与求职补贴",
                    "assistance_type": OutcomeAssistance.EMPLOYMENT, "deadline": today + timedelta(days=30)},
                   {"department": Department.HOUSING, "measure": "屋顶漏雨危房修缮",
                    "assistance_type": "", "deadline": today + timedelta(days=12)}])
    items = {i.department: i for i in case.items.all()}
    with clock.days_ago(14):
        services.department_item_decide(actor=officer, item=items[Department.MEDICAL_INSURANCE], approved=True,
                                        amount=Decimal("300"), reason="按慢性病门诊救助标准每月补助")
    # Case 2: assessed 12 days ago, both departments decided, the family told once.
    with clock.days_ago(12):
        referral = _referral(officer, villages[1], "残疾人家庭，主要劳动力因病失业，申请救助。", walk_in=False)
        if referral is None:
            return
        today = clock.today()
        case = services.assessment_create(
            actor=officer, referral=referral, intake=AssessmentIntake.REVIEW,
            needs="基本生活：主要劳动力失业，收入骤降；照护：一名重度残疾成员需要护理。",
            opinion="临时救助（社保所）；重度残疾人护理补贴（残联）。",
            items=[{"department": Department.SOCIAL_SECURITY, "measure": "临时救助，缓解基本生活困难",
                    "assistance_type": OutcomeAssistance.TEMPORARY, "deadline": today + timedelta(days=7)},
                   {"department": Department.DISABLED, "measure": "重度残疾人护理补贴",
                    "assistance_type": "", "deadline": today + timedelta(days=7)}])
    items = {i.department: i for i in case.items.all()}
    with clock.days_ago(8):
        services.department_item_decide(actor=shebao, item=items[Department.SOCIAL_SECURITY], approved=True,
                                        amount=Decimal("1000"), reason="一次性临时救助")
    with clock.days_ago(6):
        services.department_item_decide(actor=officer, item=items[Department.DISABLED], approved=False,
                                        reason="残疾等级为三级，未达到护理补贴要求的一、二级，可申请复评")
    with clock.days_ago(5):
        services.assessment_inform(actor=officer, assessment=case,
                                   note="入户当面告知：临时救助1000元已发放；护理补贴未获批准，已说明原因和复评途径，家庭无异议。")
