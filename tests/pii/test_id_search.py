"""households.selectors.members_matching_id: the one ID-number look-up (whole, first 6, last 4 or 6)."""
import datetime as dt

import pytest

from households import services
from households.selectors import members_matching_id
from tests.households.factories import id_number, make_household

pytestmark = pytest.mark.django_db


def test_whole_first_six_last_four_and_last_six(demo):
    household = make_household(demo.village_a)
    member = household.members.get()
    other = services.member_add(actor=None, household=household, name="二", relation="child",
                                id_number=id_number(born=dt.date(2001, 2, 3), sex="M"))
    number = member.id_number
    assert list(members_matching_id(number)) == [member]
    assert list(members_matching_id(number.lower().replace("x", "x"))) == [member]
    assert list(members_matching_id(f" {number[:6]} {number[6:]} ")) == [member]
    assert set(members_matching_id(number[:6])) >= {member}
    assert member in members_matching_id(number[-6:]) and other not in members_matching_id(number[-6:])
    assert member in members_matching_id(number[-4:])
    # Leading digits beyond the area code (the birth date) find the person too, as staff type them.
    assert member in members_matching_id(number[:10])
    # A middle part, a term of letters or nothing matches nobody.
    for term in (number[6:14], "", "abc"):
        assert not members_matching_id(term).exists(), term
