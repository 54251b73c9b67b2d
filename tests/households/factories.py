"""Test data for the registry, made through the services so it follows the same rules as real data."""
import datetime as dt
import itertools

from django.utils import timezone

from households import services
from households.idcard import check_char
from households.models import Household

_seq = itertools.count(1)

RUNNING_SINCE = dt.date(2020, 1, 1)


def id_number(*, area: str = "310105", born: dt.date = dt.date(1980, 1, 1), sex: str = "M") -> str:
    """A valid, unique 18-character ID number (GB 11643) for the given birth date and sex."""
    n = next(_seq)
    seq = (n * 2 + (1 if sex == "M" else 0)) % 1000
    first17 = f"{area}{born:%Y%m%d}{seq:03d}"
    return first17 + check_char(first17)


def _person(fields: dict, *, name: str, relation: str, born: dt.date, sex: str) -> dict:
    """Member fields for member_add: the ID number follows the birth date and sex unless one is given."""
    person = {"name": name, "relation": relation, **fields}
    born, sex = person.pop("birth_date", born), person.pop("sex", sex)
    person.setdefault("id_number", id_number(born=born, sex=sex))
    return person


def make_household(village, *, actor=None, head_name="张建华", head=None, members=0,
                   residence_address="长宁路1号101室", created: dt.date | None = None, assistance=(), **fields):
    """A household registered in the village through the services.

    head_name: the head of household's name (None: a household without a head yet); head: more member fields
    for the head (birth_date and sex make the ID number; default a man born 1956-03-04). members: how many
    more people, or a list of member fields for each. created: the registration date (the visit cadence
    counts from it). assistance: assistance types running since RUNNING_SINCE. Other keywords are household
    fields (phone, caseworker, per_capita_income, hukou_type, ...).
    """
    head_person = None
    if head_name is not None:
        head_person = _person(head or {}, name=head_name, relation="head", born=dt.date(1956, 3, 4), sex="M")
    household = services.household_create(actor=actor, village=village, residence_address=residence_address,
                                          head=head_person, **fields)
    others = [{}] * members if isinstance(members, int) else members
    for i, fields_of_member in enumerate(others):
        person = _person(fields_of_member, name=f"成员{i}", relation="child", born=dt.date(1990 + i % 20, 5, 6),
                         sex="F" if i % 2 else "M")
        services.member_add(actor=actor, household=household, **person)
    for kind in assistance:
        services.assistance_add(actor=actor, household=household, type=kind, start_date=RUNNING_SINCE)
    if created is not None:
        # No service backdates a registration: it is the moment of household_create.
        Household.objects.filter(pk=household.pk).update(
            created_at=timezone.make_aware(dt.datetime.combine(created, dt.time(9))))
    household.refresh_from_db()
    return household
