"""The lists: the key-person roster (花名册) and the observation list (观察名单)."""
from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _


from .. import events
from ..models import (
    Cadence, EventKind, EventSource, FocusReason, FocusReasonTag, Household, Member,
    ObservationEntry, RosterChange, RosterChangeKind, RosterEntry, TargetKind, roster_cadence_error, roster_cadences_allowed,
)
from .common import _today, _touch, event_record, next_review_date


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


