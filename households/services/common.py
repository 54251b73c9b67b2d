"""Shared mechanics of the registry's writes: field lists, checks, events, the list flags."""
from __future__ import annotations

import datetime as dt
import functools
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from relief import access, data_version
from relief.audit import AuditEvent, audit_record, mask_personal_value
from relief.models import Jurisdiction, JurisdictionLevel
from relief.months import add_months

from .. import events, idcard
from ..selectors import members_with_id_numbers
from ..models import (
    AssistanceRecord, AssistanceType, Cadence, EventKind, EventSource, Household, HouseholdEvent,
    Member, ObservationEntry, RosterEntry,
)


# Household fields an editor may set (village is separate: it moves the household).
HOUSEHOLD_FIELDS = (
    "group", "residence_address", "hukou_address", "hukou_type", "residence_differs", "per_capita_income",
    "medical_expense", "education_expense", "other_expense", "expense_note", "housing", "housing_note",
    "phone", "caseworker", "notes", "hukou_township", "hukou_division_code", "hukou_division_name",
)
MEMBER_FIELDS = (
    "name", "relation", "id_number", "birth_date", "sex", "ethnicity", "marital_status", "serious_illness",
    "chronic_illness", "disability_type", "disability_grade", "self_care", "employment", "school_stage",
)
# Member fields recorded as events: the ID number's birth date and sex follow from it.
MEMBER_EVENT_FIELDS = tuple(f for f in MEMBER_FIELDS if events.recorded(Member, f))


# ------------------------------------------------------------------------------------------ helpers
def _today() -> dt.date:
    return timezone.localdate()


def next_review_date(start: dt.date, cadence: str) -> dt.date:
    return add_months(start, Cadence.months_of(cadence))


def _display(instance, field: str) -> str:
    """A field's value as a person reads it, for event old → new values (households/events.py)."""
    return events.display(type(instance), field, getattr(instance, field))


def _field_events(*, household, member=None, before: dict, after: dict, actor, source, source_ref) -> None:
    """One event per changed field, of the kind households/events.py names."""
    model = Member if member is not None else Household
    for name, old in before.items():
        if old != after[name]:
            event_record(household=household, member=member, kind=events.event_kind(model, name), actor=actor,
                         source=source, source_ref=source_ref, field=name, old_value=old, new_value=after[name])


def _check_model(instance, exclude=None) -> None:
    """full_clean without the unique checks: those are made by the service with a clearer message."""
    instance.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)


def _to_decimal(value, field: str, label: str) -> Decimal:
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, TypeError, ValueError):
        raise ValidationError({field: _("%(label)s应为数字。") % {"label": label}})
    if amount < 0:
        raise ValidationError({field: _("%(label)s不能为负数。") % {"label": label}})
    return amount


def _clean_amounts(fields: dict) -> None:
    """Income and expenses as Decimals, in place. An empty income stays None: 未登记, which is not 0 and
    is never compared with the 低保 standard. An empty expense is 0 (no rigid expense)."""
    for name in ("per_capita_income", "medical_expense", "education_expense", "other_expense"):
        if name not in fields:
            continue
        value = fields[name]
        if value is None or (isinstance(value, str) and not value.strip()):
            fields[name] = None if name == "per_capita_income" else Decimal(0)
        else:
            fields[name] = _to_decimal(value, name, str(Household._meta.get_field(name).verbose_name))


def _check_village(actor, village) -> Jurisdiction:
    if not isinstance(village, Jurisdiction):
        village = Jurisdiction.objects.filter(pk=village).first() if village else None
    if village is None or village.level != JurisdictionLevel.VILLAGE:
        raise ValidationError({"village": _("未找到该村/社区，请从列表中选择。")})
    if actor is not None and not access.can(actor, access.Action.EDIT_HOUSEHOLDS, village):
        raise ValidationError({"village": _("该村/社区不在您的辖区内，不能在此登记家庭。")})
    return village


def _check_group(group, village) -> None:
    if group is not None and (group.level != JurisdictionLevel.GROUP or group.parent_id != village.pk):
        raise ValidationError({"group": _("所选村民小组不属于该村/社区。")})


DIVISION_CODE_LENGTHS = (6, 9, 12)


def _check_hukou_place(household: Household) -> None:
    """The hukou place is a township of the system, or a division outside it (code and name), or unrecorded.

    A division code the system holds is refused with the township to choose instead: handling (办理) goes to a
    hukou township in the system, and a code typed for it would hide that."""
    code = (household.hukou_division_code or "").strip()
    name = (household.hukou_division_name or "").strip()
    household.hukou_division_code, household.hukou_division_name = code, name
    if household.hukou_township_id:
        if code or name:
            raise ValidationError({"hukou_division_code": _(
                "户籍地已选本系统内的乡镇（街道），区划代码和名称请留空（二者只填一项）。")})
        if household.hukou_township.level != JurisdictionLevel.TOWNSHIP:
            raise ValidationError({"hukou_township": _("户籍地须选择一个乡镇（街道）。")})
        return
    if not code and not name:
        return
    if not code:
        raise ValidationError({"hukou_division_code": _("请填写户籍地的区划代码（12位统计用区划代码，或前6位、9位）。")})
    if not code.isdigit() or len(code) not in DIVISION_CODE_LENGTHS:
        raise ValidationError({"hukou_division_code": _(
            "区划代码须为6位、9位或12位数字（统计用区划代码），您填写的是“%(code)s”。") % {"code": code}})
    if not name:
        raise ValidationError({"hukou_division_name": _("请填写户籍地区划名称（如：××省××县××乡）。")})
    held = Jurisdiction.objects.filter(code=code.ljust(12, "0")).first()
    if held is not None:
        raise ValidationError({"hukou_division_code": _(
            "区划代码 %(code)s 是本系统内的“%(name)s”，请在“户籍地乡镇（街道）”中选择，不要填写区划代码。") % {
            "code": code, "name": held.full_name}})


def _current_types(household_id: int, on: dt.date | None = None) -> set[str]:
    on = on or _today()
    return set(
        AssistanceRecord.objects.running(on).filter(household_id=household_id)
        .values_list("type", flat=True)
    )


def _type_labels(types) -> str:
    return "、".join(str(AssistanceType(t).label) for t in sorted(types)) or _("无")


def _touch(household: Household) -> None:
    """Bump the household's version so an editor holding an older copy is told it changed."""
    Household.objects.filter(pk=household.pk).update(version=F("version") + 1, updated_at=timezone.now())
    household.refresh_from_db(fields=["version", "updated_at"])


# ------------------------------------------------------------------------------------------ list flags
@transaction.atomic
def household_refresh_flags(household_ids=None, *, on: dt.date | None = None) -> int:
    """Bring the household list's kept copies up to date for these households (all when None)."""
    from .. import flags

    data_version.records_changed()  # the dashboards count these copies and the records behind them

    models = {"Household": Household, "AssistanceRecord": AssistanceRecord, "RosterEntry": RosterEntry,
              "ObservationEntry": ObservationEntry}
    return flags.refresh(household_ids, on=on or _today(), models=models)


def household_refresh_assistance_flags(*, on: dt.date | None = None, days: int = 7) -> int:
    """Assistance starts and ends by date, without any write: refresh the households whose records
    began or stopped running in the last `days` days (the nightly job; a missed night heals)."""
    on = on or _today()
    since = on - dt.timedelta(days=days)
    ids = set(AssistanceRecord.objects.filter(
        Q(start_date__gt=since, start_date__lte=on) | Q(end_date__gte=since - dt.timedelta(days=1), end_date__lt=on)
    ).values_list("household_id", flat=True))
    return household_refresh_flags(ids, on=on) if ids else 0


# ------------------------------------------------------------------------------------------ events
def event_record(
    *, household: Household, kind: str, source: str = EventSource.EDIT, actor=None, member: Member | None = None,
    field: str = "", old_value="", new_value="", data: dict | None = None, source_ref: str = "",
    occurred_at=None,
) -> HouseholdEvent:
    """Record one household event (what changed, old → new, who, when, from which source)."""
    if kind not in EventKind.values:
        raise ValueError(f"unknown event kind {kind!r}")
    if source not in EventSource.values:
        raise ValueError(f"unknown event source {source!r}")
    # What the home cards and dashboards keep (the checks' counts among them) is counted afresh after it.
    data_version.records_changed()
    return HouseholdEvent.objects.create(
        household=household, member=member, kind=kind, field=field,
        old_value=str(old_value or "")[:200], new_value=str(new_value or "")[:200], data=data or {},
        source=source, source_ref=str(source_ref or "")[:100],
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        occurred_at=occurred_at or timezone.now(),
    )


def _category_event(*, household, before: set, actor, source, source_ref) -> None:
    after = _current_types(household.pk)
    if after != before:
        event_record(household=household, kind=EventKind.CATEGORY_CHANGED, actor=actor, source=source,
                     source_ref=source_ref, field="categories", old_value=_type_labels(before),
                     new_value=_type_labels(after), data={"old": sorted(before), "new": sorted(after)})


# ------------------------------------------------------------------------------------------ ID numbers taken
def _id_taken() -> ValidationError:
    return ValidationError(idcard.ID_NUMBER_TAKEN, code="id_taken")


def _audits_taken_id_numbers(write):
    """Wrap a write that may refuse an ID number registered elsewhere, to record that attempt in the audit
    log. Recorded here, outside the write's transaction, which the refusal rolls back."""
    @functools.wraps(write)
    def wrapper(*, actor, **kwargs):
        try:
            return write(actor=actor, **kwargs)
        except ValidationError as exc:
            if any(e.code == "id_taken" for e in getattr(exc, "error_dict", {}).get("id_number", [])):
                _record_taken_id_attempt(actor=actor, **kwargs)
            raise
    return wrapper


def _record_taken_id_attempt(*, actor, household=None, member=None, head=None, id_number=None, **_rest) -> None:
    number = idcard.normalize(id_number or (head or {}).get("id_number") or "")
    registered = members_with_id_numbers([number]).only("pk", "household_id").first()
    household = household or (member.household if member is not None else None)
    audit_record(event=AuditEvent.ID_NUMBER_TAKEN, actor=actor, obj=registered, model=Member,
                 description=mask_personal_value(number),
                 detail={"household": household.pk if household is not None else None,
                         "registered_household": registered.household_id if registered else None})
