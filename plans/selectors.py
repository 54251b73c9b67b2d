"""Reads shared by the plans views, home cards, the household page and the ledgers.

Libraries (policies, resources, projects) are readable by every member of staff of the district that
keeps them, and editable by township, district and admin roles for entries kept by a jurisdiction
they serve. Teams are per township: visible to whoever may view the township or one of its villages.

For the ledgers developer (rosters of seed 002 attachments 3 and 4):

- ``village_assistants(villages) -> dict[village_id, list[Assistant]]``: every village passed in, with
  its social-assistance assistants (村级社会救助协理员): active caseworker accounts serving the
  village, and active team members of role "assistant" covering it (a team member linked to one of
  those accounts is listed once, with the team member's details). Three queries.
- ``collection_group_members(townships) -> dict[township_id, list[TeamMember]]``: the township
  information-collection group (困难救助信息采集组) of each township passed in, leader first, then
  members by name; `member.is_leader` tells the leader. One query (villages prefetched: two).
"""
from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Prefetch, Q, QuerySet

from households.models import AssistanceRecord, Household, Member
from relief import access, data_version, figure_cache
from relief.access import Action
from relief.models import Jurisdiction, JurisdictionLevel, Role, User
from relief.request_memo import memo

from .matching import applies_in, evaluate_policy, household_facts, standards_in_force
from .models import Policy, PolicyCondition, TeamMember, TeamRole

# The figure-cache topic of the policy library: services.policy_save announces each change.
POLICIES_TOPIC = data_version.topic("policies")



# --------------------------------------------------------------------------- libraries
def user_district(user: User) -> Jurisdiction | None:
    if user.jurisdiction_id is None:
        return None
    return user.jurisdiction.ancestor(JurisdictionLevel.DISTRICT)


def district_jurisdiction_ids(user: User) -> frozenset[int] | None:
    """Ids of every jurisdiction in the user's district (None: all, for superusers); once per request."""
    if user.is_superuser:
        return None
    district = user_district(user)
    if district is None:
        return frozenset()
    return memo(("district-jurisdiction-ids", district.pk),
                lambda: frozenset(Jurisdiction.objects.under(district).values_list("pk", flat=True)))


def library_visible(queryset: QuerySet, user: User) -> QuerySet:
    """Library entries kept by a jurisdiction of the user's district."""
    ids = district_jurisdiction_ids(user)
    return queryset if ids is None else queryset.filter(owner_id__in=ids)


def library_editable(queryset: QuerySet, user: User) -> QuerySet:
    """Entries the user may edit: kept by a jurisdiction they serve (township, district, admin roles)."""
    if user.is_superuser:
        return queryset
    if not access.keeps_libraries(user):
        return queryset.none()
    return queryset.filter(owner_id__in=access.jurisdiction_ids_for(user, Action.VIEW))


def owner_choices(user: User) -> QuerySet[Jurisdiction]:
    """Jurisdictions under whose name the user may keep library entries: theirs and, above village level, below."""
    qs = access.jurisdictions_for(user, Action.VIEW).filter(
        level__in=[JurisdictionLevel.DISTRICT, JurisdictionLevel.TOWNSHIP])
    return qs.order_by("code")


def policies_with_conditions(queryset: QuerySet[Policy]) -> QuerySet[Policy]:
    return queryset.prefetch_related(
        Prefetch("conditions", queryset=PolicyCondition.objects.order_by("group", "pk")), "areas")


def active_policies(user: User | None) -> list[Policy]:
    """The active policies the user's district keeps (every one for None or a superuser), with their
    conditions and areas: asked on every household page, cached until a policy is saved (services)."""
    everything = user is None or user.is_superuser
    district = None if everything else user_district(user)
    key = "all" if everything else f"district-{district.pk if district else 'none'}"

    def load() -> list[Policy]:
        policies = Policy.objects.filter(is_active=True)
        if not everything:
            policies = library_visible(policies, user)
        return list(policies_with_conditions(policies.order_by("pk")))

    return figure_cache.cached(POLICIES_TOPIC, key, load, ttl=300)


# --------------------------------------------------------------------------- policy finds people
def household_for_matching(household: Household) -> Household:
    """The household with what the matcher reads (village ladder, members, assistance); one the household
    page loaded with them (prefetched as "members" and "assistance") is used as it is."""
    if {"members", "assistance"} <= getattr(household, "_prefetched_objects_cache", {}).keys():
        return household
    return (Household.objects.select_related("village__parent__parent")
            .prefetch_related(Prefetch("members", queryset=Member.objects.order_by("pk")),
                              Prefetch("assistance", queryset=AssistanceRecord.objects.order_by("pk")))
            .get(pk=household.pk))


def household_policy_results(household: Household, user: User | None = None):
    """Every active policy applying in the household's village, evaluated, with why (policy finds people).

    Returns (qualifies_not_received, received, standard): the first list is what makes the household
    a 救助缺失 (receives nothing) or 救助不充分 (receives something else) target. Fixed query count.
    """
    standards = standards_in_force(villages=[household.village])
    facts = household_facts(household, standards)
    missing, received = [], []
    for policy in active_policies(user):
        if not applies_in(policy, household.village, {a.pk for a in policy.areas.all()}):
            continue
        result = evaluate_policy(policy, facts)
        if result.receives:
            received.append(result)
        elif result.matches:
            missing.append(result)
    return missing, received, facts


# --------------------------------------------------------------------------- teams
@dataclass
class Assistant:
    """A village's social-assistance assistant, from a staff account, a team member, or both."""

    name: str
    phone: str
    position: str = ""
    sex: str = ""
    user: User | None = None
    member: TeamMember | None = None

    @property
    def has_account(self) -> bool:
        return self.user is not None


def village_assistants(villages) -> dict[int, list[Assistant]]:
    """{village id: [Assistant, ...]} for every village given (empty list when it has none)."""
    village_ids = [v.pk if isinstance(v, Jurisdiction) else int(v) for v in villages]
    result: dict[int, list[Assistant]] = {pk: [] for pk in village_ids}
    members = (TeamMember.objects.filter(role=TeamRole.ASSISTANT, is_active=True, villages__in=village_ids)
               .distinct().select_related("user")
               .prefetch_related(Prefetch("villages", queryset=Jurisdiction.objects.filter(pk__in=village_ids),
                                          to_attr="covered")))
    linked: set[tuple[int, int]] = set()
    for m in members:
        for village in m.covered:
            result[village.pk].append(Assistant(m.name, m.phone, m.position, m.sex, m.user, m))
            if m.user_id:
                linked.add((village.pk, m.user_id))
    for user in User.objects.filter(role=Role.CASEWORKER, is_active=True, jurisdiction_id__in=village_ids):
        if (user.jurisdiction_id, user.pk) not in linked:
            result[user.jurisdiction_id].append(Assistant(user.display_name, user.phone, str(Role.CASEWORKER.label),
                                                          "", user, None))
    for people in result.values():
        people.sort(key=lambda a: a.name)
    return result


def villages_without_assistant(villages) -> list[Jurisdiction]:
    villages = list(villages)
    assistants = village_assistants(villages)
    return [v for v in villages if not assistants[v.pk]]


def collection_group_members(townships) -> dict[int, list[TeamMember]]:
    """{township id: [leader, members...]} of the information-collection group of each township given."""
    township_ids = [t.pk if isinstance(t, Jurisdiction) else int(t) for t in townships]
    result: dict[int, list[TeamMember]] = {pk: [] for pk in township_ids}
    qs = (TeamMember.objects.filter(township_id__in=township_ids, is_active=True,
                                    role__in=[TeamRole.COLLECTION_LEADER, TeamRole.COLLECTION_MEMBER])
          .select_related("user").prefetch_related("villages").order_by("township", "name", "pk"))
    for member in qs:
        member.is_leader = member.role == TeamRole.COLLECTION_LEADER
        result[member.township_id].append(member)
    for people in result.values():
        people.sort(key=lambda m: (not m.is_leader, m.name))
    return result


def visible_townships(user: User) -> QuerySet[Jurisdiction]:
    """Townships the user may view, or whose villages they serve (a caseworker sees their township's team)."""
    ids = access.jurisdiction_ids_for(user, Action.VIEW)
    if user.is_superuser:
        return Jurisdiction.objects.townships()
    village_parents = Jurisdiction.objects.filter(pk__in=ids, level=JurisdictionLevel.VILLAGE).values("parent")
    return Jurisdiction.objects.townships().filter(Q(pk__in=ids) | Q(pk__in=village_parents))
