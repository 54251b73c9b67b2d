"""Demo visits (appended to RELIEF_DEMO_LOADERS after households, before plans): a living worklist.

For each household of the demo district on the key-person roster or the observation list, a history
of visits at its cadence, spread so that `make run` shows every case a caseworker meets: most
families visited on time, some overdue, some where the person was not seen last time (with a
follow-up date, some already past), some never visited since they were entered. Each visit passes
`Visit.clean()` (the three don'ts) and is logged by the caseworker serving the household's village.
Then the overdue scan, the status-change scan and last week's township summary run once, so the
alert inbox and the township's home cards have something in them.

Idempotent: visits are created only when the demo district has none; the jobs are idempotent.
"""
from __future__ import annotations

import datetime as dt
import random
import uuid

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from households.models import Cadence, MemberStatus, SchoolStage
from relief.demo import DISTRICT_CODE
from relief.models import Jurisdiction, JurisdictionLevel, Role, User
from relief.months import add_months

from . import latest
from .models import CHECK_FIELDS, Ability, CheckResult, NeedKind, Visit, VisitKind, VisitMethod, Willingness

DEMO_SEED = 2026
# Share of watched households per profile (the rest were never visited since they were entered).
UP_TO_DATE, OVERDUE, NOT_SEEN = 0.58, 0.20, 0.12
HISTORY = 6  # visits at most per household

NUMERALS = "一二三四五六七八九十"


@dataclass(frozen=True)
class Family:
    """What the demo's visit texts must agree with: who lives in the household (its present members)."""

    size: int
    elderly: bool        # someone 60 or older
    all_elderly: bool
    student: str         # the school stage of a member in school ("小学", "初中"…), or ""
    disabled: bool
    ill: bool            # a serious or chronic illness
    working_age: bool    # someone 18 to 59

    @classmethod
    def of(cls, members, today: dt.date) -> "Family":
        present = [m for m in members if m.status == MemberStatus.PRESENT] or list(members)
        ages = [m.age_on(today) for m in present]
        stages = [m.get_school_stage_display() for m in present
                  if m.school_stage and m.school_stage != SchoolStage.PRESCHOOL]
        return cls(size=len(present), elderly=any(a >= 60 for a in ages), all_elderly=bool(ages) and min(ages) >= 60,
                   student=stages[0] if stages else "", disabled=any(m.disability_type for m in present),
                   ill=any(m.serious_illness or m.chronic_illness for m in present),
                   working_age=any(18 <= a < 60 for a in ages))

    @property
    def people(self) -> str:
        return f"一家{NUMERALS[self.size - 1]}口" if 1 < self.size <= len(NUMERALS) else f"一家{self.size}口"

    def situations(self) -> list[str]:
        """Sentences a caseworker could write of this family, and none it would contradict."""
        found = ["租住老旧公房，屋顶有渗水，已报物业维修。"]
        if self.size == 1:
            found.append("老人独居，子女每周探望一次，降压药按时服用。" if self.elderly
                         else "独自居住，靠打零工维持生活，饮食正常。")
        elif self.all_elderly:
            found.append(f"{'老两口' if self.size == 2 else '家中老人'}相互照应，靠养老金和子女接济生活，家中整洁。")
        else:
            found.append(f"{self.people}，生活基本平稳，家中整洁。")
        if self.student and self.working_age:
            found.append(f"{self.people}，户主打零工收入不稳定，孩子在读{self.student}。")
        if self.disabled:
            found.append("残疾家庭成员由家人照料，护理补贴按月到账。")
        if self.ill:
            found.append("家中病人定期复查，按时服药，医药费负担较重。")
        if self.elderly:
            found.append("老人腿脚不便，日常由邻居帮忙买菜，饮食正常。")
        return found

    def not_seen_reasons(self) -> list[str]:
        found = ["家中无人，电话未接通"]
        found.append("住院治疗中，家属不在家" if self.ill else "外出就医，家人称下午回来")
        found.append("外出务工，家人称月底回来" if self.working_age and self.size > 1 else "外出办事，约定下周再来")
        if self.elderly:
            found.append("门卫称老人去女儿家小住")
        return found

    def needs(self) -> list[tuple]:
        """(need, the check it concerns, what was found, the measure taken) that fit this family."""
        found = [(NeedKind.MEDICAL, "medical", "住院自付费用较高", "协助申请医疗救助，告知大病保险报销流程"),
                 (NeedKind.HOUSING, "housing_safety", "屋顶渗水，墙面开裂", "已报街道房管部门查勘，跟进维修进度"),
                 (NeedKind.BASIC_LIVING, "income_change", "家庭收入明显下降", "指导申请临时救助，核对家庭经济状况")]
        if self.size == 1 and self.elderly:
            found.append((NeedKind.CARE, "care", "独居，行动不便，做饭困难", "联系社区助餐点每日送餐"))
        elif self.elderly or self.disabled:
            who = "家中老人" if self.elderly else "残疾家庭成员"
            found.append((NeedKind.CARE, "care", f"{who}行动不便，白天无人照料", "联系社区日间照料中心"))
        if self.student:
            found.append((NeedKind.EDUCATION, "schooling", f"孩子读{self.student}，学杂费负担重", "转介教育部门落实学生资助"))
        return found

def _villages():
    return list(Jurisdiction.objects.filter(level=JurisdictionLevel.VILLAGE, code__startswith=DISTRICT_CODE[:6])
                .order_by("code"))


def _watched(villages):
    """(household, first possible visit day, cadence) of the demo district's watched households."""
    from households.models import Household, ObservationEntry, RosterEntry

    roster = {pk: (entered, cadence) for pk, entered, cadence in RosterEntry.objects.filter(
        household__village__in=villages, exited_on__isnull=True).values_list("household_id", "entered_on", "cadence")}
    observed = {pk: (decided, cadence) for pk, decided, cadence in ObservationEntry.objects.filter(
        household__village__in=villages, removed_on__isnull=True).values_list("household_id", "decided_on", "cadence")}
    for household in Household.objects.filter(pk__in=[*roster, *observed]).prefetch_related("members").order_by("pk"):
        since, cadence = roster.get(household.pk) or observed[household.pk]
        yield household, max(timezone.localdate(household.created_at), since), cadence


def _visit(rng, household, family: Family, day, caseworker, seen: bool) -> Visit:
    visit = Visit(household=household, visited_on=day, logged_by=caseworker, idempotency_key=uuid.uuid4(),
                  created_at=timezone.make_aware(dt.datetime.combine(day, dt.time(rng.randint(9, 16), 30))))
    visit.updated_at = visit.created_at
    if not seen:
        visit.method = rng.choice([VisitMethod.HOME, VisitMethod.PHONE])
        visit.person_seen = False
        visit.not_seen_reason = rng.choice(family.not_seen_reasons())
        visit.actions_taken = "留下联系卡，约定再次上门"
        return visit
    visit.method = rng.choices([VisitMethod.HOME, VisitMethod.PHONE, VisitMethod.WALK_IN], [80, 15, 5])[0]
    for name in CHECK_FIELDS:
        setattr(visit, name, CheckResult.NOT_APPLICABLE if name == "schooling" and not family.student
                else CheckResult.NORMAL)
    visit.situation = rng.choice(family.situations())
    visit.willingness = Willingness.NOT_ASKED
    visit.ability = Ability.NOT_APPLICABLE
    visit.actions_taken = "宣讲社会救助政策，了解近期生活情况"
    roll = rng.random()
    if roll < 0.2:
        need, check, text, measures = rng.choice(family.needs())
        setattr(visit, check, CheckResult.CONCERN)
        visit.needs, visit.needs_text = [str(need)], text
        visit.willingness = rng.choice([Willingness.WANTS, Willingness.UNDECIDED])
        # Three don'ts: most needs get a measure; a few are left open for the worklist to show.
        visit.measures = measures if rng.random() < 0.8 else ""
        if visit.willingness == Willingness.WANTS and rng.random() < 0.5:
            visit.ability, visit.help_offered = Ability.NEEDS_HELP, "协理员代为准备申请材料，陪同到受理中心"
    if roll > 0.9:
        # Not everything learned this time: the situation is not yet clear.
        setattr(visit, rng.choice(["medical", "income_change", "care"]), CheckResult.NOT_CHECKED)
        visit.situation_clear = False
    else:
        visit.situation_clear = True
    if (not visit.situation_clear or (visit.needs and not visit.measures)) and household.pk % 2 == 0:
        # Half the cases left open get a date to come back (worklist 见到本人但仍需跟进: some passed, some
        # still ahead); the others leave it unset, as the form allows. Not from rng: the spread stays as it was.
        visit.next_follow_up_on = day + dt.timedelta(days=7 + household.pk % 14)
    return visit


def _history(rng, household, start, cadence, caseworker, today) -> list[Visit]:
    """The household's visits, oldest first, following its profile."""
    months = Cadence.months_of(cadence)
    period = (add_months(today, months) - today).days
    roll = rng.random()
    if roll < UP_TO_DATE:
        last, last_seen = today - dt.timedelta(days=rng.randint(0, max(period - 5, 1))), True
    elif roll < UP_TO_DATE + OVERDUE:
        last, last_seen = today - dt.timedelta(days=period + rng.randint(3, 70)), True
    elif roll < UP_TO_DATE + OVERDUE + NOT_SEEN:
        last, last_seen = today - dt.timedelta(days=rng.randint(1, 14)), False
    else:
        return []
    days, day = [], last
    for _i in range(HISTORY):
        if day < start:
            break
        days.append(day)
        day = add_months(day, -months) - dt.timedelta(days=rng.randint(0, 4))
    visits = []
    family = Family.of(household.members.all(), today)
    for index, day in enumerate(reversed(days)):
        newest = index == len(days) - 1
        visits.append(_visit(rng, household, family, day, caseworker,
                             seen=last_seen if newest else rng.random() > 0.05))
    return visits


def load(stdout=None) -> None:
    from alerts.jobs import status_change_scan

    from .jobs import overdue_scan, township_summaries

    villages = _villages()
    if not villages:
        return
    created = 0
    if not Visit.objects.filter(household__village__in=villages).exists():
        created = _create_visits(villages)
    reviewed = _review_visits(villages)
    overdue = overdue_scan()
    changes = status_change_scan()
    township_summaries()
    if stdout is not None:
        stdout.write(f"演示走访：新建巡查记录 {created} 条；逾期预警新增 {overdue['opened']} 条，"
                     f"情况变化预警新增 {changes['opened']} 条；结合复核走访完成季度排查 {reviewed} 户")


def _review_visits(villages) -> int:
    """结合复核走访: in each township's first village, the second family that exited assistance this quarter
    (households.demo.load_checks) gets a review visit, which does its quarterly check. Once: a family
    already checked this quarter is not picked again."""
    from households.checks import quarter_start
    from households.models import QuarterlyCheck, QuarterlyCheckEntry

    from .services import visit_log

    today = timezone.localdate()
    firsts = {}
    for village in villages:
        firsts.setdefault(village.parent_id, village)
    done = 0
    for village in firsts.values():
        worker = User.objects.filter(role=Role.CASEWORKER, is_active=True, jurisdiction=village).order_by("pk").first()
        entries = list(QuarterlyCheckEntry.objects.filter(
            household__village=village, reason="exited", ended_on__isnull=True,
            entered_on__gte=quarter_start(today)).select_related("household__village").order_by("pk")[:2])
        if worker is None or len(entries) < 2:
            continue
        household = entries[1].household
        if QuarterlyCheck.objects.filter(household=household, quarter_start=quarter_start(today)).exists():
            continue
        data = {name: CheckResult.NORMAL for name in CHECK_FIELDS}
        data.update(visited_on=today, kind=VisitKind.REVIEW, method=VisitMethod.HOME, person_seen=True,
                    situation="复核走访：退出低保后家庭收入稳定，基本生活、住房、医疗、就学均无困难。",
                    willingness=Willingness.NOT_ASKED, situation_clear=True)
        visit_log(actor=worker, household=household, data=data, visitors=[worker])
        done += 1
    return done


def _create_visits(villages) -> int:
    rng = random.Random(DEMO_SEED)
    today = timezone.localdate()
    caseworkers = {}
    for user in User.objects.filter(role=Role.CASEWORKER, is_active=True, jurisdiction__in=villages).order_by("pk"):
        caseworkers.setdefault(user.jurisdiction_id, user)
    # A family on the quarterly check list (households.demo.load_checks) is checked in the demo as its branches
    # say (due, done by a review visit, overdue): its visits since it was put on the list are phone calls, since
    # a face-to-face visit on every check would be the quarter's check (Visit.checks_the_quarter).
    from households.models import QuarterlyCheckEntry

    on_list = dict(QuarterlyCheckEntry.objects.filter(household__village__in=villages, ended_on__isnull=True)
                   .values_list("household_id", "entered_on"))
    visits: list[Visit] = []
    for household, start, cadence in _watched(villages):
        caseworker = caseworkers.get(household.village_id)
        for visit in _history(rng, household, start, cadence, caseworker, today):
            if household.pk in on_list and visit.visited_on >= on_list[household.pk] and visit.person_seen:
                visit.method = VisitMethod.PHONE
            # The same rules as a visit logged through the form (the three don'ts, dates).
            visit.clean_fields(exclude=["household", "logged_by", "idempotency_key"])
            visit.clean()
            visits.append(visit)
    with transaction.atomic():
        Visit.objects.bulk_create(visits, batch_size=1000)
        through = Visit.visitors.through
        through.objects.bulk_create(
            [through(visit_id=v.pk, user_id=v.logged_by_id) for v in visits if v.logged_by_id and v.pk],
            batch_size=1000)
        # bulk_create sends no signal (visits.receivers): the kept latest dates are rebuilt here.
        latest.rebuild({v.household_id for v in visits}, models=latest.current_models())
    return len(visits)
