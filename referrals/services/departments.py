"""Several departments on one case (综合评估、协同办理, seed 002 §一(三)): the township's assessment hands one
referral to several departments at once; each department decides its own item; the family is told once.

Who acts
--------
- the assessment: township staff, on a referral submitted to the township (the step 乡镇受理并交办, as for one
  department), or on a lead they take in (walk-in at the service centre, 一门受理: lead_to_referral first);
- each item's decision: the department's own account where the township has given it one, else township staff
  on its behalf (relief.access.decides_department_item);
- telling the family: township staff or the village's caseworker, once every item is decided.

Errors as in the rest of referrals.services: outside the actor's scope → Http404; wrong state, wrong party or
bad input → ReferralError; a stale `version` → ReferralConflict. Nothing is stored when one is raised.
"""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from relief import access, punctuation

from .. import outcomes
from ..models import (
    CaseAssessment, DecisionLevel, Department, DepartmentItem, OutcomeAssistance, Referral, ReferralStatus,
    StepAction,
)
from ..models_departments import AssessmentIntake, ItemStatus
from .common import _begin, _money, _now, _required, _step, _today
from .errors import ReferralConflict, ReferralError
from .rules import TOWNSHIP, VILLAGE

S = ReferralStatus


NON_CASH = (OutcomeAssistance.EMPLOYMENT, OutcomeAssistance.REFERRAL_ORG)


def _approves_here(referral, assistance_type: str, amount) -> tuple[bool, str]:
    """May the township's departments grant this (审批权限, services/approval.py)? With the rule's words when not."""
    from .approval import ApprovalLevel, approving_level

    level, rule = approving_level(referral, assistance_type, amount)
    return level != ApprovalLevel.DISTRICT, (rule.text if rule else "")


def _clean_items(items, referral=None) -> list[dict]:
    cleaned, seen = [], set()
    for n, raw in enumerate(items or [], start=1):
        department = (raw.get("department") or "").strip()
        measure = (raw.get("measure") or "").strip()
        assistance_type = (raw.get("assistance_type") or "").strip()
        deadline = raw.get("deadline")
        if not department and not measure:
            continue  # an empty row of the form
        if department not in Department.values:
            raise ReferralError({"items": _("第%(n)s项：请选择承办部门。") % {"n": n}})
        label = Department(department).label
        if department in seen:
            raise ReferralError({"items": _("“%(d)s”已列入，同一部门只列一项，请把措施写在一起。") % {"d": label}})
        if not measure:
            raise ReferralError({"items": _("第%(n)s项（%(d)s）：请写明拟实施的救助措施。") % {"n": n, "d": label}})
        if assistance_type and assistance_type not in OutcomeAssistance.values:
            raise ReferralError({"items": _("第%(n)s项（%(d)s）：请选择救助方式。") % {"n": n, "d": label}})
        if assistance_type and referral is not None:
            here, rule_text = _approves_here(referral, assistance_type, None)
            if not here:
                raise ReferralError({"items": _(
                    "第%(n)s项（%(d)s）：%(k)s由区县民政局审批（%(r)s），部门办理不能直接纳入。请只写措施、不选救助方式，"
                    "另经集中研究会审、公示后报送审批。") % {"n": n, "d": label, "k": OutcomeAssistance(assistance_type).label,
                                                    "r": rule_text}})
        if deadline is None:
            raise ReferralError({"items": _("第%(n)s项（%(d)s）：请填写办理期限。") % {"n": n, "d": label}})
        if deadline < _today():
            raise ReferralError({"items": _("第%(n)s项（%(d)s）：办理期限不能早于今天。") % {"n": n, "d": label}})
        seen.add(department)
        cleaned.append({"department": department, "measure": measure[:300], "assistance_type": assistance_type,
                        "deadline": deadline})
    if not cleaned:
        raise ReferralError({"items": _("请至少列出一项救助措施及其承办部门。")})
    return cleaned


@transaction.atomic
def assessment_create(*, actor, referral, needs: str, opinion: str, items, intake: str = AssessmentIntake.REVIEW,
                      comment: str = "", version: int | None = None) -> CaseAssessment:
    """综合评估: the family's needs and the measures proposed, each handed to its department with a deadline.

    Takes the place of 乡镇受理并交办 for a submitted referral: it becomes 已交办部门, its department the first
    item's (牵头部门) and its deadline the earliest item's, so the referral lists and alerts read it as before."""
    referral = _begin(referral, actor, version, StepAction.ACCEPT)
    needs = _required(needs, "needs", _("请写明家庭的需求（综合评估）。"))
    opinion = _required(opinion, "opinion", _("请写明综合实施社会救助措施意见。"))
    if intake not in AssessmentIntake.values:
        raise ReferralError({"intake": _("请选择受理方式。")})
    rows = _clean_items(items, referral)
    now = _now()
    township_id = referral.village.parent_id
    assessment = CaseAssessment.objects.create(referral=referral, village_id=referral.village_id, intake=intake,
                                               needs=needs, opinion=opinion, assessed_by=actor, assessed_at=now)
    DepartmentItem.objects.bulk_create([
        DepartmentItem(assessment=assessment, village_id=referral.village_id, township_id=township_id,
                       created_at=now, **row) for row in rows])
    first = min(rows, key=lambda row: row["deadline"])
    referral.department, referral.deadline = first["department"], first["deadline"]
    referral.assigned_at, referral.assigned_by = now, actor
    _step(referral, actor=actor, action=StepAction.ASSESS, to_status=S.ASSIGNED, comment=comment or opinion[:500],
          data={"departments": [str(Department(r["department"]).label) for r in rows],
                "deadline": str(referral.deadline)},
          fields=["department", "deadline", "assigned_at", "assigned_by"])
    return assessment


def _item_conflict(item: DepartmentItem) -> ReferralConflict:
    who = item.decided_by.display_name if item.decided_by else _("其他人")
    when = timezone.localtime(item.decided_at).strftime("%H:%M:%S") if item.decided_at else ""
    return ReferralConflict(_("该事项已被%(who)s于%(when)s处理（现为“%(status)s”），您的操作未保存。"
                              "请刷新页面查看最新情况。") % {"who": who, "when": when,
                                                 "status": item.get_status_display()})


@transaction.atomic
def department_item_decide(*, actor, item, approved: bool, reason: str = "", amount=None,
                           version: int | None = None) -> DepartmentItem:
    """One department's decision on its item: approved (with the amount where the measure pays one) or refused
    with a reason the family can be told. The last decision finishes the case (符合条件 when any department
    approved, else 不符合条件 with every department's reason)."""
    pk = item.pk if isinstance(item, DepartmentItem) else int(item)
    visible = access.department_items_scope(DepartmentItem.objects.filter(pk=pk), actor)
    referral_id = visible.values_list("assessment__referral_id", flat=True).first()
    if referral_id is None:
        raise Http404(_("未找到该记录，或它不在您的辖区内。"))
    # The case first, then the item: every decision on one case is taken in turn, so the last one sees all.
    referral = Referral.objects.select_for_update(of=("self",)).select_related("household").get(pk=referral_id)
    item = DepartmentItem.objects.select_for_update().get(pk=pk)
    if version is not None and int(version) != item.version:
        raise _item_conflict(item)
    label = item.get_department_display()
    if not item.is_pending:
        raise ReferralError(_("“%(d)s”的事项已办结（%(s)s），不能重复决定。") % {
            "d": label, "s": item.get_status_display()})
    if referral.status != S.ASSIGNED:
        raise ReferralError(_("转办当前为“%(s)s”，不能登记部门办理结果。") % {"s": referral.get_status_display()})
    if not access.decides_department_item(actor, village_id=item.village_id, township_id=item.township_id,
                                          department=item.department):
        if access.department_has_accounts(item.township_id, item.department):
            raise ReferralError(_("本乡镇的“%(d)s”已开通科室账号，由该部门自行登记办理结果。") % {"d": label})
        raise ReferralError(_("您不能登记“%(d)s”的办理结果。") % {"d": label})
    reason = (reason or "").strip()
    now = _now()
    if approved:
        # 就业救助 and 转介 are measures, not payments: an amount only where the family is paid one.
        if item.assistance_type and item.assistance_type not in NON_CASH:
            amount = _money(amount, "amount")
            if amount == 0:
                raise ReferralError({"amount": _("救助金额须大于0。")})
            here, rule_text = _approves_here(referral, item.assistance_type, amount)
            if not here:
                raise ReferralError({"amount": _("%(k)s%(a)s元须报区县民政局审批（%(r)s），部门不能直接同意。") % {
                    "k": OutcomeAssistance(item.assistance_type).label, "a": amount, "r": rule_text}})
        else:
            amount = _money(amount, "amount", required=False)
        item.status, item.amount = ItemStatus.APPROVED, amount
        if item.assistance_type:
            outcomes.assistance_grant(
                actor=actor, referral=referral, outcome=item.assistance_type, amount=amount or Decimal("0"),
                start_date=_today(), note=_("转办%(pk)s·%(d)s同意：%(m)s") % {
                    "pk": referral.pk, "d": label, "m": item.measure})
    else:
        if len(reason) < 4:
            raise ReferralError({"reason": _("请写明不同意的具体原因（可向家庭解释的话）。")})
        item.status, item.amount = ItemStatus.REFUSED, None
    item.reason = reason
    item.decided_by, item.decided_at = actor, now
    item.version += 1
    item.save(update_fields=["status", "amount", "reason", "decided_by", "decided_at", "version"])
    data = {"department": item.department, "approved": bool(approved), "reason": reason,
            "amount": str(item.amount) if item.amount is not None else ""}
    items = list(DepartmentItem.objects.filter(assessment_id=item.assessment_id))
    pending = [i for i in items if i.is_pending]
    if pending:
        # The next deadline still running, and the department it is: the queue, the referral list and the
        # overdue alert name the department that is late, not the first one the case was sent to.
        first = min(pending, key=lambda i: (i.deadline, i.pk))
        referral.deadline, referral.department = first.deadline, first.department
        _step(referral, actor=actor, action=StepAction.ITEM_DECIDE, to_status=referral.status,
              comment=f"{label}：{item.get_status_display()} {reason}".strip(), data=data,
              fields=["deadline", "department"])
    else:
        _step(referral, actor=actor, action=StepAction.ITEM_DECIDE, to_status=referral.status,
              comment=f"{label}：{item.get_status_display()} {reason}".strip(), data=data)
        _finish(referral, actor=actor, items=items)
    return item


def _finish(referral: Referral, *, actor, items: list[DepartmentItem]) -> None:
    """Every department has decided: the case is decided, and waits for the family to be told."""
    approved = [i for i in items if i.status == ItemStatus.APPROVED]
    referral.decision_level = DecisionLevel.TOWNSHIP
    referral.decided_by, referral.decided_at = actor, _now()
    CaseAssessment.objects.filter(pk=items[0].assessment_id).update(decided_at=referral.decided_at)
    results = "；".join(f"{i.get_department_display()}{i.get_status_display()}" for i in items)
    if approved:
        first = next((i for i in approved if i.assistance_type), approved[0])
        referral.assistance_type = first.assistance_type
        referral.amount = first.amount
        referral.start_date = _today()
        referral.ineligible_reason, referral.real_difficulty = "", False
        outcomes.roster_kind_follow(actor=actor, referral=referral, eligible=True)
        _step(referral, actor=actor, action=StepAction.DECIDE_ELIGIBLE, to_status=S.ELIGIBLE, comment=results,
              data={"level": DecisionLevel.TOWNSHIP},
              fields=["decision_level", "decided_by", "decided_at", "assistance_type", "amount", "start_date",
                      "ineligible_reason", "real_difficulty"])
        return
    referral.ineligible_reason = "；".join(f"{i.get_department_display()}：{i.reason}" for i in items)
    referral.assistance_type, referral.amount, referral.start_date = "", None, None
    outcomes.quarterly_check_place(actor=actor, referral=referral)
    _step(referral, actor=actor, action=StepAction.DECIDE_INELIGIBLE, to_status=S.INELIGIBLE, comment=results,
          data={"reason": referral.ineligible_reason, "level": DecisionLevel.TOWNSHIP},
          fields=["decision_level", "decided_by", "decided_at", "ineligible_reason", "assistance_type", "amount",
                  "start_date"])


def may_inform(user, assessment: CaseAssessment) -> bool:
    """Tells the family every result at once: the township's staff or the village's caseworker."""
    return any(access.is_referral_party(user, party, assessment.village_id) for party in (TOWNSHIP, VILLAGE))


@transaction.atomic
def assessment_inform(*, actor, assessment, note: str, version: int | None = None) -> CaseAssessment:
    """The family is told once, with every department's result (一次性告知)."""
    pk = assessment.pk if isinstance(assessment, CaseAssessment) else int(assessment)
    found = CaseAssessment.objects.filter(pk=pk).values_list("referral_id", "village_id").first()
    if found is None:
        raise Http404(_("未找到该记录，或它不在您的辖区内。"))
    access.check(actor, access.Action.VIEW, found[1])
    referral = Referral.objects.select_for_update(of=("self",)).get(pk=found[0])
    assessment = CaseAssessment.objects.select_for_update().get(pk=pk)
    if version is not None and int(version) != assessment.version:
        raise ReferralConflict(_("该综合评估已被他人更新（现为“%(s)s”），您的操作未保存。请刷新页面查看最新情况。") % {
            "s": assessment.stage_label})
    if not may_inform(actor, assessment):
        raise ReferralError(_("告知家庭须由乡镇民政办或本村社会救助协理员办理。"))
    if assessment.informed_at:
        raise ReferralError(_("已于%(d)s告知家庭，不能重复告知。") % {
            "d": timezone.localtime(assessment.informed_at).strftime("%Y-%m-%d")})
    pending = DepartmentItem.objects.filter(assessment=assessment).pending()
    if pending.exists():
        names = punctuation.mark("、").join(i.get_department_display() for i in pending)
        raise ReferralError(_("尚有部门未办结（%(d)s），全部办结后一次性告知家庭。") % {"d": names})
    assessment.inform_note = _required(note, "note", _("请写明告知的方式和家庭的意见。"))
    assessment.informed_at, assessment.informed_by = _now(), actor
    assessment.version += 1
    assessment.save(update_fields=["inform_note", "informed_at", "informed_by", "version"])
    referral.family_informed = True
    _step(referral, actor=actor, action=StepAction.INFORM_ALL, to_status=referral.status,
          comment=assessment.inform_note, data={"family_informed": True}, fields=["family_informed"])
    return assessment

