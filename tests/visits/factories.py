"""Households on the roster, built directly with the ORM (the households app owns their services)."""
import datetime as dt
import itertools
import uuid

from django.utils import timezone

from households.models import Cadence, Household, Member, ObservationEntry, Relation, RosterEntry, Sex

_seq = itertools.count(1)


def make_household(village, *, created=dt.date(2020, 1, 1), caseworker=None, head="王桂兰", **fields):
    n = next(_seq)
    household = Household.objects.create(
        village=village, residence_address=f"{village.name}{n}号", caseworker=caseworker,
        created_at=timezone.make_aware(dt.datetime.combine(created, dt.time(9))), **fields)
    if head:
        Member.objects.create(household=household, name=head, relation=Relation.HEAD,
                              id_number=f"3101051950{n:04d}123"[:17] + "X", birth_date=dt.date(1950, 1, 1),
                              sex=Sex.FEMALE)
    return household


def make_roster(village, *, entered_on=dt.date(2024, 1, 1), cadence=Cadence.MONTHLY, caseworker=None,
                **household_fields):
    household = make_household(village, caseworker=caseworker, **household_fields)
    RosterEntry.objects.create(household=household, entered_on=entered_on, cadence=cadence, caseworker=caseworker)
    return household


def make_observed(village, *, decided_on=dt.date(2024, 1, 1), next_review_on=dt.date(2024, 4, 1),
                  cadence=Cadence.QUARTERLY):
    household = make_household(village)
    ObservationEntry.objects.create(household=household, reason_not_eligible="收入略高于低保标准",
                                    decided_on=decided_on, next_review_on=next_review_on, cadence=cadence)
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
