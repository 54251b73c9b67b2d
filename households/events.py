"""The household events' one vocabulary: which kind of event a change is, and how its values read.

Every writer of the registry — the services behind the pages, the bulk writer behind imports, the generator
and the demo — records a change the same way: one event per changed field, of the kind named here, with the
old and new values as a person reads them (a choice's label, a village's name, an amount with two decimals).
The alert rules (visits) and the household's history read these events, so a change must not look different
because it arrived through a spreadsheet.
"""
from __future__ import annotations

import datetime as dt
import re
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
        return STATUS_EVENTS.get(new_value, EventKind.DETAILS_CHANGED)
    return _KINDS.get(model, {}).get(name, EventKind.DETAILS_CHANGED)


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


# ------------------------------------------------------------------ the values, read in the reader's language
# An event keeps its values as words, in the language of whoever made the change (the site's, Chinese, as a
# rule): the alert rules read them as written. The household's history reads them back here: a choice's label, a
# yes/no, a list of assistance types or focus reasons, a new member's relation, a roster entry, or one of the
# services' fixed sentences is read back to what it stands for and worded in the reader's language; what someone
# typed (a name, a note, a reason) and amounts stay as written.

# The services' sentences an event holds, by the event's field: (message, {placeholder: how its value reads}).
# The messages are the writers' own (households/services/lists.py, checks.py, care_services.py). Built once: the
# readers word their values when called, in the language then active.
@lru_cache(maxsize=None)
def _event_sentences():
    from .care_models import CareAgreement
    from .check_models import QuarterlyCheckEntry, WholeHouseholdCheck

    fixed = _fixed_text("已复核", "（结合复核走访）", "（结合走访）", "情况有变化", "情况无变化")
    return {
        "observation_review": [("观察名单复核（原定 %(d)s）", {}), ("%(note)s；下次复核 %(d)s", {"note": fixed})],
        "quarterly_check": [
            ("纳入季度排查名单（%(r)s）", {"r": lambda text: _relabelled(QuarterlyCheckEntry, "reason", text)}),
            ("%(q)s排查%(how)s：%(c)s", {"q": _quarter, "how": fixed, "c": fixed}),
            ("书面拒绝季度排查（%(d)s）", {}),
        ],
        "whole_household_check": [
            ("整户纳入低保核查：%(o)s", {"o": lambda text: _relabelled(WholeHouseholdCheck, "outcome", text)})],
        "care_agreement": [("照料协议：%(c)s（%(r)s），%(s)s 至 %(e)s",
                            {"r": lambda text: _relabelled(CareAgreement, "carer_relation", text)})],
    }


def _languages() -> list[str]:
    from django.conf import settings

    return [code for code, _name in settings.LANGUAGES]


@lru_cache(maxsize=None)
def _codes_by_label(model, name: str) -> dict[str, str]:
    """A choice field's labels in every language of the site → the codes they stand for."""
    from django.utils import translation

    codes: dict[str, str] = {}
    for language in _languages():
        with translation.override(language):
            for value, label in _choice_labels(model, name).items():
                codes.setdefault(str(label), value)
    return codes


def _relabelled(model, name: str, text: str) -> str:
    """A label of the field's choices (in any language) in the reader's; other text as it is."""
    value = _codes_by_label(model, name).get(text)
    return text if value is None else str(_choice_labels(model, name)[value])


@lru_cache(maxsize=None)
def _in_every_language(message: str) -> dict[str, str]:
    """A message of the app as each language writes it → the message."""
    from django.utils import translation

    written = {}
    for language in _languages():
        with translation.override(language):
            written[_(message)] = message
    return written


def _fixed_text(*messages: str):
    """Reads one of these fixed texts, written in any language, in the reader's."""
    def read(text: str) -> str:
        for message in messages:
            if text in _in_every_language(message):
                return _(message)
        return text
    return read


_PLACEHOLDER = re.compile(r"%\((\w+)\)s")


@lru_cache(maxsize=None)
def _sentence_patterns(message: str) -> list[re.Pattern]:
    """The message as each language writes it, its placeholders made into named groups."""
    patterns = []
    for written in _in_every_language(message):
        parts, position = [], 0
        for match in _PLACEHOLDER.finditer(written):
            parts += [re.escape(written[position:match.start()]), f"(?P<{match.group(1)}>.*?)"]
            position = match.end()
        patterns.append(re.compile("".join(parts) + re.escape(written[position:]), re.DOTALL))
    return patterns


def _sentence(text: str, message: str, read: dict) -> str | None:
    """The text, if it is the message written in some language, worded in the reader's; else None."""
    for pattern in _sentence_patterns(message):
        match = pattern.fullmatch(text)
        if match:
            return _(message) % {k: read.get(k, str)(v) for k, v in match.groupdict().items()}
    return None


def _quarter(text: str) -> str:
    return _sentence(text, "%(y)s年第%(q)s季度", {}) or text


def _listed(text: str, read) -> str:
    """A list written with 、 (or the English ", "), each item read and the list joined in the reader's way."""
    from relief.punctuation import mark

    items = re.split(r"、|, ", text)
    return mark("、").join(read(item) for item in items)


def _listed_codes(codes) -> str:
    """Focus reasons by their codes, as reasons_label words them, in the reader's language and punctuation."""
    from relief.punctuation import mark

    return mark("、").join(str(FocusReason(c).label) if c in FocusReason.values else c for c in sorted(codes))


def _member_model(event, name: str):
    for model in ((Member, Household) if event.member_id else (Household, Member)):
        try:
            model._meta.get_field(name)
        except Exception:  # FieldDoesNotExist: the event names a field of the other model
            continue
        return model
    return None


def event_value(event, value: str, which: str = "new") -> str:
    """An event's old or new value (`which`) in the reader's language (see above)."""
    from relief.punctuation import COLON, parenthesized

    from .models import AssistanceRecord, AssistanceType, RosterEntry

    if not value:
        return value
    name = event.field
    if name == "categories":
        codes = (event.data or {}).get(which)
        if isinstance(codes, list):
            from relief.punctuation import mark

            labels = [str(AssistanceType(c).label) for c in sorted(codes) if c in AssistanceType.values]
            return mark("、").join(labels) or _("无")
        return value
    if name == "assistance":
        return _relabelled(AssistanceRecord, "type", value)
    if name == "members" or event.kind == EventKind.MEMBER_ADDED:
        match = re.fullmatch(r"(.*?)(?:（(.+)）| \((.+)\))", value)
        if match:
            relation = _relabelled(Member, "relation", match.group(2) or match.group(3))
            return f"{match.group(1)}{parenthesized(relation)}"
        return value
    if name == "roster":
        if event.kind == EventKind.ROSTER_ENTERED and which == "new":
            kind, reasons = (re.split(r"：|: ", value, maxsplit=1) + [""])[:2]
            codes = (event.data or {}).get("reasons")
            if isinstance(codes, list):
                reasons = _listed_codes(codes)
            return f"{_relabelled(RosterEntry, 'target_kind', kind)}{COLON}{reasons}"
        if event.kind == EventKind.ROSTER_EXITED and which == "old":
            return _relabelled(RosterEntry, "target_kind", value)
        if event.kind == EventKind.ROSTER_CHANGED and which == "old":
            # The fields the change touched, as field names: their names as the form calls them.
            def field_label(field_name):
                try:
                    return str(RosterEntry._meta.get_field(field_name).verbose_name)
                except Exception:  # FieldDoesNotExist: an older event's word
                    return field_name
            return _listed(value, field_label)
        return value
    for message, read in _event_sentences().get(name, []):
        worded = _sentence(value, message, read)
        if worded is not None:
            return worded
    model = _member_model(event, name) if name else None
    if model is None:
        return value
    field = model._meta.get_field(name)
    if field.choices:
        return _relabelled(model, field.name, value)
    if isinstance(field, models.BooleanField):
        return _fixed_text("是", "否")(value)
    return value
