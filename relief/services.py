"""Staff accounts — 工作人员账号: create, move, and the rule that ties a role to its jurisdiction's level.

The app's own code and the Django admin (relief/admin.py) go through the same functions, so the admin
cannot give a role a jurisdiction of the wrong level, and the role alone decides whether the account
may use the Django admin (系统管理员 only) and with which model permissions.
"""
from django.contrib.auth.models import Permission
from django.db import transaction
from django.db.models import Q

from .access import ROLE_LEVEL, grant_role_permissions
from .audit import AuditEvent, audit_record
from .models import Jurisdiction, JurisdictionLevel, Role, User

# The Django admin's model permissions of each administrator (三员分立); what they see stays limited to their
# district (relief/admin.py). The system administrator keeps jurisdictions, the 低保 standards (settings) and
# the household rosters' import and export; the security administrator the accounts (and sees jurisdictions to
# place an account, read-only); the audit administrator uses no Django admin at all: the audit log is a page of
# the app (relief.views.audit_log), and no role is given any permission on the log's entries.
ROLE_MODEL_PERMISSIONS: dict[str, list[tuple[str, str]]] = {
    Role.ADMIN: [
        ("relief", "add_jurisdiction"), ("relief", "change_jurisdiction"), ("relief", "view_jurisdiction"),
        ("households", "view_household"), ("households", "add_household"), ("households", "change_household"),
        ("households", "view_member"), ("households", "view_dibaostandard"), ("households", "add_dibaostandard"),
        ("households", "change_dibaostandard"), ("imports", "view_importbatch"),
    ],
    Role.SECURITY: [
        ("relief", "add_user"), ("relief", "change_user"), ("relief", "view_user"), ("relief", "view_jurisdiction"),
    ],
}
# Roles that open the Django admin at all.
ADMIN_SITE_ROLES = (Role.ADMIN, Role.SECURITY)
# Every model permission some role is given: what a change of role takes away first.
ADMIN_MODEL_PERMISSIONS = sorted({p for perms in ROLE_MODEL_PERMISSIONS.values() for p in perms})


class StaffError(ValueError):
    pass


def staff_check_assignment(*, role: str, jurisdiction: Jurisdiction | None, department: str | None = None) -> None:
    """Each role serves one jurisdiction of its own level (caseworker → village, township staff → township…).

    Raises StaffError with a message for the user; the admin's forms show it on the jurisdiction field.
    """
    from django.utils.translation import gettext as _

    if role not in ROLE_LEVEL:
        raise StaffError(_("请选择角色。"))
    if jurisdiction is None:
        raise StaffError(_("请为工作人员选择所属辖区。"))
    expected = ROLE_LEVEL[role]
    if jurisdiction.level != expected:
        raise StaffError(
            _("%(role)s应配属到“%(level)s”一级的辖区，“%(name)s”是%(actual)s。") % {
                "role": Role(role).label, "level": JurisdictionLevel(expected).label, "name": jurisdiction.name,
                "actual": JurisdictionLevel(jurisdiction.level).label}
        )
    if role == Role.DEPARTMENT and department is not None:
        from .models import department_choices

        if department not in dict(department_choices()):
            raise StaffError(_("科室/部门工作人员须选择所属科室/部门。"))


def _admin_permissions(pairs=ADMIN_MODEL_PERMISSIONS) -> list[Permission]:
    wanted = Q()
    for app_label, codename in pairs:
        wanted |= Q(content_type__app_label=app_label, codename=codename)
    return list(Permission.objects.filter(wanted))


def staff_apply_role(user: User) -> None:
    """Grants on the jurisdiction, and the Django admin's model permissions of the role (none for most)."""
    grant_role_permissions(user)
    user.user_permissions.remove(*_admin_permissions())
    if ROLE_MODEL_PERMISSIONS.get(user.role):
        user.user_permissions.add(*_admin_permissions(ROLE_MODEL_PERMISSIONS[user.role]))


@transaction.atomic
def staff_create(
    *, actor: User | None, username: str, password: str, role: str, jurisdiction: Jurisdiction,
    full_name: str = "", phone: str = "", is_staff: bool | None = None, department: str = "",
) -> User:
    """Create a staff account and grant its role's permissions on its jurisdiction.

    `is_staff` (the Django admin's door) follows the role unless given.
    """
    user = User(username=username, role=role, jurisdiction=jurisdiction, full_name=full_name, phone=phone,
                department=department)
    user.set_password(password)
    return staff_save(actor=actor, user=user, is_staff=is_staff)


@transaction.atomic
def staff_save(*, actor: User | None, user: User, is_staff: bool | None = None) -> User:
    """Save an account made or edited elsewhere (the admin's forms): the same rule, then its grants.

    Superusers (made with `createsuperuser`, for the people who run the installation) stand outside the roles.
    """
    if not user.is_superuser:
        staff_check_assignment(role=user.role, jurisdiction=user.jurisdiction, department=user.department)
    if user.role != Role.DEPARTMENT:
        user.department = ""  # only a department's account belongs to a department
    user.is_staff = (user.role in ADMIN_SITE_ROLES) if is_staff is None else is_staff
    user.full_clean()
    user.save()
    staff_apply_role(user)
    return user


def staff_lockout_failures(user: User) -> int:
    """The most wrong passwords django-axes counts against this account from any one address, within the
    cool-off time (older attempts no longer lock; axes removes them at the next login)."""
    from axes.models import AccessAttempt
    from django.conf import settings
    from django.db.models import Max
    from django.utils import timezone

    attempts = AccessAttempt.objects.filter(username=user.get_username())
    if settings.AXES_COOLOFF_TIME is not None:
        attempts = attempts.filter(attempt_time__gte=timezone.now() - settings.AXES_COOLOFF_TIME)
    return attempts.aggregate(most=Max("failures_since_start"))["most"] or 0


def staff_is_locked(user: User) -> bool:
    from django.conf import settings

    return staff_lockout_failures(user) >= settings.AXES_FAILURE_LIMIT


@transaction.atomic
def staff_unlock(*, actor: User | None, user: User, request=None) -> int:
    """Clear django-axes' failed-login records of this account (every address), so it can log in at once.

    Returns how many lockout records were removed; the audit log says who unlocked whom.
    """
    from axes.utils import reset

    was_locked = staff_is_locked(user)
    cleared = reset(username=user.get_username())
    name = f"{user.full_name}（{user.get_username()}）" if user.full_name else user.get_username()
    audit_record(event=AuditEvent.STAFF_UNLOCK, actor=actor, obj=user, request=request, description=name,
                 detail={"username": user.get_username(), "cleared": cleared, "was_locked": was_locked})
    return cleared
