"""Roster entries, assistance, observation entries and visits for the ledger tests (households: the one
factory in tests/households/factories.py)."""
import datetime as dt

from django.utils import timezone

from households import services
from visits.models import Visit


def put_on_roster(household, *, reasons=("elderly_alone",), entered_on=None, target_kind="warning", note="",
                  caseworker=None, exited_on=None, exit_reason=""):
    """Enter the household on the roster (from the 1st of this month by default); exited when exited_on is given."""
    entry = services.roster_enter(actor=None, household=household, reasons=reasons, target_kind=target_kind,
                                  note=note, caseworker=caseworker,
                                  entered_on=entered_on or timezone.localdate().replace(day=1))
    if exited_on is not None:
        entry = services.roster_exit(actor=None, entry=entry, reason=exit_reason, exited_on=exited_on)
    return entry


def give_assistance(household, type="dibao", start=None, end=None, amount=500):
    return services.assistance_add(actor=None, household=household, type=type,
                                   start_date=start or timezone.localdate(), end_date=end, monthly_amount=amount)


def observe(household, *, decided_on=None, reason="收入略高于低保标准"):
    decided_on = decided_on or timezone.localdate()
    return services.observation_add(actor=None, household=household, reason_not_eligible=reason,
                                    decided_on=decided_on, next_review_on=decided_on + dt.timedelta(days=90))


def make_visit(household, visitor, **extra):
    values = {"visited_on": timezone.localdate(), "situation": "生活基本正常", "person_seen": True}
    values.update(extra)
    visit = Visit.objects.create(household=household, logged_by=visitor, **values)
    visit.visitors.set([visitor])
    return visit
