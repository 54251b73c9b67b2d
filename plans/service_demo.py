"""Demo data for service kinds (服务类型) in 华阳路街道 and 江苏路街道: households with each kind, a 转介 case
with goals (one overdue) and follow-up notes, 跟踪联系 households with a contact due and one not yet due,
one household whose kind changed (its history), and one re-flagged by a status change since its kind was
decided. Written through plans/service_kinds.py; only the decision times are moved back, as if decided
on their start dates. Idempotent: nothing happens once the district has a service record. Listed in
settings.RELIEF_DEMO_LOADERS after the visits demo (whose status-change scan opens the alerts read here).
"""
import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from alerts.jobs import status_change_scan
from households.models import Cadence, Household
from households.services import household_update
from relief.models import Jurisdiction, Role, User

from . import service_kinds as services
from .models import Resource
from .service_models import ContactMethod, GoalStatus, ServiceRecord, ServiceType

TOWNSHIPS = ["310105001000", "310105002000"]


def _backdate(record: ServiceRecord, days: int) -> None:
    """As if the kind had been decided on its start date (reviewed then, not now)."""
    at = timezone.now() - dt.timedelta(days=days)
    ServiceRecord.objects.filter(pk=record.pk).update(reviewed_at=at, created_at=at)
    record.refresh_from_db()


def load(stdout=None) -> None:
    townships = list(Jurisdiction.objects.filter(code__in=TOWNSHIPS).order_by("code"))
    if len(townships) < len(TOWNSHIPS):
        return
    if ServiceRecord.objects.filter(household__village__parent__in=townships).exists():
        return
    with transaction.atomic():
        counts = _load(townships)
    if stdout is not None and counts:
        stdout.write(f"演示服务类型：{counts} 户（综合救助、转介个案、跟踪联系，含目标超期 1 项、联系到期 1 户、情况变化待复核 1 户）")


def _load(townships) -> int:
    today = timezone.localdate()
    staff = {(u.jurisdiction_id, u.role): u for u in User.objects.filter(
        is_active=True, role__in=[Role.CASEWORKER, Role.TOWNSHIP]).order_by("-pk")}
    used: set[int] = set()

    def household(village_code: str) -> Household | None:
        h = (Household.objects.filter(village__code=village_code).exclude(pk__in=used).select_related("village")
             .order_by("pk").first())
        if h is not None:
            used.add(h.pk)
        return h

    def start(h, kind, days, reason, **kw):
        current = ServiceRecord.objects.current().filter(household=h).first()
        actor = staff.get((h.village.parent_id, Role.TOWNSHIP))
        record = services.service_start(actor=actor, household=h, kind=kind, started_on=today - dt.timedelta(days=days),
                                        reason=reason, current_id=current.pk if current else None,
                                        version=current.version if current else None, **kw)
        _backdate(record, days)
        return record

    n = 0
    for township in townships:
        code = township.code
        v1, v2 = f"{code[:9]}001", f"{code[:9]}002"
        if township.code == "310105002000":
            v1, v2 = "310105002002", "310105002003"
        village1 = Jurisdiction.objects.get(code=v1)
        cw1 = staff.get((village1.pk, Role.CASEWORKER))
        # 综合救助服务: two families the advisers help apply.
        for h in filter(None, [household(v1), household(v2)]):
            start(h, ServiceType.COMPREHENSIVE, 45, "救助缺失对象：救助顾问上门宣讲低保政策，协助准备申请材料。")
            n += 1
        # 转介服务 with case management: first 综合救助, then referred (its history), goals and notes.
        h = household(v1)
        if h is not None and cw1 is not None:
            start(h, ServiceType.COMPREHENSIVE, 120, "救助不充分对象：已享受低保，协助申请医疗救助。")
            org = Resource.objects.filter(name="心晴社工师事务所", villages=h.village_id).first()
            record = start(h, ServiceType.REFERRAL, 60, "低保救助后仍有心理困扰与照料需求，需政策外资源介入，转介社工机构开展个案管理。",
                           case_worker=cw1, organisation=org)
            actor = record.decided_by
            for text, days in [("每两周一次心理疏导，缓解户主焦虑情绪", -10), ("链接助餐服务，解决老人午餐", 30),
                               ("协助子女办理助学金申请", 5)]:
                record.refresh_from_db()
                services.service_goal_add(actor=actor, record=record, text=text,
                                          target_on=today + dt.timedelta(days=days), version=record.version)
            record.refresh_from_db()
            goal = record.goals.get(text__startswith="协助子女")
            services.service_goal_update(actor=cw1, goal=goal, status=GoalStatus.ACHIEVED,
                                         note="助学金已获批。", version=record.version)
            for days, note in [(50, "社工首次入户评估，户主情绪低落，约定每两周面谈。"),
                               (20, "第三次面谈后户主睡眠改善；助餐点已对接，待老人试餐。")]:
                record.refresh_from_db()
                services.service_note_add(actor=cw1, record=record, noted_on=today - dt.timedelta(days=days),
                                          note=note, version=record.version)
            n += 1
        # 跟踪联系服务: one contact due (monthly, never contacted since the start 40 days ago) ...
        h = household(v2)
        if h is not None:
            start(h, ServiceType.TRACKING, 40, "暂不符合救助政策，收入接近低保边缘，纳入长期关注。",
                  cadence=Cadence.MONTHLY)
            n += 1
        # ... and one not yet due (quarterly, contacted three weeks ago).
        h = household(v1)
        if h is not None:
            record = start(h, ServiceType.TRACKING, 50, "观察名单对象，定期电话关心。", cadence=Cadence.QUARTERLY)
            services.service_contact_log(actor=cw1 or record.decided_by, record=record,
                                         contacted_on=today - dt.timedelta(days=21), method=ContactMethod.PHONE,
                                         note="电话联系户主，身体尚可，暂无新的困难。", version=record.version)
            n += 1
        # Re-flagged: a 跟踪联系 family whose circumstances changed after its kind was decided: its income
        # falls below the 低保 standard (a household event), the status-change scan opens its alert.
        h = household(v1)
        if h is not None:
            start(h, ServiceType.TRACKING, 90, "暂不符合救助条件，纳入监测预警，长期关注。", cadence=Cadence.HALF_YEARLY)
            h.refresh_from_db()
            household_update(actor=cw1, household=h, version=h.version, per_capita_income=Decimal("600"))
            n += 1
    status_change_scan()
    services.service_scan()
    return n
