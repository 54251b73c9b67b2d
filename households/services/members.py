"""Members: add, change, record a death or a move."""
from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from relief.dates import long_date

from .. import events, idcard
from ..pinyin import name_pinyin
from ..selectors import members_with_id_numbers
from ..models import (
    AssistanceRecord, EventKind, EventSource, Household, Member, MemberStatus, Relation, Sex,
)
from .assistance import assistance_end
from .common import (
    MEMBER_EVENT_FIELDS, MEMBER_FIELDS, _audits_taken_id_numbers, _check_model, _display, _field_events, _id_taken,
    _today, _touch, event_record,
)


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
            "d": long_date(born)}
    if sex and sex != derived_sex:
        errors["sex"] = _("性别与身份证号不一致：按身份证号第17位应为“%(s)s”。") % {
            "s": Sex(derived_sex).label}
    clash = members_with_id_numbers([number])
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
    member = Member(household=household, name=name, name_pinyin=name_pinyin(name), relation=relation or Relation.OTHER,
                    id_number=number, birth_date=born, sex=derived_sex,
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
    current.name_pinyin = name_pinyin(current.name)
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


