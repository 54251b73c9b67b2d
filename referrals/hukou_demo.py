"""Demo of 人户分离 (appended to RELIEF_DEMO_LOADERS after referrals.demo): residence and hukou in different
places, made through households.services and referrals.services as staff make them.

- 江苏路街道 (township2): a family whose hukou is 华阳路街道 (township1), with a referral the village submitted and
  that waits in township1's queue for acceptance (the main path), one whose acceptance is late (its 环节超时 alert
  in township1's inbox, not township2's), and one whose case township1 accepted and decided (the outcome both
  sides see).
- 华阳路街道 (township1): a family relocated from 重庆市城口县河鱼乡 (易地扶贫搬迁, a hukou place outside the
  system), with a referral township1 handles and three letters: a 协查函 answered, a 转办函 overdue (its alert
  open) and a 协查函 not yet due.

Every date is counted from today. Idempotent: a second run finds the first family's hukou note and does nothing.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from households import services as household_services
from households.models import Household
from relief.models import Jurisdiction, Role, User

from . import services
from .models import Department, OutcomeAssistance
from .models_hukou import LetterKind
from .services.common import clock

MARK = "演示：人户分离"
OUTSIDE_CODE, OUTSIDE_NAME = "500229221000", "重庆市城口县河鱼乡"
OUTSIDE_OFFICE = "重庆市城口县民政局"


def _free_household(village) -> Household | None:
    """A household of the village with no lead or referral, preferably one already marked 人户分离."""
    # The lowest recorded income first: the referrals below ask for 低保 on grounds of low income.
    qs = Household.objects.filter(village=village, leads__isnull=True, referrals__isnull=True,
                                  assistance__isnull=True, per_capita_income__isnull=False).order_by(
        "per_capita_income", "-residence_differs", "pk")
    return qs.first()


def _submitted(caseworker, household, *, studied_days_ago, submitted_days_ago, summary, participants, conclusion):
    """A 低保 referral the village studied and submitted on those days (the hukou township then handles it)."""
    with clock.days_ago(studied_days_ago):
        referral = services.referral_create(actor=caseworker, household=household,
                                            requested=OutcomeAssistance.DIBAO, summary=summary)
        services.referral_study(actor=caseworker, referral=referral, meeting_date=clock.today(),
                                participants=participants, conclusion=conclusion)
    with clock.days_ago(submitted_days_ago):
        return services.referral_submit(actor=caseworker, referral=referral)


def _set_hukou(actor, household, note, **place):
    return household_services.household_update(
        actor=actor, household=household, version=household.version, residence_differs=True,
        notes=f"{household.notes}\n{note}".strip(), **place)


@transaction.atomic
def load(stdout=None) -> None:
    if Household.objects.filter(notes__contains=MARK).exists():
        return
    places = {j.code: j for j in Jurisdiction.objects.filter(code__in=[
        "310105001000", "310105001003", "310105002000", "310105002003", "310105002006"])}
    if len(places) < 5:
        return
    staff = {u.jurisdiction_id: u for u in User.objects.filter(
        is_active=True, jurisdiction__in=places.values()).order_by("-pk")}
    t1, t2 = places["310105001000"], places["310105002000"]
    home_a, home_c, home_d = places["310105001003"], places["310105002003"], places["310105002006"]
    if not all(p.pk in staff for p in (t1, t2, home_a, home_c, home_d)):
        return
    if staff[t1.pk].role != Role.TOWNSHIP or staff[home_c.pk].role != Role.CASEWORKER:
        return
    township1, township2 = staff[t1.pk], staff[t2.pk]
    today = timezone.localdate()

    # 1. Residence 江苏路街道, hukou 华阳路街道: submitted, waiting in township1's queue.
    cw_c = staff[home_c.pk]
    family = _free_household(home_c)
    family = _set_hukou(cw_c, family, f"{MARK}（户籍在华阳路街道，在本社区居住）", hukou_township=t1,
                        hukou_address=f"{t1.name}长宁路{family.pk % 900 + 100}号")
    _submitted(cw_c, family, studied_days_ago=3, submitted_days_ago=2,
               summary="户主户籍在华阳路街道，在本社区居住；家庭月人均收入低于低保标准，申请低保。",
               participants="社区书记、主任、协理员", conclusion="情况属实，报乡镇（户籍地办理）")

    # 1b. The same, submitted nine days ago and not yet accepted: its 乡镇受理 is late, and the alert is township1's
    # (the hukou township holds the step), not 江苏路街道's.
    late = _free_household(home_c)
    if late is not None:
        late = _set_hukou(cw_c, late, f"{MARK}（户籍在华阳路街道）", hukou_township=t1,
                          hukou_address=f"{t1.name}延安西路{late.pk % 900 + 100}号")
        _submitted(cw_c, late, studied_days_ago=11, submitted_days_ago=9,
                   summary="户籍在华阳路街道，在本社区居住；夫妻均失业，子女在读，申请低保。",
                   participants="社区两委成员5人", conclusion="情况属实，报户籍地街道")

    # 2. The same, accepted by township1 and decided eligible: both sides see the outcome.
    second = _free_household(home_d)
    cw_d = staff[home_d.pk]
    second = _set_hukou(cw_d, second, f"{MARK}（户籍在华阳路街道）", hukou_township=t1,
                        hukou_address=f"{t1.name}定西路{second.pk % 900 + 100}号")
    with clock.days_ago(20):
        done = services.referral_create(actor=cw_d, household=second, requested=OutcomeAssistance.TEMPORARY,
                                        summary="户籍在华阳路街道，在本社区租住；突发重病，医疗费用负担重。")
        services.referral_study(actor=cw_d, referral=done, meeting_date=clock.today(),
                                participants="社区两委成员4人", conclusion="同意报送")
        services.referral_submit(actor=cw_d, referral=done)
    with clock.days_ago(18):
        services.referral_accept(actor=township1, referral=done, department=Department.CIVIL_AFFAIRS,
                                 deadline=clock.today() + dt.timedelta(days=15), comment="户籍地受理")
    with clock.days_ago(6):
        services.referral_decide_eligible(actor=township1, referral=done, assistance_type=OutcomeAssistance.TEMPORARY,
                                          amount=Decimal("1000"), start_date=clock.today(), one_off=True,
                                          comment="户籍地华阳路街道认定临时救助，居住地江苏路街道继续走访。")

    # 3. Residence 华阳路街道, hukou outside the system: letters to the hukou place.
    cw_a = staff[home_a.pk]
    outside = _free_household(home_a)
    outside = _set_hukou(cw_a, outside, f"{MARK}（易地扶贫搬迁后在本社区居住，户籍仍在重庆市城口县河鱼乡）",
                         hukou_division_code=OUTSIDE_CODE, hukou_division_name=OUTSIDE_NAME,
                         hukou_address=f"{OUTSIDE_NAME}河鱼社区")
    with clock.days_ago(70):
        case = services.referral_create(
            actor=cw_a, household=outside, requested=OutcomeAssistance.DIBAO,
            summary="易地扶贫搬迁家庭，户籍在重庆市城口县河鱼乡；户主患慢性病，无稳定收入。")
        services.referral_study(actor=cw_a, referral=case, meeting_date=clock.today(),
                                participants="社区书记、主任、协理员", conclusion="报街道，并请户籍地协查")
        services.referral_submit(actor=cw_a, referral=case)
        services.referral_accept(actor=township1, referral=case, department=Department.CIVIL_AFFAIRS,
                                 deadline=today + dt.timedelta(days=20), comment="受理；户籍地不在本系统，发函协查")
    answered = services.letter_send(
        actor=township1, referral=case, kind=LetterKind.INQUIRY, sent_to=OUTSIDE_OFFICE,
        content="请协查该户在户籍地享受救助、承包地及收入情况。",
        sent_on=today - dt.timedelta(days=60), reply_due=today - dt.timedelta(days=30))
    services.letter_answer(actor=township1, letter=answered, version=answered.version,
                           answer="经核查，该户在户籍地未享受低保、特困，无承包地收入，情况属实。",
                           answered_on=today - dt.timedelta(days=41))
    services.letter_send(
        actor=township1, referral=case, kind=LetterKind.TRANSFER, sent_to=OUTSIDE_OFFICE,
        content="该户符合低保条件的，请户籍地按程序受理审批；居住地负责日常走访。",
        sent_on=today - dt.timedelta(days=40), reply_due=today - dt.timedelta(days=10))
    services.letter_send(
        actor=township1, referral=case, kind=LetterKind.INQUIRY, sent_to="城口县河鱼乡人民政府",
        content="请协查户主之子在户籍地的就业登记情况。",
        sent_on=today - dt.timedelta(days=5), reply_due=today + dt.timedelta(days=25))
    scan = services.letters_overdue_scan(today)
    if stdout is not None:
        stdout.write(f"人户分离演示：户籍地办理转办 2 件（待华阳路街道受理 1 件），协查函/转办函 3 件"
                     f"（逾期预警 {scan['opened']} 条）")
