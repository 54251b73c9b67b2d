"""Demo hotline work orders (appended to RELIEF_DEMO_LOADERS after referrals.demo.load).

Made as township staff make them: the rows of a hotline export go through `services.work_orders_import` (the
import's own write), then leads are linked to households, responses and feedback recorded through the
services, and the overdue scan runs. 华阳路街道 (township1) gets one work order overdue for its first response
(its family linked, so its 热线工单超时 alert opens), one awaiting a response not yet due, one responded and
awaiting feedback not yet due, and one done; 江苏路街道 (township2) one whose feedback is overdue. Every time is
counted from now, so the demo reads the same on any day. Idempotent: a second run finds the first number.
"""
from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from households.models import Relation
from relief.models import Jurisdiction

from . import services
from .demo import VILLAGES, _Office
from .models import HotlineSource, HotlineWorkOrder, Urgency
from .tasks import hotline_overdue_alerts

NUMBERS = [f"SH12345DEMO{n:04d}" for n in range(1, 6)]


def _row(n, village, *, received, caller, address, text, response_hours=24, feedback_days=5,
         source=HotlineSource.CITY_12345, urgency=Urgency.NORMAL, subject=""):
    """One work order; `subject` the person in need when the caller reports someone else (a neighbour)."""
    return {"row_number": n + 3, "number": NUMBERS[n], "source": source, "received_at": received,
            "response_due": received + dt.timedelta(hours=response_hours),
            "feedback_due": received + dt.timedelta(days=feedback_days), "village_id": village.pk,
            "description": text, "reporter_name": caller, "reporter_contact": "1380000%04d" % (n + 1),
            "subject_name": subject or caller, "subject_address": address, "urgency": urgency}


def _head(household) -> str:
    head = household.members.filter(relation=Relation.HEAD).first() or household.members.order_by("pk").first()
    return head.name if head else "张桂芳"


def load(stdout=None) -> None:
    villages = list(Jurisdiction.objects.filter(code__in=VILLAGES).select_related("parent"))
    if len(villages) < len(VILLAGES) or HotlineWorkOrder.objects.filter(number=NUMBERS[0]).exists():
        return
    office = _Office(villages)
    v1, v2, v5 = office.villages["310105001001"], office.villages["310105001002"], office.villages["310105002002"]
    now = timezone.now().replace(second=0, microsecond=0)
    # The two families the work orders turn out to be (linked below): the caller named as their head is.
    family1, family5 = office.household("310105001001"), office.household("310105002002")
    with transaction.atomic():
        first = services.work_orders_import(actor=office.tw("310105001001"), rows=[
            _row(0, v1, received=now - dt.timedelta(hours=30), caller=_head(family1),
                 address=family1.residence_address,
                 text="来电人称母亲瘫痪在床，丈夫去年病故，家中无收入来源，询问能否申请低保。"),
            _row(1, v1, received=now - dt.timedelta(hours=3), caller="陈建国", address="长宁路1027弄",
                 text="退休职工，老伴住院，自付医疗费用很高，咨询医疗救助如何申请。", source=HotlineSource.TOWNSHIP),
            _row(2, v2, received=now - dt.timedelta(days=2), caller="刘梅", address="安化路492弄",
                 text="单亲母亲，孩子读初中，本人失业半年，房租压力大，请求帮助。"),
            _row(3, v2, received=now - dt.timedelta(days=9), caller="赵志强", address="定西路819弄",
                 text="反映邻居钱秀英独居老人冬季无取暖设备，生活困难。", urgency=Urgency.URGENT, subject="钱秀英"),
        ], audit_detail={"file_name": "demo"})
        second = services.work_orders_import(actor=office.tw("310105002002"), rows=[
            _row(4, v5, received=now - dt.timedelta(days=7), caller=_head(family5),
                 address=family5.residence_address,
                 text="患尿毒症长期透析，家庭支出大，咨询临时救助。", feedback_days=5),
        ], audit_detail={"file_name": "demo"})
        overdue, _waiting, feedback, done = first
        # The family of the overdue work order is registered: its 热线工单超时 alert is the household's.
        services.lead_link_household(actor=office.tw("310105001001"), lead=overdue, household=family1)
        tw1 = office.tw("310105001002")
        order = HotlineWorkOrder.objects.get(lead=feedback)
        order = services.work_order_respond(actor=tw1, work_order=order, version=order.version,
                                            at=now - dt.timedelta(days=2) + dt.timedelta(hours=5),
                                            text="已电话联系来电人，约定本周内社区协理员上门核实家庭情况。")
        order = HotlineWorkOrder.objects.get(lead=done)
        order = services.work_order_respond(actor=tw1, work_order=order, version=order.version,
                                            at=now - dt.timedelta(days=9) + dt.timedelta(hours=2),
                                            text="已联系社区，当天上门查看。")
        services.work_order_feedback(actor=tw1, work_order=order, version=order.version,
                                     at=now - dt.timedelta(days=6),
                                     text="经上门核实，钱秀英老人独居、尚未登记家庭信息，已先送取暖器；线索待村级研究是否纳入重点人群花名册，已回复来电人。")
        lead = second[0]
        tw2 = office.tw("310105002002")
        services.lead_link_household(actor=tw2, lead=lead, household=family5)
        order = HotlineWorkOrder.objects.get(lead=lead)
        services.work_order_respond(actor=tw2, work_order=order, version=order.version,
                                    at=now - dt.timedelta(days=7) + dt.timedelta(hours=4),
                                    text="已电话回访，告知临时救助申请材料，待社区核实后反馈。")
        hotline_overdue_alerts()
    if stdout:
        stdout.write(f"  热线工单: {HotlineWorkOrder.objects.filter(number__in=NUMBERS).count()}\n")
