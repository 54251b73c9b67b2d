"""Who may see and do what: the one place that decides it.

Access is granted with django-guardian on jurisdiction objects (never on households). A grant on a
township or district covers every village under it. Every view, export and task asks this module
which villages a user may act on, and starts its queries from those villages.
"""
from __future__ import annotations

from functools import lru_cache, wraps
from typing import Iterable

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _
from guardian.shortcuts import assign_perm

from . import data_version, figure_cache
from .models import (Jurisdiction, JurisdictionGroupObjectPermission, JurisdictionLevel,
                     JurisdictionUserObjectPermission, Role, User, under_q)


class Action:
    """Permission codenames on Jurisdiction (see Jurisdiction.Meta.permissions)."""

    VIEW = "view_jurisdiction"
    EDIT_HOUSEHOLDS = "edit_households"
    VIEW_PERSONAL_DATA = "view_personal_data"
    LOG_VISITS = "log_visits"
    SUBMIT_REFERRALS = "submit_referrals"
    DECIDE_REFERRALS = "decide_referrals"
    EXPORT_LEDGERS = "export_ledgers"
    IMPORT_DATA = "import_data"
    SUPERVISE = "supervise"
    HANDLE_DEPARTMENT_ITEMS = "handle_department_items"
    MANAGE_ACCOUNTS = "manage_accounts"
    READ_AUDIT = "read_audit"


_ACTIONS = [value for name, value in vars(Action).items() if name.isupper()]

# What each role may do on the jurisdiction it serves (and everything under it).
ROLE_ACTIONS: dict[str, tuple[str, ...]] = {
    Role.CASEWORKER: (
        Action.VIEW, Action.EDIT_HOUSEHOLDS, Action.VIEW_PERSONAL_DATA, Action.LOG_VISITS,
        Action.SUBMIT_REFERRALS,
    ),
    Role.TOWNSHIP: (
        Action.VIEW, Action.EDIT_HOUSEHOLDS, Action.VIEW_PERSONAL_DATA, Action.LOG_VISITS,
        Action.DECIDE_REFERRALS, Action.EXPORT_LEDGERS, Action.IMPORT_DATA,
    ),
    Role.DISTRICT: (Action.VIEW, Action.DECIDE_REFERRALS, Action.EXPORT_LEDGERS, Action.SUPERVISE),
    Role.ADMIN: (
        Action.VIEW, Action.EDIT_HOUSEHOLDS, Action.VIEW_PERSONAL_DATA, Action.EXPORT_LEDGERS,
        Action.IMPORT_DATA,
    ),
    # A township office's own account: its items of multi-department cases in its township, nothing else.
    Role.DEPARTMENT: (Action.HANDLE_DEPARTMENT_ITEMS,),
    # 三员分立: the security administrator keeps the district's accounts, roles, second factors and resets and
    # reads no household; the audit administrator reads and exports the audit log and nothing else. The system
    # administrator (Role.ADMIN above) keeps jurisdictions, settings and imports and holds neither of these.
    Role.SECURITY: (Action.MANAGE_ACCOUNTS,),
    Role.AUDITOR: (Action.READ_AUDIT,),
}

# The level of jurisdiction each role serves.
ROLE_LEVEL: dict[str, str] = {
    Role.CASEWORKER: JurisdictionLevel.VILLAGE,
    Role.TOWNSHIP: JurisdictionLevel.TOWNSHIP,
    Role.DISTRICT: JurisdictionLevel.DISTRICT,
    Role.ADMIN: JurisdictionLevel.DISTRICT,
    Role.DEPARTMENT: JurisdictionLevel.TOWNSHIP,
    Role.SECURITY: JurisdictionLevel.DISTRICT,
    Role.AUDITOR: JurisdictionLevel.DISTRICT,
}


def grant_role_permissions(user: User) -> None:
    """Replace the user's jurisdiction grants by those of their role on their jurisdiction."""
    JurisdictionUserObjectPermission.objects.filter(user=user).delete()
    if user.jurisdiction_id and user.is_active:
        for action in ROLE_ACTIONS.get(user.role, ()):
            assign_perm(f"relief.{action}", user, user.jurisdiction)
    _forget(user)


def _forget(user: User) -> None:
    if hasattr(user, "_relief_access"):
        del user._relief_access


# The figure-cache topic of every user's grants and the jurisdictions they cover: replaced when a grant or a
# jurisdiction is saved or deleted (relief/signals.py), however it is written.
ACCESS_TOPIC = data_version.topic("access")


def _grants(user: User) -> dict:
    """Every action's held jurisdictions and what they cover, for one user: the per-request copy on the user,
    filled from the figure cache (relief/figure_cache.py), so an ordinary page reads no grant at all."""
    grants = user.__dict__.get("_relief_access")
    if grants is None:
        grants = figure_cache.cached(ACCESS_TOPIC, f"user-{user.pk}", lambda: _compute_grants(user))
        user.__dict__["_relief_access"] = grants = dict(grants)
    return grants


def _compute_grants(user: User) -> dict:
    # Every grant of the user (direct or through a group) in one query, then one query per distinct set of
    # held jurisdictions (a role holds all its actions on the same one) for what they cover.
    on_jurisdictions = {"permission__content_type__app_label": "relief",
                        "permission__content_type__model": "jurisdiction"}
    direct = JurisdictionUserObjectPermission.objects.filter(user=user, **on_jurisdictions)
    grouped = JurisdictionGroupObjectPermission.objects.filter(group__user=user, **on_jurisdictions)
    held: dict[str, set[int]] = {}
    for codename, jurisdiction_id in direct.values_list("permission__codename", "content_object_id").union(
            grouped.values_list("permission__codename", "content_object_id")):
        held.setdefault(codename, set()).add(jurisdiction_id)
    grants: dict = {}
    for codename in _ACTIONS:
        ids = frozenset(held.get(codename, ()))
        grants[("held", codename)] = ids
        if ("covered", ids) not in grants:
            grants[("covered", ids)] = _covering(ids)
    return grants


def _covering(held: frozenset[int] | None) -> tuple[frozenset[int], frozenset[int]]:
    """(every jurisdiction, the villages) that are one of `held` or lie under one of them (all when None)."""
    qs = Jurisdiction.objects.all()
    if held is not None:
        qs = qs.filter(_covered(held)) if held else qs.none()
    rows = list(qs.values_list("pk", "level"))
    return (frozenset(pk for pk, _level in rows),
            frozenset(pk for pk, level in rows if level == JurisdictionLevel.VILLAGE))


def _held_ids(user: User, action: str) -> frozenset[int] | None:
    """Ids of jurisdictions on which the user holds the action; None means every one (superuser)."""
    if not user.is_authenticated or not user.is_active:
        return frozenset()
    if user.is_superuser:
        return None
    return _grants(user).get(("held", action), frozenset())


def _covered(held: frozenset[int]) -> Q:
    """Jurisdictions that are one of `held` or lie under one of them."""
    return under_q(held)


def jurisdictions_for(user: User, action: str = Action.VIEW, level: str | None = None) -> QuerySet[Jurisdiction]:
    """Every jurisdiction (optionally of one level) on which the user may perform the action."""
    held = _held_ids(user, action)
    qs = Jurisdiction.objects.all()
    if held is not None:
        qs = qs.filter(_covered(held)) if held else qs.none()
    if level:
        qs = qs.filter(level=level)
    return qs


def _covered_ids(user: User, action: str) -> tuple[frozenset[int], frozenset[int]]:
    """(every jurisdiction, the villages) the user may act on, from the user's kept grants (_grants)."""
    held = _held_ids(user, action)
    if held is None:
        cache = user.__dict__.setdefault("_relief_access", {})
        if ("covered", None) not in cache:
            cache[("covered", None)] = _covering(None)
        return cache[("covered", None)]
    if not held:
        return frozenset(), frozenset()
    return _grants(user)[("covered", held)]


def jurisdiction_ids_for(user: User, action: str = Action.VIEW) -> frozenset[int]:
    """Ids of every jurisdiction (all levels) the user may act on; cached on the user."""
    return _covered_ids(user, action)[0]


def village_ids_for(user: User, action: str = Action.VIEW) -> frozenset[int]:
    """Ids of the villages the user may act on; computed once per request (cached on the user)."""
    return _covered_ids(user, action)[1]


def villages_for(user: User, action: str = Action.VIEW) -> QuerySet[Jurisdiction]:
    return Jurisdiction.objects.filter(pk__in=village_ids_for(user, action))


def can(user: User, action: str, jurisdiction: Jurisdiction | int | None) -> bool:
    """May the user perform the action on this jurisdiction (held on it or on an ancestor)?"""
    if jurisdiction is None:
        return False
    held = _held_ids(user, action)
    if held is None:
        return True
    if not held:
        return False
    pk = jurisdiction.pk if isinstance(jurisdiction, Jurisdiction) else int(jurisdiction)
    return pk in jurisdiction_ids_for(user, action)


def can_anywhere(user: User, action: str) -> bool:
    held = _held_ids(user, action)
    return held is None or bool(held)


class OutsideJurisdiction(Http404):
    """The 404 of `check`: the record exists, outside the user's jurisdiction (the audit log says which)."""

    def __init__(self, message, *, action: str, jurisdiction_id: int | None):
        super().__init__(message)
        self.action = action
        self.jurisdiction_id = jurisdiction_id


def check(user: User, action: str, jurisdiction: Jurisdiction | int | None) -> None:
    """Raise Http404 when the user may not act there: out-of-jurisdiction objects do not exist for them."""
    if not can(user, action, jurisdiction):
        pk = jurisdiction.pk if isinstance(jurisdiction, Jurisdiction) else jurisdiction
        raise OutsideJurisdiction(_("未找到该记录，或它不在您的辖区内。"), action=action,
                                  jurisdiction_id=int(pk) if pk is not None else None)


def scope(queryset: QuerySet, user: User, action: str = Action.VIEW, field: str = "village") -> QuerySet:
    """Narrow a queryset of records that belong to a village to those the user may act on."""
    held = _held_ids(user, action)
    if held is None:
        return queryset
    return queryset.filter(**{f"{field}__in": village_ids_for(user, action)})


def scope_covered(queryset: QuerySet, user: User, action: str = Action.VIEW, field: str = "township") -> QuerySet:
    """Narrow a queryset of records that belong to a jurisdiction of any level (a township) to those on which the
    user may act: held there or above, never from a village below it."""
    held = _held_ids(user, action)
    if held is None:
        return queryset
    return queryset.filter(**{f"{field}__in": jurisdiction_ids_for(user, action)})


def township_ids_for(user: User, action: str = Action.VIEW) -> frozenset[int]:
    """Ids of the jurisdictions above village level the user covers whole (a township's staff: their township)."""
    return jurisdiction_ids_for(user, action) - village_ids_for(user, action)


# ---- view decorators: every routed view states its access rule (tests/test_urls.py checks) ----

def _rule_refusal(user: User, action: str | None, roles: frozenset[str]) -> str:
    """Why a view's rule keeps this logged-in user out ("" when it lets them in)."""
    if roles and user.role not in roles and not user.is_superuser:
        return _("您的角色不能使用此功能。")
    if action and not can_anywhere(user, action):
        return _("您没有此项操作的权限。")
    return ""


def may_open(user: User, url_name: str, *args, **kwargs) -> bool:
    """Would the view behind this URL let the user in (its @access_rule, before any object check)?
    Pages use it to show only the links a user can follow, by the same rule the view applies."""
    from django.conf import settings
    from django.urls import get_urlconf

    if not user.is_authenticated:
        return False
    urlconf = get_urlconf() or settings.ROOT_URLCONF
    try:
        rule, namespace = _view_rule(urlconf, url_name, args, tuple(sorted(kwargs.items())))
    except TypeError:  # an argument that cannot be a cache key
        rule, namespace = _view_rule.__wrapped__(urlconf, url_name, args, tuple(sorted(kwargs.items())))
    if rule is None:
        # Django's own views: the admin site lets in active staff members (AdminSite.has_permission).
        return user.is_active and user.is_staff if namespace == "admin" else True
    if rule.get("public"):
        return True
    return not _rule_refusal(user, rule["action"], frozenset(rule["roles"]))


@lru_cache(maxsize=2048)
def _view_rule(urlconf: str, url_name: str, args: tuple, kwargs: tuple) -> tuple[dict | None, str]:
    """The @access_rule and namespace of the view behind a URL: fixed by the URLconf, so worked out once per
    process (the navigation asks for twenty of them on every page)."""
    from django.urls import resolve, reverse

    match = resolve(reverse(url_name, urlconf=urlconf, args=args or None, kwargs=dict(kwargs) or None),
                    urlconf=urlconf)
    return getattr(match.func, "access_rule", None), match.namespace


def _record_refusal(request, kwargs: dict, *, exc: Exception | None = None, role_refused: bool = False) -> None:
    """The audit log's entry of a refused access (安全审计: refusals are evidence too).

    Recorded: the rule's 403 (the role, or no grant for the action anywhere), a 403 the view raised, the 404
    of `check` (a real record outside the jurisdiction, named by its jurisdiction), and any other 404 of a
    page that names a record in its URL (absent, or outside a scoped query: the view cannot tell which
    without a query of its own). Not recorded: a 404 of a page without URL arguments (a bad filter)."""
    from .audit import RefusalReason, audit_refusal

    if exc is not None and getattr(exc, "_relief_audited", False):
        return  # a view decorated twice, or one calling another: one entry per refusal
    detail = {"url_kwargs": {k: str(v) for k, v in kwargs.items()}} if kwargs else {}
    if exc is None:
        reason = RefusalReason.ROLE if role_refused else RefusalReason.NO_PERMISSION
    elif isinstance(exc, OutsideJurisdiction):
        reason = RefusalReason.OUTSIDE_JURISDICTION
        detail.update(jurisdiction=exc.jurisdiction_id, action=exc.action)
    elif isinstance(exc, PermissionDenied):
        reason = RefusalReason.NO_PERMISSION
    elif kwargs:
        reason = RefusalReason.NOT_FOUND
    else:
        return
    audit_refusal(request=request, reason=reason, detail=detail)
    if exc is not None:
        exc._relief_audited = True


def access_rule(action: str | None = None, *, roles: Iterable[str] | None = None):
    """Logged-in staff who may perform `action` somewhere (and, if given, hold one of `roles`).

    Object-level checks (is this household in the user's villages?) are made by the view through
    `scope` / `check`, which answer 404 for anything outside the user's jurisdiction.
    """
    allowed_roles = frozenset(roles or ())

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            user = request.user
            if not user.is_authenticated:
                from django.contrib.auth.views import redirect_to_login

                return redirect_to_login(request.get_full_path())
            refusal = _rule_refusal(user, action, allowed_roles)
            if refusal:
                _record_refusal(request, kwargs, role_refused=bool(allowed_roles) and user.role not in allowed_roles)
                raise PermissionDenied(refusal)
            try:
                return view(request, *args, **kwargs)
            except (Http404, PermissionDenied) as exc:
                _record_refusal(request, kwargs, exc=exc)
                raise

        wrapped.access_rule = {"action": action, "roles": sorted(allowed_roles)}
        return wrapped

    return decorator


# ---- decisions that hang on the role as well as on a grant. Apps ask them by name and never compare roles
# themselves, so each rule is stated once, here.

# Township, district and admin staff keep the policy, resource and project libraries and the township teams.
LIBRARY_KEEPERS = (Role.TOWNSHIP, Role.DISTRICT, Role.ADMIN)
# Who takes a referral's steps at each level of the ladder (referrals.services.STEP_RULES names the levels).
REFERRAL_PARTIES = {
    JurisdictionLevel.VILLAGE: (Role.CASEWORKER, Action.SUBMIT_REFERRALS),
    JurisdictionLevel.TOWNSHIP: (Role.TOWNSHIP, Action.DECIDE_REFERRALS),
    JurisdictionLevel.DISTRICT: (Role.DISTRICT, Action.DECIDE_REFERRALS),
}


def keeps_libraries(user: User) -> bool:
    """May keep (add to) the libraries at all: a keeper role serving some jurisdiction."""
    return user.is_superuser or (user.role in LIBRARY_KEEPERS and user.jurisdiction_id is not None)


def keeps_libraries_of(user: User, jurisdiction: Jurisdiction | int) -> bool:
    """May edit the entries (or the team) kept by this jurisdiction."""
    return user.is_superuser or (user.role in LIBRARY_KEEPERS and can(user, Action.VIEW, jurisdiction))


def runs_campaigns_of(user: User, township: Jurisdiction | int) -> bool:
    """Starts the township's focused screening campaigns (集中排查, seed 001 §三: 街道民政工作人员……开展集中排查):
    the township's own staff. The district reads their coverage; caseworkers visit the families."""
    return getattr(user, "role", "") == Role.TOWNSHIP and can(user, Action.EDIT_HOUSEHOLDS, township)


def keeps_township_people_of(user: User, township: Jurisdiction | int) -> bool:
    """Keeps the township's own people records (adviser posts, the assistants' training, insurance, equipment
    and allowances): the township's staff, who manage and train their villages' assistants (seed 002 §三(二))."""
    return user.is_superuser or (user.role == Role.TOWNSHIP and can(user, Action.EDIT_HOUSEHOLDS, township))


def is_village_caseworker(user) -> bool:
    """Serves one village as its caseworker (the households they register are theirs to visit)."""
    return getattr(user, "role", "") == Role.CASEWORKER


def is_referral_party(user, level: str, village_id: int) -> bool:
    """Takes a referral's steps for this level of the ladder in this village."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if user.is_superuser:
        return True
    role, action = REFERRAL_PARTIES[level]
    return user.role == role and can(user, action, village_id)


def may_register_lead(user, village) -> bool:
    """Registers (and handles) leads of this village: anyone who edits its households or takes referral steps."""
    return any(can(user, a, village) for a in (Action.EDIT_HOUSEHOLDS, Action.SUBMIT_REFERRALS,
                                               Action.DECIDE_REFERRALS))


def handles_work_orders(user, village) -> bool:
    """Records a hotline work order's response and feedback and edits it: the township office holding the lead
    (township staff who decide referrals in its village)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return user.is_superuser or (user.role == Role.TOWNSHIP and can(user, Action.DECIDE_REFERRALS, village))


def records_cooperation_letters(user, village) -> bool:
    """Records the cooperation letters (协查函/转办函) to a hukou place outside the system and their answers: the
    residence township's staff (seed 004 §二(二): the residence side works with the hukou place)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return user.is_superuser or (user.role == Role.TOWNSHIP and can(user, Action.DECIDE_REFERRALS, village))


def assigns_referrals(user: User) -> bool:
    """Hands referrals over to departments in bulk: township staff who decide referrals."""
    return user.is_superuser or (user.role == Role.TOWNSHIP and can_anywhere(user, Action.DECIDE_REFERRALS))


def inspects_village(user, village: Jurisdiction | int) -> bool:
    """Records a township's inspection of this village (乡不定期监督检查, seed 004 §三(三)) and follows its
    corrections: the staff of the village's township."""
    return bool(user and getattr(user, "is_authenticated", False)) and (
        user.is_superuser or (user.role == Role.TOWNSHIP and can(user, Action.VIEW, village)))
def keeps_assessment_of(user: User, owner: Jurisdiction | None) -> bool:
    """Sets and scores the annual assessment (年度目标考核) owned by this jurisdiction: the district official for
    the district's assessment of its townships, the township's staff for the township's of its villages
    (seed 002 §三(三)). The district also reviews its townships' self-assessments and sets the roster date."""
    if owner is None or not getattr(user, "is_authenticated", False):
        return False
    if owner.level == JurisdictionLevel.DISTRICT:
        return user.role == Role.DISTRICT and can(user, Action.SUPERVISE, owner)
    if owner.level == JurisdictionLevel.TOWNSHIP:
        return user.role == Role.TOWNSHIP and can(user, Action.EXPORT_LEDGERS, owner)
    return False


def files_for_township(user: User, township: Jurisdiction | int) -> bool:
    """Fills and submits the township's self-assessment and files its rosters: the township's own staff."""
    return getattr(user, "role", "") == Role.TOWNSHIP and can(user, Action.EXPORT_LEDGERS, township)


def sets_step_limits(user: User) -> bool:
    """Sets the time limit of each referral step (环节时限): the district official, who supervises the ladder."""
    return user.is_superuser or (user.role == Role.DISTRICT and can_anywhere(user, Action.SUPERVISE))


def sets_approval_rules(user: User) -> bool:
    """Sets which level approves which assistance (审批权限) for the district: its district official."""
    return bool(user and getattr(user, "is_authenticated", False)) and (
        user.is_superuser or (user.role == Role.DISTRICT and can_anywhere(user, Action.SUPERVISE)))


def department_has_accounts(township_id: int, department: str) -> bool:
    """Has the township given this department accounts of its own (科室/部门工作人员, active)? Then the
    department decides its items; where it has none, the township's staff record the decisions for it."""
    from .request_memo import memo

    # Once per request and department: a case page asks it for each of its items.
    return memo(f"department-accounts:{township_id}:{department}", lambda: User.objects.filter(
        role=Role.DEPARTMENT, jurisdiction_id=township_id, department=department, is_active=True).exists())


def is_department_staff(user) -> bool:
    return bool(user and getattr(user, "is_authenticated", False)) and user.role == Role.DEPARTMENT \
        and bool(user.department)


def department_items_scope(queryset: QuerySet, user: User, *, field: str = "village",
                           department_field: str = "department") -> QuerySet:
    """The department items (部门办理事项) a user may see: a department's account its own department's in its
    township; township staff (and the district) every item of the villages where they decide referrals."""
    if is_department_staff(user):
        return scope(queryset, user, Action.HANDLE_DEPARTMENT_ITEMS, field=field).filter(
            **{department_field: user.department})
    if user.is_superuser or user.role in (Role.TOWNSHIP, Role.DISTRICT):
        return scope(queryset, user, Action.DECIDE_REFERRALS, field=field)
    return queryset.none()


def decides_department_item(user, *, village_id: int, township_id: int, department: str) -> bool:
    """Records a department's decision on its item: the department's own account where the township has given
    it one; else the township's staff on its behalf (as for a single-department referral)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if user.is_superuser:
        return True
    if is_department_staff(user):
        return user.department == department and can(user, Action.HANDLE_DEPARTMENT_ITEMS, village_id)
    return (user.role == Role.TOWNSHIP and can(user, Action.DECIDE_REFERRALS, village_id)
            and not department_has_accounts(township_id, department))


def manages_accounts_of(user, account) -> bool:
    """May change this account (its role, password, second factor, lock): the security administrator of the
    account's district, and never on their own account: nobody raises their own rights or clears their own
    factor (三员分立). Superusers, who run the installation, stand outside the roles."""
    if user is None or not getattr(user, "is_authenticated", False) or account is None:
        return False
    if user.is_superuser:
        return True
    if user.role != Role.SECURITY or account.pk == user.pk or account.is_superuser:
        return False
    return can(user, Action.MANAGE_ACCOUNTS, account.jurisdiction_id)


def public(view):
    """A page anyone may open (login, error pages)."""
    from django.contrib.auth.decorators import login_not_required

    view = login_not_required(view)
    view.access_rule = {"public": True}
    return view

