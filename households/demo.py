"""Demo data of the registry (appended to RELIEF_DEMO_LOADERS): the 低保 standard of the demo district
and about 2,000 households over its twelve communities, created once (running it again adds nothing)."""
import datetime as dt
from decimal import Decimal

from django.utils import timezone

from relief.demo import DISTRICT_CODE
from relief.models import Jurisdiction, JurisdictionLevel

from .generator import generate
from .models import Household, StandardArea
from .services import dibao_standard_set

DEMO_HOUSEHOLDS = 2000
DEMO_SEED = 2026
# Households whose hukou type, housing and income nobody has recorded yet (shown as 未登记).
UNRECORDED_SHARE = 0.04
# The 低保 standards of the demo district, as data (see ../shared/reference/dibao_standards.md).
DIBAO_STANDARDS = [
    {"district": DISTRICT_CODE, "area": StandardArea.UNIFIED, "monthly_amount": "1330",
     "effective_from": dt.date(2021, 7, 1),
     "source": "上海市民政局：城乡低保标准自2021年7月1日起由每人每月1240元提高到1330元"
               "（https://www.shine.cn/news/metro/2106241064/）"},
]


def load_standards() -> None:
    for row in DIBAO_STANDARDS:
        district = Jurisdiction.objects.filter(code=row["district"]).first()
        if district is not None:
            dibao_standard_set(actor=None, **{**row, "district": district})


def load(stdout=None) -> None:
    load_standards()
    villages = list(Jurisdiction.objects.filter(level=JurisdictionLevel.VILLAGE, code__startswith=DISTRICT_CODE[:6])
                    .order_by("code"))
    if not villages:
        return
    if not Household.objects.filter(village__in=villages).exists():
        stats = generate(villages=villages, count=DEMO_HOUSEHOLDS, seed=DEMO_SEED, unrecorded_share=UNRECORDED_SHARE)
        if stdout is not None:
            stdout.write(f"演示家庭：{stats.households} 户，{stats.members} 人，花名册 {stats.roster} 户，"
                         f"观察名单 {stats.observation} 户（{stats.seconds:.1f} 秒）")
    load_checks(villages, stdout)


# ------------------------------------------------------------------------------------------ checks
def _caseworker(village):
    from relief.models import Role, User

    return User.objects.filter(role=Role.CASEWORKER, jurisdiction=village).order_by("pk").first()


def _exit_candidates(village, count):
    """Households of the village on household-wide 低保 today (their exit is the only basic-living record)."""
    from django.db.models import Count, Q

    from .checks import EXIT_TYPES

    long_ago = timezone.localdate() - dt.timedelta(days=200)
    open_basic = Q(assistance__type__in=EXIT_TYPES, assistance__end_date__isnull=True)
    household_wide = Q(assistance__type="dibao", assistance__member__isnull=True, assistance__start_date__lt=long_ago)
    return list(
        Household.objects.filter(village=village, categories__contains=",dibao,")
        .annotate(n=Count("assistance", filter=open_basic),
                  whole=Count("assistance", filter=open_basic & household_wide))
        .filter(n=1, whole=1).order_by("pk")[:count])


def _partly_candidates(village, count):
    """Households of two or more present members, income recorded under the low-income line, on no 低保."""
    from django.db.models import Count, Q

    return list(
        Household.objects.filter(village=village, per_capita_income__lt=1900, quarterly_entries__isnull=True)
        .exclude(categories__contains=",dibao,").exclude(categories__contains=",tekun,")
        .annotate(n=Count("members", filter=Q(members__status="present"))).filter(n__gte=2).order_by("pk")[:count])


def load_checks(villages, stdout=None) -> None:
    """季度排查 and 整户纳入低保 in the demo district, through the services, once: per township (its first village)
    an exited family due this quarter (visits.demo checks one with a review visit), one exited last quarter and
    never checked (overdue), one checked last quarter and due again, one that declined in writing; two families
    partly on 低保 and still in hardship, one of them already checked. Refused families come from referrals.demo
    (an ineligible decision puts the family on the list)."""
    from django.db import transaction

    from . import services
    from .checks import previous_quarter_start, quarter_start
    from .models import AssistanceType, MemberStatus, QuarterlyCheckEntry, Relation, WholeHouseholdCheck

    if QuarterlyCheckEntry.objects.filter(household__village__in=villages, reason="exited").exists() or \
            WholeHouseholdCheck.objects.filter(household__village__in=villages).exists():
        return
    today = timezone.localdate()
    current, previous = quarter_start(today), previous_quarter_start(today)
    firsts = {}
    for village in villages:
        firsts.setdefault(village.parent_id, village)
    made = 0
    with transaction.atomic():
        for village in firsts.values():
            worker = _caseworker(village)
            exits = _exit_candidates(village, 5)
            if len(exits) < 5:
                continue
            ends = [max(current, today - dt.timedelta(days=20)), max(current, today - dt.timedelta(days=10)),
                    previous + dt.timedelta(days=20), previous - dt.timedelta(days=40), current]
            notes = ["家庭收入超过低保标准，退出低保", "子女就业后家庭收入增加，退出低保", "家庭收入超过标准退出",
                     "家庭收入超过标准退出", "本人书面申请退出低保"]
            for household, end, note in zip(exits, ends, notes):
                if "收入" in note:
                    # An exit for income comes with the income that rose above the standard, as a review finds it.
                    from .selectors import dibao_standard_for

                    standard = dibao_standard_for(household, today)
                    if standard is not None:
                        household = services.household_update(
                            actor=worker, household=household, version=household.version,
                            per_capita_income=(standard.monthly_amount * Decimal("1.25")).quantize(Decimal("1")))
                record = household.assistance.get(type="dibao", end_date__isnull=True)
                services.assistance_end(actor=worker, record=record, end_date=min(end, today), note=note)
                made += 1
            # exits[0], exits[1]: due this quarter (visits.demo does exits[1] with a review visit);
            # exits[2]: on since last quarter, never checked: overdue; exits[3]: checked last quarter, due again.
            services.quarterly_check_record(
                actor=worker, household=exits[3], checked_on=previous + dt.timedelta(days=30),
                finding="上门面谈：基本生活有保障，住房、医疗、就学暂无困难。")
            services.written_refusal_record(actor=worker, household=exits[4], refused_on=today,
                                            note="户主签字的《不接受季度排查告知书》已存档")
            partly = _partly_candidates(village, 2)
            for i, household in enumerate(partly):
                members = list(household.members.filter(status=MemberStatus.PRESENT).order_by("pk"))
                head = next((m for m in members if m.relation == Relation.HEAD), members[0])
                services.assistance_add(actor=worker, household=household, type=AssistanceType.DIBAO,
                                        member=head, start_date=today - dt.timedelta(days=400), monthly_amount=900,
                                        note="单人户纳入低保（重病）")
                if i == 1:
                    services.whole_household_check_record(
                        actor=worker, household=household, checked_on=today - dt.timedelta(days=30),
                        outcome="not_eligible", reason="其余成员有稳定工资收入，家庭月人均收入按规定核算后高于低保标准。")
    if stdout is not None and made:
        stdout.write(f"演示季度排查与整户纳入低保核查：退出救助 {made} 户")
