"""Residence and hukou in different places — 人户分离的协同办理 (seed 004 §二(二), referrals/models_hukou.py).

    hukou_handover_sync(*, actor, referral)      # at submission: hand handling to the hukou township (or not)
    letter_send(*, actor, referral, kind, sent_to, content, sent_on, reply_due) -> CooperationLetter
    letter_answer(*, actor, letter, version, answer, answered_on) -> CooperationLetter
    letters_overdue_scan(today=None) -> dict     # 协查函逾期未复: opens an alert per unanswered letter past its due

Who may see and take each step of a handed-over referral is decided in rules.py. Letters are written by the
residence township (access.records_cooperation_letters) for a family whose hukou place is outside the system;
each letter write locks its row, a stale `version` (a second submit of the same form) stores nothing, and the
same letter entered twice is one letter.
"""
from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from relief import access, data_version

from ..models import Referral
from ..models_hukou import CooperationLetter, HukouHandover, LetterKind
from .common import _now, _required, _today
from .errors import ReferralConflict, ReferralError

ALERT_PREFIX = "letter_overdue:"
# Beyond this a reply deadline is a typing mistake, not a deadline (a year).
MAX_REPLY_DAYS = 366


def hukou_handover_sync(*, actor, referral: Referral) -> HukouHandover | None:
    """Called as the referral reaches the township (submission, or a lead the township takes in): when the family's
    hukou township is another township of the system, handling goes there; otherwise it stays at the residence.
    Runs inside the step's transaction (the referral row is locked by the caller)."""
    household = referral.household
    residence_township_id = referral.village.parent_id
    target = household.hukou_township_id
    existing = HukouHandover.objects.filter(referral=referral).first()
    if not target or target == residence_township_id:
        if existing is not None:
            existing.delete()
            referral._state.fields_cache.pop("hukou_handover", None)
        return None
    if existing is not None:
        if existing.township_id != target:
            existing.township_id = target
            existing.save(update_fields=["township"])
        return existing
    handover = HukouHandover.objects.create(referral=referral, township_id=target,
                                            residence_township_id=residence_township_id, created_by=actor,
                                            created_at=_now())
    referral._state.fields_cache["hukou_handover"] = handover
    return handover


def _letter_date(value, field: str, label: str) -> dt.date:
    value = _required(value, field, _("请填写%(label)s。") % {"label": label})
    if not isinstance(value, dt.date):
        raise ReferralError({field: _("%(label)s格式不正确，请按“年-月-日”填写。") % {"label": label}})
    if value > _today():
        raise ReferralError({field: _("%(label)s不能晚于今天。") % {"label": label}})
    return value


@transaction.atomic
def letter_send(*, actor, referral: Referral, kind: str, sent_to: str, content: str, sent_on: dt.date,
                reply_due: dt.date) -> CooperationLetter:
    """Record a cooperation letter (协查函/转办函) the residence township sent to a hukou place outside the system.
    The same letter submitted twice (same family, kind, addressee and day) is returned, not stored again."""
    referral = Referral.objects.select_related("household", "village").filter(pk=referral.pk).first()
    if referral is None or not access.can(actor, access.Action.VIEW, referral.village_id):
        raise Http404(_("未找到该记录，或它不在您的辖区内。"))
    if not access.records_cooperation_letters(actor, referral.village_id):
        raise ReferralError(_("协查函、转办函由家庭居住地的乡镇（街道）民政办登记。"))
    household = referral.household
    if not household.hukou_outside_system:
        if household.hukou_township_id:
            raise ReferralError(_("该家庭户籍地在本系统内（%(t)s），由户籍地乡镇在系统中办理，无需发函。") % {
                "t": household.hukou_township.name})
        raise ReferralError(_("该家庭未登记系统外的户籍地，请先在家庭信息中填写户籍地区划代码和名称。"))
    if kind not in LetterKind.values:
        raise ReferralError({"kind": _("请选择函件类型（协查函或转办函）。")})
    sent_to = _required(sent_to, "sent_to", _("请填写发往单位（如：××县民政局）。"))[:100]
    content = _required(content, "content", _("请写明请协查或转办的事项。"))
    sent_on = _letter_date(sent_on, "sent_on", _("发函日期"))
    if reply_due is None:
        raise ReferralError({"reply_due": _("请填写回复期限。")})
    if reply_due < sent_on:
        raise ReferralError({"reply_due": _("回复期限不能早于发函日期（%(d)s）。") % {"d": sent_on}})
    if (reply_due - sent_on).days > MAX_REPLY_DAYS:
        raise ReferralError({"reply_due": _("回复期限距发函日期超过一年，请核对。")})
    same = CooperationLetter.objects.filter(household=household, kind=kind, sent_to=sent_to, sent_on=sent_on)
    existing = same.first()
    if existing is not None:
        return existing
    now = _now()
    letter = CooperationLetter(household=household, referral=referral, kind=kind, sent_to=sent_to,
                               division_code=household.hukou_division_code,
                               division_name=household.hukou_division_name, content=content, sent_on=sent_on,
                               reply_due=reply_due, created_by=actor, created_at=now, updated_at=now)
    try:
        with transaction.atomic():
            letter.save()
    except IntegrityError:
        # The same letter saved by a concurrent submit a moment ago.
        return same.get()
    data_version.records_changed()
    return letter


@transaction.atomic
def letter_answer(*, actor, letter: CooperationLetter | int, version: int | None, answer: str,
                  answered_on: dt.date) -> CooperationLetter:
    """Record the answer to a letter and its date; closes the letter's 协查函逾期未复 alert."""
    pk = letter.pk if isinstance(letter, CooperationLetter) else int(letter)
    locked = CooperationLetter.objects.select_for_update().filter(pk=pk).first()
    if locked is None:
        raise Http404(_("未找到该记录，或它不在您的辖区内。"))
    village_id = locked.household.village_id
    access.check(actor, access.Action.VIEW, village_id)
    if not access.records_cooperation_letters(actor, village_id):
        raise ReferralError(_("协查函、转办函的回复由家庭居住地的乡镇（街道）民政办登记。"))
    if version is not None and int(version) != locked.version:
        raise ReferralConflict(_("该函件已被他人更新（已于%(d)s登记回复），您的操作未保存。请刷新页面查看。") % {
            "d": locked.answered_on or "—"})
    if locked.answered_on:
        raise ReferralError(_("该函件已于%(d)s登记回复，不能重复登记。") % {"d": locked.answered_on})
    answer = _required(answer, "answer", _("请填写回复内容。"))
    answered_on = _letter_date(answered_on, "answered_on", _("回复日期"))
    if answered_on < locked.sent_on:
        raise ReferralError({"answered_on": _("回复日期不能早于发函日期（%(d)s）。") % {"d": locked.sent_on}})
    locked.answer, locked.answered_on, locked.answered_by = answer, answered_on, actor
    locked.version += 1
    locked.updated_at = _now()
    locked.save(update_fields=["answer", "answered_on", "answered_by", "version", "updated_at"])
    data_version.records_changed()
    _close_letter_alerts(locked, _("函件已于%(d)s收到回复，系统自动关闭。") % {"d": answered_on})
    return locked


def _close_letter_alerts(letter: CooperationLetter, note: str) -> None:
    from alerts.models import UNHANDLED_STATUSES, Alert, AlertKind
    from alerts.services import alert_close

    for alert in Alert.objects.filter(kind=AlertKind.LETTER_OVERDUE, source_ref=f"letter:{letter.pk}",
                                      status__in=UNHANDLED_STATUSES):
        alert_close(actor=None, alert=alert, note=note)


def letter_key(letter: CooperationLetter) -> str:
    return f"{ALERT_PREFIX}{letter.pk}:{letter.reply_due:%Y%m%d}"


def letters_overdue_scan(today: dt.date | None = None) -> dict:
    """Open a 协查函逾期未复 alert (for the family's township, on its household) per letter unanswered past its
    reply deadline. Idempotent: the key names the letter and its deadline."""
    from alerts.models import AlertKind
    from alerts.reasons import reason_fields
    from alerts.services import alert_open

    from ..alert_reasons import LETTER_OVERDUE

    today = today or timezone.localdate()
    opened = existing = 0
    for letter in CooperationLetter.objects.overdue(today).select_related("household").iterator(chunk_size=500):
        with transaction.atomic():
            _alert, created = alert_open(
                kind=AlertKind.LETTER_OVERDUE, household=letter.household,
                **reason_fields(LETTER_OVERDUE, kind=letter.kind, to=letter.sent_to, sent=letter.sent_on.isoformat(),
                                due=letter.reply_due.isoformat()),
                dedupe_key=letter_key(letter), source_ref=f"letter:{letter.pk}")
        opened, existing = opened + created, existing + (not created)
    return {"opened": opened, "existing": existing}


__all__ = ["ALERT_PREFIX", "hukou_handover_sync", "letter_answer", "letter_key",
           "letter_send", "letters_overdue_scan"]
