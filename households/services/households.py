"""Households: register one (with its head), change its facts."""
from __future__ import annotations


from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from relief import access, data_version

from ..models import (
    EventKind, EventSource, Household, Relation,
)
from ..signals import households_moved
from .common import (
    HOUSEHOLD_FIELDS, _audits_taken_id_numbers, _check_group, _check_hukou_place, _check_model, _check_village, _clean_amounts,
    _display, _field_events, event_record,
)
from .members import member_add


# ------------------------------------------------------------------------------------------ households
@_audits_taken_id_numbers
@transaction.atomic
def household_create(
    *, actor, village, residence_address: str, head: dict | None = None, source: str = EventSource.EDIT,
    source_ref: str = "", **fields,
) -> Household:
    """Register a household in a village (and its head of household, when `head` is given)."""
    unknown = set(fields) - set(HOUSEHOLD_FIELDS)
    if unknown:
        raise TypeError(f"household_create got unknown fields {sorted(unknown)}")
    village = _check_village(actor, village)
    if not (residence_address or "").strip():
        raise ValidationError({"residence_address": _("请填写居住地址。")})
    _check_group(fields.get("group"), village)
    _clean_amounts(fields)
    household = Household(village=village, residence_address=(residence_address or "").strip(), **fields)
    _check_hukou_place(household)
    if not household.caseworker_id and actor is not None and access.is_village_caseworker(actor):
        household.caseworker = actor
    _check_model(household)
    household.save()
    data_version.records_changed()
    if head:
        member_add(actor=actor, household=household, source=source, source_ref=source_ref,
                   **{"relation": Relation.HEAD, **head})
    return household


@transaction.atomic
def household_update(
    *, actor, household: Household, version: int, source: str = EventSource.EDIT, source_ref: str = "", **fields,
) -> Household:
    """Change a household's facts; refuses a stale `version` (someone saved in between)."""
    unknown = set(fields) - set(HOUSEHOLD_FIELDS) - {"village"}
    if unknown:
        raise TypeError(f"household_update got unknown fields {sorted(unknown)}")
    current = Household.objects.select_for_update().get(pk=household.pk)
    if int(version) != current.version:
        raise ValidationError(
            _("保存失败：该家庭信息已被他人修改（您打开时为第 %(mine)s 版，现在是第 %(now)s 版）。"
              "为避免覆盖他人的修改，请刷新页面，核对最新信息后重新填写。")
            % {"mine": version, "now": current.version},
            code="stale",
        )
    before = {name: _display(current, name) for name in HOUSEHOLD_FIELDS}
    old_village = current.village
    if "village" in fields:
        new_village = _check_village(actor, fields.pop("village"))
        current.village = new_village
        if "group" not in fields and current.group_id and current.group.parent_id != new_village.pk:
            current.group = None
    _clean_amounts(fields)
    for name, value in fields.items():
        setattr(current, name, value.strip() if isinstance(value, str) else value)
    if not current.residence_address:
        raise ValidationError({"residence_address": _("请填写居住地址。")})
    _check_group(current.group, current.village)
    _check_hukou_place(current)
    _check_model(current)
    current.version += 1
    current.updated_at = timezone.now()
    current.save()
    _field_events(household=current, before=before, after={n: _display(current, n) for n in HOUSEHOLD_FIELDS},
                  actor=actor, source=source, source_ref=source_ref)
    if current.village_id != old_village.pk:
        households_moved.send(sender=Household, household_ids=[current.pk])
        data_version.records_changed()
        event_record(household=current, kind=EventKind.VILLAGE_CHANGED, actor=actor, source=source,
                     source_ref=source_ref, field="village", old_value=old_village.name,
                     new_value=current.village.name,
                     data={"old": old_village.pk, "new": current.village_id})
    household.__dict__.update({k: v for k, v in current.__dict__.items() if not k.startswith("_")})
    household._state.fields_cache = current._state.fields_cache
    return current


