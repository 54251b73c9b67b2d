"""Building households, roster entries and assistance for the ledger tests (valid ID numbers, real fields)."""
import datetime as dt
import itertools

from django.utils import timezone

from households.idcard import check_char
from households.models import (
    AssistanceRecord, FocusReasonTag, Household, Member, ObservationEntry, Relation, RosterEntry, Sex,
)
from visits.models import Visit

_sequence = itertools.count(100)


def id_number(birth=dt.date(1950, 3, 4), male=True) -> str:
    n = next(_sequence)
    birth = birth + dt.timedelta(days=n // 500)  # 500 numbers per birth date and sex, then the next day
    seq = f"{(n % 500) * 2 + (1 if male else 0):03d}"  # odd sequence = male (GB 11643)
    first17 = f"310105{birth:%Y%m%d}{seq}"
    return first17 + check_char(first17)


def make_household(village, *, head="张三", address="华阳路1号", members=1, phone="13800000000", **extra):
    household = Household.objects.create(village=village, residence_address=address, phone=phone, **extra)
    Member.objects.create(household=household, name=head, relation=Relation.HEAD, id_number=id_number(),
                          birth_date=dt.date(1950, 3, 4), sex=Sex.MALE)
    for i in range(members - 1):
        Member.objects.create(household=household, name=f"{head}家属{i}", relation=Relation.CHILD,
                              id_number=id_number(dt.date(1980, 1, 1), male=False), birth_date=dt.date(1980, 1, 1),
                              sex=Sex.FEMALE)
    return household


def put_on_roster(household, *, reasons=("elderly_alone",), entered_on=None, target_kind="warning", note="",
                  **extra):
    entry = RosterEntry.objects.create(household=household, entered_on=entered_on or dt.date.today().replace(day=1),
                                       target_kind=target_kind, note=note, **extra)
    entry.reasons.set([FocusReasonTag.objects.get_or_create(code=code)[0] for code in reasons])
    return entry


def give_assistance(household, type="dibao", start=None, end=None, amount=500):
    return AssistanceRecord.objects.create(household=household, type=type, start_date=start or dt.date.today(),
                                           end_date=end, monthly_amount=amount)


def observe(household, *, decided_on=None, reason="收入略高于低保标准"):
    decided_on = decided_on or dt.date.today()
    return ObservationEntry.objects.create(household=household, reason_not_eligible=reason, decided_on=decided_on,
                                           next_review_on=decided_on + dt.timedelta(days=90))


def make_visit(household, visitor, **extra):
    values = {"visited_on": timezone.localdate(), "situation": "生活基本正常", "person_seen": True}
    values.update(extra)
    visit = Visit.objects.create(household=household, logged_by=visitor, **values)
    visit.visitors.set([visitor])
    return visit
