"""Writes of care agreements (照料协议) and their follow-ups (照料跟踪) — the only writer of these records.

Each write checks that the actor keeps the person's village (Action.EDIT_HOUSEHOLDS for an agreement,
Action.LOG_VISITS for a follow-up; another village answers 404 in the views, a ValidationError here),
validates before writing (Chinese messages keyed by form field), records a household event (field
"care_agreement" / "care_follow_up") and is logged by django-auditlog. After an agreement commits,
`care.care_agreement_recorded` tells the apps above (alerts closes the alert it settles).
"""
from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from relief import access, data_version
from relief.access import Action

from .care import care_agreement_recorded
from .care_models import CareAgreement, CareFollowUp, CarerRelation
from .models import EventKind, Member, MemberStatus
from .services.common import _today, event_record
from .validators import validate_person_name


def _text(value, field: str, message: str, limit: int) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationError({field: message})
    if len(value) > limit:
        raise ValidationError({field: _("不能超过%(n)d字。") % {"n": limit}})
    return value


@transaction.atomic
def care_agreement_record(*, actor, member: Member, carer_name: str, carer_phone: str, carer_relation: str,
                          terms: str, starts_on: dt.date, ends_on: dt.date, follow_months: int = 1,
                          note: str = "") -> CareAgreement:
    """Record a care agreement (照料协议) of a person cared for at home; a renewal is a new agreement. An agreement
    that has already ended may be recorded too (the paper archive): it counts as expired, not as valid."""
    member = Member.objects.select_for_update(of=("self",)).select_related("household").get(pk=member.pk)
    household = member.household
    if actor is not None and not access.can(actor, Action.EDIT_HOUSEHOLDS, household.village_id):
        raise ValidationError(_("此人不在您负责的村/社区，不能登记照料协议。"))
    if member.status != MemberStatus.PRESENT:
        raise ValidationError(_("此人已%(s)s，不能登记照料协议。") % {"s": member.get_status_display()})
    carer_name = _text(carer_name, "carer_name", _("请填写照料人姓名。"), 50)
    try:
        validate_person_name(carer_name)
    except ValidationError as exc:
        raise ValidationError({"carer_name": exc.messages})
    carer_phone = _text(carer_phone, "carer_phone", _("请填写照料人联系电话。"), 30)
    if carer_relation not in CarerRelation.values:
        raise ValidationError({"carer_relation": _("请选择照料人与被照料人的关系。")})
    terms = _text(terms, "terms", _("请写明照料内容（如送餐、协助起居、打扫卫生、发现异常及时报告）。"), 2000)
    if starts_on is None:
        raise ValidationError({"starts_on": _("请填写协议开始日期。")})
    if ends_on is None:
        raise ValidationError({"ends_on": _("请填写协议结束日期。")})
    if ends_on < starts_on:
        raise ValidationError({"ends_on": _("协议结束日期不能早于开始日期。")})
    if starts_on > _today():
        raise ValidationError({"starts_on": _("协议开始日期不能晚于今天。")})
    follow_months = int(follow_months or 0)
    if not 1 <= follow_months <= 12:
        raise ValidationError({"follow_months": _("跟踪间隔为 1 至 12 个月。")})
    agreement = CareAgreement.objects.create(
        household=household, member=member, carer_name=carer_name, carer_phone=carer_phone,
        carer_relation=carer_relation, terms=terms, starts_on=starts_on, ends_on=ends_on,
        follow_months=follow_months, note=(note or "").strip()[:300],
        recorded_by=actor if getattr(actor, "is_authenticated", False) else None)
    event_record(household=household, kind=EventKind.OTHER, actor=actor, member=member, field="care_agreement",
                 new_value=_("照料协议：%(c)s（%(r)s），%(s)s 至 %(e)s") % {
                     "c": carer_name, "r": agreement.get_carer_relation_display(), "s": starts_on, "e": ends_on},
                 data={"agreement": agreement.pk})
    data_version.records_changed()
    member_id = member.pk
    transaction.on_commit(lambda: care_agreement_recorded.send(sender=CareAgreement, member_id=member_id))
    return agreement


@transaction.atomic
def care_follow_up_record(*, actor, agreement: CareAgreement, followed_on: dt.date, finding: str,
                          care_given: bool = True) -> CareFollowUp:
    """Record a follow-up (照料跟踪) of an agreement: was the care given as agreed, and what was found."""
    agreement = CareAgreement.objects.select_for_update(of=("self",)).select_related("household", "member") \
        .get(pk=agreement.pk)
    household = agreement.household
    if actor is not None and not access.can(actor, Action.LOG_VISITS, household.village_id):
        raise ValidationError(_("此人不在您负责的村/社区，不能登记照料跟踪。"))
    if followed_on is None:
        raise ValidationError({"followed_on": _("请填写跟踪日期。")})
    if followed_on > _today():
        raise ValidationError({"followed_on": _("跟踪日期不能晚于今天。")})
    if followed_on < agreement.starts_on:
        raise ValidationError({"followed_on": _("跟踪日期不能早于协议开始日期（%(d)s）。") % {"d": agreement.starts_on}})
    finding = _text(finding, "finding", _("请写明跟踪了解到的照料情况。"), 300)
    follow_up = CareFollowUp.objects.create(
        agreement=agreement, followed_on=followed_on, care_given=bool(care_given), finding=finding,
        recorded_by=actor if getattr(actor, "is_authenticated", False) else None)
    event_record(household=household, kind=EventKind.OTHER, actor=actor, member=agreement.member,
                 field="care_follow_up", new_value=(_("照料已落实") if care_given else _("照料未落实")) + "：" + finding[:150],
                 data={"agreement": agreement.pk, "follow_up": follow_up.pk})
    data_version.records_changed()
    return follow_up
