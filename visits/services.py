"""Writes for visits and alerts.

For other apps (the referrals developer opens referral_overdue and help_first_paperwork_late
alerts through it):

    alert_open(*, kind: str, household: Household, reason: str, dedupe_key: str,
               actor: User | None = None, caseworker: User | None = None, source_ref: str = "",
               rule: AlertRule | None = None, event: HouseholdEvent | None = None,
               period_start: date | None = None) -> tuple[Alert, bool]

    Opens an alert (kind: visits.models.AlertKind, e.g. AlertKind.REFERRAL_OVERDUE) about a
    household, with the reason in words. Idempotent: a second call with the same dedupe_key
    returns the existing alert and False, whatever its status — so choose a key that names the
    occurrence, e.g. f"referral_overdue:{referral.pk}:{deadline:%Y-%m-%d}". actor=None means the
    system opened it. Safe inside the caller's transaction and under concurrent calls.

    alert_acknowledge(*, actor, alert) -> Alert     # 已知悉
    alert_close(*, actor, alert, note="") -> Alert  # 已关闭, with who, when and a note
    visit_log(*, actor, household, data, visitors=(), photos=(), idempotency_key=None) -> tuple[Visit, bool]
"""
from __future__ import annotations

import datetime as dt
import logging
import uuid
from typing import Iterable

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from households.models import Household, HouseholdEvent
from relief import access
from relief.access import Action
from relief.models import User

from .models import Alert, AlertKind, AlertRule, AlertStatus, UNHANDLED_STATUSES, Visit, VisitPhoto
from .photos import PHOTO_MAX_COUNT, photo_clean
from .signals import visit_logged

logger = logging.getLogger(__name__)

VISIT_FIELDS = (
    "visited_on", "method", "person_seen", "not_seen_reason", "volunteers", "food", "housing_safety",
    "heating_cooling", "medical", "income_change", "care", "schooling", "situation", "needs", "needs_text",
    "willingness", "ability", "help_offered", "actions_taken", "measures", "situation_clear", "next_follow_up_on",
)


# ---------------------------------------------------------------- alerts

def alert_open(
    *,
    kind: str,
    household: Household,
    reason: str,
    dedupe_key: str,
    actor: User | None = None,
    caseworker: User | None = None,
    source_ref: str = "",
    rule: AlertRule | None = None,
    event: HouseholdEvent | None = None,
    period_start: dt.date | None = None,
) -> tuple[Alert, bool]:
    """Open an alert once per dedupe_key; returns (alert, created). See the module docstring."""
    if kind not in AlertKind.values:
        raise ValidationError({"kind": _("未知的预警类型：%(k)s。") % {"k": kind}})
    if not reason or not reason.strip():
        raise ValidationError({"reason": _("请写明预警原因。")})
    if not dedupe_key:
        raise ValidationError({"dedupe_key": _("缺少去重键。")})
    existing = Alert.objects.filter(dedupe_key=dedupe_key).first()
    if existing is not None:
        return existing, False
    if caseworker is None:
        caseworker = household_caseworker(household)
    alert = Alert(kind=kind, household=household, reason=reason.strip(), dedupe_key=dedupe_key, opened_by=actor,
                  caseworker=caseworker, source_ref=source_ref, rule=rule, event=event, period_start=period_start)
    try:
        # A savepoint: a concurrent call that won the race leaves the caller's transaction usable.
        with transaction.atomic():
            alert.save()
    except IntegrityError:
        existing = Alert.objects.filter(dedupe_key=dedupe_key).first()
        if existing is None:
            raise
        return existing, False
    return alert, True


def _check_alert_access(actor: User, alert: Alert) -> None:
    if actor is not None and not access.can(actor, Action.LOG_VISITS, alert.household.village_id):
        raise ValidationError(_("该预警的家庭不在您的辖区内，不能处理。"))


@transaction.atomic
def alert_acknowledge(*, actor: User, alert: Alert) -> Alert:
    """Mark a new alert as seen (已知悉): it stays in the inbox until closed."""
    alert = Alert.objects.select_for_update().select_related("household").get(pk=alert.pk)
    _check_alert_access(actor, alert)
    if alert.status != AlertStatus.OPEN:
        raise ValidationError(_("只有新预警可以标记为已知悉（当前状态：%(s)s）。") % {"s": alert.get_status_display()})
    alert.status = AlertStatus.ACKNOWLEDGED
    alert.acknowledged_at = timezone.now()
    alert.acknowledged_by = actor
    alert.save(update_fields=["status", "acknowledged_at", "acknowledged_by"])
    return alert


@transaction.atomic
def alert_close(*, actor: User | None, alert: Alert, note: str = "") -> Alert:
    """Close an alert with who, when and what was done. actor=None: closed by the system."""
    alert = Alert.objects.select_for_update().select_related("household").get(pk=alert.pk)
    _check_alert_access(actor, alert)
    if alert.status == AlertStatus.CLOSED:
        raise ValidationError(_("该预警已于 %(t)s 关闭。") % {
            "t": timezone.localtime(alert.closed_at).strftime("%Y-%m-%d %H:%M")})
    if actor is not None and alert.kind != AlertKind.OVERDUE_VISIT and not note.strip():
        raise ValidationError({"note": _("关闭预警时请写明处理情况。")})
    alert.status = AlertStatus.CLOSED
    alert.closed_at = timezone.now()
    alert.closed_by = actor
    alert.close_note = note.strip()[:300]
    alert.save(update_fields=["status", "closed_at", "closed_by", "close_note"])
    return alert


def household_caseworker(household: Household) -> User | None:
    """Who answers for the household: its roster caseworker, else its own, if they serve its village."""
    from households.models import RosterEntry

    entry = (RosterEntry.objects.filter(household=household, exited_on__isnull=True)
             .select_related("caseworker").first())
    for candidate in (entry.caseworker if entry else None, household.caseworker):
        if candidate is not None and candidate.jurisdiction_id == household.village_id:
            return candidate
    return None


# ---------------------------------------------------------------- visits

def _key(value) -> uuid.UUID | None:
    if value in (None, ""):
        return None
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except ValueError:
        raise ValidationError(_("提交编号无效，请刷新页面后重新填写。"))


def visit_log(
    *,
    actor: User,
    household: Household,
    data: dict,
    visitors: Iterable[User] = (),
    photos: Iterable[UploadedFile] = (),
    idempotency_key=None,
) -> tuple[Visit, bool]:
    """Record a visit; returns (visit, created).

    The same idempotency key submitted twice (a double tap, a retry after a dropped connection)
    returns the first visit and creates nothing. Everything is checked before anything is written,
    so a refused visit leaves no record, no photo and no closed alert behind. A visit where the
    person was seen completes the period and closes the household's open overdue-visit alerts.
    """
    key = _key(idempotency_key) or uuid.uuid4()
    existing = Visit.objects.filter(idempotency_key=key).first()
    if existing is not None:
        if existing.household_id != household.pk:
            raise ValidationError(_("提交编号已被其他走访记录使用，请刷新页面后重新填写。"))
        return existing, False
    if not access.can(actor, Action.LOG_VISITS, household.village_id):
        raise ValidationError(_("该家庭不在您负责的村/社区，不能登记走访。"))
    visitors = list(visitors)
    allowed = {household.village_id, household.village.parent_id}
    strangers = [v.display_name for v in visitors if v.jurisdiction_id not in allowed]
    if strangers:
        raise ValidationError({"visitors": _("走访人员 %(n)s 不在本村/社区或本乡镇工作。") % {"n": "、".join(strangers)}})
    photos = list(photos)
    if len(photos) > PHOTO_MAX_COUNT:
        raise ValidationError({"photos": _("每次走访最多上传 %(n)d 张照片。") % {"n": PHOTO_MAX_COUNT}})
    photo_errors, clean_photos = [], []
    for upload in photos:
        try:
            clean_photos.append(photo_clean(upload))
        except ValidationError as exc:
            photo_errors.extend(exc.messages)
    visit = Visit(household=household, logged_by=actor, idempotency_key=key,
                  **{name: data[name] for name in VISIT_FIELDS if name in data})
    try:
        visit.full_clean(exclude=["idempotency_key"])
    except ValidationError as exc:
        if photo_errors:
            exc.error_dict.setdefault("photos", []).extend(ValidationError(m) for m in photo_errors)
        raise
    if photo_errors:
        raise ValidationError({"photos": photo_errors})

    saved_files: list[str] = []
    try:
        with transaction.atomic():
            visit.save()
            visit.visitors.set(visitors or [actor])
            for upload, clean in zip(photos, clean_photos):
                # The re-encoded copy, never the upload itself (see visits.photos).
                photo = VisitPhoto(visit=visit, content_type=clean.content_type, size=len(clean.content),
                                   uploaded_by=actor, caption=(getattr(upload, "name", "") or "")[:100])
                photo.file.save("photo", ContentFile(clean.content), save=False)
                saved_files.append(photo.file.name)
                photo.save()
            visit_logged.send(sender=Visit, visit=visit)
            if visit.completes_period:
                for alert in Alert.objects.filter(household=household, kind=AlertKind.OVERDUE_VISIT,
                                                  status__in=UNHANDLED_STATUSES):
                    alert_close(actor=actor, alert=alert,
                                note=_("%(d)s 走访见到本人，本期走访已完成") % {"d": visit.visited_on.isoformat()})
    except IntegrityError:
        _delete_files(saved_files)
        # The same key won a race against this submit: the first visit stands.
        existing = Visit.objects.filter(idempotency_key=key).first()
        if existing is not None:
            return existing, False
        raise
    except BaseException:
        _delete_files(saved_files)
        raise
    return visit, True


def _delete_files(names: list[str]) -> None:
    from django.core.files.storage import default_storage

    for name in names:
        try:
            default_storage.delete(name)
        except OSError:
            logger.warning("could not delete orphaned visit photo %s", name)


# ---------------------------------------------------------------- quarterly check

@transaction.atomic
def quarterly_check_enter(*, household: Household, reason: str, actor: User | None = None) -> bool:
    """Put a household onto the quarterly check (每季度回访) after its assistance ended (seed 003 §二(二)2).

    A household already on the roster keeps its entry (its cadence is the roster's to decide); one
    that is not is entered, through the households service, with a quarterly cadence. Returns True
    when an entry was made.
    """
    from households.models import Cadence, FocusReason, RosterEntry, TargetKind
    from households.services import roster_enter

    if RosterEntry.objects.filter(household=household, exited_on__isnull=True).exists():
        return False
    roster_enter(actor=actor, household=household, reasons=[FocusReason.REFUSED_OR_EXITED],
                 target_kind=TargetKind.WARNING, cadence=Cadence.QUARTERLY, note=reason[:300],
                 source="system")
    return True
