"""The demo district's supervision (appended to RELIEF_DEMO_LOADERS), made through ledgers.services as the
district official and the townships' staff would, so every state shows:
- this year's district plan with the default criteria and one it added (人工评分), scores computed from the demo
  data, an adjustment up (华阳路街道, the added criterion) and one down (江苏路街道, visits);
- 华阳路街道's own plan for its communities, with an adjustment;
- self-assessments: 华阳路街道 submitted (waiting for review), 江苏路街道 returned with comments, 新泾镇 missing;
  last year's plan with 华阳路街道's accepted;
- rosters: 华阳路街道 filed both by the date, 江苏路街道 filed after it (late), 新泾镇 nothing (missing).
Idempotent: a second run finds this year's district plan and stops.
"""
from __future__ import annotations

import datetime as dt

from django.utils import timezone

from relief.demo import DISTRICT_CODE
from relief.models import Jurisdiction, JurisdictionLevel, Role, User

from . import services
from .models_assessment import AssessmentPlan, CriterionKind, RosterKind

HUAYANG, JIANGSU, XINJING = "310105001000", "310105002000", "310105102000"


def _district_criteria() -> list[dict]:
    return [
        {"kind": CriterionKind.ASSISTANTS, "name": "村村配备社会救助协理员", "weight": 15, "target": 100},
        {"kind": CriterionKind.VISITS, "name": "按时走访", "weight": 20, "target": 95},
        {"kind": CriterionKind.LEADS, "name": "线索和环节按时限办理", "weight": 15, "target": 90},
        {"kind": CriterionKind.SAMPLING, "name": "抽查准确率", "weight": 15, "target": 95},
        {"kind": CriterionKind.LEDGERS, "name": "台账和归类汇总按时报送", "weight": 15, "target": 100},
        {"kind": CriterionKind.CAMPAIGNS, "name": "集中排查覆盖", "weight": 10, "target": 100},
        {"kind": CriterionKind.CUSTOM, "name": "政策宣传和明白纸张贴", "weight": 10, "target": 100},
    ]


def _scores(plan, fill: str) -> dict:
    return {c.pk: (c.weight if c.kind != CriterionKind.VISITS else c.weight - 2, f"{c.name}：{fill}")
            for c in plan.criteria.all()}


def load(stdout=None) -> None:
    district = Jurisdiction.objects.filter(code=DISTRICT_CODE).first()
    official = User.objects.filter(role=Role.DISTRICT, jurisdiction=district, is_active=True).order_by("pk").first()
    if district is None or official is None:
        return
    today = timezone.localdate()
    if AssessmentPlan.objects.filter(owner=district, year=today.year).exists():
        return
    townships = {t.code: t for t in Jurisdiction.objects.filter(parent=district, level=JurisdictionLevel.TOWNSHIP)}
    staff = {t: User.objects.filter(role=Role.TOWNSHIP, jurisdiction=townships[t], is_active=True).order_by("pk")
             .first() for t in (HUAYANG, JIANGSU, XINJING) if t in townships}
    if not all(staff.get(code) for code in (HUAYANG, JIANGSU)):
        return

    # Last year: 华阳路街道's self-assessment accepted.
    last = services.assessment_plan_save(actor=official, owner=district, year=today.year - 1,
                                         self_assessment_due=dt.date(today.year - 1, 12, 10))
    services.self_assessment_save(actor=staff[HUAYANG], plan=last, township=townships[HUAYANG],
                                  summary="全年主动发现工作按计划推进。", items=_scores(last, "已按要求完成"), submit=True)
    services.self_assessment_review(actor=official, assessment=last.self_assessments.get(township=townships[HUAYANG]),
                                    accept=True, comment="自查全面，同意。")

    # This year: the plan, its adjustments, the deadlines.
    plan = services.assessment_plan_save(actor=official, owner=district, year=today.year,
                                         criteria=_district_criteria(),
                                         self_assessment_due=today + dt.timedelta(days=8),
                                         roster_due=today + dt.timedelta(days=5))
    custom = plan.criteria.get(kind=CriterionKind.CUSTOM)
    visits = plan.criteria.get(kind=CriterionKind.VISITS)
    services.assessment_adjust(actor=official, plan=plan, unit=townships[HUAYANG], criterion=custom, points=8,
                               reason="实地抽查：明白纸在各社区公示栏张贴齐全，入户宣传记录完整。")
    services.assessment_adjust(actor=official, plan=plan, unit=townships[JIANGSU], criterion=visits, points=-2,
                               reason="复核发现2户走访记录为事后补录，扣2分。")

    # Rosters: 华阳路街道 files by the date; the date passes; 江苏路街道 files late; 新泾镇 files nothing.
    for kind in RosterKind.values:
        services.roster_file(actor=staff[HUAYANG], plan=plan, township=townships[HUAYANG], kind=kind)
    plan = services.assessment_plan_save(actor=official, owner=district, year=today.year, criteria=None,
                                         self_assessment_due=plan.self_assessment_due,
                                         roster_due=today - dt.timedelta(days=1))
    services.roster_file(actor=staff[JIANGSU], plan=plan, township=townships[JIANGSU], kind=RosterKind.ASSISTANTS)

    # Self-assessments: 华阳路街道 submitted, 江苏路街道 returned, 新泾镇 not yet.
    services.self_assessment_save(actor=staff[HUAYANG], plan=plan, township=townships[HUAYANG],
                                  summary="本年度按方案逐项自查，协理员配备到位，走访按时。",
                                  items=_scores(plan, "对照方案逐项落实，详见台账"), submit=True)
    returned = services.self_assessment_save(actor=staff[JIANGSU], plan=plan, township=townships[JIANGSU],
                                             summary="已完成自查。", items=_scores(plan, "已完成"), submit=True)
    services.self_assessment_review(actor=official, assessment=returned, accept=False,
                                    comment="“按时走访”自评满分与系统计算不符，请补充逾期走访的整改情况后重新提交。")

    # 华阳路街道 assesses its communities the same way (no ledger criterion: the ledgers are the township's).
    villages = list(Jurisdiction.objects.filter(parent=townships[HUAYANG], level=JurisdictionLevel.VILLAGE)
                    .order_by("code"))
    own = services.assessment_plan_save(actor=staff[HUAYANG], owner=townships[HUAYANG], year=today.year, criteria=[
        {"kind": CriterionKind.ASSISTANTS, "name": "配备社会救助协理员", "weight": 25, "target": 100},
        {"kind": CriterionKind.VISITS, "name": "按时走访", "weight": 35, "target": 95},
        {"kind": CriterionKind.LEADS, "name": "线索按时限办理", "weight": 20, "target": 90},
        {"kind": CriterionKind.SAMPLING, "name": "抽查准确率", "weight": 20, "target": 95},
    ])
    if villages:
        services.assessment_adjust(actor=staff[HUAYANG], plan=own, unit=villages[0],
                                   criterion=own.criteria.get(kind=CriterionKind.VISITS), points=-3,
                                   reason="监督检查发现3户走访未见到本人且未安排跟进。")
    if stdout is not None:
        stdout.write("演示年度考核：区县方案含复核调整；自查评估已提交1、退回1、未提交1；花名册按时1、逾期1、未报送1")
