"""Demo street patrols (appended to RELIEF_DEMO_LOADERS after referrals.demo): in 华阳路街道 a patrol across
villages that raised a lead, one in a community that found nobody in need, and one of 江苏路街道.
Made through referrals.services as staff make them; idempotent (a second run finds the first patrol's route).
"""
from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from relief.models import Jurisdiction, Role, User

from . import services
from .models import Patrol, Urgency

FIRST_ROUTE = "长宁路—定西路沿线、地铁站出入口"


@transaction.atomic
def load(stdout=None) -> None:
    if Patrol.objects.filter(area=FIRST_ROUTE).exists():
        return
    by_code = {j.code: j for j in Jurisdiction.objects.filter(code__in=[
        "310105001000", "310105001001", "310105001002", "310105002000", "310105002002"])}
    if len(by_code) < 5:
        return
    users = User.objects.filter(is_active=True, jurisdiction__in=by_code.values()).order_by("pk")
    township_staff = {u.jurisdiction_id: u for u in reversed(users) if u.role == Role.TOWNSHIP}
    caseworkers = {u.jurisdiction_id: u for u in reversed(users) if u.role == Role.CASEWORKER}
    t1, t2 = by_code["310105001000"], by_code["310105002000"]
    a, b, c = by_code["310105001001"], by_code["310105001002"], by_code["310105002002"]
    if t1.pk not in township_staff or a.pk not in caseworkers:
        return
    today = timezone.localdate()
    officer = township_staff[t1.pk]
    patrol = services.patrol_record(
        actor=officer, township=t1, patrolled_on=today - dt.timedelta(days=3), area=FIRST_ROUTE,
        staff=[officer, caseworkers[a.pk]], others="志愿者 王建国", people_met=3,
        notes="地铁站出入口遇到一名露宿老人，自述无固定住所；另两人为外来务工人员，已告知救助站地址。")
    services.patrol_raise_lead(
        actor=officer, patrol=patrol, village=a, subject_name="", subject_address="定西路地铁站2号口",
        description="约70岁男性露宿，衣着单薄，自述无固定住所、无收入，需核实身份并护送至救助站。",
        urgency=Urgency.URGENT)
    if b.pk in caseworkers:
        services.patrol_record(
            actor=caseworkers[b.pk], village=b, patrolled_on=today - dt.timedelta(days=10),
            area="社区菜场、街心花园", staff=[caseworkers[b.pk]], people_met=0,
            notes="未发现流浪乞讨人员。")
    if t2.pk in township_staff:
        services.patrol_record(
            actor=township_staff[t2.pk], village=c, patrolled_on=today - dt.timedelta(days=5),
            area="愚园路沿线", staff=[township_staff[t2.pk]], others="网格员 李红", people_met=1,
            notes="遇到一名拾荒老人，有住所，家属已联系。")
