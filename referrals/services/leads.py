"""Leads — 线索: registered from any channel, started, closed, linked to a household, made a referral."""
from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.http import Http404
from django.utils.translation import gettext as _

from households.models import Household
from households.pinyin import name_pinyin
from households.validators import validate_person_name
from relief import access, data_version, table_statistics
from relief.access import Action
from relief.models import Jurisdiction, JurisdictionLevel

from ..models import (
    Lead, LeadChannel, LeadStatus, Referral, ReferralStatus, Urgency,
)
from .common import _close_lead_step_alerts, _now, _required, _save_lead
from .errors import ReferralConflict, ReferralError
from .rules import TOWNSHIP, VILLAGE
from .steps import _referral_new

S = ReferralStatus


# ---------------------------------------------------------------- leads
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
        if not access.may_register_lead(actor, village):
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
        subject_pinyin=name_pinyin(subject_name.strip()), subject_address=subject_address.strip(), description=description, urgency=urgency,
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
    data_version.records_changed()
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
            subject_name=(d.subject_name or "").strip(), subject_pinyin=name_pinyin((d.subject_name or "").strip()),
            subject_address=(d.subject_address or "").strip(),
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
        data_version.records_changed()
    _audit_bulk_leads(actor, [lead.pk for lead in created], len(drafts), {lead.channel for lead in created},
                      audit_detail)
    return result


def _audit_bulk_leads(actor, created_ids: list[int], asked: int, channels, audit_detail: dict | None) -> None:
    """Bulk inserts bypass django-auditlog: one BULK_WRITE entry lists the leads created (none, no entry)."""
    if not created_ids:
        return
    from relief.audit import AuditEvent, audit_record

    audit_record(event=AuditEvent.BULK_WRITE, actor=actor, model=Lead,
                 description=_("批量登记救助线索 %(n)s 条") % {"n": len(created_ids)},
                 detail={"leads_created": len(created_ids), "leads_existing": asked - len(created_ids),
                         "lead_ids": sorted(created_ids), "channels": sorted(channels), **(audit_detail or {})})


@dataclass(frozen=True)
class LeadsOpened:
    """What lead_create_for_households did: the ids of the leads it created; `existing` households already had
    the lead of their key (or a concurrent caller made it meanwhile)."""

    created_ids: list[int]
    existing: int


def _ids_condition(column: str, ids: list[int]) -> tuple[str, list]:
    """`column` is one of `ids`: one array parameter on PostgreSQL, a list of parameters elsewhere."""
    if connection.vendor == "postgresql":
        return f"{column} = ANY(%s)", [ids]
    return f"{column} IN ({', '.join(['%s'] * len(ids))})", list(ids)


def _villages_of_households(ids: list[int]) -> dict[int, tuple[int, str]]:
    """{household id: (village id, that jurisdiction's level)}, in SQL: the ORM prepares a list of ids value by
    value, which costs more than the query."""
    quote = connection.ops.quote_name
    village = f"h.{quote(Household._meta.get_field('village').column)}"
    level = f"j.{quote(Jurisdiction._meta.get_field('level').column)}"
    where, params = _ids_condition("h.id", ids)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT h.id, {village}, {level} FROM {quote(Household._meta.db_table)} h "
                       f"JOIN {quote(Jurisdiction._meta.db_table)} j ON j.{quote(Jurisdiction._meta.pk.column)} = "
                       f"{village} WHERE {where}", params)
        return {pk: (village_id, level) for pk, village_id, level in cursor.fetchall()}


@transaction.atomic
def lead_create_for_households(*, actor, household_ids, channel: str, description: str, dedupe_prefix: str,
                               source_ref: str = "", urgency: str = Urgency.NORMAL,
                               audit_detail: dict | None = None) -> LeadsOpened:
    """One lead per household of a set, all alike but for the household, keyed `<dedupe_prefix><household id>`
    (the policy match: one lead per household and policy). Stable signature.

    What lead_create_many does for such drafts, set-based: the same rules (checked first, one bad household
    refuses the lot with 第N条线索 and stores nothing), the lead in the household's village, and the same
    BULK_WRITE audit entry. The leads are made by one INSERT … SELECT from the households … ON CONFLICT
    (dedupe_key) DO NOTHING RETURNING id, so a household whose key is taken keeps its lead and a concurrent
    caller with the same key loses cleanly. No Lead objects are built: three queries whatever the count.
    """
    ids = list(dict.fromkeys(int(pk) for pk in household_ids))
    if not ids:
        return LeadsOpened(created_ids=[], existing=0)
    if channel not in LeadChannel.values:
        raise ReferralError({"channel": _("请选择线索来源。")})
    if urgency not in Urgency.values:
        raise ReferralError({"urgency": _("请选择紧急程度。")})
    description = _required(description, "description", _("请写明反映的困难情况。"))
    found = _villages_of_households(ids)
    for i, pk in enumerate(ids):
        if pk not in found:
            _bulk_refuse(i, "household", _("所关联的家庭不存在。"))
        if found[pk][1] != JurisdictionLevel.VILLAGE:
            _bulk_refuse(i, "village", _("线索须落到具体的村/社区。"))
    villages = {village_id for village_id, _level in found.values()}
    if actor is not None and not actor.is_superuser:
        if villages - access.village_ids_for(actor, Action.VIEW):
            raise Http404(_("未找到该记录，或它不在您的辖区内。"))
        may = set().union(*(access.village_ids_for(actor, a) for a in (
            Action.EDIT_HOUSEHOLDS, Action.SUBMIT_REFERRALS, Action.DECIDE_REFERRALS)))
        if villages - may:
            raise ReferralError(_("您的角色不能登记线索。"))
    now = _now()
    # The row every lead shares, as the ORM would write it (defaults included); the household's columns and
    # the key come from the household row in SQL.
    template = Lead(channel=channel, description=description, urgency=urgency, received_by=actor, received_at=now,
                    source_ref=(source_ref or "").strip(), created_at=now, updated_at=now)
    quote = connection.ops.quote_name
    from_household = {"village_id": "h.village_id", "household_id": "h.id",
                      "dedupe_key": "CAST(%s AS TEXT) || CAST(h.id AS TEXT)"}
    columns, values, params = [], [], []
    for field in Lead._meta.concrete_fields:
        if field.primary_key:
            continue
        columns.append(quote(field.column))
        if field.attname == "dedupe_key":
            values.append(from_household["dedupe_key"])
            params.append(dedupe_prefix)
        elif field.attname in from_household:
            values.append(from_household[field.attname])
        else:
            # Typed on PostgreSQL so that no parameter is left of unknown type; SQLite takes them as they are.
            values.append(f"CAST(%s AS {field.db_type(connection)})" if connection.vendor == "postgresql" else "%s")
            params.append(field.get_db_prep_save(getattr(template, field.attname), connection=connection))
    where, where_params = _ids_condition("h.id", ids)
    sql = (f"INSERT INTO {quote(Lead._meta.db_table)} ({', '.join(columns)}) "
           f"SELECT {', '.join(values)} FROM {quote(Household._meta.db_table)} h WHERE {where} "
           f"ON CONFLICT ({quote(Lead._meta.get_field('dedupe_key').column)}) DO NOTHING "
           f"RETURNING {quote(Lead._meta.pk.column)}")
    with connection.cursor() as cursor:
        cursor.execute(sql, params + where_params)
        created = [row[0] for row in cursor.fetchall()]
    if created:
        data_version.records_changed()
        table_statistics.refresh_after_bulk_write(Lead, len(created))
    _audit_bulk_leads(actor, created, len(ids), {channel}, audit_detail)
    return LeadsOpened(created_ids=created, existing=len(ids) - len(created))


def _lock_lead(lead: Lead | int, actor, version: int | None) -> Lead:
    pk = lead.pk if isinstance(lead, Lead) else int(lead)
    locked = Lead.objects.select_for_update().filter(pk=pk).first()
    if locked is None:
        raise Http404(_("未找到该记录，或它不在您的辖区内。"))
    access.check(actor, Action.VIEW, locked.village_id)
    if not access.may_register_lead(actor, locked.village_id):
        raise ReferralError(_("您的角色不能处理线索。"))
    if version is not None and int(version) != locked.version:
        raise ReferralConflict(_("该线索已被他人处理（现为“%(status)s”），您的操作未保存。请刷新页面查看。") % {
            "status": locked.get_status_display()})
    return locked


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
    _close_lead_step_alerts(lead, _("线索%(pk)s已关闭，不再超时，系统自动关闭。"))
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
            if not access.may_register_lead(actor, household.village_id):
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
    party = VILLAGE if access.is_referral_party(actor, VILLAGE, lead.village_id) else TOWNSHIP
    return _referral_new(actor=actor, household=lead.household, summary=summary or lead.description,
                         requested=requested, urgency=lead.urgency, willing=willing, lead=lead, party=party)


