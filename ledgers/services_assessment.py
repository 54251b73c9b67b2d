"""Writes of the district's supervision: the year's assessment plan and its adjustments, the export of its
scores, the townships' self-assessments and their review, the roster filings. Re-exported by ledgers.services.

Who: the plan's owner keeps it (access.keeps_assessment_of: the district official for the district's, the
township's staff for the township's of its villages); a township's staff fill its self-assessment and file its
rosters (access.files_for_township). Anything outside the actor's jurisdiction answers 404; a wrong value raises
ValidationError in Chinese and writes nothing. django-auditlog records every row; exports go to the audit log.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import io
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _, gettext_lazy

from relief import access
from relief.access import Action
from relief.audit import AuditEvent, audit_record
from relief.models import Jurisdiction, JurisdictionLevel
from relief.watermark import watermark_text
from relief.xlsx import Column, Sheet, write_workbook

from .models import LedgerKind
from .models_assessment import (
    DEFAULT_CRITERIA, AssessmentAdjustment, AssessmentCriterion, AssessmentPlan, CriterionKind, RosterFiling,
    RosterKind, SelfAssessment, SelfAssessmentItem, SelfAssessmentStatus,
)

NOT_FOUND = gettext_lazy("未找到该记录，或它不在您的辖区内。")


def _refuse_unless_keeper(actor, owner: Jurisdiction) -> None:
    # A township's staff meet their own district's plan (their row, their self-assessment): told why, not 404.
    if getattr(getattr(actor, "jurisdiction", None), "parent_id", None) != owner.pk:
        access.check(actor, Action.VIEW, owner)
    if not access.keeps_assessment_of(actor, owner):
        raise ValidationError(_("年度目标考核由区县民政部门（考核乡镇）或乡镇（街道）民政工作人员（考核村居）制定和评分。"))


def _decimal(value, field: str, message: str) -> Decimal:
    try:
        return Decimal(str(value).strip())
    except (InvalidOperation, TypeError, ValueError):
        raise ValidationError({field: message}) from None


def default_criteria() -> list[dict]:
    return [{"kind": kind, "name": str(kind.label), "weight": weight, "target": target}
            for kind, weight, target in DEFAULT_CRITERIA]


def _clean_criteria(criteria: list[dict]) -> list[dict]:
    cleaned, names, kinds, errors = [], set(), set(), []
    for position, raw in enumerate(criteria):
        kind = raw.get("kind") or CriterionKind.CUSTOM
        name = (raw.get("name") or "").strip() or (str(CriterionKind(kind).label) if kind in CriterionKind.values
                                                    and kind != CriterionKind.CUSTOM else "")
        if kind not in CriterionKind.values:
            errors.append(_("第%(n)s项：考核内容不正确。") % {"n": position + 1})
            continue
        if not name:
            errors.append(_("第%(n)s项：请填写指标名称。") % {"n": position + 1})
            continue
        if len(name) > 100:
            errors.append(_("「%(name)s」：名称不能超过100字。") % {"name": name})
        if name in names:
            errors.append(_("「%(name)s」：指标名称重复。") % {"name": name})
        if kind != CriterionKind.CUSTOM and kind in kinds:
            errors.append(_("「%(name)s」：同一项考核内容只能设一个指标。") % {"name": name})
        names.add(name)
        kinds.add(kind)
        try:
            weight = int(raw.get("weight"))
        except (TypeError, ValueError):
            errors.append(_("「%(name)s」：权重须为整数分值。") % {"name": name})
            continue
        if not 1 <= weight <= 100:
            errors.append(_("「%(name)s」：权重须在1到100分之间。") % {"name": name})
        try:
            target = Decimal(str(raw.get("target") if raw.get("target") not in (None, "") else 100))
        except InvalidOperation:
            target = Decimal("-1")
        if not Decimal("1") <= target <= Decimal("100"):
            errors.append(_("「%(name)s」：目标值须在1%%到100%%之间。") % {"name": name})
        cleaned.append({"pk": raw.get("pk"), "kind": kind, "name": name, "weight": weight, "target": target,
                        "position": position})
    if errors:
        raise ValidationError({"criteria": errors})
    if not cleaned:
        raise ValidationError({"criteria": _("请至少设置一项考核指标。")})
    total = sum(c["weight"] for c in cleaned)
    if total != 100:
        raise ValidationError({"criteria": _("各项指标权重之和须为100分，现为%(n)s分。") % {"n": total}})
    return cleaned


@transaction.atomic
def assessment_plan_save(*, actor, owner: Jurisdiction, year: int, criteria: list[dict] | None = None,
                         self_assessment_due: dt.date | None = None, roster_due: dt.date | None = None
                         ) -> AssessmentPlan:
    """Set (or change) the owner's plan for the year: its criteria with weights summing to 100 and targets,
    and for a district the self-assessment and roster deadlines. A criterion already adjusted or self-scored
    stays (its weight and target may change); a new plan without criteria gets the defaults."""
    _refuse_unless_keeper(actor, owner)
    if not isinstance(year, int) or not 2000 <= year <= 2100:
        raise ValidationError({"year": _("年度不正确。")})
    plan = AssessmentPlan.objects.select_for_update().filter(owner=owner, year=year).first()
    cleaned = _clean_criteria(criteria if criteria is not None else (
        default_criteria() if plan is None else [
            {"pk": c.pk, "kind": c.kind, "name": c.name, "weight": c.weight, "target": c.target}
            for c in plan.criteria.all()]))
    is_district = owner.level == JurisdictionLevel.DISTRICT
    for field, value in (("self_assessment_due", self_assessment_due), ("roster_due", roster_due)):
        if value is not None and not is_district:
            raise ValidationError({field: _("自查评估和花名册报送的截止日期由区县设定。")})
        if value is not None and not isinstance(value, dt.date):
            raise ValidationError({field: _("日期不正确。")})
    if plan is None:
        plan = AssessmentPlan.objects.create(owner=owner, year=year, created_by=actor,
                                             self_assessment_due=self_assessment_due, roster_due=roster_due)
    elif is_district:
        plan.self_assessment_due, plan.roster_due = self_assessment_due, roster_due
        plan.save(update_fields=["self_assessment_due", "roster_due"])
    existing = {c.pk: c for c in plan.criteria.all()}
    kept = set()
    for item in cleaned:
        criterion = existing.get(int(item["pk"])) if str(item.get("pk") or "").isdigit() else None
        if criterion is None:
            criterion = AssessmentCriterion(plan=plan)
        else:
            kept.add(criterion.pk)
        criterion.kind, criterion.name, criterion.weight = item["kind"], item["name"], item["weight"]
        criterion.target, criterion.position = item["target"], item["position"]
        criterion.save()
    removed = [c for pk, c in existing.items() if pk not in kept]
    for criterion in removed:
        if criterion.adjustments.exists() or criterion.self_items.exclude(self_score__isnull=True).exists():
            raise ValidationError({"criteria": _("「%(name)s」已有复核调整或自查评分，不能删除，可调整其权重。") % {
                "name": criterion.name}})
        criterion.self_items.all().delete()
        criterion.delete()
    return plan


def _unit_under(plan: AssessmentPlan, unit) -> Jurisdiction:
    pk = unit.pk if isinstance(unit, Jurisdiction) else unit
    found = Jurisdiction.objects.filter(pk=pk, parent=plan.owner).first()
    if found is None:
        raise Http404(NOT_FOUND)
    return found


@transaction.atomic
def assessment_adjust(*, actor, plan: AssessmentPlan, unit, criterion: AssessmentCriterion | int, points,
                      reason: str) -> AssessmentAdjustment:
    """A reviewed adjustment (复核调整) of one unit's points on one criterion, with its reason: added to the
    computed points (an added criterion's points are its adjustments), the result kept within 0 and the weight."""
    _refuse_unless_keeper(actor, plan.owner)
    unit = _unit_under(plan, unit)
    criterion = plan.criteria.filter(pk=criterion.pk if isinstance(criterion, AssessmentCriterion)
                                     else criterion).first()
    if criterion is None:
        raise ValidationError({"criterion": _("请选择考核指标。")})
    amount = _decimal(points, "points", _("调整分值须为数字，如 -2 或 3.5。"))
    if amount == 0:
        raise ValidationError({"points": _("调整分值不能为0。")})
    if abs(amount) > criterion.weight:
        raise ValidationError({"points": _("调整分值不能超过该指标的权重（%(w)s分）。") % {"w": criterion.weight}})
    if amount != amount.quantize(Decimal("0.1")):
        raise ValidationError({"points": _("调整分值最多保留一位小数。")})
    # An adjustment that the score's bounds would swallow is refused, not stored to no effect.
    from .selectors_assessment import plan_scores

    score = next(c for c in plan_scores(plan, [unit])[0].criteria if c.criterion.pk == criterion.pk)
    base = (score.computed if score.computed is not None else Decimal("0")) + score.adjustment
    if not Decimal("0") <= base + amount <= Decimal(criterion.weight):
        now = max(Decimal("0"), min(Decimal(criterion.weight), base))
        raise ValidationError({"points": _("调整后该项得分须在0至%(w)s分之间：现为%(now)s分，最多可调增%(up)s分、调减%(down)s分。") % {
            "w": criterion.weight, "now": now, "up": Decimal(criterion.weight) - now, "down": now}})
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("请填写调整理由。")})
    if len(reason) > 300:
        raise ValidationError({"reason": _("调整理由不能超过300字。")})
    return AssessmentAdjustment.objects.create(plan=plan, unit=unit, criterion=criterion, points=amount,
                                               reason=reason, created_by=actor)


def assessment_export(*, actor, plan: AssessmentPlan, rows, request=None) -> tuple[bytes, str]:
    """The scores as a workbook (one row per unit: each criterion's rate and points, adjustments, total, rank);
    the download goes to the audit log."""
    criteria = list(plan.criteria.all())
    level = _("乡镇（街道）") if plan.owner.level == JurisdictionLevel.DISTRICT else _("村（社区）")
    columns = [Column(_("排名"), 6, "int"), Column(level, 18)]
    for criterion in criteria:
        columns += [Column(_("%(c)s 完成情况") % {"c": criterion.name}, 22),
                    Column(_("%(c)s 得分（%(w)s分）") % {"c": criterion.name, "w": criterion.weight}, 14)]
    columns += [Column(_("复核调整"), 10), Column(_("调整理由"), 40), Column(_("总分"), 8)]

    def lines():
        for row in sorted(rows, key=lambda r: r.rank):
            values = [row.rank, row.unit.name]
            for score in row.criteria:
                described = score.text or score.note
                if score.rate is not None:
                    described = f"{score.rate}%（{described}）"
                values += [described, float(score.points)]
            values += [float(sum((a.points for a in row.adjustments), Decimal("0"))),
                       "；".join(f"{a.criterion.name} {a.points:+}：{a.reason}" for a in row.adjustments),
                       float(row.total)]
            yield values

    notes = [_("目标值：") + "；".join(f"{c.name} {c.target}%（{c.weight}分）" for c in criteria),
             _("得分 = 权重 ×（完成率 ÷ 目标值，最高为1）+ 复核调整；无应办事项的指标按满分计。")]
    buffer = io.BytesIO()
    title = _("%(o)s%(y)s年度目标考核得分") % {"o": plan.owner.name, "y": plan.year}
    written = write_workbook(buffer, title=title, subtitle=_("导出时间：%(t)s") % {
        "t": f"{timezone.localtime():%Y-%m-%d %H:%M}"}, sheets=[Sheet(title=_("考核得分"), columns=columns,
                                                                       rows=lines(), notes=notes)],
        watermark=watermark_text(actor))
    audit_record(event=AuditEvent.EXPORT, actor=actor, obj=plan, request=request,
                 description=_("导出年度目标考核：%(p)s") % {"p": plan}, detail={"plan": plan.pk, "rows": written})
    return buffer.getvalue(), _("%(o)s%(y)s年度目标考核.xlsx") % {"o": plan.owner.name, "y": plan.year}


# ---------------------------------------------------------------- self-assessment
def _refuse_unless_township_staff(actor, township: Jurisdiction) -> None:
    access.check(actor, Action.VIEW, township)
    if not access.files_for_township(actor, township):
        raise ValidationError(_("自查评估和花名册由乡镇（街道）民政工作人员填报。"))


@transaction.atomic
def self_assessment_save(*, actor, plan: AssessmentPlan, township: Jurisdiction, summary: str = "",
                         items: dict | None = None, submit: bool = False) -> SelfAssessment:
    """Save the township's self-assessment (per criterion: its own score and an account), and submit it when
    asked: then every criterion needs a score and an account. A submitted or accepted one is not changed; a
    returned one may be corrected and submitted again."""
    _refuse_unless_township_staff(actor, township)
    if township.level != JurisdictionLevel.TOWNSHIP or township.parent_id != plan.owner_id:
        raise Http404(NOT_FOUND)
    assessment, _created = SelfAssessment.objects.select_for_update(of=("self",)).get_or_create(
        plan=plan, township=township)
    if assessment.status in (SelfAssessmentStatus.SUBMITTED, SelfAssessmentStatus.ACCEPTED):
        raise ValidationError(_("自查评估已提交，待区县审核或已通过，不能再修改。"))
    items = items or {}
    errors = {}
    criteria = list(plan.criteria.all())
    saved = {i.criterion_id: i for i in assessment.items.all()}
    for criterion in criteria:
        score, narrative = items.get(criterion.pk, (None, ""))
        narrative = (narrative or "").strip()
        value = None
        if score not in (None, ""):
            try:
                value = Decimal(str(score).strip())
            except InvalidOperation:
                errors[f"score_{criterion.pk}"] = _("「%(c)s」：自评分须为数字。") % {"c": criterion.name}
                continue
            if not Decimal("0") <= value <= criterion.weight:
                errors[f"score_{criterion.pk}"] = _("「%(c)s」：自评分须在0到%(w)s分之间。") % {
                    "c": criterion.name, "w": criterion.weight}
                continue
        if submit and value is None:
            errors[f"score_{criterion.pk}"] = _("「%(c)s」：请填写自评分。") % {"c": criterion.name}
        if submit and not narrative:
            errors[f"narrative_{criterion.pk}"] = _("「%(c)s」：请说明工作情况。") % {"c": criterion.name}
        item = saved.get(criterion.pk) or SelfAssessmentItem(assessment=assessment, criterion=criterion)
        item.self_score, item.narrative = value, narrative
        item.save()
    if errors:
        raise ValidationError(errors)
    assessment.summary = (summary or "").strip()
    fields = ["summary"]
    if submit:
        assessment.status = SelfAssessmentStatus.SUBMITTED
        assessment.submitted_at, assessment.submitted_by = timezone.now(), actor
        fields += ["status", "submitted_at", "submitted_by"]
    assessment.save(update_fields=fields)
    return assessment


@transaction.atomic
def self_assessment_review(*, actor, assessment: SelfAssessment, accept: bool, comment: str = "") -> SelfAssessment:
    """The district accepts a submitted self-assessment, or returns it with its comments for correction."""
    assessment = SelfAssessment.objects.select_for_update(of=("self",)).select_related("plan__owner").get(
        pk=assessment.pk)
    _refuse_unless_keeper(actor, assessment.plan.owner)
    if assessment.status != SelfAssessmentStatus.SUBMITTED:
        raise ValidationError(_("只能审核已提交的自查评估。"))
    comment = (comment or "").strip()
    if not accept and not comment:
        raise ValidationError({"comment": _("退回修改时请填写审核意见。")})
    if len(comment) > 500:
        raise ValidationError({"comment": _("审核意见不能超过500字。")})
    assessment.status = SelfAssessmentStatus.ACCEPTED if accept else SelfAssessmentStatus.RETURNED
    assessment.reviewed_at, assessment.reviewed_by, assessment.review_comment = timezone.now(), actor, comment
    assessment.save(update_fields=["status", "reviewed_at", "reviewed_by", "review_comment"])
    return assessment


# ---------------------------------------------------------------- roster filing
@transaction.atomic
def roster_file(*, actor, plan: AssessmentPlan, township: Jurisdiction, kind: str) -> RosterFiling:
    """File the township's roster of this kind for the year: the ledger written now and frozen (its SHA-256
    kept). Filed once; after the district's date it is still taken, and counted late."""
    _refuse_unless_township_staff(actor, township)
    if township.level != JurisdictionLevel.TOWNSHIP or township.parent_id != plan.owner_id:
        raise Http404(NOT_FOUND)
    if kind not in RosterKind.values:
        raise ValidationError({"kind": _("请选择要报送的花名册。")})
    if RosterFiling.objects.filter(plan=plan, township=township, kind=kind).exists():
        raise ValidationError(_("%(t)s %(y)s年的%(k)s已备案，备案后不可修改。") % {
            "t": township.name, "y": plan.year, "k": RosterKind(kind).label})
    from .reports import LedgerRequest
    from .services import ledger_write_temp

    ledger_kind = LedgerKind.ASSISTANTS if kind == RosterKind.ASSISTANTS else LedgerKind.COLLECTORS
    ledger_request = LedgerRequest(user=actor, kind=ledger_kind, jurisdiction=township,
                                   start=dt.date(plan.year, 1, 1), end=dt.date(plan.year, 12, 31))
    path, rows, filename = ledger_write_temp(ledger_request)
    try:
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        filing = RosterFiling(plan=plan, township=township, kind=kind, filename=filename, rows=rows, sha256=digest,
                              filed_by=actor, due_on=plan.roster_due)
        try:
            with transaction.atomic():
                with path.open("rb") as fh:
                    filing.file.save(filename, File(fh), save=False)
                filing.save()
        except IntegrityError:
            if filing.file:
                filing.file.storage.delete(filing.file.name)
            raise ValidationError(_("该花名册刚刚已由他人报送。")) from None
        audit_record(event=AuditEvent.EXPORT, actor=actor, obj=filing,
                     description=_("花名册备案：%(f)s") % {"f": filing}, detail={"ledger": ledger_kind,
                                                                                "filing": filing.pk})
    finally:
        path.unlink(missing_ok=True)
    return filing


def roster_file_intact(filing: RosterFiling) -> bool:
    digest = hashlib.sha256()
    with filing.file.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 16), b""):
            digest.update(block)
    return digest.hexdigest() == filing.sha256
