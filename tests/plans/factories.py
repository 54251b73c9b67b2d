"""Households for the policy tests, built through the registry's services like any other test data."""
import datetime as dt
from decimal import Decimal

from households import services
from households.models import DibaoStandard, StandardArea
from tests.households.factories import make_household

def standard(district, amount="1330", area=StandardArea.UNIFIED, since=dt.date(2021, 7, 1)):
    return DibaoStandard.objects.get_or_create(district=district, area=area, effective_from=since,
                                               defaults={"monthly_amount": Decimal(amount)})[0]


def household(village, income="0", members=(), assistance=(), **extra):
    """members: dicts of Member fields (birth_date required; the first is the head, "status" may record a death
    or a move); assistance: AssistanceType values in force. Built through the services (tests.households)."""
    people = [dict(m) for m in (members or [{"birth_date": dt.date(1980, 1, 1)}])]
    statuses = [person.pop("status", None) for person in people]
    for person in people[1:]:
        person.setdefault("relation", "other")
    head = people[0]
    h = make_household(village, head_name=head.pop("name", "户主"), head=head, members=people[1:],
                       residence_address=extra.pop("address", f"{village.name}1号"),
                       per_capita_income=Decimal(str(income)), assistance=assistance, **extra)
    members_in_order = list(h.members.order_by("pk"))
    for member, status in zip(members_in_order, statuses):
        if status and status != "present":
            services.member_status_change(actor=None, member=member, status=status)
    return h
