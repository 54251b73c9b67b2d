"""Households on the roster or the observation list, and visit data, for the visit tests (made through the
households services with the one household factory)."""
import datetime as dt
import uuid

from django.utils import timezone

from households import services
from households.models import Cadence, FocusReason, TargetKind
from tests.households.factories import make_household

REGISTERED_ON = dt.date(2020, 1, 1)  # long before any roster entry, so the cadence counts from the entry


def make_roster(village, *, entered_on=dt.date(2024, 1, 1), cadence=Cadence.MONTHLY, caseworker=None,
                head_name="王桂兰", **household_fields):
    """A household (head: a woman born 1950) entered on the roster; a quarterly cadence needs the one reason
    that allows it (refused or exited)."""
    household = make_household(village, head_name=head_name, head={"birth_date": dt.date(1950, 1, 1), "sex": "F"},
                               created=REGISTERED_ON, caseworker=caseworker, **household_fields)
    reasons = [FocusReason.REFUSED_OR_EXITED if cadence == Cadence.QUARTERLY else FocusReason.ELDERLY_ALONE]
    services.roster_enter(actor=None, household=household, reasons=reasons, target_kind=TargetKind.WARNING,
                          cadence=cadence, caseworker=caseworker, entered_on=entered_on)
    household.refresh_from_db()
    return household


def make_observed(village, *, decided_on=dt.date(2024, 1, 1), next_review_on=dt.date(2024, 4, 1),
                  cadence=Cadence.QUARTERLY):
    household = make_household(village, created=REGISTERED_ON)
    services.observation_add(actor=None, household=household, reason_not_eligible="收入略高于低保标准",
                             decided_on=decided_on, next_review_on=next_review_on, cadence=cadence)
    household.refresh_from_db()
    return household


ALL_CHECKS = {"food": "normal", "housing_safety": "normal", "heating_cooling": "normal", "medical": "concern",
              "income_change": "normal", "care": "na", "schooling": "na"}


def visit_data(visited_on, **overrides):
    """A complete visit where the person was seen and the situation is clear."""
    data = {"visited_on": visited_on, "method": "home", "person_seen": True, **ALL_CHECKS,
            "situation": "老人独居，降压药按时服用。", "needs": [], "needs_text": "", "willingness": "not_asked",
            "ability": "na", "actions_taken": "宣讲临时救助政策", "measures": "", "situation_clear": True}
    data.update(overrides)
    return data


def post_data(household, **overrides):
    """The visit form as a caseworker posts it (None drops a field)."""
    data = {"submission_key": str(uuid.uuid4()), "visited_on": timezone.localdate().isoformat(), "method": "home",
            "person_seen": "on", **ALL_CHECKS, "situation": "生活基本正常", "willingness": "not_asked",
            "ability": "na", "actions_taken": "宣讲政策", "measures": "", "situation_clear": "on"}
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}
