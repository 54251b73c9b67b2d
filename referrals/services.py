"""Writes for leads and referrals: one function per step, each under a row lock with a version check.

Who acts at each step
---------------------
- village (村社会救助协理员, Action.SUBMIT_REFERRALS on the household's village): drafts, collective study,
  submission, taking a studied referral back to draft, telling the family.
- township (乡镇民政办, Action.DECIDE_REFERRALS): accepts and hands to a department with a deadline, collective
  review, public notice, help first, one case one discussion, escalation, returns. The departments (民政, 社保,
  医保 …) have no accounts: township staff record each department's decision on its behalf (清单管理).
- district (区县民政局, Action.DECIDE_REFERRALS): decides or returns what was escalated to it.

Errors
------
Outside the actor's jurisdiction → Http404 (the referral does not exist for them). A step the actor's role may
not take, a step the referral's state does not allow, or bad input → ReferralError (a ValidationError with a
Chinese message, per field where one field is at fault). A referral changed by someone else since the actor
read it (their `version` is stale) → ReferralConflict, and nothing is stored.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Iterable

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from households.models import Household
from households.validators import validate_person_name
from relief import access
from relief.access import Action
from relief.models import Jurisdiction, JurisdictionLevel

from . import outcomes
from .models import (
    DecisionLevel, Department, Lead, LeadChannel, LeadStatus, OutcomeAssistance, Referral, ReferralStatus,
    ReferralStep, StepAction, Urgency,
)

S = ReferralStatus


class ReferralError(ValidationError):
    """A step refused: wrong role, wrong state or bad input. Nothing was stored."""


class ReferralConflict(ReferralError):
    """Someone else changed the referral since the actor read it. Nothing was stored."""


# ---------------------------------------------------------------- who may act
VILLAGE, TOWNSHIP, DISTRICT = "village", "township", "district"

PARTY_LABEL = {VILLAGE: gettext_lazy("村社会救助协理员"), TOWNSHIP: gettext_lazy("乡镇民政办"),
               DISTRICT: gettext_lazy("区县民政局")}


def _is_party(user, party: str, village_id: int) -> bool:
    return access.is_referral_party(user, party, village_id)


# Each step: the states it starts from → the party that takes it there.
STEP_RULES: dict[str, dict[str, str]] = {
    StepAction.STUDY: {S.DRAFT: VILLAGE},
    StepAction.SUBMIT: {S.STUDIED: VILLAGE, S.DRAFT: VILLAGE},  # from draft only for 急难 (see referral_submit)
    StepAction.ACCEPT: {S.SUBMITTED: TOWNSHIP},
    StepAction.REVIEW: {S.ASSIGNED: TOWNSHIP, S.ESCALATED: DISTRICT},
    StepAction.NOTICE_START: {S.ASSIGNED: TOWNSHIP, S.REVIEWED: TOWNSHIP},
    StepAction.NOTICE_RESULT: {S.NOTICE: TOWNSHIP},
    StepAction.DECIDE_ELIGIBLE: {S.ASSIGNED: TOWNSHIP, S.NOTICE: TOWNSHIP, S.ESCALATED: DISTRICT},
    StepAction.DECIDE_INELIGIBLE: {S.ASSIGNED: TOWNSHIP, S.REVIEWED: TOWNSHIP, S.NOTICE: TOWNSHIP,
                                   S.ESCALATED: DISTRICT},
    StepAction.ESCALATE: {S.SUBMITTED: TOWNSHIP, S.ASSIGNED: TOWNSHIP, S.REVIEWED: TOWNSHIP},
    StepAction.RETURN: {S.STUDIED: VILLAGE, S.SUBMITTED: TOWNSHIP, S.ASSIGNED: TOWNSHIP, S.REVIEWED: TOWNSHIP,
                        S.NOTICE: TOWNSHIP, S.ESCALATED: DISTRICT},
    StepAction.HELP_FIRST: {S.SUBMITTED: TOWNSHIP, S.ASSIGNED: TOWNSHIP, S.REVIEWED: TOWNSHIP, S.NOTICE: TOWNSHIP,
                            S.ESCALATED: TOWNSHIP},
    StepAction.PAPERWORK_DONE: {s: TOWNSHIP for s in S.values},
    StepAction.DISCUSSION: {S.SUBMITTED: TOWNSHIP, S.ASSIGNED: TOWNSHIP, S.REVIEWED: TOWNSHIP, S.NOTICE: TOWNSHIP,
                            S.ESCALATED: DISTRICT},
    StepAction.INFORM: {S.INELIGIBLE: VILLAGE},
}
# Telling the family may be done by the township as well as the village.
EXTRA_PARTIES = {StepAction.INFORM: {S.INELIGIBLE: TOWNSHIP}}


def step_party(action: str, status: str) -> str | None:
    return STEP_RULES.get(action, {}).get(status)


def can_step(user, referral: Referral, action: str) -> bool:
    """May this user take this step on this referral now (ignoring the step's own input checks)?"""
    parties = [p for p in (step_party(action, referral.status), EXTRA_PARTIES.get(action, {}).get(referral.status))
               if p]
    if not parties:
        return False
    if action == StepAction.HELP_FIRST and referral.help_first_on:
        return False
    if action == StepAction.PAPERWORK_DONE and not (referral.help_first_on and not referral.paperwork_done_on):
        return False
    if action == StepAction.INFORM and referral.family_informed:
        return False
    if action == StepAction.SUBMIT and referral.status == S.DRAFT and referral.urgency != Urgency.EMERGENCY:
        return False
    return any(_is_party(user, p, referral.village_id) for p in parties)


def allowed_steps(user, referral: Referral) -> list[str]:
    return [a for a in STEP_RULES if can_step(user, referral, a)]


def _refuse_step(actor, referral: Referral, action: str) -> None:
    """Raise the clearest reason why the actor may not take this step now."""
    label = StepAction(action).label
    parties = [p for p in (step_party(action, referral.status), EXTRA_PARTIES.get(action, {}).get(referral.status))
               if p]
    if not parties:
        if action in (StepAction.DECIDE_ELIGIBLE, StepAction.DECIDE_INELIGIBLE) and referral.status in (S.DRAFT,
                                                                                                     S.STUDIED):
            raise ReferralError(_("该转办尚在村级办理（%(status)s），还未报送乡镇，不能认定结果。") % {
                "status": referral.get_status_display()})
        if action == StepAction.DECIDE_ELIGIBLE and referral.status == S.REVIEWED:
            raise ReferralError(_("集中研究会审后须先公示，公示期满且异议处理完毕后方可认定符合条件。"))
        if referral.status in (S.ELIGIBLE, S.INELIGIBLE):
            raise ReferralError(_("该转办已办结（%(status)s），不能再“%(step)s”。") % {
                "status": referral.get_status_display(), "step": label})
        raise ReferralError(_("当前状态为“%(status)s”，不能“%(step)s”。") % {
            "status": referral.get_status_display(), "step": label})
    if not any(_is_party(actor, p, referral.village_id) for p in parties):
        who = "、".join(str(PARTY_LABEL[p]) for p in parties)
        raise ReferralError(_("“%(step)s”须由%(who)s办理，您的角色不能办理此步骤。") % {"step": label, "who": who})
    if action == StepAction.SUBMIT and referral.status == S.DRAFT:
        raise ReferralError(_("当前状态为“村级草稿”，不能“报送乡镇”：须先经村级集体研究（急难事项除外）。"))
    if action == StepAction.HELP_FIRST:
        raise ReferralError(_("该转办已于%(d)s先行救助，不能重复。") % {"d": referral.help_first_on})
    if action == StepAction.PAPERWORK_DONE:
        raise ReferralError(_("该转办没有待补办手续的先行救助。"))
    if action == StepAction.INFORM:
        raise ReferralError(_("已告知家庭。"))
    raise ReferralError(_("当前状态为“%(status)s”，不能“%(step)s”。") % {
        "status": referral.get_status_display(), "step": label})


# ---------------------------------------------------------------- helpers
def _now():
    return timezone.now()


def _today() -> date:
    return timezone.localdate()


def _required(value, field: str, message: str):
    if value is None or (isinstance(value, str) and not value.strip()):
        raise ReferralError({field: message})
    return value.strip() if isinstance(value, str) else value


def _money(value, field: str, *, required: bool = True) -> Decimal | None:
    if value in (None, ""):
        if required:
            raise ReferralError({field: _("请填写金额。")})
        return None
    try:
        amount = Decimal(str(value))
    except Exception:
        raise ReferralError({field: _("金额格式不正确。")}) from None
    if amount < 0:
        raise ReferralError({field: _("金额不能为负数。")})
    if amount > Decimal("99999999"):
        raise ReferralError({field: _("金额过大，请核对。")})
    return amount.quantize(Decimal("0.01"))


def _lock(referral: Referral | int, actor, version: int | None) -> Referral:
    """Lock the referral row, check the actor may see it, and refuse a stale version."""
    pk = referral.pk if isinstance(referral, Referral) else int(referral)
    locked = Referral.objects.select_for_update().filter(pk=pk).first()
    if locked is None:
        raise Http404(_("未找到该记录，或它不在您的辖区内。"))
    if actor is not None:
        access.check(actor, Action.VIEW, locked.village_id)
    if version is not None and int(version) != locked.version:
        last = locked.steps.select_related("actor").order_by("-at", "-pk").first()
        raise ReferralConflict(_(
            "该转办已被%(who)s于%(when)s处理（现为“%(status)s”），您的操作未保存。请刷新页面查看最新情况。") % {
            "who": last.actor.display_name if last and last.actor else _("其他人"),
            "when": timezone.localtime(last.at).strftime("%H:%M:%S") if last else "",
            "status": locked.get_status_display()})
    return locked


def _step(referral: Referral, *, actor, action: str, to_status: str, comment: str = "", data: dict | None = None,
          fields: Iterable[str] = ()) -> Referral:
    """Move the referral to `to_status`, bump its version, save the named fields and write the timeline row."""
    from_status = referral.status
    referral.status = to_status
    referral.version += 1
    referral.updated_at = _now()
    referral.save(update_fields=["status", "version", "updated_at", *fields])
    ReferralStep.objects.create(referral=referral, action=action, from_status=from_status, to_status=to_status,
                                actor=actor, comment=(comment or "").strip(), data=data or {}, at=referral.updated_at)
    _close_stale_alerts(referral, action)
    return referral


def _close_stale_alerts(referral: Referral, action: str) -> None:
    """Close, as the system, the deadline alerts this referral no longer deserves.

    The morning job (referrals.tasks) opens an alert per occurrence: a deadline passed while the referral was
    open, help-first paperwork late. Once the referral is decided, returned (the deadline is withdrawn) or
    handed over with a new deadline, or the paperwork is done, that occurrence is over, and an alert left open
    would send someone to chase a case that is finished. One query when there is nothing to close.
    """
    from visits.models import UNHANDLED_STATUSES, Alert, AlertKind
    from visits.services import alert_close

    from .tasks import overdue_key, paperwork_key

    alerts = list(Alert.objects.filter(
        source_ref=f"referral:{referral.pk}", status__in=UNHANDLED_STATUSES,
        kind__in=[AlertKind.REFERRAL_OVERDUE, AlertKind.HELP_FIRST_PAPERWORK_LATE]))
    if not alerts:
        return
    watched = set()
    if referral.is_open and referral.deadline:
        watched.add(overdue_key(referral.pk, referral.deadline))
    if referral.help_first_on and not referral.paperwork_done_on and referral.paperwork_due:
        watched.add(paperwork_key(referral.pk, referral.paperwork_due))
    step = StepAction(action).label
    for alert in alerts:
        if alert.dedupe_key in watched:
            continue
        if alert.kind == AlertKind.HELP_FIRST_PAPERWORK_LATE:
            note = _("转办%(pk)s先行救助手续已补齐（%(step)s），系统自动关闭。")
        elif not referral.is_open:
            note = _("转办%(pk)s已%(step)s，现为“%(status)s”，不再超期，系统自动关闭。")
        else:
            note = _("转办%(pk)s已%(step)s，原办结期限不再适用，系统自动关闭。")
        alert_close(actor=None, alert=alert, note=note % {
            "pk": referral.pk, "status": referral.get_status_display(), "step": step})


def _begin(referral, actor, version, action) -> Referral:
    locked = _lock(referral, actor, version)
    if not can_step(actor, locked, action):
        _refuse_step(actor, locked, action)
    return locked


# ---------------------------------------------------------------- leads
def _may_register_lead(actor, village: Jurisdiction) -> bool:
    return any(access.can(actor, a, village) for a in (Action.EDIT_HOUSEHOLDS, Action.SUBMIT_REFERRALS,
                                                       Action.DECIDE_REFERRALS))


@transaction.atomic
def lead_create(*, actor, channel: str, description: str, village: Jurisdiction | None = None,
                household: Household | None = None, reporter_name: str = "", reporter_contact: str = "",
                subject_name: str = "", subject_address: str = "", urgency: str = Urgency.NORMAL,
                received_at=None, dedupe_key: str | None = None, source_ref: str = "") -> Lead:
    """Register a lead (救助线索). Stable signature: other apps call it.

    - `actor`: the member of staff who received it, or None for a system job (policy matching, department
      feeds); with an actor, the village must lie in their jurisdiction (else Http404).
    - `village` or `household` (then the household's village) says where the family lives; both may be given
      only if they agree.
    - `dedupe_key`: optional; a second call with the same key returns the existing lead and changes nothing
      (`lead.was_created` tells which), so a job that runs twice raises one lead.
    Bad input raises ReferralError with a Chinese message per field.
    """
    if dedupe_key:
        existing = Lead.objects.filter(dedupe_key=dedupe_key).first()
        if existing is not None:
            existing.was_created = False
            return existing
    if household is not None:
        if village is not None and village.pk != household.village_id:
            raise ReferralError({"village": _("所选家庭不在该村/社区。")})
        village = household.village
    if village is None:
        raise ReferralError({"village": _("请选择困难群众所在的村/社区。")})
    if village.level != JurisdictionLevel.VILLAGE:
        raise ReferralError({"village": _("线索须落到具体的村/社区。")})
    if actor is not None:
        access.check(actor, Action.VIEW, village)
        if not _may_register_lead(actor, village):
            raise ReferralError(_("您的角色不能登记线索。"))
    if channel not in LeadChannel.values:
        raise ReferralError({"channel": _("请选择线索来源。")})
    if urgency not in Urgency.values:
        raise ReferralError({"urgency": _("请选择紧急程度。")})
    description = _required(description, "description", _("请写明反映的困难情况。"))
    _check_names(reporter_name=reporter_name, subject_name=subject_name)
    if household is None and not (subject_name.strip() or subject_address.strip()):
        raise ReferralError({"subject_name": _("未关联家庭时，请至少填写困难群众姓名或住址。")})
    lead = Lead(
        village=village, household=household, channel=channel, reporter_name=reporter_name.strip(),
        reporter_contact=reporter_contact.strip(), subject_name=subject_name.strip(),
        subject_address=subject_address.strip(), description=description, urgency=urgency,
        received_by=actor, received_at=received_at or _now(), dedupe_key=dedupe_key or None,
        source_ref=source_ref.strip(),
    )
    try:
        # A savepoint: a concurrent job with the same key loses the race cleanly and gets the winner's lead.
        with transaction.atomic():
            lead.save()
    except IntegrityError:
        if dedupe_key:
            existing = Lead.objects.get(dedupe_key=dedupe_key)
            existing.was_created = False
            return existing
        raise
    lead.was_created = True
    return lead


@dataclass(frozen=True)
class LeadDraft:
    """One lead for lead_create_many: the same fields as lead_create, by id (no objects needed)."""

    channel: str
    description: str
    village_id: int | None = None
    household_id: int | None = None
    reporter_name: str = ""
    reporter_contact: str = ""
    subject_name: str = ""
    subject_address: str = ""
    urgency: str = Urgency.NORMAL
    received_at: object = None
    dedupe_key: str | None = None
    source_ref: str = ""


def _check_names(**names) -> None:
    """People's names are refused as the model field refuses them (households.validators)."""
    for field, value in names.items():
        try:
            validate_person_name((value or "").strip())
        except ValidationError as exc:
            raise ReferralError({field: exc.messages[0]}) from None


def _bulk_refuse(index: int, field: str | None, message: str):
    text = _("第%(n)s条线索：%(m)s") % {"n": index + 1, "m": message}
    raise ReferralError({field: text} if field else text)


@transaction.atomic
def lead_create_many(*, actor, leads: list[LeadDraft], audit_detail: dict | None = None) -> list[Lead]:
    """Register many leads at once, set-based (policy matching, department feeds). Stable signature.

    The same rules as lead_create, checked for every draft before anything is written: one bad draft
    raises ReferralError naming it (第N条线索) and nothing is stored. A `dedupe_key` that already exists
    (or repeats within `leads`) returns the existing lead with `was_created = False`; keys are inserted with
    ON CONFLICT DO NOTHING, so a concurrent caller with the same key loses cleanly. Returns one Lead per draft,
    in order. A fixed number of queries whatever the count (about 6); bulk inserts bypass django-auditlog,
    so one BULK_WRITE audit entry lists the leads created (`audit_detail` is added to it).
    """
    if not leads:
        return []
    drafts = list(leads)
    # 1. Field rules, no queries.
    for i, d in enumerate(drafts):
        if d.channel not in LeadChannel.values:
            _bulk_refuse(i, "channel", _("请选择线索来源。"))
        if d.urgency not in Urgency.values:
            _bulk_refuse(i, "urgency", _("请选择紧急程度。"))
        if not (d.description or "").strip():
            _bulk_refuse(i, "description", _("请写明反映的困难情况。"))
        try:
            _check_names(reporter_name=d.reporter_name, subject_name=d.subject_name)
        except ReferralError as exc:
            field, message = next(iter(exc.message_dict.items()))
            _bulk_refuse(i, field, message[0])
        if d.household_id is None and not ((d.subject_name or "").strip() or (d.subject_address or "").strip()):
            _bulk_refuse(i, "subject_name", _("未关联家庭时，请至少填写困难群众姓名或住址。"))
        if d.village_id is None and d.household_id is None:
            _bulk_refuse(i, "village", _("请选择困难群众所在的村/社区。"))
    # 2. Where each family lives: the household's village wins, and must agree with a village given.
    household_ids = {d.household_id for d in drafts if d.household_id is not None}
    village_of_household = dict(Household.objects.filter(pk__in=household_ids).values_list("pk", "village_id")) \
        if household_ids else {}
    villages: list[int] = []
    for i, d in enumerate(drafts):
        if d.household_id is not None:
            if d.household_id not in village_of_household:
                _bulk_refuse(i, "household", _("所关联的家庭不存在。"))
            village_id = village_of_household[d.household_id]
            if d.village_id is not None and d.village_id != village_id:
                _bulk_refuse(i, "village", _("所选家庭不在该村/社区。"))
        else:
            village_id = d.village_id
        villages.append(village_id)
    levels = dict(Jurisdiction.objects.filter(pk__in=set(villages)).values_list("pk", "level"))
    for i, village_id in enumerate(villages):
        if levels.get(village_id) != JurisdictionLevel.VILLAGE:
            _bulk_refuse(i, "village", _("线索须落到具体的村/社区。"))
    # 3. The actor's jurisdiction (one set per action, cached on the user), as lead_create checks it.
    if actor is not None and not actor.is_superuser:
        outside = set(villages) - access.village_ids_for(actor, Action.VIEW)
        if outside:
            raise Http404(_("未找到该记录，或它不在您的辖区内。"))
        may = set().union(*(access.village_ids_for(actor, a) for a in (
            Action.EDIT_HOUSEHOLDS, Action.SUBMIT_REFERRALS, Action.DECIDE_REFERRALS)))
        if set(villages) - may:
            raise ReferralError(_("您的角色不能登记线索。"))
    # 4. Keys already taken return their lead.
    keys = {d.dedupe_key for d in drafts if d.dedupe_key}
    by_key: dict[str, Lead] = {lead.dedupe_key: lead for lead in Lead.objects.filter(dedupe_key__in=keys)} \
        if keys else {}
    for lead in by_key.values():
        lead.was_created = False
    now = _now()
    keyed: dict[str, Lead] = {}
    unkeyed: list[Lead] = []
    rows: list[tuple[str | None, Lead | None]] = []
    for d, village_id in zip(drafts, villages):
        if d.dedupe_key and (d.dedupe_key in by_key or d.dedupe_key in keyed):
            rows.append((d.dedupe_key, None))
            continue
        lead = Lead(
            village_id=village_id, household_id=d.household_id, channel=d.channel,
            reporter_name=(d.reporter_name or "").strip(), reporter_contact=(d.reporter_contact or "").strip(),
            subject_name=(d.subject_name or "").strip(), subject_address=(d.subject_address or "").strip(),
            description=d.description.strip(), urgency=d.urgency, received_by=actor,
            received_at=d.received_at or now, dedupe_key=d.dedupe_key or None, source_ref=(d.source_ref or "").strip(),
            created_at=now, updated_at=now)
        if d.dedupe_key:
            keyed[d.dedupe_key] = lead
        else:
            unkeyed.append(lead)
        rows.append((d.dedupe_key, lead))
    created: list[Lead] = []
    if unkeyed:
        Lead.objects.bulk_create(unkeyed, batch_size=1000)  # RETURNING gives the ids (PostgreSQL, SQLite ≥ 3.35)
        for lead in unkeyed:
            lead.was_created = True
        created.extend(unkeyed)
    if keyed:
        # ON CONFLICT DO NOTHING returns no ids: read the rows back by key. A row stamped with this call's
        # `now` is ours; another one was inserted meanwhile by a concurrent caller with the same key.
        Lead.objects.bulk_create(list(keyed.values()), batch_size=1000, ignore_conflicts=True)
        for lead in Lead.objects.filter(dedupe_key__in=list(keyed)):
            lead.was_created = lead.created_at == now and lead.received_by_id == (actor.pk if actor else None)
            by_key[lead.dedupe_key] = lead
            if lead.was_created:
                created.append(lead)
    result = [by_key[key] if lead is None or key else lead for key, lead in rows]
    if created:
        from relief.audit import AuditEvent, audit_record

        audit_record(event=AuditEvent.BULK_WRITE, actor=actor, model=Lead,
                     description=_("批量登记救助线索 %(n)s 条") % {"n": len(created)},
                     detail={"leads_created": len(created), "leads_existing": len(drafts) - len(created),
                             "lead_ids": sorted(lead.pk for lead in created),
                             "channels": sorted({lead.channel for lead in created}), **(audit_detail or {})})
    return result


def _lock_lead(lead: Lead | int, actor, version: int | None) -> Lead:
    pk = lead.pk if isinstance(lead, Lead) else int(lead)
    locked = Lead.objects.select_for_update().filter(pk=pk).first()
    if locked is None:
        raise Http404(_("未找到该记录，或它不在您的辖区内。"))
    access.check(actor, Action.VIEW, locked.village_id)
    if not _may_register_lead(actor, locked.village_id):
        raise ReferralError(_("您的角色不能处理线索。"))
    if version is not None and int(version) != locked.version:
        raise ReferralConflict(_("该线索已被他人处理（现为“%(status)s”），您的操作未保存。请刷新页面查看。") % {
            "status": locked.get_status_display()})
    return locked


def _save_lead(lead: Lead, fields: list[str]) -> Lead:
    lead.version += 1
    lead.updated_at = _now()
    lead.save(update_fields=[*fields, "version", "updated_at"])
    return lead


@transaction.atomic
def lead_start(*, actor, lead: Lead | int, version: int | None = None) -> Lead:
    """A new lead is being looked into (核实中)."""
    lead = _lock_lead(lead, actor, version)
    if lead.status != LeadStatus.NEW:
        raise ReferralError(_("只有新线索可以开始核实（当前：%(s)s）。") % {"s": lead.get_status_display()})
    lead.status = LeadStatus.LOOKING_INTO
    lead.looked_into_by = actor
    lead.looked_into_at = _now()
    return _save_lead(lead, ["status", "looked_into_by", "looked_into_at"])


@transaction.atomic
def lead_close(*, actor, lead: Lead | int, reason: str, version: int | None = None) -> Lead:
    """Close a lead that needs no referral, with the reason (e.g. 经核实已享受低保, 反映情况不属实)."""
    lead = _lock_lead(lead, actor, version)
    if not lead.is_open:
        raise ReferralError(_("该线索已%(s)s，不能再关闭。") % {"s": lead.get_status_display()})
    reason = _required(reason, "reason", _("请写明关闭原因。"))
    if len(reason) > 300:
        raise ReferralError({"reason": _("关闭原因不能超过300字。")})
    lead.status = LeadStatus.CLOSED
    lead.close_reason = reason
    lead.closed_by = actor
    lead.closed_at = _now()
    return _save_lead(lead, ["status", "close_reason", "closed_by", "closed_at"])


@transaction.atomic
def lead_link_household(*, actor, lead: Lead | int, household: Household | None = None,
                        residence_address: str = "", phone: str = "", version: int | None = None) -> Lead:
    """Attach the lead to an existing household of its village, or register a minimal new one from it."""
    lead = _lock_lead(lead, actor, version)
    if not lead.is_open:
        raise ReferralError(_("该线索已%(s)s，不能再关联家庭。") % {"s": lead.get_status_display()})
    fields = ["household"]
    if household is not None:
        if household.village_id != lead.village_id:
            # The family is registered in another village of the actor's jurisdiction (a caller often names
            # the wrong community): the lead follows the family there.
            access.check(actor, Action.VIEW, household.village_id)
            if not _may_register_lead(actor, household.village_id):
                raise ReferralError({"household": _("所选家庭不在您可以处理线索的村/社区。")})
            lead.village_id = household.village_id
            fields.append("village")
    else:
        if not access.can(actor, Action.EDIT_HOUSEHOLDS, lead.village_id):
            raise ReferralError(_("您的角色不能登记家庭。"))
        address = _required(residence_address or lead.subject_address, "residence_address",
                            _("请填写家庭居住地址。"))
        household = _household_create_minimal(actor=actor, lead=lead, residence_address=address, phone=phone)
    lead.household = household
    return _save_lead(lead, fields)


def _household_create_minimal(*, actor, lead: Lead, residence_address: str, phone: str) -> Household:
    """A household registered from a lead: address and phone now, members filled in on the first visit."""
    from households import services as household_services
    from households.models import EventSource

    return household_services.household_create(
        actor=actor, village=lead.village, residence_address=residence_address, phone=(phone or "").strip(),
        notes=_("由线索%(pk)s登记：%(name)s") % {"pk": lead.pk, "name": lead.subject_name},
        source=EventSource.REFERRAL, source_ref=f"lead:{lead.pk}")


@transaction.atomic
def lead_to_referral(*, actor, lead: Lead | int, summary: str = "", requested: str = "", willing: bool = True,
                     version: int | None = None) -> Referral:
    """Turn a lead (already linked to a household) into a referral, and the lead into 已转办, at once.

    From the village caseworker it is a village draft (村级草稿). Township staff take in leads themselves
    (hotline, window, patrol: seed 004 has the township 受理、转办 救助事项), so theirs starts as received by
    the township (已报乡镇), ready to be handed to a department. A lead gives at most one referral.
    """
    lead = _lock_lead(lead, actor, version)
    if not lead.is_open:
        raise ReferralError(_("该线索当前为“%(s)s”，不能再转办。") % {"s": lead.get_status_display()})
    if lead.household_id is None:
        raise ReferralError({"household": _("请先关联或登记该线索涉及的家庭，再发起转办。")})
    party = VILLAGE if _is_party(actor, VILLAGE, lead.village_id) else TOWNSHIP
    return _referral_new(actor=actor, household=lead.household, summary=summary or lead.description,
                         requested=requested, urgency=lead.urgency, willing=willing, lead=lead, party=party)


# ---------------------------------------------------------------- referrals: village
@transaction.atomic
def referral_create(*, actor, household: Household, summary: str, requested: str = "",
                    urgency: str = Urgency.NORMAL, willing: bool = True, lead: Lead | None = None) -> Referral:
    """A village draft (村级草稿) for one household of the caseworker's village. Stable signature.

    Whoever calls it (the household page, plans.services.plan_item_refer), the referral answers a lead: the
    one given, else the household's oldest open lead, which becomes 已转办 and points to it.
    """
    return _referral_new(actor=actor, household=household, summary=summary, requested=requested,
                         urgency=urgency, willing=willing, lead=lead, party=VILLAGE)


def _lead_answered(household: Household, lead: Lead | None) -> Lead | None:
    """The lead a new referral answers, locked; refuses a lead that already has its referral."""
    if lead is None:
        return (Lead.objects.select_for_update().open().filter(household=household)
                .exclude(pk__in=Referral.objects.filter(lead__isnull=False).values("lead_id"))
                .order_by("received_at", "pk").first())
    lead = Lead.objects.select_for_update().get(pk=lead.pk)
    if lead.household_id != household.pk:
        raise ReferralError(_("该线索关联的不是这个家庭。"))
    earlier = Referral.objects.filter(lead=lead).values_list("pk", flat=True).first()
    if earlier is not None:
        raise ReferralError(_("该线索已转为转办%(pk)s，不能再转办。") % {"pk": earlier})
    if not lead.is_open:
        raise ReferralError(_("该线索当前为“%(s)s”，不能再转办。") % {"s": lead.get_status_display()})
    return lead


def _referral_new(*, actor, household: Household, summary: str, requested: str, urgency: str, willing: bool,
                  lead: Lead | None, party: str) -> Referral:
    access.check(actor, Action.VIEW, household.village_id)
    if not _is_party(actor, party, household.village_id):
        raise ReferralError(_("转办须由本村社会救助协理员发起。") if party == VILLAGE
                            else _("您的角色不能将线索转为转办。"))
    summary = _required(summary, "summary", _("请写明家庭的困难情况。"))
    if requested and requested not in OutcomeAssistance.values:
        raise ReferralError({"requested": _("请选择建议的救助方式。")})
    if urgency not in Urgency.values:
        raise ReferralError({"urgency": _("请选择紧急程度。")})
    lead = _lead_answered(household, lead)
    if Referral.objects.open().filter(household=household).exists():
        raise ReferralError(_("该家庭已有正在办理的转办，请在原转办中补充情况。"))
    now = _now()
    status = S.DRAFT if party == VILLAGE else S.SUBMITTED
    referral = Referral.objects.create(
        household=household, village_id=household.village_id, lead=lead, summary=summary, requested=requested,
        urgency=urgency, willing=bool(willing), status=status, created_by=actor, created_at=now, updated_at=now,
        submitted_at=now if status == S.SUBMITTED else None,
    )
    action = StepAction.CREATE if party == VILLAGE else StepAction.TAKE_IN
    ReferralStep.objects.create(referral=referral, action=action, from_status="", to_status=status,
                                actor=actor, comment=summary[:500], at=now,
                                data={"lead_id": lead.pk, "by": party} if lead else {"by": party})
    if lead is not None:
        lead.status = LeadStatus.REFERRED
        _save_lead(lead, ["status"])
    return referral


@transaction.atomic
def referral_study(*, actor, referral, meeting_date: date, participants: str, conclusion: str,
                   comment: str = "", version: int | None = None) -> Referral:
    """Village collective study (村级集体研究): meeting date, who took part, what they concluded."""
    referral = _begin(referral, actor, version, StepAction.STUDY)
    _required(meeting_date, "meeting_date", _("请填写研究日期。"))
    if meeting_date > _today():
        raise ReferralError({"meeting_date": _("研究日期不能晚于今天。")})
    referral.study_date = meeting_date
    referral.study_participants = _required(participants, "participants", _("请填写参加研究的人员。"))[:300]
    referral.study_conclusion = _required(conclusion, "conclusion", _("请填写研究结论。"))
    return _step(referral, actor=actor, action=StepAction.STUDY, to_status=S.STUDIED, comment=comment,
                 data={"meeting_date": str(meeting_date), "participants": referral.study_participants,
                       "conclusion": referral.study_conclusion},
                 fields=["study_date", "study_participants", "study_conclusion"])


@transaction.atomic
def referral_submit(*, actor, referral, comment: str = "", version: int | None = None) -> Referral:
    """Submit to the township (报送乡镇). A 急难 draft may go up before the study, which follows as paperwork."""
    referral = _begin(referral, actor, version, StepAction.SUBMIT)
    if not referral.willing:
        raise ReferralError(_("本人暂无申请意愿，请先宣讲政策、了解意愿（救助自愿），再报送乡镇。"))
    referral.submitted_at = _now()
    return _step(referral, actor=actor, action=StepAction.SUBMIT, to_status=S.SUBMITTED, comment=comment,
                 data={"before_study": referral.study_date is None}, fields=["submitted_at"])


# ---------------------------------------------------------------- referrals: township and district
def _check_deadline(deadline) -> date:
    _required(deadline, "deadline", _("请填写办结期限。"))
    if deadline < _today():
        raise ReferralError({"deadline": _("办结期限不能早于今天。")})
    return deadline


@transaction.atomic
def referral_accept(*, actor, referral, department: str, deadline: date, comment: str = "",
                    version: int | None = None) -> Referral:
    """The township accepts the referral and hands it to a department with a deadline (清单管理)."""
    referral = _begin(referral, actor, version, StepAction.ACCEPT)
    if department not in Department.values:
        raise ReferralError({"department": _("请选择承办部门。")})
    referral.department = department
    referral.deadline = _check_deadline(deadline)
    referral.assigned_at = _now()
    referral.assigned_by = actor
    return _step(referral, actor=actor, action=StepAction.ACCEPT, to_status=S.ASSIGNED, comment=comment,
                 data={"department": department, "deadline": str(deadline)},
                 fields=["department", "deadline", "assigned_at", "assigned_by"])


@transaction.atomic
def referral_bulk_accept(*, actor, referral_ids: Iterable[int], department: str, deadline: date,
                         comment: str = "") -> list[Referral]:
    """Accept and assign several submitted referrals at once: all of them, or none if one cannot be."""
    ids = sorted({int(pk) for pk in referral_ids})
    if not ids:
        raise ReferralError(_("请至少选择一条转办。"))
    done = []
    for pk in ids:  # in id order, so two people assigning overlapping sets never deadlock
        try:
            done.append(referral_accept(actor=actor, referral=pk, department=department, deadline=deadline,
                                        comment=comment))
        except ReferralError as exc:
            if hasattr(exc, "error_dict"):
                raise
            raise ReferralError(_("转办%(pk)s：%(msg)s 本次未交办任何转办。") % {"pk": pk, "msg": " ".join(exc.messages)})
    return done


@transaction.atomic
def referral_review(*, actor, referral, review_date: date, participants: str, conclusion: str,
                    comment: str = "", version: int | None = None) -> Referral:
    """A special case's collective review (集中研究会审)."""
    referral = _begin(referral, actor, version, StepAction.REVIEW)
    _required(review_date, "review_date", _("请填写会审日期。"))
    if review_date > _today():
        raise ReferralError({"review_date": _("会审日期不能晚于今天。")})
    referral.review_date = review_date
    referral.review_participants = _required(participants, "participants", _("请填写参加会审的人员。"))[:300]
    referral.review_conclusion = _required(conclusion, "conclusion", _("请填写会审结论。"))
    to_status = S.REVIEWED if referral.status == S.ASSIGNED else referral.status
    return _step(referral, actor=actor, action=StepAction.REVIEW, to_status=to_status, comment=comment,
                 data={"review_date": str(review_date), "participants": referral.review_participants,
                       "conclusion": referral.review_conclusion},
                 fields=["review_date", "review_participants", "review_conclusion"])


@transaction.atomic
def referral_notice_start(*, actor, referral, start: date, end: date, place: str, comment: str = "",
                          version: int | None = None) -> Referral:
    """Publish the public notice (公示): from when to when, where it is posted."""
    referral = _begin(referral, actor, version, StepAction.NOTICE_START)
    _required(start, "start", _("请填写公示开始日期。"))
    _required(end, "end", _("请填写公示结束日期。"))
    if end < start:
        raise ReferralError({"end": _("公示结束日期不能早于开始日期。")})
    if end < _today():
        raise ReferralError({"end": _("公示结束日期不能早于今天。")})
    referral.notice_start, referral.notice_end = start, end
    referral.notice_place = _required(place, "place", _("请填写公示地点。"))[:200]
    referral.notice_objections, referral.notice_handling, referral.notice_objections_resolved = "", "", False
    return _step(referral, actor=actor, action=StepAction.NOTICE_START, to_status=S.NOTICE, comment=comment,
                 data={"start": str(start), "end": str(end), "place": referral.notice_place},
                 fields=["notice_start", "notice_end", "notice_place", "notice_objections", "notice_handling",
                         "notice_objections_resolved"])


@transaction.atomic
def referral_notice_result(*, actor, referral, objections: str, handling: str, resolved: bool,
                           comment: str = "", version: int | None = None) -> Referral:
    """Record the objections received during the notice and how they were handled."""
    referral = _begin(referral, actor, version, StepAction.NOTICE_RESULT)
    objections, handling = (objections or "").strip(), (handling or "").strip()
    if objections and not handling:
        raise ReferralError({"handling": _("收到异议的，请写明处理情况。")})
    if resolved and objections and not handling:
        raise ReferralError({"handling": _("请写明异议如何处理完毕。")})
    referral.notice_objections = objections
    referral.notice_handling = handling
    referral.notice_objections_resolved = bool(resolved) or not objections
    return _step(referral, actor=actor, action=StepAction.NOTICE_RESULT, to_status=S.NOTICE, comment=comment,
                 data={"objections": objections, "handling": handling,
                       "resolved": referral.notice_objections_resolved},
                 fields=["notice_objections", "notice_handling", "notice_objections_resolved"])


def _check_notice_over(referral: Referral) -> None:
    if referral.status != S.NOTICE:
        return
    if _today() <= referral.notice_end:
        raise ReferralError(_("公示期至%(end)s结束，公示期间不能认定符合条件。") % {"end": referral.notice_end})
    if referral.notice_objections and not referral.notice_objections_resolved:
        raise ReferralError(_("公示收到的异议尚未处理完毕，不能认定符合条件。"))


def _decision_level(referral: Referral) -> str:
    return DecisionLevel.DISTRICT if referral.status == S.ESCALATED else DecisionLevel.TOWNSHIP


@transaction.atomic
def referral_decide_eligible(*, actor, referral, assistance_type: str, amount=None, start_date: date | None = None,
                             organisation: str = "", comment: str = "", version: int | None = None,
                             one_off: bool | None = None) -> Referral:
    """The department (recorded by the township) or the district finds the family eligible.

    Writes the assistance and a household event back to the household and moves its roster kind.
    """
    referral = _begin(referral, actor, version, StepAction.DECIDE_ELIGIBLE)
    _check_notice_over(referral)
    if assistance_type not in OutcomeAssistance.values:
        raise ReferralError({"assistance_type": _("请选择救助方式。")})
    if assistance_type == OutcomeAssistance.REFERRAL_ORG:
        organisation = _required(organisation, "organisation", _("转介的，请填写承接的慈善组织或社会组织。"))
        amount = _money(amount, "amount", required=False) or Decimal("0")
    else:
        amount = _money(amount, "amount")
        if amount == 0:
            raise ReferralError({"amount": _("救助金额须大于0。")})
    if assistance_type == OutcomeAssistance.TEMPORARY and referral.discussion_amount is not None \
            and amount > referral.discussion_amount:
        raise ReferralError({"amount": _("临时救助金额不能超过一事一议同意的%(a)s元。") % {
            "a": referral.discussion_amount}})
    start_date = _required(start_date, "start_date", _("请填写救助开始日期。"))
    level = _decision_level(referral)
    referral.decision_level = level
    referral.assistance_type = assistance_type
    referral.amount = amount
    referral.start_date = start_date
    referral.organisation = (organisation or "")[:100]
    referral.decided_by, referral.decided_at = actor, _now()
    referral.ineligible_reason, referral.real_difficulty = "", False
    if referral.help_first_on and not referral.paperwork_done_on:
        referral.paperwork_done_on = _today()  # the decision completes the help-first paperwork
    note = _("转办%(pk)s认定（%(dept)s）") % {"pk": referral.pk, "dept": referral.get_department_display() or level}
    if referral.organisation:
        note = f"{note}：转介{referral.organisation}"
    record = outcomes.assistance_grant(actor=actor, referral=referral, outcome=assistance_type, amount=amount,
                                       start_date=start_date, note=note, one_off=one_off)
    outcomes.roster_kind_follow(actor=actor, referral=referral, eligible=True)
    return _step(referral, actor=actor, action=StepAction.DECIDE_ELIGIBLE, to_status=S.ELIGIBLE, comment=comment,
                 data={"assistance_type": assistance_type, "amount": str(amount), "start": str(start_date),
                       "organisation": referral.organisation, "level": level,
                       "one_off": record.end_date is not None},
                 fields=["decision_level", "assistance_type", "amount", "start_date", "organisation", "decided_by",
                         "decided_at", "ineligible_reason", "real_difficulty", "paperwork_done_on"])


@transaction.atomic
def referral_decide_ineligible(*, actor, referral, reason: str, real_difficulty: bool = False,
                               difficulty: str = "", family_informed: bool = False, comment: str = "",
                               version: int | None = None) -> Referral:
    """Not eligible: the reason in words the family can be told (required).

    In real difficulty → the family goes on the observation list (tracking contact) and the roster kind follows.
    """
    referral = _begin(referral, actor, version, StepAction.DECIDE_INELIGIBLE)
    reason = _required(reason, "reason", _("请写明不符合条件的原因（可向家庭解释的话）。"))
    if len(reason) < 4:
        raise ReferralError({"reason": _("原因过于简单，请写明可以向家庭解释的具体原因。")})
    if real_difficulty and not (difficulty or "").strip():
        raise ReferralError({"difficulty": _("确有实际困难的，请写明具体困难，便于跟踪联系。")})
    level = _decision_level(referral)
    referral.decision_level = level
    referral.ineligible_reason = reason
    referral.real_difficulty = bool(real_difficulty)
    referral.family_informed = bool(family_informed)
    referral.decided_by, referral.decided_at = actor, _now()
    referral.assistance_type, referral.amount, referral.start_date = "", None, None
    if referral.help_first_on and not referral.paperwork_done_on:
        referral.paperwork_done_on = _today()
    if real_difficulty:
        outcomes.observation_add(actor=actor, referral=referral, reason=reason, difficulty=difficulty.strip())
        outcomes.roster_kind_follow(actor=actor, referral=referral, eligible=False)
    return _step(referral, actor=actor, action=StepAction.DECIDE_INELIGIBLE, to_status=S.INELIGIBLE,
                 comment=comment,
                 data={"reason": reason, "real_difficulty": bool(real_difficulty), "difficulty": difficulty,
                       "family_informed": bool(family_informed), "level": level},
                 fields=["decision_level", "ineligible_reason", "real_difficulty", "family_informed", "decided_by",
                         "decided_at", "assistance_type", "amount", "start_date", "paperwork_done_on"])


@transaction.atomic
def referral_escalate(*, actor, referral, reason: str, version: int | None = None) -> Referral:
    """What the township cannot handle goes up to the district, with the reason."""
    referral = _begin(referral, actor, version, StepAction.ESCALATE)
    referral.escalation_reason = _required(reason, "reason", _("请写明报区县的原因。"))
    referral.escalated_at = _now()
    return _step(referral, actor=actor, action=StepAction.ESCALATE, to_status=S.ESCALATED, comment=reason,
                 fields=["escalation_reason", "escalated_at"])


def previous_status(referral: Referral) -> str | None:
    """The state the referral came from by its last forward step into the current state."""
    for step in referral.steps.order_by("-at", "-pk"):
        if step.to_status == referral.status and step.from_status and step.from_status != step.to_status \
                and step.action != StepAction.RETURN:
            return step.from_status
    return None


@transaction.atomic
def referral_return(*, actor, referral, reason: str, version: int | None = None) -> Referral:
    """Send the referral back one step, with the reason (退回)."""
    referral = _begin(referral, actor, version, StepAction.RETURN)
    reason = _required(reason, "reason", _("请写明退回原因。"))
    back = previous_status(referral)
    if back is None:
        raise ReferralError(_("找不到上一步，无法退回。"))
    fields = []
    if referral.status == S.ASSIGNED:
        referral.department, referral.deadline, referral.assigned_at, referral.assigned_by = "", None, None, None
        fields += ["department", "deadline", "assigned_at", "assigned_by"]
    if referral.status == S.NOTICE:
        referral.notice_start = referral.notice_end = None
        referral.notice_place = referral.notice_objections = referral.notice_handling = ""
        referral.notice_objections_resolved = False
        fields += ["notice_start", "notice_end", "notice_place", "notice_objections", "notice_handling",
                   "notice_objections_resolved"]
    if referral.status == S.ESCALATED:
        referral.escalated_at = None
        fields += ["escalated_at"]
    if referral.status == S.SUBMITTED:
        referral.submitted_at = None
        fields += ["submitted_at"]
    return _step(referral, actor=actor, action=StepAction.RETURN, to_status=back, comment=reason,
                 data={"from": referral.status}, fields=fields)


@transaction.atomic
def referral_help_first(*, actor, referral, amount, paperwork_due: date, comment: str,
                        version: int | None = None) -> Referral:
    """先行救助: temporary assistance given at once and recorded; the paperwork follows by `paperwork_due`."""
    referral = _begin(referral, actor, version, StepAction.HELP_FIRST)
    amount = _money(amount, "amount")
    if amount == 0:
        raise ReferralError({"amount": _("先行救助金额须大于0。")})
    _required(paperwork_due, "paperwork_due", _("请填写补办手续的期限。"))
    if paperwork_due < _today():
        raise ReferralError({"paperwork_due": _("补办手续期限不能早于今天。")})
    comment = _required(comment, "comment", _("请写明急难情况。"))
    referral.help_first_amount = amount
    referral.help_first_on = _today()
    referral.paperwork_due = paperwork_due
    outcomes.assistance_grant(actor=actor, referral=referral, outcome=OutcomeAssistance.TEMPORARY, amount=amount,
                              start_date=referral.help_first_on, one_off=True,
                              note=_("转办%(pk)s先行救助") % {"pk": referral.pk})
    return _step(referral, actor=actor, action=StepAction.HELP_FIRST, to_status=referral.status, comment=comment,
                 data={"amount": str(amount), "paperwork_due": str(paperwork_due)},
                 fields=["help_first_amount", "help_first_on", "paperwork_due"])


@transaction.atomic
def referral_paperwork_done(*, actor, referral, comment: str = "", version: int | None = None) -> Referral:
    """The help-first paperwork has been completed."""
    referral = _begin(referral, actor, version, StepAction.PAPERWORK_DONE)
    referral.paperwork_done_on = _today()
    return _step(referral, actor=actor, action=StepAction.PAPERWORK_DONE, to_status=referral.status,
                 comment=comment, fields=["paperwork_done_on"])


@transaction.atomic
def referral_discussion(*, actor, referral, amount, justification: str, agreed_by: str, meeting_date: date,
                        version: int | None = None) -> Referral:
    """一事一议: a raised temporary-assistance amount, its justification and who agreed to it."""
    referral = _begin(referral, actor, version, StepAction.DISCUSSION)
    amount = _money(amount, "amount")
    if amount == 0:
        raise ReferralError({"amount": _("金额须大于0。")})
    referral.discussion_justification = _required(justification, "justification", _("请写明提高救助额度的理由。"))
    referral.discussion_agreed_by = _required(agreed_by, "agreed_by", _("请填写参与议定并同意的人员。"))[:300]
    _required(meeting_date, "meeting_date", _("请填写议定日期。"))
    if meeting_date > _today():
        raise ReferralError({"meeting_date": _("议定日期不能晚于今天。")})
    referral.discussion_amount = amount
    referral.discussion_date = meeting_date
    return _step(referral, actor=actor, action=StepAction.DISCUSSION, to_status=referral.status,
                 comment=referral.discussion_justification,
                 data={"amount": str(amount), "agreed_by": referral.discussion_agreed_by,
                       "meeting_date": str(meeting_date)},
                 fields=["discussion_amount", "discussion_justification", "discussion_agreed_by",
                         "discussion_date"])


@transaction.atomic
def referral_inform_family(*, actor, referral, comment: str = "", version: int | None = None) -> Referral:
    """The family has been told why they are not eligible (做好解释)."""
    referral = _begin(referral, actor, version, StepAction.INFORM)
    referral.family_informed = True
    return _step(referral, actor=actor, action=StepAction.INFORM, to_status=referral.status, comment=comment,
                 fields=["family_informed"])
