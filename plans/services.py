"""Writes for the libraries, needs and plans, teams, and the policy-match run.

Every function takes the acting user as `actor` (None only for system jobs), runs in one transaction,
and refuses bad input with PlanError (a ValidationError with a Chinese message, per field where one
field is at fault). Outside the actor's jurisdiction → Http404. Nothing is half-saved.
"""
from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import CharField, Exists, OuterRef, Q
from django.db.models.functions import Cast
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from households.models import Household
from relief import access, figure_cache, punctuation
from relief.access import Action
from relief.audit import AuditEvent, audit_record
from relief.models import Jurisdiction, JurisdictionLevel, Role

from . import matching
from .services_advisers import adviser_post_save, adviser_post_version  # noqa: F401  (the adviser posts' writes, kept beside)
from .services_campaigns import campaign_end_early, campaign_start  # noqa: F401,E402  (集中排查, kept beside)
from .models import (
    ItemStatus, Need, PlanItem, PlanProgress, Policy, PolicyCondition, PolicyMatch, Project, Resource, TeamMember,
    TeamRole,
)
from .selectors import POLICIES_TOPIC, library_editable

logger = logging.getLogger(__name__)


class PlanError(ValidationError):
    """Refused: bad input or a rule of the domain. Nothing was stored."""


def _now():
    return timezone.now()


def _check_owner(actor, owner: Jurisdiction | None) -> None:
    if owner is None:
        raise PlanError({"owner": _("请选择维护单位。")})
    if owner.level not in (JurisdictionLevel.DISTRICT, JurisdictionLevel.TOWNSHIP):
        raise PlanError({"owner": _("维护单位须为区县或乡镇/街道。")})
    if actor is not None and not actor.is_superuser:
        if not access.keeps_libraries(actor):
            raise PlanError(_("您的角色不能维护政策库、资源库和项目库。"))
        access.check(actor, Action.VIEW, owner)


def _check_editable(actor, obj) -> None:
    if actor is not None and not library_editable(type(obj).objects.filter(pk=obj.pk), actor).exists():
        raise Http404(_("未找到该记录，或它不在您的辖区内。"))


def _check_areas(actor, owner: Jurisdiction, areas, field_name: str, message: str) -> list[Jurisdiction]:
    areas = list(areas or [])
    if not areas:
        raise PlanError({field_name: message})
    covered = set(Jurisdiction.objects.filter(
        level__in=[JurisdictionLevel.DISTRICT, JurisdictionLevel.TOWNSHIP, JurisdictionLevel.VILLAGE]).filter(
        **{"pk__in": [a.pk for a in areas]}).values_list("pk", flat=True))
    under_owner = set(matching.area_village_ids({owner.pk})) | {owner.pk} | set(
        Jurisdiction.objects.filter(parent=owner).values_list("pk", flat=True))
    outside = [a.name for a in areas if a.pk not in covered or a.pk not in under_owner]
    if outside:
        raise PlanError({field_name: _("以下地区不在维护单位“%(o)s”的辖区内：%(a)s。") % {
            "o": owner.name, "a": punctuation.mark("、").join(outside)}})
    return areas


# --------------------------------------------------------------------------- policies
POLICY_FIELDS = ["code", "name", "assistance_type", "summary", "eligibility", "benefits", "how_to_apply",
                 "documents", "department", "contact_phone", "basis", "is_active", "opens_leads"]


def _validate_conditions(conditions: list[PolicyCondition]) -> None:
    errors = []
    for index, c in enumerate(conditions, start=1):
        try:
            matching.clean_condition(c)
        except ValidationError as exc:
            for messages in exc.message_dict.values():
                errors.extend(_("条件 %(n)s：%(m)s") % {"n": index, "m": m} for m in messages)
    errors.extend(matching.contradictions(conditions))
    if errors:
        raise PlanError({"conditions": errors})


@transaction.atomic
def policy_save(*, actor, policy: Policy | None = None, data: dict, areas, conditions: list[dict],
                version: int | None = None) -> Policy:
    """Create or edit a policy with its conditions (replaced as a whole) and its areas.

    An edit locks the policy row and raises its version, so a policy-match batch that read the old
    conditions notices and opens nothing on their basis. The match for the policy is queued on commit.
    """
    owner = data.get("owner") or (policy.owner if policy else None)
    _check_owner(actor, owner)
    if policy is not None:
        _check_editable(actor, policy)
        policy = Policy.objects.select_for_update().get(pk=policy.pk)
        if version is not None and int(version) != policy.version:
            raise PlanError(_("该政策已被他人修改，您的修改未保存。请刷新页面后重新修改。"))
        policy.version += 1
    else:
        policy = Policy()
    for name in POLICY_FIELDS:
        if name in data:
            setattr(policy, name, data[name])
    policy.owner = owner
    policy.updated_at = _now()
    areas = _check_areas(actor, owner, areas, "areas", _("请选择政策适用的地区。"))
    rows = [PolicyCondition(policy=policy, **c) for c in conditions]
    _validate_conditions(rows)
    if Policy.objects.filter(code=policy.code).exclude(pk=policy.pk).exists():
        raise PlanError({"code": _("编号“%(c)s”已被其他政策使用。") % {"c": policy.code}})
    try:
        policy.full_clean(exclude=["owner", "areas"])
    except ValidationError as exc:
        raise PlanError(exc.message_dict)
    policy.save()
    policy.areas.set(areas)
    PolicyCondition.objects.filter(policy=policy).delete()
    for row in rows:
        row.policy = policy
    PolicyCondition.objects.bulk_create(rows)
    figure_cache.changed(POLICIES_TOPIC)
    if policy.is_active and policy.opens_leads:
        from .tasks import match_policies

        policy_id = policy.pk
        transaction.on_commit(lambda: match_policies.delay(policy_ids=[policy_id]))
    return policy


# --------------------------------------------------------------------------- resources and projects
RESOURCE_FIELDS = ["name", "kind", "service_kind", "offer", "capacity", "contact_person", "contact_phone",
                   "address", "is_active"]
PROJECT_FIELDS = ["name", "kind", "description", "target", "provider", "place", "start_date", "end_date",
                  "capacity", "contact_person", "contact_phone"]


def _check_contact(obj) -> None:
    errors = {}
    obj.contact_person = (obj.contact_person or "").strip()
    obj.contact_phone = (obj.contact_phone or "").strip()
    if not obj.contact_person:
        errors["contact_person"] = _("请填写联系人，否则无法对接帮扶。")
    if not obj.contact_phone:
        errors["contact_phone"] = _("请填写联系电话，否则无法对接帮扶。")
    elif not all(ch.isdigit() or ch in "-+ 转()（）" for ch in obj.contact_phone) or \
            sum(ch.isdigit() for ch in obj.contact_phone) < 7:
        errors["contact_phone"] = _("联系电话格式不正确，请填写手机号或带区号的座机号。")
    if errors:
        raise PlanError(errors)


def _save_library_entry(actor, obj, fields, data, villages, field_name="villages"):
    owner = data.get("owner") or getattr(obj, "owner", None)
    _check_owner(actor, owner)
    if obj.pk:
        _check_editable(actor, obj)
    for name in fields:
        if name in data:
            setattr(obj, name, data[name])
    obj.owner = owner
    obj.updated_at = _now()
    _check_contact(obj)
    villages = _check_areas(actor, owner, villages, field_name, _("请选择服务的村/社区。"))
    not_villages = [v.name for v in villages if v.level != JurisdictionLevel.VILLAGE]
    if not_villages:
        raise PlanError({field_name: _("请选择具体的村/社区：%(v)s 不是村/社区。") % {"v": punctuation.mark("、").join(not_villages)}})
    try:
        obj.full_clean(exclude=["owner", "villages"])
    except ValidationError as exc:
        raise PlanError(exc.message_dict)
    obj.save()
    obj.villages.set(villages)
    return obj


@transaction.atomic
def resource_save(*, actor, resource: Resource | None = None, data: dict, villages) -> Resource:
    """Create or edit a resource (资源库); a contact person and phone are required."""
    return _save_library_entry(actor, resource or Resource(), RESOURCE_FIELDS, data, villages)


@transaction.atomic
def project_save(*, actor, project: Project | None = None, data: dict, villages) -> Project:
    """Create or edit a service project (项目库): places, dates (end not before start), capacity, contact."""
    start, end = data.get("start_date"), data.get("end_date")
    if start and end and end < start:
        raise PlanError({"end_date": _("结束日期不能早于开始日期。")})
    provider = data.get("provider")
    if provider is not None and actor is not None and not library_editable(
            Resource.objects.filter(pk=provider.pk), actor).exists() and not Resource.objects.filter(
            pk=provider.pk, owner__in=_district_ids(actor)).exists():
        raise PlanError({"provider": _("承接机构不在本区资源库中。")})
    return _save_library_entry(actor, project or Project(), PROJECT_FIELDS, data, villages)


def _district_ids(actor):
    from .selectors import district_jurisdiction_ids

    ids = district_jurisdiction_ids(actor)
    return list(ids) if ids is not None else list(Jurisdiction.objects.values_list("pk", flat=True))


# --------------------------------------------------------------------------- needs and plan items
def _check_household_edit(actor, household: Household) -> None:
    access.check(actor, Action.VIEW, household.village_id)
    if not access.can(actor, Action.EDIT_HOUSEHOLDS, household.village_id):
        raise PlanError(_("您没有修改该家庭帮扶计划的权限。"))


@transaction.atomic
def need_create(*, actor, household: Household, kind: str, description: str, source: str = "entered",
                source_ref: str = "", created_by=None, found_at: dt.datetime | None = None) -> Need:
    """Add a need to the household's needs list (需求清单). A visit's need is added once (source_ref).

    `actor` None is a system copy (needs_from_visit); `created_by` then names who found the need, and `found_at`
    when (the visit's logging: a copy the sweep makes later is still dated by the visit).
    """
    if actor is not None:
        _check_household_edit(actor, household)
    need = Need(household=household, kind=kind, description=(description or "").strip(), source=source,
                source_ref=(source_ref or "").strip(), created_by=actor or created_by)
    if found_at is not None:
        need.created_at = found_at
    if not need.description:
        raise PlanError({"description": _("请写明需求内容。")})
    if need.source_ref:
        existing = Need.objects.filter(household=household, source=source, source_ref=need.source_ref,
                                       kind=kind).first()
        if existing is not None:
            return existing
    try:
        need.full_clean(exclude=["created_by"])
    except ValidationError as exc:
        raise PlanError(exc.message_dict)
    need.save()
    return need


def needs_from_visit(*, visit_id: int) -> list[Need]:
    """Copy the needs a visit found into the household's needs list (需求清单), once per visit and kind.

    Run by the plans.copy_visit_needs task after a visit is committed (visits sends visit_logged; a periodic
    sweep catches any copy that was never queued), so a caseworker finds the needs on the household's plan
    without typing them again. Visit and list share one vocabulary (visits.models.NeedKind). The visit was
    authorised when it was logged, so no actor is checked here; `created_by` is the visit's logger. Running it
    again adds nothing (need_create returns the need already copied for this visit and kind; the database
    constraint backs it up).
    """
    from visits.models import NeedKind, Visit

    visit = Visit.objects.select_related("household", "logged_by").filter(pk=visit_id).first()
    if visit is None or not visit.has_needs():
        return []
    kinds = list(dict.fromkeys(c for c in (visit.needs or []) if c in NeedKind.values)) or [NeedKind.OTHER]
    text = " ".join((visit.needs_text or "").split())
    needs = []
    for kind in kinds:
        description = _("%(d)s走访发现：%(n)s") % {"d": visit.visited_on.isoformat(), "n": NeedKind(kind).label}
        if text:
            description = f"{description}。{text}"
        if len(description) > 300:
            description = description[:299] + "…"
        try:
            with transaction.atomic():
                need = need_create(actor=None, household=visit.household, kind=kind, description=description,
                                   source="visit", source_ref=str(visit.pk), created_by=visit.logged_by,
                                   found_at=visit.created_at)
        except IntegrityError:  # a concurrent copy of the same visit won the race
            need = Need.objects.get(household=visit.household, kind=kind, source="visit", source_ref=str(visit.pk))
        needs.append(need)
    return needs


def visits_with_uncopied_needs(*, since: dt.date) -> list[int]:
    """Visits logged since the day that found needs and have none on the needs list yet (a copy that was
    never queued, because the broker was down when the visit was saved)."""
    from visits.models import Visit

    copied = Need.objects.filter(source="visit", source_ref=Cast(OuterRef("pk"), CharField()))
    return list(Visit.objects.filter(created_at__date__gte=since).exclude(Exists(copied))
                .filter(~Q(needs=[]) | ~Q(needs_text="")).values_list("pk", flat=True))


@transaction.atomic
def plan_item_create(*, actor, household: Household, need: Need, action: str, owner, due_date: dt.date | None,
                     policy: Policy | None = None, resource: Resource | None = None,
                     project: Project | None = None) -> PlanItem:
    """Add a measure to the household's plan (一户一策): one need matched to one policy, resource or project,
    with a responsible person and a date."""
    _check_household_edit(actor, household)
    errors = {}
    if need is None or need.household_id != household.pk:
        errors["need"] = _("请选择该家庭需求清单中的一项需求。")
    matched = [m for m in (policy, resource, project) if m is not None]
    if len(matched) != 1:
        errors["match"] = _("请为这项需求对接一项政策、资源或项目（只选一项）。")
    if not (action or "").strip():
        errors["action"] = _("请写明具体措施。")
    if owner is None:
        errors["owner"] = _("请指定责任人。")
    elif not owner.is_active or not access.can(owner, Action.VIEW, household.village_id):
        errors["owner"] = _("责任人须是负责该村/社区的在岗工作人员。")
    if due_date is None:
        errors["due_date"] = _("请填写完成时限。")
    elif due_date < timezone.localdate():
        errors["due_date"] = _("完成时限不能早于今天。")
    if errors:
        raise PlanError(errors)
    from .selectors import library_visible

    for obj, name in ((policy, "policy"), (resource, "resource"), (project, "project")):
        if obj is not None and not library_visible(type(obj).objects.filter(pk=obj.pk), actor).exists():
            raise PlanError({name: _("所选条目不在本区的库中。")})
        if obj is not None and hasattr(obj, "villages") and not obj.villages.filter(pk=household.village_id).exists():
            raise PlanError({name: _("“%(n)s”不服务该家庭所在的村/社区。") % {"n": obj}})
    now = _now()
    item = PlanItem.objects.create(household=household, need=need, policy=policy, resource=resource, project=project,
                                   action=action.strip(), owner=owner, due_date=due_date, created_by=actor,
                                   created_at=now, updated_at=now)
    PlanProgress.objects.create(item=item, status=ItemStatus.PLANNED, note=_("制定措施"), actor=actor, at=now)
    if policy is not None:
        _lead_for_policy_item(actor, item, policy, now)
    return item


def _lead_for_policy_item(actor, item: PlanItem, policy: Policy, now) -> None:
    """A measure to help the family apply for a policy it does not receive yet is a lead for the township.

    It shares the policy match's dedupe key, so the nightly match never opens a second lead for it.
    """
    from referrals import services as referral_services
    from referrals.models import LeadChannel

    household = item.household
    if policy.assistance_type and household.assistance.running(timezone.localdate(now)).filter(
            type=policy.assistance_type).exists():
        return
    lead = referral_services.lead_create(
        actor=actor, channel=LeadChannel.VISIT, household=household,
        description=_("一户一策：拟协助申请“%(p)s”。需求：%(n)s；措施：%(a)s；责任人：%(o)s，完成时限 %(d)s。") % {
            "p": policy.name, "n": item.need.description, "a": item.action, "o": item.owner, "d": item.due_date},
        dedupe_key=f"policy-match:{policy.pk}:{household.pk}", source_ref=f"plan-item:{item.pk}")
    note = (_("已向乡镇推送救助线索（编号 %(n)s）") if getattr(lead, "was_created", True)
            else _("该政策已有救助线索（编号 %(n)s）")) % {"n": lead.pk}
    PlanProgress.objects.create(item=item, status=item.status, note=note, actor=actor, at=now)


@transaction.atomic
def plan_item_progress(*, actor, item: PlanItem, status: str, note: str) -> PlanItem:
    """Record progress on a measure (落实情况) and its new status."""
    item = PlanItem.objects.select_for_update().select_related("household").get(pk=item.pk)
    _check_household_edit(actor, item.household)
    if status not in ItemStatus.values:
        raise PlanError({"status": _("请选择进度。")})
    if not (note or "").strip():
        raise PlanError({"note": _("请写明落实情况。")})
    if item.status in (ItemStatus.DONE, ItemStatus.CANCELLED) and status != item.status:
        raise PlanError({"status": _("该措施已“%(s)s”，不能再改为其他进度。") % {"s": item.get_status_display()}})
    item.status = status
    item.updated_at = _now()
    item.save(update_fields=["status", "updated_at"])
    PlanProgress.objects.create(item=item, status=status, note=note.strip(), actor=actor, at=item.updated_at)
    return item


@transaction.atomic
def plan_item_refer(*, actor, item: PlanItem, summary: str = ""):
    """Start a referral to a social organisation (转介) from a measure matched to a resource or project.

    Uses referrals.services.referral_create (a village draft, requested = 转介社会组织); the measure
    records the referral's number and goes to "落实中".
    """
    from referrals import services as referral_services
    from referrals.models import OutcomeAssistance

    item = (PlanItem.objects.select_for_update(of=("self",))
            .select_related("household", "resource", "project", "need").get(pk=item.pk))
    _check_household_edit(actor, item.household)
    if item.referral_ref:
        raise PlanError(_("该措施已发起转介（编号 %(r)s）。") % {"r": item.referral_ref})
    if item.policy_id:
        raise PlanError(_("对接政策的措施请走申请流程；转介社会组织须对接资源或项目。"))
    target = item.resource or item.project
    text = summary.strip() or _("需求：%(need)s。一户一策措施：%(action)s。拟转介：%(target)s。") % {
        "need": item.need.description, "action": item.action, "target": target}
    try:
        referral = referral_services.referral_create(
            actor=actor, household=item.household, summary=text, requested=OutcomeAssistance.REFERRAL_ORG)
    except ValidationError as exc:
        raise PlanError(exc.messages)
    item.referral_ref = str(referral.pk)
    if item.status == ItemStatus.PLANNED:
        item.status = ItemStatus.IN_PROGRESS
    item.updated_at = _now()
    item.save(update_fields=["referral_ref", "status", "updated_at"])
    PlanProgress.objects.create(item=item, status=item.status, note=_("已发起转介（转办编号 %(r)s）") % {"r": referral.pk},
                                actor=actor, at=item.updated_at)
    return referral


# --------------------------------------------------------------------------- teams
TEAM_FIELDS = ["role", "name", "sex", "position", "phone", "user", "is_active", "since"]


@transaction.atomic
def team_member_save(*, actor, member: TeamMember | None = None, township: Jurisdiction, data: dict,
                     villages) -> TeamMember:
    """Add or edit a team member of a township; villages covered must lie in that township."""
    if township is None or township.level != JurisdictionLevel.TOWNSHIP:
        raise PlanError({"township": _("请选择乡镇/街道。")})
    if actor is not None and not actor.is_superuser:
        if not access.keeps_libraries(actor):
            raise PlanError(_("您的角色不能维护工作队伍。"))
        access.check(actor, Action.VIEW, township)
    if member is not None:
        member = TeamMember.objects.select_for_update().get(pk=member.pk)
        if actor is not None:
            access.check(actor, Action.VIEW, member.township_id)
    else:
        member = TeamMember()
    for name in TEAM_FIELDS:
        if name in data:
            setattr(member, name, data[name])
    member.township = township
    member.name = (member.name or "").strip()
    member.phone = (member.phone or "").strip()
    member.updated_at = _now()
    villages = list(villages or [])
    errors = {}
    outside = [v.name for v in villages if v.level != JurisdictionLevel.VILLAGE or v.parent_id != township.pk]
    if outside:
        errors["villages"] = _("以下村/社区不属于%(t)s：%(v)s。") % {"t": township.name, "v": punctuation.mark("、").join(outside)}
    elif member.role in (TeamRole.ASSISTANT, TeamRole.GRID_WORKER, TeamRole.GROUP_LEADER) and not villages:
        errors["villages"] = _("请选择%(r)s负责的村/社区。") % {"r": member.get_role_display()}
    if not member.phone:
        errors["phone"] = _("请填写联系电话。")
    user = member.user
    if user is not None:
        if member.role == TeamRole.ASSISTANT and (user.role != Role.CASEWORKER or user.jurisdiction_id not in
                                                  {v.pk for v in villages}):
            errors["user"] = _("协理员关联的账号须是所负责村/社区的协理员账号。")
        elif member.role == TeamRole.COLLECTION_LEADER and not (
                user.role == Role.TOWNSHIP and user.jurisdiction_id == township.pk):
            errors["user"] = _("信息采集组组长须由本乡镇（街道）指定一名民政工作人员担任。")
    if member.role == TeamRole.COLLECTION_LEADER and member.is_active:
        other = TeamMember.objects.filter(township=township, role=TeamRole.COLLECTION_LEADER,
                                          is_active=True).exclude(pk=member.pk).first()
        if other is not None:
            errors["role"] = _("%(t)s已有信息采集组组长（%(n)s），请先将其调整为成员或离岗。") % {
                "t": township.name, "n": other.name}
    if errors:
        raise PlanError(errors)
    try:
        member.full_clean(exclude=["villages", "township"])
    except ValidationError as exc:
        raise PlanError(exc.message_dict)
    member.save()
    member.villages.set(villages)
    return member


# --------------------------------------------------------------------------- policy match 政策找人
@dataclass
class MatchStats:
    policies: int = 0
    examined_batches: int = 0
    matched: int = 0
    leads_opened: int = 0
    stale_policies: list[int] = field(default_factory=list)


class PolicyChanged(Exception):
    """The policy was edited or switched off during a match run: the batch under way rolls back."""


def _dedupe_prefix(policy_id: int) -> str:
    """The start of a policy's lead dedupe key, `policy-match:<policy>:<household>` (PolicyMatch.dedupe_key)."""
    return f"policy-match:{policy_id}:"


def _open_leads(household_ids: list[int], policy: Policy, reason: str) -> int:
    """Open the villages' leads for a batch of new matches, set-based (referrals.lead_create_for_households);
    returns how many leads were created.

    The dedupe key (policy + household) is shared with plan items for the policy, so a household whose
    caseworker already pushed a lead keeps that lead, not a second one. One bulk audit entry per batch.
    """
    from referrals import services as referral_services
    from referrals.models import LeadChannel

    if not household_ids:
        return 0
    description = _("政策找人：该家庭可能符合“%(p)s”，但尚未享受。比对依据：%(r)s。请上门核实，宣讲政策，了解申请意愿。") % {
        "p": policy.name, "r": reason}
    opened = referral_services.lead_create_for_households(
        actor=None, household_ids=household_ids, channel=LeadChannel.FEED, description=description,
        dedupe_prefix=_dedupe_prefix(policy.pk), source_ref=f"policy:{policy.code}:v{policy.version}",
        audit_detail={"source": "policy_match", "policy": policy.pk, "policy_version": policy.version})
    return len(opened.created_ids)


def _ids_condition(column: str, ids: list[int]) -> tuple[str, list]:
    """`column` is one of `ids`: one array parameter on PostgreSQL, a list of parameters elsewhere."""
    if connection.vendor == "postgresql":
        return f"{column} = ANY(%s)", [ids]
    return f"{column} IN ({', '.join(['%s'] * len(ids))})", list(ids)


def _matched_already(policy: Policy, household_ids: list[int]) -> set[int]:
    """Which of these households the policy already matched, by the households' index.

    In SQL: the ORM prepares a list of ids value by value, which costs more than the query. `policy + 0`
    keeps PostgreSQL off the policy's index, which it picks while the table's statistics still say
    "empty" (a first run fills it faster than autovacuum counts) and which then reads every match of the
    policy for each batch."""
    quote = connection.ops.quote_name
    meta = PolicyMatch._meta
    household_column, policy_column = (quote(meta.get_field(name).column) for name in ("household", "policy"))
    where, params = _ids_condition(household_column, household_ids)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {household_column} FROM {quote(meta.db_table)} "
                       f"WHERE {where} AND {policy_column} + 0 = %s", [*params, policy.pk])
        return {row[0] for row in cursor.fetchall()}


def _insert_matches(policy: Policy, household_ids: list[int], reason: str, now) -> list[int]:
    """Record the batch's matches, each naming its lead (the one just opened, or the one its key already had),
    in one INSERT … SELECT … ON CONFLICT DO NOTHING RETURNING; returns the households matched.

    The lead is looked up by its key in the same statement, so a match is written once, complete, and never
    updated afterwards. The conflict clause backs up the policy lock (one match per household and policy).
    """
    from referrals.models import Lead

    template = PolicyMatch(policy=policy, policy_version=policy.version, reason=reason, matched_at=now)
    quote = connection.ops.quote_name
    meta = PolicyMatch._meta
    lead_ref_type = meta.get_field("lead_ref").db_type(connection)
    columns, values, params = [], [], []
    for f in meta.concrete_fields:
        if f.primary_key:
            continue
        columns.append(quote(f.column))
        if f.attname == "household_id":
            values.append("h.id")
        elif f.attname == "lead_ref":
            # A subquery per row, not a join: it reads the key's unique index, where a join may scan all leads.
            values.append(f"COALESCE((SELECT CAST(l.{quote(Lead._meta.pk.column)} AS {lead_ref_type}) "
                          f"FROM {quote(Lead._meta.db_table)} l "
                          f"WHERE l.{quote(Lead._meta.get_field('dedupe_key').column)} = "
                          f"CAST(%s AS TEXT) || CAST(h.id AS TEXT)), '')")
            params.append(_dedupe_prefix(policy.pk))
        else:
            # Typed on PostgreSQL so that no parameter is left of unknown type; SQLite takes them as they are.
            values.append(f"CAST(%s AS {f.db_type(connection)})" if connection.vendor == "postgresql" else "%s")
            params.append(f.get_db_prep_save(getattr(template, f.attname), connection=connection))
    household_column, policy_column = (quote(meta.get_field(name).column) for name in ("household", "policy"))
    where, where_params = _ids_condition("h.id", household_ids)
    sql = (f"INSERT INTO {quote(meta.db_table)} ({', '.join(columns)}) "
           f"SELECT {', '.join(values)} FROM {quote(Household._meta.db_table)} h WHERE {where} "
           f"ON CONFLICT ({household_column}, {policy_column}) DO NOTHING RETURNING {household_column}")
    with connection.cursor() as cursor:
        cursor.execute(sql, params + where_params)
        return [row[0] for row in cursor.fetchall()]


def policy_match_run(*, policy_ids=None, batch_size: int = 1000, day: dt.date | None = None) -> MatchStats:
    """Over all households: those that seem to qualify for a policy they do not receive get a PolicyMatch
    and their village a lead, once.

    Set-based: per policy and condition group, the candidates come out of one query (conditions as SQL
    subqueries; existing matches excluded in the same query) and are written a batch at a time. Each batch
    is one transaction that locks the policy row and re-checks its version: a policy edited meanwhile makes
    the batch roll back and the run stop for that policy (the edit queues a fresh run). Within it a fixed
    number of queries, whatever the batch holds: which households a concurrent run matched meanwhile, the
    leads in one INSERT … SELECT (referrals.lead_create_for_households), the matches, each naming its lead,
    in another, and two audit entries.
    """
    stats = MatchStats()
    policies = Policy.objects.filter(is_active=True, opens_leads=True).prefetch_related("areas", "conditions")
    if policy_ids:
        policies = policies.filter(pk__in=policy_ids)
    policies = list(policies)
    if not policies:
        return stats
    standards = matching.standards_in_force(day)
    for policy in policies:
        stats.policies += 1
        conditions = list(policy.conditions.all())
        if not conditions:
            continue
        village_ids = matching.area_village_ids({a.pk for a in policy.areas.all()})
        groups: dict[int, list] = {}
        for c in conditions:
            groups.setdefault(c.group, []).append(c)
        try:
            for _group, items in sorted(groups.items()):
                reason = "；".join(matching.describe_condition(c) for c in items)
                _match_group(policy, items, reason, standards, village_ids, batch_size, stats)
        except PolicyChanged:
            stats.stale_policies.append(policy.pk)
            logger.info("policy %s changed during the match run; its batch was rolled back", policy.pk)
    return stats


def _match_group(policy, items, reason, standards, village_ids, batch_size, stats) -> None:
    # One query for the group's candidates (the conditions evaluated once over all households, not again for
    # every batch); the batches below re-check under the policy lock what a concurrent run matched meanwhile.
    candidates = list(matching.policy_candidates(policy, items, standards, village_ids).exclude(
        Exists(PolicyMatch.objects.filter(household=OuterRef("pk"), policy=policy))).order_by("pk").values_list(
        "pk", flat=True))
    stats.examined_batches += 1
    for start in range(0, len(candidates), batch_size):
        batch = candidates[start:start + batch_size]
        stats.examined_batches += 1
        with transaction.atomic():
            current = Policy.objects.select_for_update().filter(pk=policy.pk).values_list(
                "version", "is_active").first()
            if current is None or current != (policy.version, True):
                raise PolicyChanged()
            # Only this job writes matches, under this lock: the batch's households matched meanwhile by a
            # concurrent run are known now, and get neither a match nor a lead here.
            taken = _matched_already(policy, batch)
            fresh = [pk for pk in batch if pk not in taken]
            opened = _open_leads(fresh, policy, reason[:500])
            created = _insert_matches(policy, fresh, reason[:500], _now()) if fresh else []
            stats.matched += len(created)
            stats.leads_opened += opened
            audit_record(event=AuditEvent.BULK_WRITE, model=PolicyMatch,
                         description=_("政策找人：%(p)s 新增比对结果 %(n)s 户") % {"p": policy.name, "n": len(created)},
                         detail={"policy": policy.pk, "version": policy.version, "households": len(created),
                                 "leads_opened": opened})
