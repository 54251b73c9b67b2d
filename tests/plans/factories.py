"""Households and members built straight on the registry models (the households app owns their services)."""
import datetime as dt
import itertools
from decimal import Decimal

from households.idcard import check_char
from households.models import AssistanceRecord, DibaoStandard, Household, Member, StandardArea

_seq = itertools.count(1)


def id_number(birth: dt.date, male: bool = True) -> str:
    n = next(_seq) % 500
    seq = f"{n * 2 + (1 if male else 0):03d}"[-3:]
    first17 = f"310105{birth:%Y%m%d}{seq}"
    return first17 + check_char(first17)


def standard(district, amount="1330", area=StandardArea.UNIFIED, since=dt.date(2021, 7, 1)):
    return DibaoStandard.objects.get_or_create(district=district, area=area, effective_from=since,
                                               defaults={"monthly_amount": Decimal(amount)})[0]


def household(village, income="0", members=(), assistance=(), **extra):
    """members: dicts of Member fields (birth_date required); assistance: AssistanceType values in force."""
    h = Household.objects.create(village=village, residence_address=extra.pop("address", f"{village.name}1号"),
                                 per_capita_income=Decimal(str(income)), **extra)
    for i, m in enumerate(members or [{"birth_date": dt.date(1980, 1, 1)}]):
        m = dict(m)
        birth = m.pop("birth_date")
        Member.objects.create(household=h, name=m.pop("name", f"成员{h.pk}-{i}"), birth_date=birth,
                              id_number=m.pop("id_number", id_number(birth)), sex=m.pop("sex", "M"), **m)
    for kind in assistance:
        AssistanceRecord.objects.create(household=h, type=kind, start_date=dt.date(2020, 1, 1))
    return h
