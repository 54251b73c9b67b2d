"""Synthetic households for the demo district and the benchmark — 模拟家庭数据.

Realistic Chinese names, addresses in the real streets of 长宁区, ages and family shapes, valid ID
numbers (GB 11643) with real division codes, incomes around the 低保 standard, assistance, about 30%
on the key-person roster with reasons that follow from the family's situation, and some households
on the observation list. Written with bulk inserts (one INSERT per batch, not per row) so that
100,000 households take about a minute; a bulk write bypasses model signals, so one audit entry
(BULK_WRITE) records the run.
"""
from __future__ import annotations

import datetime as dt
import random
import time
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from relief.audit import AuditEvent, audit_record
from relief.models import Jurisdiction, JurisdictionLevel, Role, User

from .bulk import RegistryWriter, row_of
from .idcard import check_char
from .models import (
    AssistanceRecord, AssistanceType, Cadence, EventSource, FocusReason, Household, HousingSituation, HukouType,
    MaritalStatus, Member, ObservationEntry, Relation, RosterEntry, SchoolStage, SelfCare, TargetKind,
)
from .services import default_cadence, next_review_date

SURNAMES = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾肖田董潘袁蔡蒋余于杜叶程魏苏吕丁"
            "任沈姚卢钟姜崔谭陆范汪廖石金贾夏付方邹熊白孟秦邱侯江尹薛闫段雷龙史陶贺毛郝顾龚邵万钱戴严孔汤")
MALE_CHARS = "建国华明伟强军平志勇杰涛斌超波辉刚健俊峰磊鹏宇浩然晨轩博文德荣福海龙根生宝兴"
FEMALE_CHARS = "秀英兰芳丽娟敏静燕霞玉萍红梅琳洁婷雪颖慧佳怡欣悦桂凤珍菊云莲琴"
# Real roads of 长宁区 by street office (township code), for addresses that look like the district's.
ROADS = {
    "310105001000": ["长宁路", "安化路", "武夷路", "凯旋路", "定西路", "延安西路", "华阳路"],
    "310105002000": ["江苏路", "愚园路", "镇宁路", "武定西路", "万航渡路", "利西路"],
    "310105102000": ["天山西路", "哈密路", "北翟路", "剑河路", "淞虹路", "新泾一村"],
}
OTHER_ROADS = ["人民路", "解放路", "建设路", "中山路", "新华路", "文化路"]
# Real division codes for ID numbers: mostly 长宁区, some other Shanghai districts, some migrants.
HOME_AREA = "310105"
OTHER_AREAS = [("310104", "上海市徐汇区"), ("310106", "上海市静安区"), ("310107", "上海市普陀区"),
               ("310112", "上海市闵行区"), ("310115", "上海市浦东新区")]
MIGRANT_AREAS = [("341881", "安徽省宁国市"), ("500229", "重庆市城口县"), ("500151", "重庆市铜梁区"),
                 ("320102", "江苏省南京市玄武区"), ("410102", "河南省郑州市中原区")]
ILLNESSES = ["恶性肿瘤", "尿毒症", "白血病", "脑卒中后遗症", "重症肝炎"]
CHRONIC = ["高血压", "糖尿病", "慢性阻塞性肺病", "冠心病", "类风湿关节炎"]
DISABILITIES = ["visual", "hearing", "speech", "physical", "intellectual", "mental"]
NOT_ELIGIBLE = ["家庭人均收入略高于低保标准", "家庭财产超过规定标准", "有赡养能力的子女未纳入计算后超标", "拥有机动车辆"]
EXIT_REASONS = ["家庭成员实现稳定就业，收入明显提高", "已迁出本社区", "经复核困难情形已消除"]


@dataclass
class Stats:
    households: int = 0
    members: int = 0
    assistance: int = 0
    roster: int = 0
    observation: int = 0
    events: int = 0
    seconds: float = 0.0
    extra: dict = field(default_factory=dict)


class _People:
    """Names and unique ID numbers; knows the numbers already in the database."""

    def __init__(self, rng: random.Random, taken: set[str]):
        self.rng, self.taken = rng, taken

    def name(self, sex: str) -> str:
        chars = MALE_CHARS if sex == "M" else FEMALE_CHARS
        given = self.rng.choice(chars) + (self.rng.choice(chars) if self.rng.random() < 0.7 else "")
        return self.rng.choice(SURNAMES) + given

    def id_number(self, area: str, born: dt.date, sex: str) -> str:
        for _attempt in range(200):
            seq = self.rng.randrange(0, 500) * 2 + (1 if sex == "M" else 0)
            first17 = f"{area}{born:%Y%m%d}{seq:03d}"
            number = first17 + check_char(first17)
            if number not in self.taken:
                self.taken.add(number)
                return number
        raise RuntimeError("no free ID number for this birth date")


def _birth(rng: random.Random, today: dt.date, age_from: int, age_to: int) -> dt.date:
    age = rng.randint(age_from, age_to)
    return today - dt.timedelta(days=age * 365 + rng.randrange(0, 365))


def _age(born: dt.date, today: dt.date) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def _shape(rng: random.Random) -> list[tuple[str, int, int, str | None]]:
    """A family shape: (relation, min age, max age, sex or None) per person; 2.5 people on average."""
    r = rng.random()
    if r < 0.12:
        return [(Relation.HEAD, 68, 95, None)]
    if r < 0.25:
        return [(Relation.HEAD, 63, 90, "M"), (Relation.SPOUSE, 60, 88, "F")]
    if r < 0.31:
        return [(Relation.HEAD, 22, 67, None)]
    if r < 0.52:
        return [(Relation.HEAD, 30, 58, "M"), (Relation.SPOUSE, 28, 56, "F"), (Relation.CHILD, 0, 24, None)]
    if r < 0.62:
        return [(Relation.HEAD, 32, 55, "M"), (Relation.SPOUSE, 30, 53, "F"), (Relation.CHILD, 0, 22, None),
                (Relation.CHILD, 0, 18, None)]
    if r < 0.76:
        return [(Relation.HEAD, 35, 55, "M"), (Relation.SPOUSE, 33, 53, "F"), (Relation.CHILD, 0, 20, None),
                (Relation.PARENT, 70, 92, None)]
    if r < 0.85:
        return [(Relation.HEAD, 28, 55, "F" if rng.random() < 0.75 else "M"), (Relation.CHILD, 0, 20, None)]
    if r < 0.92:
        return [(Relation.HEAD, 55, 80, None), (Relation.CHILD, 20, 50, None)]
    return [(Relation.HEAD, 25, 60, "M"), (Relation.SPOUSE, 25, 60, "F")]


def _employment(rng: random.Random, age: int) -> tuple[str, str]:
    if age < 6:
        return "preschool", SchoolStage.PRESCHOOL if age >= 3 else ""
    if age < 18:
        stage = SchoolStage.PRIMARY if age < 12 else SchoolStage.JUNIOR if age < 15 else SchoolStage.SENIOR
        return "student", stage
    if age < 23 and rng.random() < 0.6:
        return "student", SchoolStage.UNIVERSITY
    if age >= 60:
        return ("retired" if rng.random() < 0.8 else "unable"), ""
    return rng.choices(["employed", "flexible", "unemployed", "unable", "farming"], [50, 24, 12, 6, 8])[0], ""


def _dt(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(9, 0)))


def village_caseworkers(villages) -> dict[int, User]:
    users = User.objects.filter(role=Role.CASEWORKER, is_active=True, jurisdiction__in=villages).order_by("pk")
    result: dict[int, User] = {}
    for user in users:
        result.setdefault(user.jurisdiction_id, user)
    return result


def generate(
    *, villages, count: int, seed: int = 1, standard: Decimal | int = 1330, actor=None, batch_size: int = 2000,
    today: dt.date | None = None, stdout=None, unrecorded_share: float = 0.0,
) -> Stats:
    """Create `count` households spread over `villages` (Jurisdiction objects of level village).

    `unrecorded_share` of them have hukou type, housing and income unrecorded (未登记), as a family
    reported but not yet asked; they are planned as well-off so that no assistance or roster reason
    derives from an income nobody knows."""
    started = time.perf_counter()
    rng = random.Random(seed)
    # A stream of its own: the other figures of a seed stay the same whatever the share.
    unrecorded_rng = random.Random(seed + 1)
    today = today or timezone.localdate()
    standard = Decimal(standard)
    villages = [v for v in villages if v.level == JurisdictionLevel.VILLAGE]
    if not villages:
        raise ValueError("no villages to put households in")
    parents = {v.pk: v.parent for v in Jurisdiction.objects.filter(pk__in=[v.pk for v in villages])
               .select_related("parent")}
    groups: dict[int, list[Jurisdiction]] = {}
    for g in Jurisdiction.objects.filter(level=JurisdictionLevel.GROUP, parent__in=villages):
        groups.setdefault(g.parent_id, []).append(g)
    caseworkers = village_caseworkers(villages)
    people = _People(rng, set(Member.objects.values_list("id_number", flat=True)))
    stats = Stats()
    done = 0
    while done < count:
        n = min(batch_size, count - done)
        with transaction.atomic():
            writer = RegistryWriter(actor=actor, source=EventSource.SYSTEM, source_ref=f"generate:{seed}")
            _batch(rng, people, villages, parents, groups, caseworkers, n, standard, today, stats, writer,
                   unrecorded=lambda: unrecorded_share and unrecorded_rng.random() < unrecorded_share)
            writer.finish()
            stats.events += writer.events_written
        done += n
        if stdout is not None and count >= 20000 and done % 20000 == 0:
            stdout.write(f"  … {done} households")
    stats.seconds = time.perf_counter() - started
    audit_record(event=AuditEvent.BULK_WRITE, actor=actor, model=Household,
                 description=f"generate_households: {stats.households}",
                 detail={"households": stats.households, "members": stats.members, "seed": seed,
                         "villages": [v.pk for v in villages]})
    return stats


# What an unrecorded income counts as while planning assistance and roster reasons: above every line.
UNKNOWN_INCOME_PLANNED = Decimal(10 ** 6)


def _batch(rng, people, villages, parents, groups, caseworkers, n, standard, today, stats, writer,
           unrecorded=lambda: False):
    plans = []
    households = []
    for _i in range(n):
        village = rng.choice(villages)
        township = parents[village.pk]
        roads = ROADS.get(township.code if township else "", OTHER_ROADS)
        address = (f"{rng.choice(roads)}{rng.randint(1, 1200)}弄{rng.randint(1, 60)}号"
                   f"{rng.randint(1, 18)}0{rng.randint(1, 6)}室")
        shape = _shape(rng)
        r = rng.random()
        if r < 0.70:
            area, hukou_address, differs = HOME_AREA, address, False
        elif r < 0.85:
            area, place = rng.choice(OTHER_AREAS)
            hukou_address, differs = f"{place}{rng.choice(OTHER_ROADS)}{rng.randint(1, 400)}号", True
        else:
            area, place = rng.choice(MIGRANT_AREAS)
            hukou_address, differs = f"{place}{rng.choice(OTHER_ROADS)}{rng.randint(1, 400)}号", True
        band = rng.random()
        if band < 0.18:
            income = Decimal(rng.randint(0, int(standard) - 1))
        elif band < 0.33:
            income = Decimal(rng.randint(int(standard), int(standard * Decimal("1.5")) - 1))
        else:
            income = Decimal(rng.randint(int(standard * Decimal("1.5")), 9000))
        medical = Decimal(rng.choice([0, 0, 0, 0, 2000, 8000, 30000, 80000]))
        created = today - dt.timedelta(days=rng.randint(0, 3 * 365))
        household = Household(
            village=village, group=rng.choice(groups[village.pk]) if groups.get(village.pk) else None,
            residence_address=address, hukou_address=hukou_address,
            hukou_type=HukouType.URBAN if area.startswith("31") or rng.random() < 0.3 else HukouType.RURAL,
            residence_differs=differs, per_capita_income=income, medical_expense=medical,
            education_expense=Decimal(rng.choice([0, 0, 0, 3000, 12000])),
            housing=rng.choices([HousingSituation.OWNED, HousingSituation.RENTED, HousingSituation.PUBLIC_RENTAL,
                                 HousingSituation.BORROWED], [60, 25, 10, 5])[0],
            phone=f"1{rng.choice('3578')}{rng.randint(0, 999999999):09d}",
            caseworker=caseworkers.get(village.pk), created_at=_dt(created), updated_at=_dt(created),
        )
        households.append(household)
        if unrecorded():
            household.hukou_type, household.housing, household.per_capita_income = "", "", None
            income = UNKNOWN_INCOME_PLANNED
        plans.append((shape, area, income, medical, created))
    for household, pk in zip(households, writer.households_create([row_of(h) for h in households])):
        household.pk = pk
    stats.households += len(households)

    members, facts = [], []
    for household, (shape, area, income, medical, created) in zip(households, plans):
        head_sex = None
        fam = {"elderly_alone": False, "disabled": False, "cannot_self_care": False, "serious_illness": False,
               "unemployed": False, "size": len(shape)}
        for relation, age_from, age_to, sex in shape:
            sex = sex or rng.choice("MF")
            if relation == Relation.SPOUSE and head_sex:
                sex = "F" if head_sex == "M" else "M"
            head_sex = head_sex or sex
            born = _birth(rng, today, age_from, age_to)
            age = _age(born, today)
            person_area = area if relation in (Relation.HEAD, Relation.SPOUSE, Relation.PARENT) or age > 16 \
                else (HOME_AREA if rng.random() < 0.5 else area)
            employment, stage = _employment(rng, age)
            serious = rng.choice(ILLNESSES) if rng.random() < (0.08 if age >= 60 else 0.02) else ""
            chronic = rng.choice(CHRONIC) if rng.random() < (0.35 if age >= 60 else 0.06) else ""
            disabled = rng.random() < 0.07
            self_care = SelfCare.FULL
            if age >= 80 and rng.random() < 0.3 or disabled and rng.random() < 0.3:
                self_care = SelfCare.PARTIAL if rng.random() < 0.7 else SelfCare.NONE
            marital = "" if age < 20 else (
                MaritalStatus.MARRIED if relation in (Relation.HEAD, Relation.SPOUSE) and len(shape) > 1
                and any(r == Relation.SPOUSE for r, *_ in shape) else
                rng.choice([MaritalStatus.SINGLE, MaritalStatus.DIVORCED, MaritalStatus.WIDOWED]))
            members.append(Member(
                household=household, name=people.name(sex), relation=relation,
                id_number=people.id_number(person_area, born, sex), birth_date=born, sex=sex,
                ethnicity="汉族" if rng.random() < 0.96 else rng.choice(["回族", "满族", "蒙古族", "土家族"]),
                marital_status=marital, serious_illness=serious, chronic_illness=chronic,
                disability_type=rng.choice(DISABILITIES) if disabled else "",
                disability_grade=str(rng.randint(1, 4)) if disabled else "", self_care=self_care,
                employment=employment, school_stage=stage, created_at=_dt(created), updated_at=_dt(created),
            ))
            fam["elderly_alone"] |= len(shape) == 1 and age >= 65
            fam["disabled"] |= disabled
            fam["cannot_self_care"] |= self_care != SelfCare.FULL
            fam["serious_illness"] |= bool(serious)
            fam["unemployed"] |= employment in ("unemployed", "flexible")
        facts.append(fam)
    for member, pk in zip(members, writer.members_create([row_of(m) for m in members])):
        member.pk = pk
    stats.members += len(members)
    by_household: dict[int, list[Member]] = {}
    for member in members:
        by_household.setdefault(member.household_id, []).append(member)

    records, ended_dibao = [], set()
    for household, fam, (shape, area, income, medical, created) in zip(households, facts, plans):
        people_here = by_household[household.pk]
        start = created - dt.timedelta(days=rng.randint(0, 6 * 365))
        if income < standard and rng.random() < 0.6:
            kind = AssistanceType.TEKUN if fam["elderly_alone"] and income < 300 and rng.random() < 0.4 \
                else AssistanceType.DIBAO
            amount = ((standard - income) * len(people_here)).quantize(Decimal("1"))
            records.append(AssistanceRecord(household=household, type=kind, start_date=start, monthly_amount=amount))
        elif income < standard * Decimal("1.5") and rng.random() < 0.4:
            records.append(AssistanceRecord(household=household, type=AssistanceType.LOW_INCOME, start_date=start))
        elif rng.random() < 0.04:
            # Exited 低保 some time ago: a candidate for the quarterly check of exited families (seed 003).
            end = min(today - dt.timedelta(days=rng.randint(30, 700)), start + dt.timedelta(days=900))
            end = max(end, start)
            records.append(AssistanceRecord(household=household, type=AssistanceType.DIBAO, start_date=start,
                                            end_date=end, monthly_amount=Decimal(rng.randint(300, 1300)),
                                            note="收入超过标准退出" if income >= standard
                                            else "本人书面申请退出"))
            ended_dibao.add(household.pk)
        for member in people_here:
            if member.disability_type and rng.random() < 0.7:
                records.append(AssistanceRecord(household=household, member=member,
                                                type=AssistanceType.DISABILITY_SUBSIDY, start_date=start,
                                                monthly_amount=Decimal(rng.choice([150, 300, 420]))))
        if medical >= 30000 and rng.random() < 0.5:
            records.append(AssistanceRecord(household=household, type=AssistanceType.MEDICAL, start_date=start,
                                            end_date=start + dt.timedelta(days=365),
                                            monthly_amount=Decimal(rng.randint(200, 1500))))
        if rng.random() < 0.03:
            day = today - dt.timedelta(days=rng.randint(10, 400))
            records.append(AssistanceRecord(household=household, type=AssistanceType.TEMPORARY, start_date=day,
                                            end_date=day, monthly_amount=Decimal(rng.choice([1000, 2000, 3000])),
                                            note="一次性临时救助"))
    writer.assistance_create(records, backdate=True)
    stats.assistance += len(records)
    running = {}
    for record in records:
        if record.runs_on(today):
            running.setdefault(record.household_id, set()).add(record.type)

    # The roster: exactly 30% of the batch, those with most reasons first (then at random).
    candidates = []
    for household, fam, (shape, area, income, medical, created) in zip(households, facts, plans):
        reasons = [code for code in ("elderly_alone", "disabled", "cannot_self_care", "serious_illness") if fam[code]]
        if standard <= income < standard * Decimal("1.5"):
            reasons.append(FocusReason.DIBAO_EDGE)
        if medical >= 30000:
            reasons += [FocusReason.EXPENDITURE_HARDSHIP, FocusReason.HEAVY_MEDICAL]
        if household.pk in ended_dibao:
            reasons.append(FocusReason.REFUSED_OR_EXITED)
        if fam["unemployed"] and income < standard * 2:
            reasons.append(FocusReason.UNEMPLOYED)
        if rng.random() < 0.02:
            reasons.append(rng.choice([FocusReason.HOTLINE_PETITIONER, FocusReason.DISASTER,
                                       FocusReason.RELAPSE_RISK]))
        candidates.append((len(reasons) + rng.random(), household, sorted(set(reasons)) or [FocusReason.OTHER],
                           income))
    candidates.sort(key=lambda c: c[0], reverse=True)
    chosen = candidates[: round(len(candidates) * 0.3)]
    entries, entry_reasons = [], []
    for _score, household, reasons, income in chosen:
        kinds = running.get(household.pk, set())
        target = TargetKind.INSUFFICIENT if kinds else TargetKind.MISSING if income < standard else TargetKind.WARNING
        entered = max(household.created_at.date(), today - dt.timedelta(days=rng.randint(0, 700)))
        entries.append(RosterEntry(household=household, target_kind=target, cadence=default_cadence(reasons),
                                   caseworker=household.caseworker, entered_on=entered,
                                   entered_by=household.caseworker, created_at=_dt(entered), updated_at=_dt(entered)))
        entry_reasons.append(reasons)
    # Some households left the roster earlier and their old entries stay in the history.
    exited = []
    for _score, household, reasons, income in candidates[len(chosen):len(chosen) + len(candidates) // 40]:
        entered = household.created_at.date()
        left = min(today, entered + dt.timedelta(days=rng.randint(60, 500)))
        exited.append(RosterEntry(household=household, target_kind=TargetKind.WARNING,
                                  cadence=default_cadence(reasons), caseworker=household.caseworker,
                                  entered_on=entered, entered_by=household.caseworker, exited_on=left,
                                  exit_reason=rng.choice(EXIT_REASONS), exited_by=household.caseworker,
                                  created_at=_dt(entered), updated_at=_dt(left)))
        entry_reasons.append(reasons)
    all_entries = entries + exited
    writer.roster_enter(list(zip(all_entries, entry_reasons)), backdate=True)
    stats.roster += len(entries)

    observations = []
    for household, (shape, area, income, medical, created) in zip(households, plans):
        near_line = standard <= income < standard * 2
        if near_line and household.pk not in running and rng.random() < 0.2:
            decided = max(household.created_at.date(), today - dt.timedelta(days=rng.randint(0, 200)))
            observations.append(ObservationEntry(
                household=household, reason_not_eligible=rng.choice(NOT_ELIGIBLE),
                difficulty=rng.choice(["家庭成员患慢性病，医疗支出较大", "子女就学，教育支出较大", "收入不稳定"]),
                decided_by=household.caseworker, decided_on=decided, cadence=Cadence.QUARTERLY,
                next_review_on=next_review_date(decided, Cadence.QUARTERLY)))
    writer.observation_add(observations, backdate=True)
    stats.observation += len(observations)
