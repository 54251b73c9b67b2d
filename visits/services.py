"""Writes for visits.

    visit_log(*, actor, household, data, visitors=(), photos=(), idempotency_key=None) -> tuple[Visit, bool]

Alerts are written through alerts/services.py (a visit that sees the person closes the household's
overdue-visit alerts there).
"""
from __future__ import annotations

import logging
import uuid
from typing import Iterable

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from alerts.models import Alert, AlertKind, UNHANDLED_STATUSES
from alerts.services import alert_close
from households.models import Household
from households.services import quarterly_check_by_visit
from relief import access, punctuation
from relief.access import Action
from relief.models import User

from .models import CheckResult, Visit, VisitKind, VisitPhoto
from .photos import PHOTO_MAX_COUNT, photo_clean
from .signals import visit_logged

logger = logging.getLogger(__name__)

VISIT_FIELDS = (
    "visited_on", "kind", "method", "person_seen", "not_seen_reason", "volunteers", "food", "housing_safety",
    "heating_cooling", "medical", "income_change", "care", "schooling", "situation", "needs", "needs_text",
    "willingness", "ability", "help_offered", "actions_taken", "measures", "situation_clear", "next_follow_up_on",
)


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
        raise ValidationError({"visitors": _("走访人员 %(n)s 不在本村/社区或本乡镇工作。") % {"n": punctuation.mark("、").join(strangers)}})
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
            if visit.checks_the_quarter:
                # The quarter's check of a family on the quarterly list (结合复核走访, or face to face on every check).
                quarterly_check_by_visit(
                    actor=actor, household=household, visit_id=visit.pk, visited_on=visit.visited_on,
                    finding=visit.situation.strip() or (_("复核走访见到本人，结合复核完成排查。")
                                                        if visit.kind == VisitKind.REVIEW
                                                        else _("当面见到本人，逐项了解后完成排查。")),
                    circumstances_changed=visit.income_change == CheckResult.CONCERN or visit.has_needs())
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
