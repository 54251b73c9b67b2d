"""After 公示 (seed 004 §二(五)): objections send the case back to investigation; without objection, once the
公示 period is over, the township submits the case with its materials to the level that approves; only an
approval writes the assistance to the household.

Which level approves what is data the district sets (ApprovalRule, from a date on); where it has set nothing
DEFAULT_RULES hold: the district approves 低保 and 特困, the township 临时救助 up to 1,000 元 (above it the
district). A kind the township may approve is decided by the township as before (referral_decide_eligible);
that step refuses, at any step of the case, a kind the district approves (`approval_required_check`: it is
published and submitted instead), except a case escalated to the district (the district decides it) and
临时救助 within the amount a 一事一议 agreed. Department items (services/departments.py) obey the same rule.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from relief import access, punctuation
from relief.models import Jurisdiction

from .. import outcomes
from ..models import DecisionLevel, OutcomeAssistance, Referral, ReferralStatus, StepAction
from ..models_approval import (
    ApprovalLevel, ApprovalRequest, ApprovalRule, ApprovalState, NoticeObjection, ObjectionHotline,
)
from .common import _lock, _money, _now, _required, _step, _today
from .errors import ReferralError
from .rules import DISTRICT, TOWNSHIP

S = ReferralStatus

# The defaults (most provinces' 审核确认办法): the county civil-affairs bureau approves 低保 and 特困; the
# township approves 临时救助 up to an amount, the county above it. 10 days for the approving level's answer.
DEFAULT_RULES = {
    OutcomeAssistance.DIBAO: (ApprovalLevel.DISTRICT, None, 10),
    OutcomeAssistance.TEKUN: (ApprovalLevel.DISTRICT, None, 10),
    OutcomeAssistance.TEMPORARY: (ApprovalLevel.TOWNSHIP, Decimal("1000.00"), 10),
}
# The kinds a rule may be set for (the others the township decides).
RULE_KINDS = (OutcomeAssistance.DIBAO, OutcomeAssistance.TEKUN, OutcomeAssistance.TEMPORARY,
              OutcomeAssistance.MEDICAL, OutcomeAssistance.EDUCATION, OutcomeAssistance.HOUSING)

# 上报审批的材料 (民政部《最低生活保障审核确认办法》 and 特困 equivalents): what the township says it sent.
MATERIALS = [
    ("application", gettext_lazy("救助申请书（或主动发现登记表）")),
    ("id_hukou", gettext_lazy("家庭成员身份证、户口簿复印件")),
    ("income_check", gettext_lazy("家庭经济状况核对报告")),
    ("home_visit", gettext_lazy("入户调查表")),
    ("review", gettext_lazy("集中研究会审记录")),
    ("notice", gettext_lazy("公示情况及无异议说明")),
    ("other_proof", gettext_lazy("残疾证、病历等其他证明")),
]
MATERIAL_LABELS = dict(MATERIALS)
REQUIRED_MATERIALS = ("income_check", "home_visit", "notice")


@dataclass(frozen=True)
class Rule:
    """Who approves one kind in one district on one day."""

    assistance_type: str
    level: str
    township_up_to: Decimal | None
    days: int
    row: ApprovalRule | None  # None: the default

    def level_for(self, amount: Decimal | None) -> str:
        if self.level == ApprovalLevel.TOWNSHIP and self.township_up_to is not None and amount is not None \
                and amount > self.township_up_to:
            return ApprovalLevel.DISTRICT
        return self.level

    @property
    def text(self) -> str:
        if self.level == ApprovalLevel.TOWNSHIP and self.township_up_to is not None:
            return _("乡镇审批%(a)s元以下，超过的报区县审批") % {"a": _amount_text(self.township_up_to)}
        return str(ApprovalLevel(self.level).label)


def _amount_text(amount: Decimal) -> str:
    return f"{amount:,.0f}" if amount == amount.to_integral() else f"{amount:,.2f}"


def district_of_village(village_id: int) -> int | None:
    return Jurisdiction.objects.filter(children__pk=village_id).values_list("parent_id", flat=True).first()


def approval_rule_for(district_id: int | None, assistance_type: str, day: dt.date | None = None,
                      rows: list[ApprovalRule] | None = None) -> Rule | None:
    """The rule in force on `day` for this kind in this district; None: the township decides it."""
    day = day or _today()
    if rows is None:
        rows = list(ApprovalRule.objects.filter(district_id=district_id, assistance_type=assistance_type,
                                                effective_from__lte=day).order_by("-effective_from", "-pk")[:1])
    else:
        rows = sorted((r for r in rows if r.district_id == district_id and r.assistance_type == assistance_type
                       and r.effective_from <= day), key=lambda r: (r.effective_from, r.pk), reverse=True)
    if rows:
        r = rows[0]
        return Rule(assistance_type, r.level, r.township_up_to, r.days, r)
    default = DEFAULT_RULES.get(assistance_type)
    if default is None:
        return None
    return Rule(assistance_type, default[0], default[1], default[2], None)


def approving_level(referral: Referral, assistance_type: str, amount: Decimal | None) -> tuple[str, Rule | None]:
    rule = approval_rule_for(district_of_village(referral.village_id), assistance_type)
    return (rule.level_for(amount) if rule else ApprovalLevel.TOWNSHIP), rule


def approval_required_check(referral: Referral, assistance_type: str, amount: Decimal | None) -> None:
    """The township decides only what it may approve (审批权限); the rest is published (公示) and goes up through
    approval_submit, whatever step the case is at. A case sent back by an objection is published again before
    that. The district deciding a case escalated to it is the approving level itself."""
    if referral.status == S.ESCALATED:
        return
    if assistance_type == OutcomeAssistance.TEMPORARY and referral.discussion_amount is not None \
            and amount is not None and amount <= referral.discussion_amount:
        return  # 一事一议: the township's collective decision on this case sets its own amount
    objected = referral.status == S.ASSIGNED and referral.objections.exists()
    level, rule = approving_level(referral, assistance_type, amount)
    if level == ApprovalLevel.DISTRICT and referral.status != S.NOTICE and not objected:
        kind = OutcomeAssistance(assistance_type).label
        what = (_("%(kind)s%(a)s元超过乡镇审批上限（%(rule)s），须由区县民政局审批") % {
            "kind": kind, "a": _amount_text(amount), "rule": rule.text}
            if rule.level == ApprovalLevel.TOWNSHIP and amount is not None else _("%(kind)s由区县民政局审批") % {"kind": kind})
        raise ReferralError(_("%(what)s：请集中研究会审并公示，公示期满无异议后“报送审批”，乡镇不能直接认定。") % {
            "what": what})
    if level == ApprovalLevel.DISTRICT and objected:
        raise ReferralError(_("该转办公示时收到异议、已退回重新调查：调查后请重新“开始公示”，公示期满无异议再报送审批。"))
    if level == ApprovalLevel.DISTRICT:
        raise ReferralError(_("%(kind)s由区县民政局审批（%(rule)s）：公示期满无异议后请“报送审批”，乡镇不能直接认定。") % {
            "kind": OutcomeAssistance(assistance_type).label, "rule": rule.text})


# ---------------------------------------------------------------- 公示异议
def _party(actor, referral: Referral, level: str, step: str) -> None:
    if not access.is_referral_party(actor, level, referral.village_id):
        who = _("乡镇民政办") if level == TOWNSHIP else _("区县民政局")
        raise ReferralError(_("“%(step)s”须由%(who)s办理，您的角色不能办理此步骤。") % {"step": step, "who": who})


def _state(referral: Referral, expected: str, step: str) -> None:
    if referral.status != expected:
        raise ReferralError(_("当前状态为“%(status)s”，不能“%(step)s”。") % {
            "status": referral.get_status_display(), "step": step})


@transaction.atomic
def objection_record(*, actor, referral, raised_by: str, raised_on: dt.date, content: str, handling: str,
                     deadline: dt.date, version: int | None = None) -> NoticeObjection:
    """An objection raised during 公示: recorded, and the case goes back to investigation (已交办部门) with a
    new deadline for the department; the notice is over and is published again after the investigation."""
    referral = _lock(referral, actor, version)
    step = str(StepAction.OBJECTION.label)
    _party(actor, referral, TOWNSHIP, step)
    _state(referral, S.NOTICE, step)
    raised_by = _required(raised_by, "raised_by", _("请填写异议人（可写“匿名群众”）。"))[:100]
    _required(raised_on, "raised_on", _("请填写异议提出日期。"))
    if raised_on > _today():
        raise ReferralError({"raised_on": _("提出日期不能晚于今天。")})
    if raised_on < referral.notice_start or raised_on > referral.notice_end:
        raise ReferralError({"raised_on": _("异议须在公示期（%(s)s至%(e)s）内提出。") % {
            "s": referral.notice_start, "e": referral.notice_end}})
    content = _required(content, "content", _("请写明异议内容。"))
    handling = _required(handling, "handling", _("请写明如何处理（如：交部门重新入户调查核实）。"))
    _required(deadline, "deadline", _("请填写重新调查的办结期限。"))
    if deadline < _today():
        raise ReferralError({"deadline": _("办结期限不能早于今天。")})
    objection = NoticeObjection.objects.create(
        referral=referral, raised_by=raised_by, raised_on=raised_on, content=content, handling=handling,
        notice_start=referral.notice_start, notice_end=referral.notice_end, recorded_by=actor, recorded_at=_now())
    notice = {"start": str(referral.notice_start), "end": str(referral.notice_end)}
    referral.deadline = deadline
    # The notice is over (the objection row keeps its dates); a new one is published after the investigation.
    referral.notice_start = referral.notice_end = None
    referral.notice_place = referral.notice_objections = referral.notice_handling = ""
    referral.notice_objections_resolved = False
    _step(referral, actor=actor, action=StepAction.OBJECTION, to_status=S.ASSIGNED,
          comment=_("异议人：%(who)s（%(day)s）\n异议：%(what)s\n处理：%(how)s") % {
              "who": raised_by, "day": raised_on, "what": content, "how": handling},
          data={"objections": content, "handling": handling, "deadline": str(deadline), **notice},
          fields=["deadline", "notice_start", "notice_end", "notice_place", "notice_objections", "notice_handling",
                  "notice_objections_resolved"])
    return objection


# ---------------------------------------------------------------- 报送审批
@transaction.atomic
def approval_submit(*, actor, referral, assistance_type: str, amount, start_date: dt.date, materials: list[str],
                    materials_note: str = "", opinion: str = "", version: int | None = None) -> ApprovalRequest:
    """The township submits a case whose 公示 ended without objection to the level that approves it."""
    referral = _lock(referral, actor, version)
    step = str(StepAction.APPROVAL_SUBMIT.label)
    _party(actor, referral, TOWNSHIP, step)
    if referral.status == S.APPROVAL:
        raise ReferralError(_("该转办已报送审批，正在等待区县审批，不能重复报送。"))
    _state(referral, S.NOTICE, step)
    if _today() <= referral.notice_end:
        raise ReferralError(_("公示期至%(end)s结束，公示期满后方可报送审批。") % {"end": referral.notice_end})
    if referral.notice_objections and not referral.notice_objections_resolved:
        raise ReferralError(_("公示收到的异议尚未处理完毕，不能报送审批。"))
    if assistance_type not in OutcomeAssistance.values:
        raise ReferralError({"assistance_type": _("请选择救助方式。")})
    amount = _money(amount, "amount")
    if amount == 0:
        raise ReferralError({"amount": _("救助金额须大于0。")})
    _required(start_date, "start_date", _("请填写拟救助开始日期。"))
    level, rule = approving_level(referral, assistance_type, amount)
    if level != ApprovalLevel.DISTRICT:
        raise ReferralError({"assistance_type": _(
            "%(kind)s%(amount)s元由乡镇审批：请直接“认定符合条件”，不必报区县。") % {
            "kind": OutcomeAssistance(assistance_type).label, "amount": _amount_text(amount)}})
    materials = [m for m in dict.fromkeys(materials or []) if m]
    unknown = [m for m in materials if m not in MATERIAL_LABELS]
    if unknown:
        raise ReferralError({"materials": _("请从清单中选择报送的材料。")})
    missing = [str(MATERIAL_LABELS[m]) for m in REQUIRED_MATERIALS if m not in materials]
    if missing:
        raise ReferralError({"materials": _("报送审批须附：%(m)s。") % {"m": punctuation.mark("、").join(missing)}})
    today = _today()
    try:
        with transaction.atomic():
            approval = ApprovalRequest.objects.create(
                referral=referral, level=level, assistance_type=assistance_type, amount=amount,
                start_date=start_date, materials=materials, materials_note=(materials_note or "").strip()[:300],
                opinion=(opinion or "").strip(), due_on=today + dt.timedelta(days=rule.days), submitted_by=actor,
                submitted_at=_now())
    except IntegrityError:
        raise ReferralError(_("该转办已报送审批，正在等待区县审批，不能重复报送。")) from None
    _step(referral, actor=actor, action=StepAction.APPROVAL_SUBMIT, to_status=S.APPROVAL,
          comment=approval.opinion,
          data={"assistance_type": assistance_type, "amount": str(amount), "start": str(start_date),
                "level": DecisionLevel.DISTRICT, "deadline": str(approval.due_on),
                "materials": [str(MATERIAL_LABELS[m]) for m in materials] + (
                    [approval.materials_note] if approval.materials_note else [])})
    return approval


def _begin_answer(actor, approval, version, step: str) -> tuple[ApprovalRequest, Referral]:
    pk = approval.pk if isinstance(approval, ApprovalRequest) else int(approval)
    referral_id = ApprovalRequest.objects.filter(pk=pk).values_list("referral_id", flat=True).first()
    if referral_id is None:
        raise Http404(_("未找到该记录，或它不在您的辖区内。"))
    referral = _lock(referral_id, actor, version)  # the referral's row lock orders every answer to it
    approval = ApprovalRequest.objects.select_for_update(of=("self",)).get(pk=pk)
    _party(actor, referral, DISTRICT, step)
    if approval.state != ApprovalState.PENDING:
        raise ReferralError(_("该报送已于%(when)s%(state)s，不能再“%(step)s”。") % {
            "when": timezone.localtime(approval.decided_at).strftime("%Y-%m-%d %H:%M") if approval.decided_at else "",
            "state": approval.get_state_display(), "step": step})
    _state(referral, S.APPROVAL, step)
    return approval, referral


@transaction.atomic
def approval_approve(*, actor, approval, comment: str = "", version: int | None = None) -> ApprovalRequest:
    """The district approves: the assistance is written to the household (households.services) and the
    referral is decided eligible at the district level."""
    approval, referral = _begin_answer(actor, approval, version, str(StepAction.APPROVE.label))
    now = _now()
    approval.state, approval.decided_by, approval.decided_at = ApprovalState.APPROVED, actor, now
    approval.reason = (comment or "").strip()
    approval.save(update_fields=["state", "decided_by", "decided_at", "reason"])
    referral.decision_level = DecisionLevel.DISTRICT
    referral.assistance_type, referral.amount = approval.assistance_type, approval.amount
    referral.start_date = approval.start_date
    referral.decided_by, referral.decided_at = actor, now
    referral.ineligible_reason, referral.real_difficulty = "", False
    if referral.help_first_on and not referral.paperwork_done_on:
        referral.paperwork_done_on = _today()
    outcomes.assistance_grant(actor=actor, referral=referral, outcome=approval.assistance_type,
                              amount=approval.amount, start_date=approval.start_date,
                              note=_("转办%(pk)s区县审批批准") % {"pk": referral.pk})
    outcomes.roster_kind_follow(actor=actor, referral=referral, eligible=True)
    _step(referral, actor=actor, action=StepAction.APPROVE, to_status=S.ELIGIBLE, comment=approval.reason,
          data={"assistance_type": approval.assistance_type, "amount": str(approval.amount),
                "start": str(approval.start_date), "level": DecisionLevel.DISTRICT},
          fields=["decision_level", "assistance_type", "amount", "start_date", "decided_by", "decided_at",
                  "ineligible_reason", "real_difficulty", "paperwork_done_on"])
    return approval


@transaction.atomic
def approval_refuse(*, actor, approval, reason: str, real_difficulty: bool = False, difficulty: str = "",
                    version: int | None = None) -> ApprovalRequest:
    """The district refuses with a reason the family can be told: the case returns to the township as not
    eligible (区县不予批准), where the family is informed as after any refusal (告知家庭)."""
    approval, referral = _begin_answer(actor, approval, version, str(StepAction.APPROVAL_REFUSE.label))
    reason = _required(reason, "reason", _("请写明不予批准的原因（可向家庭解释的话）。"))
    if len(reason) < 4:
        raise ReferralError({"reason": _("原因过于简单，请写明可以向家庭解释的具体原因。")})
    if real_difficulty and not (difficulty or "").strip():
        raise ReferralError({"difficulty": _("确有实际困难的，请写明具体困难，便于跟踪联系。")})
    now = _now()
    approval.state, approval.decided_by, approval.decided_at, approval.reason = (
        ApprovalState.REFUSED, actor, now, reason)
    approval.save(update_fields=["state", "decided_by", "decided_at", "reason"])
    referral.decision_level = DecisionLevel.DISTRICT
    referral.ineligible_reason = reason
    referral.real_difficulty = bool(real_difficulty)
    referral.family_informed = False
    referral.decided_by, referral.decided_at = actor, now
    referral.assistance_type, referral.amount, referral.start_date = "", None, None
    if referral.help_first_on and not referral.paperwork_done_on:
        referral.paperwork_done_on = _today()
    if real_difficulty:
        outcomes.observation_add(actor=actor, referral=referral, reason=reason, difficulty=difficulty.strip())
        outcomes.roster_kind_follow(actor=actor, referral=referral, eligible=False)
    outcomes.quarterly_check_place(actor=actor, referral=referral)
    _step(referral, actor=actor, action=StepAction.APPROVAL_REFUSE, to_status=S.INELIGIBLE, comment=reason,
          data={"reason": reason, "real_difficulty": bool(real_difficulty), "difficulty": difficulty,
                "level": DecisionLevel.DISTRICT},
          fields=["decision_level", "ineligible_reason", "real_difficulty", "family_informed", "decided_by",
                  "decided_at", "assistance_type", "amount", "start_date", "paperwork_done_on"])
    return approval


# ---------------------------------------------------------------- configuration
@transaction.atomic
def approval_rule_set(*, actor, assistance_type: str, level: str, township_up_to=None, days: int,
                      effective_from: dt.date, note: str = "") -> ApprovalRule:
    """The district official sets who approves one kind from a date on (a new row; the old ones stay)."""
    if not access.sets_approval_rules(actor):
        raise ReferralError(_("审批权限由区县民政局设定。"))
    district = actor.jurisdiction
    if district is None or district.level != "district":
        raise ReferralError(_("审批权限由区县民政局设定。"))
    if assistance_type not in RULE_KINDS:
        raise ReferralError({"assistance_type": _("请选择救助方式。")})
    if level not in ApprovalLevel.values:
        raise ReferralError({"level": _("请选择审批层级。")})
    up_to = _money(township_up_to, "township_up_to", required=False)
    if up_to is not None and level != ApprovalLevel.TOWNSHIP:
        raise ReferralError({"township_up_to": _("金额上限只用于“乡镇审批”：超过上限的报区县审批。")})
    if not days or int(days) < 1 or int(days) > 90:
        raise ReferralError({"days": _("审批时限须在1至90天之间。")})
    _required(effective_from, "effective_from", _("请填写生效日期。"))
    if effective_from < _today():
        raise ReferralError({"effective_from": _("生效日期不能早于今天：已报送的审批按报送时的规定办理。")})
    if ApprovalRule.objects.filter(district=district, assistance_type=assistance_type,
                                   effective_from=effective_from).exists():
        raise ReferralError({"effective_from": _("该救助方式在%(d)s已有一条规定，请换一个生效日期。") % {
            "d": effective_from}})
    return ApprovalRule.objects.create(district=district, assistance_type=assistance_type, level=level,
                                       township_up_to=up_to, days=int(days), effective_from=effective_from,
                                       note=(note or "").strip()[:300], created_by=actor)


@transaction.atomic
def objection_hotline_set(*, actor, township, phone: str) -> ObjectionHotline:
    """The township's number for objections printed on its villages' 长期公示."""
    township_id = township.pk if hasattr(township, "pk") else int(township)
    if not access.inspects_village(actor, township_id):  # the township's own staff
        raise Http404(_("未找到该记录，或它不在您的辖区内。"))
    phone = _required(phone, "phone", _("请填写异议受理电话。"))
    if len(phone) > 30 or not all(c.isdigit() or c in "-—() （）转" for c in phone):
        raise ReferralError({"phone": _("电话号码只能包含数字、“-”和“转”。")})
    hotline, _created = ObjectionHotline.objects.update_or_create(
        township_id=township_id, defaults={"phone": phone, "updated_by": actor, "updated_at": _now()})
    return hotline
