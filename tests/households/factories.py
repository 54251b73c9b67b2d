"""Test data for the registry, made through the services so it follows the same rules as real data."""
import datetime as dt
import itertools

from households import services
from households.idcard import check_char

_seq = itertools.count(1)


def id_number(*, area: str = "310105", born: dt.date = dt.date(1980, 1, 1), sex: str = "M") -> str:
    """A valid, unique 18-character ID number (GB 11643) for the given birth date and sex."""
    n = next(_seq)
    seq = (n * 2 + (1 if sex == "M" else 0)) % 1000
    first17 = f"{area}{born:%Y%m%d}{seq:03d}"
    return first17 + check_char(first17)


def make_household(village, *, actor=None, head_name="张建华", members=0, **fields):
    """A household in the village with a head of household and `members` more people."""
    household = services.household_create(
        actor=actor, village=village, residence_address=fields.pop("residence_address", "长宁路1号101室"),
        head={"name": head_name, "id_number": id_number(born=dt.date(1956, 3, 4))}, **fields)
    for i in range(members):
        services.member_add(actor=actor, household=household, name=f"成员{i}", relation="child",
                            id_number=id_number(born=dt.date(1990 + i % 20, 5, 6), sex="F" if i % 2 else "M"))
    household.refresh_from_db()
    return household
