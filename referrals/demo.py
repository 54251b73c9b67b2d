"""Demo data for leads and referrals (appended to RELIEF_DEMO_LOADERS after households and plans).

Leads from several channels and referrals at every kind of step, made through referrals.services exactly as
staff make them, so the timelines, household events, observation list and alerts are the real ones:
leads new, being looked into (with and without a household), closed with a reason, and referred; referrals in
village draft, studied (after a township return), submitted, assigned (one past its deadline with its alert,
one still ahead, both in the current month when the calendar allows), collectively reviewed, in public notice,
escalated to the district, decided by the district, decided eligible (assistance written back), ineligible
(onto the observation list; the family not yet told), ineligible and closed (the family told), and two
emergencies helped first (先行救助): one with 一事一议 and its paperwork still due, one with it late.

Some steps are dated days or weeks back (the service clock is moved for them), and every date is counted
from today, so the demo reads the same on any day. Idempotent: everything is written in one transaction, and a second run
finds the first demo lead's key and does nothing.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from households.models import Household
from relief.models import Jurisdiction, Role, User

from . import services
from .services.common import clock
from .models import Department, Lead, LeadChannel, OutcomeAssistance, Referral, Urgency

KEY = "demo-referrals:"
# The first four communities of 华阳路街道 (township1) and two of 江苏路街道 (township2).
VILLAGES = ["310105001001", "310105001002", "310105001003", "310105001004", "310105002002", "310105002003"]


def _days_ago(days: int):
    """Run service steps as if on an earlier day (their timestamps, date checks and deadlines follow)."""
    return clock.days_ago(days)


class _Office:
    """The demo staff and a supply of households without leads or referrals, village by village."""

    def __init__(self, villages: list[Jurisdiction]):
        self.villages = {v.code: v for v in villages}
        staff = User.objects.filter(jurisdiction__in=[*villages, *{v.parent for v in villages}], is_active=True,
                                    role__in=[Role.CASEWORKER, Role.TOWNSHIP]).order_by("pk")
        self.caseworker = {u.jurisdiction_id: u for u in reversed(staff) if u.role == Role.CASEWORKER}
        self.township = {u.jurisdiction_id: u for u in reversed(staff) if u.role == Role.TOWNSHIP}
        district_id = next(iter(villages)).parent.parent_id
        self.district = User.objects.filter(role=Role.DISTRICT, jurisdiction_id=district_id, is_active=True) \
            .order_by("pk").first()
        self.used: set[int] = set()

    def household(self, code: str, *, unassisted: bool = False) -> Household:
        village = self.villages[code]
        qs = (Household.objects.filter(village=village, leads__isnull=True, referrals__isnull=True)
              .exclude(pk__in=self.used).order_by("pk"))
        if unassisted:
            qs = qs.filter(assistance__isnull=True)
        household = qs.first()
        if household is None:
            raise LookupError(code)
        self.used.add(household.pk)
        return household

    def cw(self, code):
        return self.caseworker[self.villages[code].pk]

    def tw(self, code):
        return self.township[self.villages[code].parent_id]


def _lead(office, n, code, channel, description, household=None, actor=None, **kw):
    return services.lead_create(actor=actor or office.cw(code), channel=channel, description=description,
                                village=office.villages[code], household=household, dedupe_key=f"{KEY}{n}", **kw)


def _referral(office, n, code, channel, description, *, unassisted=False, urgency=Urgency.NORMAL,
              requested=OutcomeAssistance.DIBAO, study=True, submit=True):
    """A lead linked to a household, turned into a referral, studied and submitted as far as asked."""
    cw = office.cw(code)
    household = office.household(code, unassisted=unassisted)
    lead = _lead(office, n, code, channel, description, household=household, urgency=urgency)
    services.lead_start(actor=cw, lead=lead)
    referral = services.lead_to_referral(actor=cw, lead=lead, requested=requested)
    if study:
        referral = services.referral_study(actor=cw, referral=referral, meeting_date=clock.today(),
                                           participants="村（居）委会主任、社会救助协理员、居民代表 共5人",
                                           conclusion="情况属实，同意报街道（乡镇）民政办")
    if submit:
        referral = services.referral_submit(actor=cw, referral=referral)
    return referral


def load(stdout=None) -> None:
    villages = list(Jurisdiction.objects.filter(code__in=VILLAGES).select_related("parent__parent"))
    if len(villages) < len(VILLAGES) or not Household.objects.filter(village__in=villages).exists():
        return  # the households demo has not run (or another district is loaded)
    if Lead.objects.filter(dedupe_key__startswith=KEY).exists():
        return
    with transaction.atomic():
        counts = _load(_Office(villages))
    if stdout is not None:
        stdout.write(f"演示线索与转办：线索 {counts['leads']} 条，转办 {counts['referrals']} 件（含超期 1 件、先行救助补办超期 1 件）")


def _month_days(today: dt.date) -> tuple[dt.date, dt.date]:
    """A deadline already passed and one still ahead, both inside the current month where the calendar
    allows it (on the 1st nothing in the month has passed yet; on the last day nothing is still ahead)."""
    month_start = today.replace(day=1)
    month_end = (month_start + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
    passed = max(month_start, today - dt.timedelta(days=3))
    if passed >= today:
        passed = today - dt.timedelta(days=1)
    ahead = min(month_end, today + dt.timedelta(days=6))
    if ahead <= today:
        ahead = today + dt.timedelta(days=1)
    return passed, ahead


def _load(office: _Office) -> dict:
    v1, v2, v3, v4, v5, v6 = VILLAGES
    today = timezone.localdate()
    passed, ahead = _month_days(today)
    services.step_limits_seed_defaults()  # 环节时限: the defaults, if the table was emptied

    # ---- leads only: a hotline call (new, no household yet), a walk-in being looked into, a volunteer's
    # report (closed with its reason), a street patrol being looked into without a household
    with _days_ago(3):
        _lead(office, 1, v1, LeadChannel.HOTLINE, "12345热线转来：长宁路某弄独居老人近期摔伤，无人照料，子女在外地。",
              actor=office.tw(v1), reporter_name="热线工单", reporter_contact="12345",
              subject_name="钱阿婆", subject_address="华阳路街道长宁路1027弄", urgency=Urgency.URGENT,
              source_ref="12345-2026-0311")
    walk_in = _lead(office, 2, v2, LeadChannel.WALK_IN, "到社区事务受理中心咨询：丈夫失业三个月，孩子读初中，房租压力大。",
                    household=office.household(v2), reporter_name="本人")
    services.lead_start(actor=office.cw(v2), lead=walk_in)
    with _days_ago(12):
        report = _lead(office, 3, v3, LeadChannel.REPORT, "网格员反映：该户近期常去菜场捡菜叶，疑似生活困难。",
                       household=office.household(v3), reporter_name="网格员 周敏", reporter_contact="13817000031")
        services.lead_start(actor=office.cw(v3), lead=report)
        services.lead_close(actor=office.cw(v3), lead=report,
                            reason="经入户核实，该户已享受低保，老人有捡菜习惯，生活无困难；已告知网格员。")
    patrol = _lead(office, 4, v5, LeadChannel.PATROL, "夜间巡查发现一名流浪人员在公园长椅过夜，自述原住本社区，身份证遗失。",
                   actor=office.tw(v5), subject_name="陈某（自述）", subject_address="江苏路街道 中山公园附近",
                   urgency=Urgency.URGENT)
    services.lead_start(actor=office.tw(v5), lead=patrol)

    # ---- referrals, from the village draft to the decision
    _referral(office, 5, v1, LeadChannel.VISIT, "走访发现：老两口均患慢性病，药费支出大，收入仅一份养老金。",
              requested=OutcomeAssistance.MEDICAL, study=False, submit=False)                      # 村级草稿
    _referral(office, 6, v2, LeadChannel.FEED, "部门数据比对：户主残疾证（二级）新近办理，家庭未享受任何救助。",
              requested=OutcomeAssistance.LOW_INCOME)                                                # 已报乡镇
    with _days_ago(6):
        returned = _referral(office, 14, v1, LeadChannel.VISIT, "走访发现：单亲母亲带两个孩子，打零工收入不稳定。",
                             requested=OutcomeAssistance.DIBAO)
        services.referral_return(actor=office.tw(v1), referral=returned,
                                 reason="请补充近三个月收入情况和孩子就学证明后重新报送。")          # 退回 → 已集体研究
    assigned = _referral(office, 7, v3, LeadChannel.VISIT, "走访发现：租住房屋漏雨，墙体开裂，存在安全隐患。",
                         requested=OutcomeAssistance.HOUSING)
    services.referral_accept(actor=office.tw(v3), referral=assigned, department=Department.HOUSING,
                             deadline=ahead, comment="请住建部门核查房屋安全并提出意见")              # 本月内未到期
    with _days_ago(20):
        overdue = _referral(office, 8, v4, LeadChannel.REPORT, "邻里反映：母亲重病住院，孩子高二，家庭收入骤降。",
                            requested=OutcomeAssistance.EDUCATION)
        services.referral_accept(actor=office.tw(v4), referral=overdue, department=Department.EDUCATION,
                                 deadline=passed, comment="请教育部门核定助学金")                   # 已超期，有预警
    with _days_ago(8):
        reviewed = _referral(office, 15, v4, LeadChannel.WALK_IN,
                             "来访反映：夫妻均为重度残疾，无劳动能力，靠亲友接济生活。",
                             requested=OutcomeAssistance.TEKUN, unassisted=True)
        services.referral_accept(actor=office.tw(v4), referral=reviewed, department=Department.CIVIL_AFFAIRS,
                                 deadline=clock.today() + dt.timedelta(days=30))
    services.referral_review(actor=office.tw(v4), referral=reviewed, review_date=today,
                             participants="街道民政办、残联、社区事务受理中心、居委会主任",
                             conclusion="情况属实，拟纳入特困供养，下一步公示")                       # 已集中研究会审
    with _days_ago(20):
        eligible = _referral(office, 9, v1, LeadChannel.VISIT,
                             "走访发现：户主失业，配偶无劳动能力，月人均收入低于低保标准。", unassisted=True)
        services.referral_accept(actor=office.tw(v1), referral=eligible, department=Department.CIVIL_AFFAIRS,
                                 deadline=clock.today() + dt.timedelta(days=20))
    # The township decides what it approves itself (临时救助 up to its limit); 低保 goes through 公示 and the
    # district's approval (referrals/demo_approval.py).
    services.referral_decide_eligible(actor=office.tw(v1), referral=eligible,
                                      assistance_type=OutcomeAssistance.TEMPORARY, amount=Decimal("800.00"),
                                      start_date=today, one_off=True,
                                      comment="失业期间基本生活困难，给予临时救助；低保另行申请")      # 符合条件
    with _days_ago(15):
        ineligible = _referral(office, 10, v2, LeadChannel.HOTLINE,
                               "热线反映：独居老人退休金不高，患高血压，行动不便。", requested=OutcomeAssistance.DIBAO)
        services.referral_accept(actor=office.tw(v2), referral=ineligible, department=Department.CIVIL_AFFAIRS,
                                 deadline=clock.today() + dt.timedelta(days=20))
    services.referral_decide_ineligible(
        actor=office.tw(v2), referral=ineligible, real_difficulty=True,
        reason="老人每月养老金高于本市低保标准，暂不符合低保条件；可申请居家养老服务补贴。",
        difficulty="行动不便，独居，需要助餐和定期探访", family_informed=False)                    # 不符合，尚未告知
    with _days_ago(18):
        closed = _referral(office, 16, v3, LeadChannel.REPORT, "楼组长反映：该户子女失业在家，家庭收入减少。",
                           requested=OutcomeAssistance.DIBAO)
        services.referral_accept(actor=office.tw(v3), referral=closed, department=Department.SOCIAL_SECURITY,
                                 deadline=clock.today() + dt.timedelta(days=15))
    with _days_ago(4):
        closed = services.referral_decide_ineligible(
            actor=office.tw(v3), referral=closed,
            reason="家庭月人均收入高于低保标准；社保所已为其子女登记失业并推荐就业岗位。")
    services.referral_inform_family(actor=office.cw(v3), referral=closed,
                                    comment="已上门向家庭解释认定结果及就业扶持政策")               # 已告知，办结
    with _days_ago(10):
        escalated = _referral(office, 11, v5, LeadChannel.WALK_IN,
                              "来访反映：外省户籍随迁老人在本社区长期居住，突发重病，医疗费用无力承担。",
                              requested=OutcomeAssistance.MEDICAL, urgency=Urgency.URGENT)
    services.referral_escalate(actor=office.tw(v5), referral=escalated,
                               reason="户籍不在本区，医疗救助须由区医保、民政部门协调，超出街道权限。")   # 待区县决定
    with _days_ago(14):
        by_district = _referral(office, 17, v5, LeadChannel.VISIT,
                                "走访发现：户主患尿毒症需长期透析，自付医疗费用超过家庭年收入。",
                                requested=OutcomeAssistance.MEDICAL)
        services.referral_escalate(actor=office.tw(v5), referral=by_district,
                                   reason="医疗费用数额大，需区医疗救助专项资金研究。")
    if office.district is not None:
        services.referral_decide_eligible(actor=office.district, referral=by_district,
                                          assistance_type=OutcomeAssistance.MEDICAL, amount=Decimal("2000.00"),
                                          start_date=today.replace(day=1),
                                          comment="区医疗救助专项：每月补助透析自付费用")             # 区县认定
    with _days_ago(9):
        notice = _referral(office, 12, v6, LeadChannel.VISIT,
                           "走访发现：孤老，无子女，无劳动能力，无生活来源，拟申请特困供养。",
                           requested=OutcomeAssistance.TEKUN, unassisted=True)
        tw6 = office.tw(v6)
        services.referral_accept(actor=tw6, referral=notice, department=Department.CIVIL_AFFAIRS,
                                 deadline=clock.today() + dt.timedelta(days=30))
        services.referral_review(actor=tw6, referral=notice, review_date=clock.today(),
                                 participants="街道民政办、社区事务受理中心、居委会主任",
                                 conclusion="符合特困供养条件，予以公示")
    services.referral_notice_start(actor=tw6, referral=notice, start=today - dt.timedelta(days=2),
                                   end=today + dt.timedelta(days=5), place="居委会公示栏")           # 公示中
    emergency = _referral(office, 13, v6, LeadChannel.REPORT, "邻居报告：家中失火，一家三口无处居住，急需临时救助。",
                          requested=OutcomeAssistance.TEMPORARY, urgency=Urgency.EMERGENCY, study=False)
    services.referral_help_first(actor=tw6, referral=emergency, amount=Decimal("3000"),
                                 paperwork_due=max(ahead, today + dt.timedelta(days=1)),
                                 comment="火灾致基本生活困难，先行发放临时救助金3000元，安排临时住所")  # 先行救助，待补手续
    services.referral_discussion(actor=tw6, referral=emergency, amount=Decimal("8000"),
                                 justification="房屋烧毁，需租房过渡并添置基本生活用品，常规标准不足以解困。",
                                 agreed_by="街道分管领导、民政办主任、社区书记", meeting_date=today)    # 一事一议
    with _days_ago(12):
        late = _referral(office, 18, v2, LeadChannel.HOTLINE, "热线反映：独居老人突发脑梗出院，无人照护，急需护理费用。",
                         requested=OutcomeAssistance.TEMPORARY, urgency=Urgency.EMERGENCY, study=False)
        services.referral_help_first(actor=office.tw(v2), referral=late, amount=Decimal("1500"),
                                     paperwork_due=clock.today() + dt.timedelta(days=7),
                                     comment="先行发放临时救助金1500元，联系社区护理站上门")          # 补办手续已超期
    # 环节时限 (the default limits): a township that has not accepted a submission for 8 days (5 allowed), a
    # district answer 20 days after escalation (15 allowed), and a 急难 lead registered 5 hours ago (24 hours).
    with _days_ago(8):
        _referral(office, 19, v2, LeadChannel.VISIT, "走访发现：户主因工伤致残，停工在家，家庭收入锐减。",
                  requested=OutcomeAssistance.LOW_INCOME)                                          # 乡镇受理超时
    with _days_ago(20):
        slow = _referral(office, 20, v6, LeadChannel.WALK_IN, "来访反映：外来务工家庭孩子患白血病，治疗费用巨大。",
                         requested=OutcomeAssistance.MEDICAL)
        services.referral_escalate(actor=office.tw(v6), referral=slow,
                                   reason="医疗费用巨大且户籍在外省，需区医保、民政协调。")          # 区县答复超时
    with _days_ago(5 / 24):
        _lead(office, 21, v1, LeadChannel.HOTLINE, "热线反映：独居老人家中断电断水两天，身体虚弱，需立即上门。",
              household=office.household(v1), actor=office.tw(v1), reporter_name="热线工单",
              reporter_contact="12345", urgency=Urgency.EMERGENCY, source_ref="12345-2026-0412")    # 急难，剩余小时
    with _days_ago(10):
        waiting = _lead(office, 22, v3, LeadChannel.REPORT, "楼组长反映：该户老人近来常一人在家，饭菜简单，疑似经济困难。",
                        household=office.household(v3), reporter_name="楼组长 沈伟")
        services.lead_start(actor=office.cw(v3), lead=waiting)                                     # 线索待研究超时
    # The morning job opens the overdue referral's and the late paperwork's alerts, the hourly one the late
    # steps'; run them now so the demo shows them.
    from .tasks import deadline_alerts, step_alerts

    deadline_alerts()
    step_alerts()
    return {"leads": Lead.objects.filter(dedupe_key__startswith=KEY).count(),
            "referrals": Referral.objects.filter(lead__dedupe_key__startswith=KEY).count()}


def scans(stdout=None):
    """Run the referrals' alert scans once more after every demo that raises leads and work orders (hukou, feed,
    campaigns…), as the hourly and quarter-hourly jobs would: a late lead about no registered family, a work
    order past its deadline, show their alerts in the demo too."""
    from .services import letters_overdue_scan
    from .tasks import deadline_alerts, department_item_alerts, hotline_overdue_alerts, step_alerts

    results = {"deadlines": deadline_alerts(), "steps": step_alerts(), "hotline": hotline_overdue_alerts(),
               "letters": letters_overdue_scan(), "department_items": department_item_alerts()}
    if stdout is not None:
        stdout.write(f"演示预警扫描：环节超时 {results['steps']['late']} 项")
    return results
