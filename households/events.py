"""The household events' one vocabulary: which kind of event a change is, and how its values read.

Every writer of the registry — the services behind the pages, the bulk writer behind imports, the generator
and the demo — records a change the same way: one event per changed field, of the kind named here, with the
old and new values as a person reads them (a choice's label, a village's name, an amount with two decimals).
The alert rules (visits) and the household's history read these events, so a change must not look different
because it arrived through a spreadsheet.
"""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from functools import lru_cache

from django.db import models
from django.utils.translation import gettext as _

from relief.reveal import mask_phone

from .idcard import mask_id_number
from .pii_fields import EncryptedCharField
from .models import EventKind, FocusReason, Household, Member, MemberStatus

HOUSEHOLD_EVENT_FIELDS = {
    "per_capita_income": EventKind.INCOME_CHANGED,
    "medical_expense": EventKind.EXPENSE_CHANGED,
    "education_expense": EventKind.EXPENSE_CHANGED,
    "other_expense": EventKind.EXPENSE_CHANGED,
    "village": EventKind.VILLAGE_CHANGED,
}
MEMBER_EVENT_FIELDS = {
    "serious_illness": EventKind.HEALTH_CHANGED,
    "chronic_illness": EventKind.HEALTH_CHANGED,
    "self_care": EventKind.HEALTH_CHANGED,
    "disability_type": EventKind.DISABILITY_CHANGED,
    "disability_grade": EventKind.DISABILITY_CHANGED,
    "employment": EventKind.EMPLOYMENT_CHANGED,
}
STATUS_EVENTS = {MemberStatus.DECEASED: EventKind.MEMBER_DECEASED, MemberStatus.MOVED_AWAY: EventKind.MEMBER_MOVED_AWAY}

_KINDS = {Household: HOUSEHOLD_EVENT_FIELDS, Member: MEMBER_EVENT_FIELDS}
# A member's birth date and sex follow from the ID number: its change is the event, not theirs.
FOLLOW_THE_ID_NUMBER = {"birth_date", "sex"}


def recorded(model, name: str) -> bool:
    """Whether a change of this field is an event of its own."""
    return not (model is Member and field_name(model, name) in FOLLOW_THE_ID_NUMBER)


def field_name(model, name: str) -> str:
    """`group_id` → `group`: events name the field, not its column."""
    field = model._meta.get_field(name)
    return field.name


def event_kind(model, name: str, new_value=None) -> str:
    name = field_name(model, name)
    if model is Member and name == "status":
        return STATUS_EVENTS.get(new_value, EventKind.OTHER)
    return _KINDS.get(model, {}).get(name, EventKind.OTHER)


@lru_cache(maxsize=None)
def _choice_labels(model, name: str) -> dict:
    return dict(model._meta.get_field(name).flatchoices)


def display(model, name: str, value, names: dict | None = None) -> str:
    """A field's value as a person reads it. `names` maps (field, pk) to a related record's name, for
    writers that know the ids only; without it a related record is looked up."""
    if value is None or value == "":
        return ""
    field = model._meta.get_field(name)
    if field.name == "id_number":  # an event is read by roles that may not see the full number
        return mask_id_number(value)
    if isinstance(field, EncryptedCharField):  # a phone number: encrypted in its column, masked in history
        return mask_phone(str(value))
    if isinstance(value, models.Model):
        return str(value)[:200]
    if field.is_relation:
        if names is not None and (field.name, value) in names:
            return names[(field.name, value)]
        related = field.related_model.objects.filter(pk=value).first()
        return str(related)[:200] if related is not None else str(value)
    if field.choices:
        return str(_choice_labels(model, field.name).get(value, value))[:200]
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return str(value)[:200]


def related_names(model, changes) -> dict:
    """The names of the related records named in a set of changes, one query per related model."""
    wanted: dict = {}
    for change in changes:
        for name, value in change.items():
            field = model._meta.get_field(name)
            if field.is_relation and value is not None and not isinstance(value, models.Model):
                wanted.setdefault(field, set()).add(value)
    names = {}
    for field, pks in wanted.items():
        for obj in field.related_model.objects.filter(pk__in=pks):
            names[(field.name, obj.pk)] = str(obj)[:200]
    return names


def reasons_label(codes) -> str:
    return "、".join(str(FocusReason(c).label) if c in FocusReason.values else c for c in sorted(codes))


def labels_of(model, name: str) -> dict[str, str]:
    """A choice field's labels, translated now: for writers that word thousands of events at once."""
    return {value: str(label) for value, label in _choice_labels(model, name).items()}


def member_added_value(name: str, relation: str, relation_labels: dict | None = None) -> str:
    labels = relation_labels if relation_labels is not None else labels_of(Member, "relation")
    return f"{name}（{labels.get(relation, relation)}）"
