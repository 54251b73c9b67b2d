"""Demo care agreements (appended to RELIEF_DEMO_LOADERS): in 华一居委会 (caseworker1's village) four 特困 people
cared for at home who cannot care for themselves, with a valid agreement (followed last month), one expiring
in three weeks (its follow-up a few days late), one expired ten days ago and one never signed. Made through households' services as staff make
them; alerts.care_demo (the next loader) then runs the care-agreement scan, which opens the alerts of the expired
and the missing one (households may not import alerts). Idempotent: a second
run finds the 特困 records it made by their note and adds nothing.
"""
from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from relief.models import Role, User
from relief.months import add_months

from . import care_services, services
from .care_models import CarerRelation
from .models import AssistanceRecord, AssistanceType, HousingSituation, Member, MemberStatus, Relation, SelfCare

NOTE = "演示：分散供养特困人员"


@transaction.atomic
def _make(stdout) -> list[Member]:
    caseworker = (User.objects.filter(username="caseworker1", role=Role.CASEWORKER, is_active=True)
                  .select_related("jurisdiction").first())
    if caseworker is None:
        return []
    taken = AssistanceRecord.objects.filter(type=AssistanceType.TEKUN).values("household_id")
    heads = list(Member.objects.filter(household__village=caseworker.jurisdiction, relation=Relation.HEAD,
                                       status=MemberStatus.PRESENT)
                 .exclude(household__housing=HousingSituation.INSTITUTION).exclude(household_id__in=taken)
                 .select_related("household").order_by("household_id")[:4])
    if len(heads) < 4:
        return []
    today = timezone.localdate()
    for member, self_care in zip(heads, (SelfCare.NONE, SelfCare.PARTIAL, SelfCare.NONE, SelfCare.PARTIAL)):
        if member.self_care != self_care:
            services.member_update(actor=caseworker, member=member, self_care=self_care)
        services.assistance_add(actor=caseworker, household=member.household, member=member,
                                type=AssistanceType.TEKUN, start_date=add_months(today, -30),
                                monthly_amount=2535, note=NOTE)
    valid, expiring, expired, _missing = heads
    terms = "每日上门送餐两次，协助洗漱、服药；每周打扫卫生一次；发现身体异常或突发情况及时报告居委会。"
    agreement = care_services.care_agreement_record(
        actor=caseworker, member=valid, carer_name="李桂芳", carer_phone="13816627730",
        carer_relation=CarerRelation.NEIGHBOUR, terms=terms, starts_on=add_months(today, -5),
        ends_on=add_months(today, 7), follow_months=1)
    care_services.care_follow_up_record(actor=caseworker, agreement=agreement,
                                        followed_on=today - dt.timedelta(days=12), care_given=True,
                                        finding="入户见到本人，送餐按时，居室整洁，本人表示满意。")
    soon = care_services.care_agreement_record(
        actor=caseworker, member=expiring, carer_name="张伟", carer_phone="13601938842",
        carer_relation=CarerRelation.RELATIVE, terms="侄子每日探望，负责买菜做饭、陪同就医。",
        starts_on=add_months(today, -12) + dt.timedelta(days=21), ends_on=today + dt.timedelta(days=21),
        follow_months=2)
    # Followed 70 days ago every two months: its next follow-up is a few days late (the list marks it).
    care_services.care_follow_up_record(actor=caseworker, agreement=soon, followed_on=today - dt.timedelta(days=70),
                                        care_given=False, finding="侄子外出务工一周，期间由邻居代为送餐，已提醒按协议照料。")
    care_services.care_agreement_record(
        actor=caseworker, member=expired, carer_name="刘建华", carer_phone="13917730156",
        carer_relation=CarerRelation.CARE_SERVICE, terms="护理员每周上门三次，协助起居、清洁。",
        starts_on=add_months(today, -12) - dt.timedelta(days=10), ends_on=today - dt.timedelta(days=10),
        follow_months=1)
    return heads


def load(stdout=None) -> None:
    if AssistanceRecord.objects.filter(type=AssistanceType.TEKUN, note=NOTE).exists():
        return
    heads = _make(stdout)
    if heads and stdout is not None:
        stdout.write(f"演示照料协议：分散供养特困人员 {len(heads)} 人（有效、即将到期、已过期、未签各 1 人）")
