"""Writes to the household registry — every change goes through here.

Other apps call these functions; their signatures are a contract. All are keyword-only, take the
acting user as `actor` (None for system jobs), run in one transaction, validate before writing
(a django ValidationError whose messages are in Chinese, keyed by form field where there is one,
and nothing is saved), and record what changed as HouseholdEvent rows (alerts read them).

    event_record(*, household, kind, source=EventSource.EDIT, actor=None, member=None, field="",
                 old_value="", new_value="", data=None, source_ref="", occurred_at=None) -> HouseholdEvent

    household_create(*, actor, village, residence_address, head=None, source=EDIT, **fields) -> Household
        `fields`: any editable Household field (HOUSEHOLD_FIELDS); `head`: dict of member_add
        arguments for the head of household, added in the same transaction. What is not given is
        unrecorded (未登记): hukou_type and housing "", per_capita_income None — never a guess.
    household_update(*, actor, household, version, source=EDIT, source_ref="", **fields) -> Household
        `version` is the Household.version the editor read; a stale one raises ValidationError
        (code "stale") and writes nothing. Events: income, expenses, village.

    member_add(*, actor, household, name, id_number, relation=Relation.OTHER, birth_date=None,
               sex=None, source=EDIT, source_ref="", **fields) -> Member
        Birth date and sex are read from the ID number; when given they must agree with it.
        An ID number registered anywhere else is refused (code "id_taken") with no more than that it is
        registered, and the attempt goes to the audit log (AuditEvent.ID_NUMBER_TAKEN), also from
        member_update and household_create.
    member_update(*, actor, member, source=EDIT, source_ref="", **fields) -> Member
        Events: health (serious/chronic illness, self-care), disability, employment.
    member_status_change(*, actor, member, status, on_date=None, note="", source=EDIT, source_ref="") -> Member
        MemberStatus.DECEASED / MOVED_AWAY (or PRESENT to correct a mistake).

    assistance_add(*, actor, household, type, start_date, monthly_amount=0, member=None, end_date=None,
                   note="", source=EDIT, source_ref="") -> AssistanceRecord
    assistance_end(*, actor, record, end_date, note="", source=EDIT, source_ref="") -> AssistanceRecord
        Both also write CATEGORY_CHANGED when the household's current categories change.

    roster_enter(*, actor, household, reasons, target_kind, cadence=None, caseworker=None, note="",
                 entered_on=None, source=EDIT, source_ref="") -> RosterEntry
        `reasons`: FocusReason values. Cadence defaults to monthly, quarterly when the only reason
        is refused_or_exited (seed 003: refused or exited families are checked every quarter). A
        cadence the roster does not allow (models.roster_cadence_error) is refused at "cadence".
    roster_change(*, actor, entry, reason="", version=None, source=EDIT, source_ref="",
                  **changes) -> RosterEntry
        `changes`: reasons, target_kind, cadence, caseworker, note.
    roster_exit(*, actor, entry, reason, exited_on=None, source=EDIT, source_ref="") -> RosterEntry

    observation_add(*, actor, household, reason_not_eligible, difficulty="", member=None,
                    cadence=Cadence.QUARTERLY, decided_on=None, next_review_on=None,
                    source=EDIT, source_ref="") -> ObservationEntry
    observation_review(*, actor, entry, next_review_on, note="", reviewed_on=None, cadence=None, source=EDIT,
                       source_ref="") -> ObservationEntry
        A review (复核): findings, the review date (today by default), the next review date (after today),
        optionally a new cadence. Event: OTHER with field "observation_review" (data: note, dates).
    observation_remove(*, actor, entry, reason, removed_on=None, source=EDIT, source_ref="") -> ObservationEntry

    dibao_standard_set(*, actor, district, monthly_amount, effective_from, area=UNIFIED, source="") -> DibaoStandard
    (reading the standard in force: households.selectors.dibao_standard_for)

    household_refresh_flags(household_ids=None, *, on=None) -> int
        Recompute the list's kept copies on Household (categories, roster_kind, roster_reasons,
        observation_review_on) for these households (all when None), set-based, inside the caller's
        transaction. Single saves and deletes of AssistanceRecord, RosterEntry (and its reasons) and
        ObservationEntry call it through model signals; code that writes those models with
        bulk_create / bulk_update / queryset.update() MUST call it with the households it touched.
"""
from __future__ import annotations

import datetime as dt
import functools
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from relief import access
from relief.audit import AuditEvent, audit_record, mask_personal_value
from relief.models import Jurisdiction, JurisdictionLevel
from relief.months import add_months

from . import events, idcard
from .models import (
    AssistanceRecord, AssistanceType, Cadence, DibaoStandard, EventKind, EventSource, FocusReason,
    FocusReasonTag, Household, HouseholdEvent, Member, MemberStatus, ObservationEntry, Relation,
    RosterChange, RosterChangeKind, RosterEntry, StandardArea, TargetKind, roster_cadence_error,
    roster_cadences_allowed,
)

# Household fields an editor may set (village is separate: it moves the household).
HOUSEHOLD_FIELDS = (
    "group", "residence_address", "hukou_address", "hukou_type", "residence_differs", "per_capita_income",
    "medical_expense", "education_expense", "other_expense", "expense_note", "housing", "housing_note",
    "phone", "caseworker", "notes",
)
MEMBER_FIELDS = (
    "name", "relation", "id_number", "birth_date", "sex", "ethnicity", "marital_status", "serious_illness",
    "chronic_illness", "disability_type", "disability_grade", "self_care", "employment", "school_stage",
)
# Member fields recorded as events: the ID number's birth date and sex follow from it.
MEMBER_EVENT_FIELDS = tuple(f for f in MEMBER_FIELDS if f not in ("birth_date", "sex"))


# ------------------------------------------------------------------------------------------ helpers
def _today() -> dt.date:
    return timezone.localdate()


def next_review_date(start: dt.date, cadence: str) -> dt.date:
    return add_months(start, Cadence.months_of(cadence))


def _display(instance, field: str) -> str:
    """A field's value as a person reads it, for event old → new values (households/events.py)."""
    if field == "id_number":
        return idcard.mask_id_number(instance.id_number)
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
    from . import flags

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


# ------------------------------------------------------------------------------------------ households
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
    registered = Member.objects.filter(id_number=number).only("pk", "household_id").first()
    household = household or (member.household if member is not None else None)
    audit_record(event=AuditEvent.ID_NUMBER_TAKEN, actor=actor, obj=registered, model=Member,
                 description=mask_personal_value(number),
                 detail={"household": household.pk if household is not None else None,
                         "registered_household": registered.household_id if registered else None})


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
    if not household.caseworker_id and actor is not None and access.is_village_caseworker(actor):
        household.caseworker = actor
    _check_model(household)
    household.save()
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
    _check_model(current)
    current.version += 1
    current.updated_at = timezone.now()
    current.save()
    _field_events(household=current, before=before, after={n: _display(current, n) for n in HOUSEHOLD_FIELDS},
                  actor=actor, source=source, source_ref=source_ref)
    if current.village_id != old_village.pk:
        event_record(household=current, kind=EventKind.VILLAGE_CHANGED, actor=actor, source=source,
                     source_ref=source_ref, field="village", old_value=old_village.name,
                     new_value=current.village.name,
                     data={"old": old_village.pk, "new": current.village_id})
    household.__dict__.update({k: v for k, v in current.__dict__.items() if not k.startswith("_")})
    household._state.fields_cache = current._state.fields_cache
    return current


# ------------------------------------------------------------------------------------------ members
def _clean_identity(*, id_number, birth_date, sex, exclude_pk=None) -> tuple[str, dt.date, str]:
    """Validate the ID number (GB 11643), check birth date and sex against it, and its uniqueness."""
    try:
        number = idcard.validate_id_number(id_number or "")
    except ValidationError as exc:
        raise ValidationError({"id_number": exc.messages})
    born, derived_sex = idcard.birth_date_of(number), idcard.sex_of(number)
    errors = {}
    if birth_date and birth_date != born:
        errors["birth_date"] = _("出生日期与身份证号不一致：按身份证号应为 %(d)s。") % {
            "d": born.strftime("%Y年%m月%d日").replace("年0", "年").replace("月0", "月")}
    if sex and sex != derived_sex:
        errors["sex"] = _("性别与身份证号不一致：按身份证号第17位应为“%(s)s”。") % {
            "s": "男" if derived_sex == "M" else "女"}
    clash = Member.objects.filter(id_number=number)
    if exclude_pk:
        clash = clash.exclude(pk=exclude_pk)
    if clash.exists():
        errors["id_number"] = _id_taken()
    if errors:
        raise ValidationError(errors)
    return number, born, derived_sex


def _save_member(member: Member) -> None:
    try:
        with transaction.atomic():
            member.save()
    except IntegrityError:
        # Two staff registering the same person at the same moment: the database's unique index decides.
        raise ValidationError({"id_number": _id_taken()})


@_audits_taken_id_numbers
@transaction.atomic
def member_add(
    *, actor, household: Household, name: str, id_number: str, relation: str = Relation.OTHER,
    birth_date: dt.date | None = None, sex: str | None = None, source: str = EventSource.EDIT,
    source_ref: str = "", **fields,
) -> Member:
    """Add a person to a household. The ID number must be valid and not registered anywhere else."""
    unknown = set(fields) - set(MEMBER_FIELDS)
    if unknown:
        raise TypeError(f"member_add got unknown fields {sorted(unknown)}")
    name = (name or "").strip()
    errors = {}
    if not name:
        errors["name"] = _("请填写成员姓名。")
    try:
        number, born, derived_sex = _clean_identity(id_number=id_number, birth_date=birth_date, sex=sex)
    except ValidationError as exc:
        errors.update(exc.error_dict)  # with their codes: "id_taken" is audited
    if errors:
        raise ValidationError(errors)
    member = Member(household=household, name=name, relation=relation or Relation.OTHER, id_number=number,
                    birth_date=born, sex=derived_sex,
                    **{k: (v if v is not None else "") for k, v in fields.items()})
    _check_model(member, exclude=["household"])
    _save_member(member)
    event_record(household=household, member=member, kind=EventKind.MEMBER_ADDED, actor=actor, source=source,
                 source_ref=source_ref, field="members",
                 new_value=events.member_added_value(member.name, member.relation))
    _touch(household)
    return member


@_audits_taken_id_numbers
@transaction.atomic
def member_update(*, actor, member: Member, source: str = EventSource.EDIT, source_ref: str = "", **fields) -> Member:
    """Change a member's facts; health, disability and employment changes become events."""
    unknown = set(fields) - set(MEMBER_FIELDS)
    if unknown:
        raise TypeError(f"member_update got unknown fields {sorted(unknown)}")
    current = Member.objects.select_for_update().select_related("household").get(pk=member.pk)
    before = {name: _display(current, name) for name in MEMBER_EVENT_FIELDS}
    errors = {}
    if "name" in fields:
        fields["name"] = (fields["name"] or "").strip()
        if not fields["name"]:
            errors["name"] = _("请填写成员姓名。")
    id_number = fields.pop("id_number", current.id_number)
    try:
        number, born, derived_sex = _clean_identity(
            id_number=id_number, birth_date=fields.pop("birth_date", None), sex=fields.pop("sex", None),
            exclude_pk=current.pk)
    except ValidationError as exc:
        errors.update(exc.error_dict)  # with their codes: "id_taken" is audited
    if errors:
        raise ValidationError(errors)
    current.id_number, current.birth_date, current.sex = number, born, derived_sex
    for name, value in fields.items():
        setattr(current, name, value if value is not None else "")
    _check_model(current, exclude=["household"])
    current.updated_at = timezone.now()
    _save_member(current)
    _field_events(household=current.household, member=current, before=before,
                  after={n: _display(current, n) for n in MEMBER_EVENT_FIELDS}, actor=actor, source=source,
                  source_ref=source_ref)
    _touch(current.household)
    member.__dict__.update({k: v for k, v in current.__dict__.items() if not k.startswith("_")})
    return current


@transaction.atomic
def member_status_change(
    *, actor, member: Member, status: str, on_date: dt.date | None = None, note: str = "",
    source: str = EventSource.EDIT, source_ref: str = "",
) -> Member:
    """Record that a member died or moved away (or correct it back to present). Assistance paid to
    that person alone ends on that date."""
    if status not in MemberStatus.values:
        raise ValidationError({"status": _("请选择成员状态。")})
    current = Member.objects.select_for_update().select_related("household").get(pk=member.pk)
    if current.status == status:
        raise ValidationError({"status": _("该成员已是“%(s)s”状态。") % {"s": MemberStatus(status).label}})
    on_date = on_date or _today()
    if on_date > _today():
        raise ValidationError({"on_date": _("日期不能晚于今天。")})
    old_label = current.get_status_display()
    current.status = status
    current.updated_at = timezone.now()
    current.save(update_fields=["status", "updated_at"])
    kind = events.event_kind(Member, "status", status)
    event_record(household=current.household, member=current, kind=kind, actor=actor, source=source,
                 source_ref=source_ref, field="status", old_value=old_label, new_value=current.get_status_display(),
                 data={"date": on_date.isoformat(), "note": note}, occurred_at=None)
    if status != MemberStatus.PRESENT:
        for record in AssistanceRecord.objects.filter(member=current, end_date__isnull=True,
                                                      start_date__lte=on_date):
            assistance_end(actor=actor, record=record, end_date=on_date,
                           note=_("成员%(s)s") % {"s": current.get_status_display()}, source=source,
                           source_ref=source_ref)
    _touch(current.household)
    member.__dict__.update({k: v for k, v in current.__dict__.items() if not k.startswith("_")})
    return current


# ------------------------------------------------------------------------------------------ assistance
@transaction.atomic
def assistance_add(
    *, actor, household: Household, type: str, start_date: dt.date, monthly_amount=0, member: Member | None = None,
    end_date: dt.date | None = None, note: str = "", source: str = EventSource.EDIT, source_ref: str = "",
) -> AssistanceRecord:
    """Record assistance a household (or one member) receives."""
    errors = {}
    if type not in AssistanceType.values:
        errors["type"] = _("请选择救助类型。")
    if not start_date:
        errors["start_date"] = _("请填写开始日期。")
    if end_date and start_date and end_date < start_date:
        errors["end_date"] = _("结束日期不能早于开始日期。")
    if member is not None and member.household_id != household.pk:
        errors["member"] = _("该成员不属于这户家庭。")
    try:
        amount = _to_decimal(monthly_amount or 0, "monthly_amount", _("月救助金额"))
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    before = _current_types(household.pk)
    record = AssistanceRecord(household=household, member=member, type=type, start_date=start_date,
                              end_date=end_date, monthly_amount=amount, note=(note or "")[:200])
    _check_model(record, exclude=["household", "member"])
    record.save()
    event_record(household=household, member=member, kind=EventKind.ASSISTANCE_STARTED, actor=actor, source=source,
                 source_ref=source_ref, field="assistance", new_value=record.get_type_display(),
                 data={"record": record.pk, "start": start_date.isoformat(), "amount": str(amount)})
    _category_event(household=household, before=before, actor=actor, source=source, source_ref=source_ref)
    _touch(household)
    return record


@transaction.atomic
def assistance_end(
    *, actor, record: AssistanceRecord, end_date: dt.date, note: str = "", source: str = EventSource.EDIT,
    source_ref: str = "",
) -> AssistanceRecord:
    """End running assistance (termination, exit from 低保, expiry)."""
    current = AssistanceRecord.objects.select_for_update().select_related("household").get(pk=record.pk)
    if current.end_date is not None and current.end_date <= _today():
        raise ValidationError({"end_date": _("该救助已于 %(d)s 终止。") % {"d": current.end_date}})
    if not end_date or end_date < current.start_date:
        raise ValidationError({"end_date": _("终止日期不能早于开始日期（%(d)s）。") % {"d": current.start_date}})
    household = current.household
    before = _current_types(household.pk)
    current.end_date = end_date
    if note:
        current.note = (f"{current.note}；{note}" if current.note else note)[:200]
    current.save(update_fields=["end_date", "note"])
    event_record(household=household, member=current.member, kind=EventKind.ASSISTANCE_ENDED, actor=actor,
                 source=source, source_ref=source_ref, field="assistance", old_value=current.get_type_display(),
                 data={"record": current.pk, "end": end_date.isoformat(), "note": note})
    _category_event(household=household, before=before, actor=actor, source=source, source_ref=source_ref)
    _touch(household)
    record.__dict__.update({k: v for k, v in current.__dict__.items() if not k.startswith("_")})
    return current


# ------------------------------------------------------------------------------------------ roster
def _reason_tags(reasons) -> list[FocusReasonTag]:
    codes = sorted({str(r) for r in reasons or ()})
    bad = [c for c in codes if c not in FocusReason.values]
    if not codes or bad:
        raise ValidationError({"reasons": _("请至少选择一个有效的关注原因。")})
    tags = {t.code: t for t in FocusReasonTag.objects.filter(code__in=codes)}
    for code in codes:
        if code not in tags:
            tags[code], _created = FocusReasonTag.objects.get_or_create(code=code)
    return [tags[c] for c in codes]


def default_cadence(reasons) -> str:
    """Monthly (seed 002), but quarterly for families whose only reason is a refused or exited
    application (seed 003: "quarterly check")."""
    return roster_cadences_allowed(reasons)[-1]


@transaction.atomic
def roster_enter(
    *, actor, household: Household, reasons, target_kind: str, cadence: str | None = None, caseworker=None,
    note: str = "", entered_on: dt.date | None = None, source: str = EventSource.EDIT, source_ref: str = "",
) -> RosterEntry:
    """Put a household on the key-person roster (重点人群花名册)."""
    errors = {}
    try:
        tags = _reason_tags(reasons)
    except ValidationError as exc:
        errors.update(exc.message_dict)
        tags = []
    if target_kind not in TargetKind.values:
        errors["target_kind"] = _("请选择对象类型。")
    if cadence and tags and roster_cadence_error(cadence, [t.code for t in tags]):
        errors["cadence"] = roster_cadence_error(cadence, [t.code for t in tags])
    elif cadence and cadence not in Cadence.values:
        errors["cadence"] = _("请选择走访频次。")
    entered_on = entered_on or _today()
    if entered_on > _today():
        errors["entered_on"] = _("纳入日期不能晚于今天。")
    Household.objects.select_for_update().filter(pk=household.pk).first()
    if RosterEntry.objects.filter(household=household, exited_on__isnull=True).exists():
        errors["__all__"] = _("该家庭已在花名册上，请使用“调整”修改关注原因或走访频次。")
    if errors:
        raise ValidationError(errors)
    codes = [t.code for t in tags]
    entry = RosterEntry.objects.create(
        household=household, target_kind=target_kind, cadence=cadence or default_cadence(codes),
        caseworker=caseworker or household.caseworker, entered_on=entered_on, note=(note or "")[:300],
        entered_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    entry.reasons.set(tags)
    RosterChange.objects.create(
        entry=entry, kind=RosterChangeKind.ENTERED, reason=(note or "")[:300],
        actor=entry.entered_by,
        changes={"reasons": [None, codes], "target_kind": [None, target_kind], "cadence": [None, entry.cadence],
                 "caseworker": [None, entry.caseworker_id]},
    )
    event_record(household=household, kind=EventKind.ROSTER_ENTERED, actor=actor, source=source,
                 source_ref=source_ref, field="roster",
                 new_value=f"{entry.get_target_kind_display()}：{events.reasons_label(codes)}",
                 data={"entry": entry.pk, "reasons": codes})
    _touch(household)
    return entry


@transaction.atomic
def roster_change(
    *, actor, entry: RosterEntry, reason: str = "", version: int | None = None, source: str = EventSource.EDIT,
    source_ref: str = "", **changes,
) -> RosterEntry:
    """Adjust an open roster entry (reasons, target kind, cadence, caseworker, note); keeps the old values."""
    unknown = set(changes) - {"reasons", "target_kind", "cadence", "caseworker", "note"}
    if unknown:
        raise TypeError(f"roster_change got unknown fields {sorted(unknown)}")
    current = RosterEntry.objects.select_for_update().select_related("household").get(pk=entry.pk)
    if not current.is_open:
        raise ValidationError(_("该花名册条目已退出，不能再调整。"))
    if version is not None and int(version) != current.version:
        raise ValidationError(_("保存失败：该花名册条目已被他人调整，请刷新页面后重新填写。"), code="stale")
    diff: dict = {}
    errors = {}
    if "reasons" in changes:
        try:
            tags = _reason_tags(changes["reasons"])
        except ValidationError as exc:
            errors.update(exc.message_dict)
        else:
            old = sorted(current.reasons.values_list("code", flat=True))
            new = [t.code for t in tags]
            if old != new:
                diff["reasons"] = [old, new]
    if "target_kind" in changes:
        if changes["target_kind"] not in TargetKind.values:
            errors["target_kind"] = _("请选择对象类型。")
        elif changes["target_kind"] != current.target_kind:
            diff["target_kind"] = [current.target_kind, changes["target_kind"]]
    if "cadence" in changes:
        if changes["cadence"] not in Cadence.values:
            errors["cadence"] = _("请选择走访频次。")
        elif changes["cadence"] != current.cadence:
            diff["cadence"] = [current.cadence, changes["cadence"]]
    if "caseworker" in changes:
        new_id = getattr(changes["caseworker"], "pk", changes["caseworker"])
        if new_id != current.caseworker_id:
            diff["caseworker"] = [current.caseworker_id, new_id]
    if "note" in changes and (changes["note"] or "") != current.note:
        diff["note"] = [current.note, (changes["note"] or "")[:300]]
    if not errors and ("cadence" in diff or "reasons" in diff):
        # The entry as it would be after the change must still follow the roster's cadence rule.
        reasons_after = diff["reasons"][1] if "reasons" in diff else list(current.reasons.values_list("code", flat=True))
        problem = roster_cadence_error(diff.get("cadence", [None, current.cadence])[1], reasons_after)
        if problem:
            errors["cadence"] = problem
    if errors:
        raise ValidationError(errors)
    if not diff:
        raise ValidationError(_("没有需要调整的内容。"))
    if not (reason or "").strip():
        raise ValidationError({"reason": _("请填写调整原因（花名册动态调整须留痕）。")})
    if "reasons" in diff:
        current.reasons.set(tags)
    for name in ("target_kind", "cadence", "note"):
        if name in diff:
            setattr(current, name, diff[name][1])
    if "caseworker" in diff:
        current.caseworker_id = diff["caseworker"][1]
    current.version += 1
    current.updated_at = timezone.now()
    current.save()
    RosterChange.objects.create(entry=current, kind=RosterChangeKind.CHANGED, changes=diff, reason=reason[:300],
                                actor=actor if getattr(actor, "is_authenticated", False) else None)
    event_record(household=current.household, kind=EventKind.ROSTER_CHANGED, actor=actor, source=source,
                 source_ref=source_ref, field="roster", old_value=", ".join(sorted(diff)), new_value=reason,
                 data={"entry": current.pk, "changes": diff})
    _touch(current.household)
    entry.__dict__.update({k: v for k, v in current.__dict__.items() if not k.startswith("_")})
    return current


@transaction.atomic
def roster_exit(
    *, actor, entry: RosterEntry, reason: str, exited_on: dt.date | None = None, source: str = EventSource.EDIT,
    source_ref: str = "",
) -> RosterEntry:
    """Take a household off the roster, with the reason (kept in the history)."""
    current = RosterEntry.objects.select_for_update().select_related("household").get(pk=entry.pk)
    if not current.is_open:
        raise ValidationError(_("该家庭已退出花名册。"))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("请填写退出原因。")})
    exited_on = exited_on or _today()
    if exited_on < current.entered_on or exited_on > _today():
        raise ValidationError({"exited_on": _("退出日期应在纳入日期（%(d)s）与今天之间。") % {"d": current.entered_on}})
    current.exited_on, current.exit_reason = exited_on, reason[:300]
    current.exited_by = actor if getattr(actor, "is_authenticated", False) else None
    current.version += 1
    current.updated_at = timezone.now()
    current.save()
    RosterChange.objects.create(entry=current, kind=RosterChangeKind.EXITED, reason=reason[:300],
                                actor=current.exited_by, changes={"exited_on": [None, exited_on.isoformat()]})
    event_record(household=current.household, kind=EventKind.ROSTER_EXITED, actor=actor, source=source,
                 source_ref=source_ref, field="roster", old_value=current.get_target_kind_display(),
                 new_value=reason, data={"entry": current.pk})
    _touch(current.household)
    entry.__dict__.update({k: v for k, v in current.__dict__.items() if not k.startswith("_")})
    return current


# ------------------------------------------------------------------------------------------ observation list
@transaction.atomic
def observation_add(
    *, actor, household: Household, reason_not_eligible: str, difficulty: str = "", member: Member | None = None,
    cadence: str = Cadence.QUARTERLY, decided_on: dt.date | None = None, next_review_on: dt.date | None = None,
    source: str = EventSource.EDIT, source_ref: str = "",
) -> ObservationEntry:
    """Put a household on the observation list (救助观察名单): not eligible, but in real difficulty."""
    errors = {}
    if not (reason_not_eligible or "").strip():
        errors["reason_not_eligible"] = _("请填写未纳入救助的原因。")
    if cadence not in Cadence.values:
        errors["cadence"] = _("请选择走访频次。")
    if member is not None and member.household_id != household.pk:
        errors["member"] = _("该成员不属于这户家庭。")
    decided_on = decided_on or _today()
    if decided_on > _today():
        errors["decided_on"] = _("认定日期不能晚于今天。")
    next_review_on = next_review_on or next_review_date(decided_on, cadence)
    if next_review_on <= decided_on:
        errors["next_review_on"] = _("下次复核日期应晚于认定日期。")
    Household.objects.select_for_update().filter(pk=household.pk).first()
    if ObservationEntry.objects.filter(household=household, removed_on__isnull=True).exists():
        errors["__all__"] = _("该家庭已在救助观察名单上。")
    if errors:
        raise ValidationError(errors)
    entry = ObservationEntry.objects.create(
        household=household, member=member, reason_not_eligible=reason_not_eligible.strip(),
        difficulty=(difficulty or "").strip(), decided_by=actor if getattr(actor, "is_authenticated", False) else None,
        decided_on=decided_on, cadence=cadence, next_review_on=next_review_on,
    )
    event_record(household=household, member=member, kind=EventKind.OBSERVATION_ADDED, actor=actor, source=source,
                 source_ref=source_ref, field="observation", new_value=entry.reason_not_eligible[:200],
                 data={"entry": entry.pk, "next_review_on": next_review_on.isoformat()})
    _touch(household)
    return entry


@transaction.atomic
def observation_review(
    *, actor, entry: ObservationEntry, next_review_on: dt.date, note: str = "", reviewed_on: dt.date | None = None,
    cadence: str | None = None, source: str = EventSource.EDIT, source_ref: str = "",
) -> ObservationEntry:
    """Record a review (复核) of an observation entry: what was found, the date, the next review date
    and, optionally, a new visit cadence. Kept as a household event (field "observation_review")."""
    current = ObservationEntry.objects.select_for_update().select_related("household").get(pk=entry.pk)
    if not current.is_open:
        raise ValidationError(_("该家庭已移出观察名单，不能再复核。"))
    today = _today()
    reviewed_on = reviewed_on or today
    errors = {}
    if reviewed_on > today:
        errors["reviewed_on"] = _("复核日期不能晚于今天。")
    elif reviewed_on < current.decided_on:
        errors["reviewed_on"] = _("复核日期不能早于认定日期（%(d)s）。") % {"d": current.decided_on}
    if not next_review_on:
        errors["next_review_on"] = _("请填写下次复核日期。")
    elif next_review_on <= today:
        errors["next_review_on"] = _("下次复核日期应晚于今天。")
    if cadence and cadence not in Cadence.values:
        errors["cadence"] = _("请选择走访频次。")
    if errors:
        raise ValidationError(errors)
    note = (note or "").strip()
    old_date, old_cadence = current.next_review_on, current.cadence
    current.next_review_on = next_review_on
    current.cadence = cadence or current.cadence
    current.save(update_fields=["next_review_on", "cadence"])
    data = {"entry": current.pk, "note": note, "reviewed_on": reviewed_on.isoformat(),
            "next_review_on": next_review_on.isoformat()}
    if current.cadence != old_cadence:
        data["cadence"] = [old_cadence, current.cadence]
    event_record(household=current.household, kind=EventKind.OTHER, actor=actor, source=source,
                 source_ref=source_ref, field="observation_review",
                 old_value=_("观察名单复核（原定 %(d)s）") % {"d": old_date},
                 new_value=_("%(note)s；下次复核 %(d)s") % {"note": note[:150] or _("已复核"), "d": next_review_on},
                 data=data)
    _touch(current.household)
    entry.__dict__.update({k: v for k, v in current.__dict__.items() if not k.startswith("_")})
    return current


@transaction.atomic
def observation_remove(
    *, actor, entry: ObservationEntry, reason: str, removed_on: dt.date | None = None,
    source: str = EventSource.EDIT, source_ref: str = "",
) -> ObservationEntry:
    """Take a household off the observation list, with the reason."""
    current = ObservationEntry.objects.select_for_update().select_related("household").get(pk=entry.pk)
    if not current.is_open:
        raise ValidationError(_("该家庭已移出观察名单。"))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("请填写移出原因。")})
    removed_on = removed_on or _today()
    if removed_on < current.decided_on or removed_on > _today():
        raise ValidationError({"removed_on": _("移出日期应在认定日期（%(d)s）与今天之间。") % {"d": current.decided_on}})
    current.removed_on, current.removed_reason = removed_on, reason[:300]
    current.removed_by = actor if getattr(actor, "is_authenticated", False) else None
    current.save(update_fields=["removed_on", "removed_reason", "removed_by"])
    event_record(household=current.household, kind=EventKind.OBSERVATION_REMOVED, actor=actor, source=source,
                 source_ref=source_ref, field="observation", old_value=current.reason_not_eligible[:200],
                 new_value=reason, data={"entry": current.pk})
    _touch(current.household)
    entry.__dict__.update({k: v for k, v in current.__dict__.items() if not k.startswith("_")})
    return current


# ------------------------------------------------------------------------------------------ standards
@transaction.atomic
def dibao_standard_set(
    *, actor, district: Jurisdiction, monthly_amount, effective_from: dt.date, area: str = StandardArea.UNIFIED,
    source: str = "",
) -> DibaoStandard:
    """Record the 低保 standard of a district from a date (idempotent for the same district/area/date)."""
    if district.level != JurisdictionLevel.DISTRICT:
        raise ValidationError({"district": _("低保标准应登记在区/县一级。")})
    amount = _to_decimal(monthly_amount, "monthly_amount", _("低保标准"))
    if amount <= 0:
        raise ValidationError({"monthly_amount": _("低保标准应大于零。")})
    standard, created = DibaoStandard.objects.get_or_create(
        district=district, area=area, effective_from=effective_from,
        defaults={"monthly_amount": amount, "source": source[:200]},
    )
    if not created and (standard.monthly_amount != amount or (source and standard.source != source)):
        standard.monthly_amount = amount
        standard.source = source[:200] or standard.source
        standard.save(update_fields=["monthly_amount", "source"])
    return standard
