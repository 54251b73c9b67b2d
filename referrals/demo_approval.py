"""Demo of what follows 公示 (appended to RELIEF_DEMO_LOADERS after referrals.demo): objections, submission for
approval, the district's queue and answers, and the villages' standing notice (救助对象长期公示).

Made through referrals.services as staff make them, some steps played on earlier days (the service clock):
- an objection during 公示 sent one case back to investigation (已交办部门, with the objection on the timeline);
- another had an objection, was investigated again and is in its second 公示;
- one case's 公示 ended without objection and waits for the township to submit it;
- two wait in the district's queue: one past its approval deadline, one not yet due;
- one the district approved (低保 written to the household), one it refused (the family not yet told);
- each demo township's objection hotline, printed on its villages' notice.
Idempotent: a second run finds the first lead's key and does nothing.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction

from households.models import Household
from relief.models import Jurisdiction

from . import services
from .demo import VILLAGES, _Office
from .models import Department, Lead, LeadChannel, OutcomeAssistance, Urgency
from .services.common import clock

KEY = "demo-approval:"
MATERIALS = ["application", "id_hukou", "income_check", "home_visit", "review", "notice"]
HOTLINES = {"310105001000": "021-62512345", "310105002000": "021-62478890"}


def _case(office, n, code, description, *, requested=OutcomeAssistance.DIBAO, notice_days=7):
    """A case through study, acceptance, collective review and the start of its 公示 (on the clock's day)."""
    cw, tw = office.cw(code), office.tw(code)
    household = office.household(code, unassisted=True)
    lead = services.lead_create(actor=cw, channel=LeadChannel.VISIT, description=description,
                                village=office.villages[code], household=household, dedupe_key=f"{KEY}{n}",
                                urgency=Urgency.NORMAL)
    services.lead_start(actor=cw, lead=lead)
    r = services.lead_to_referral(actor=cw, lead=lead, requested=requested)
    r = services.referral_study(actor=cw, referral=r, meeting_date=clock.today(),
                                participants="村（居）委会主任、社会救助协理员、居民代表 共5人",
                                conclusion="情况属实，同意报街道（乡镇）民政办")
    r = services.referral_submit(actor=cw, referral=r)
    r = services.referral_accept(actor=tw, referral=r, department=Department.CIVIL_AFFAIRS,
                                 deadline=clock.today() + dt.timedelta(days=15))
    r = services.referral_review(actor=tw, referral=r, review_date=clock.today(),
                                 participants="街道民政办、社区事务受理中心、居委会主任",
                                 conclusion="经济状况核对及入户调查属实，拟纳入，予以公示")
    return services.referral_notice_start(actor=tw, referral=r, start=clock.today(),
                                          end=clock.today() + dt.timedelta(days=notice_days), place="居委会公示栏")


def _submit(office, code, r, amount, requested=OutcomeAssistance.DIBAO):
    return services.approval_submit(actor=office.tw(code), referral=r, assistance_type=requested,
                                    amount=amount, start_date=clock.today().replace(day=1), materials=MATERIALS,
                                    opinion="公示期满无异议，经审核符合条件，报请区民政局审批。")


def load(stdout=None) -> None:
    villages = list(Jurisdiction.objects.filter(code__in=VILLAGES).select_related("parent__parent"))
    if len(villages) < len(VILLAGES) or not Household.objects.filter(village__in=villages).exists():
        return
    if Lead.objects.filter(dedupe_key__startswith=KEY).exists():
        return
    with transaction.atomic():
        office = _Office(villages)
        if office.district is None:
            return
        _load(office)
    if stdout is not None:
        stdout.write("演示公示后审批：异议 2 件，待报送 1 件，区县待审批 2 件（超期 1 件），已批准 1 件，不予批准 1 件")


def _load(office) -> None:
    v1, v2, v3, v4, v5, v6 = VILLAGES
    district = office.district

    # An objection during 公示: back to investigation (已交办部门).
    with clock.days_ago(6):
        objected = _case(office, 1, v2, "走访发现：户主长期患病，配偶照料无法就业，家庭收入低。")
    with clock.days_ago(3):
        services.objection_record(actor=office.tw(v2), referral=objected, raised_by="本社区居民（匿名）",
                                  raised_on=clock.today(), content="反映该户儿子在外地工作，收入较高，未如实申报。",
                                  handling="交民政办重新入户调查，核对其子收入及赡养情况。",
                                  deadline=clock.today() + dt.timedelta(days=10))
    # An objection, investigated again, in its second 公示.
    with clock.days_ago(16):
        again = _case(office, 2, v3, "来访反映：单亲父亲带一个读小学的孩子，打零工收入不稳定。")
    with clock.days_ago(13):
        services.objection_record(actor=office.tw(v3), referral=again, raised_by="楼组长 沈伟",
                                  raised_on=clock.today(), content="反映该户有一辆小汽车。",
                                  handling="交民政办核对车辆登记信息。", deadline=clock.today() + dt.timedelta(days=7))
    with clock.days_ago(2):
        services.referral_notice_start(actor=office.tw(v3), referral=again, start=clock.today(),
                                       end=clock.today() + dt.timedelta(days=7), place="居委会公示栏",
                                       comment="经核对，车辆已于2024年过户他人，异议不成立；重新公示。")
    # 公示 ended without objection: the township has still to submit it.
    with clock.days_ago(9):
        _case(office, 3, v1, "走访发现：老两口均无劳动能力，仅一人有少量养老金。")
    # Two in the district's queue: past the approval deadline, and not yet due.
    with clock.days_ago(22):
        late = _case(office, 4, v4, "邻里反映：户主重度残疾，无劳动能力，无其他收入来源。",
                     requested=OutcomeAssistance.TEKUN)
    with clock.days_ago(14):
        _submit(office, v4, late, Decimal("2100.00"), requested=OutcomeAssistance.TEKUN)
    with clock.days_ago(10):
        waiting = _case(office, 5, v5, "走访发现：户主失业，配偶患病，两个孩子读书，月人均收入低于低保标准。")
    with clock.days_ago(2):
        _submit(office, v5, waiting, Decimal("1510.00"))
    # One approved, one refused.
    with clock.days_ago(20):
        approved = _case(office, 6, v6, "走访发现：独居老人无子女，养老金低于低保标准。")
    with clock.days_ago(12):
        approved_request = _submit(office, v6, approved, Decimal("880.00"))
    with clock.days_ago(5):
        services.approval_approve(actor=district, approval=approved_request,
                                  comment="经审核，材料齐全，同意纳入低保。")
    with clock.days_ago(21):
        refused = _case(office, 7, v1, "来访反映：户主近期失业，家庭有两套住房。")
    with clock.days_ago(13):
        refused_request = _submit(office, v1, refused, Decimal("1330.00"))
    with clock.days_ago(4):
        services.approval_refuse(actor=district, approval=refused_request, real_difficulty=True,
                                 reason="家庭拥有两套住房，超过本市低保家庭财产标准，暂不符合低保条件。",
                                 difficulty="户主失业，可推荐就业岗位并纳入跟踪联系")
    for code, phone in HOTLINES.items():
        township = Jurisdiction.objects.get(code=code)
        staff = office.township.get(township.pk)
        if staff is not None:
            services.objection_hotline_set(actor=staff, township=township, phone=phone)
