"""Demo focused screening campaigns (集中排查, appended to RELIEF_DEMO_LOADERS after the visits and leads).

华阳路街道 (township 1) shows every state:
- running: 低保边缘家庭入冬集中排查, begun ten days ago, three weeks left; about half the families of its first
  community were visited since and every family of the second (through visits.services, by each community's
  caseworker), one visit raised a lead (referrals.services), the rest are on the caseworkers' worklists;
- finished: a campaign over the observation list that ended six weeks ago, with what was and was not visited;
- upcoming: the elderly living alone before the Spring Festival, starting in a fortnight;
- ended early (提前结束): a check of the observation list's families of its first community after a typhoon, planned
  for a month, ended six days ago once the danger was over.
Made through plans.services as township staff make them; idempotent (a second run finds the running campaign).
"""
from __future__ import annotations

import datetime as dt
import uuid

from django.db import transaction
from django.utils import timezone

from households.models import FocusReason, Household
from referrals.models import LeadChannel
from referrals.services import lead_create
from relief.models import Jurisdiction, Role, User
from visits.services import visit_log

from . import services
from .models_campaigns import Campaign, CampaignTarget, CampaignTargetKind
from .selectors_campaigns import township_villages

TOWNSHIP_CODE = "310105001000"
RUNNING = "低保边缘家庭入冬集中排查"
FINISHED = "观察名单家庭秋季集中排查"
UPCOMING = "春节前独居老人集中排查"
ENDED_EARLY = "台风过境后观察名单家庭回访"
CHECKS = {"food": "normal", "housing_safety": "normal", "heating_cooling": "concern", "medical": "normal",
          "income_change": "normal", "care": "na", "schooling": "na"}


def _visit(caseworker, household, day, situation):
    visit_log(actor=caseworker, household=household, visitors=[caseworker], idempotency_key=uuid.uuid4(), data={
        "visited_on": day, "method": "home", "person_seen": True, **CHECKS, "situation": situation,
        "needs": [], "needs_text": "", "willingness": "not_asked", "ability": "na",
        "actions_taken": "入户排查，宣讲低保、临时救助政策", "measures": "", "situation_clear": True})


@transaction.atomic
def load(stdout=None) -> None:
    township = Jurisdiction.objects.filter(code=TOWNSHIP_CODE).first()
    if township is None or Campaign.objects.filter(township=township, name=RUNNING).exists():
        return
    officer = User.objects.filter(role=Role.TOWNSHIP, jurisdiction=township, is_active=True).order_by("pk").first()
    if officer is None:
        return
    today = timezone.localdate()
    villages = list(township_villages(township))
    try:
        running = services.campaign_start(actor=officer, township=township, today=today, data={
            "name": RUNNING, "starts_on": today - dt.timedelta(days=10), "ends_on": today + dt.timedelta(days=21),
            "target_kind": CampaignTargetKind.DIBAO_EDGE,
            "purpose": "入冬前逐户了解低保边缘家庭的取暖、用电和收入变化，发现符合条件的及时协助申请。"})
    except services.PlanError:
        return
    # Half of the first community's families visited since the start (one visit raised a lead), every family of
    # the second (its caseworker's section says so), none yet in the others.
    lead_raised = False
    for village, share in zip(villages[:2], (2, 1)):
        caseworker = User.objects.filter(role=Role.CASEWORKER, jurisdiction=village, is_active=True).order_by(
            "pk").first()
        if caseworker is None:
            continue
        ids = list(CampaignTarget.objects.filter(campaign=running, village=village).order_by("household_id")
                   .values_list("household_id", flat=True))
        for n, household in enumerate(Household.objects.filter(pk__in=ids[: (len(ids) + share - 1) // share]).select_related(
                "village", "village__parent").order_by("pk")):
            day = min(max(running.starts_on + dt.timedelta(days=1 + n % 8), household.created_at.date()), today)
            _visit(caseworker, household, day, "入冬前排查：家中取暖设备老旧，收入与上次相比无明显变化。")
            if not lead_raised:
                lead_create(actor=caseworker, channel=LeadChannel.VISIT, household=household,
                            description="集中排查发现：户主今年10月起失业，家庭月收入明显下降，冬季取暖费用负担重，"
                                        "建议核对家庭经济状况，评估低保或临时救助。",
                            received_at=timezone.make_aware(dt.datetime.combine(day, dt.time(15, 30))))
                lead_raised = True
    finished_start = today - dt.timedelta(days=75)
    try:
        services.campaign_start(actor=officer, township=township, today=finished_start, data={
            "name": FINISHED, "starts_on": finished_start, "ends_on": today - dt.timedelta(days=45),
            "target_kind": CampaignTargetKind.OBSERVATION,
            "purpose": "对救助观察名单上的家庭逐户回访，核实困难是否缓解、是否需要纳入救助。"})
    except services.PlanError:
        pass
    ended_start = today - dt.timedelta(days=20)
    try:
        ended = services.campaign_start(actor=officer, township=township, today=ended_start, data={
            "name": ENDED_EARLY, "starts_on": ended_start, "ends_on": today + dt.timedelta(days=10),
            "target_kind": CampaignTargetKind.OBSERVATION,
            "purpose": "台风过境后逐户回访观察名单家庭，了解房屋受损和生活困难情况。"}, villages=villages[:1])
        services.campaign_end_early(actor=officer, campaign=ended, reason="台风预警解除，受影响家庭均已回访，转入日常走访。",
                                    now=timezone.make_aware(dt.datetime.combine(today - dt.timedelta(days=6),
                                                                                dt.time(17, 0))))
    except services.PlanError:
        pass
    try:
        services.campaign_start(actor=officer, township=township, today=today, data={
            "name": UPCOMING, "starts_on": today + dt.timedelta(days=14), "ends_on": today + dt.timedelta(days=45),
            "target_kind": CampaignTargetKind.FOCUS_REASON, "focus_reason": FocusReason.ELDERLY_ALONE,
            "purpose": "春节前上门看望独居老人，了解生活照料、取暖和就医情况。"}, villages=villages[:3])
    except services.PlanError:
        pass
