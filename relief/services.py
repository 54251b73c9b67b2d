from django.db import transaction

from .access import ROLE_LEVEL, grant_role_permissions
from .models import Jurisdiction, User


class StaffError(ValueError):
    pass


def _check_level(role: str, jurisdiction: Jurisdiction | None) -> None:
    from django.utils.translation import gettext as _

    if jurisdiction is None:
        raise StaffError(_("请为工作人员选择所属辖区。"))
    expected = ROLE_LEVEL[role]
    if jurisdiction.level != expected:
        from .models import JurisdictionLevel

        raise StaffError(
            _("该角色应配属到“%(level)s”一级的辖区。") % {"level": JurisdictionLevel(expected).label}
        )


@transaction.atomic
def staff_create(
    *, actor: User | None, username: str, password: str, role: str, jurisdiction: Jurisdiction,
    full_name: str = "", phone: str = "", is_staff: bool = False,
) -> User:
    """Create a staff account and grant its role's permissions on its jurisdiction."""
    _check_level(role, jurisdiction)
    user = User(username=username, role=role, jurisdiction=jurisdiction, full_name=full_name,
                phone=phone, is_staff=is_staff)
    user.set_password(password)
    user.full_clean()
    user.save()
    grant_role_permissions(user)
    return user


@transaction.atomic
def staff_assign(*, actor: User | None, user: User, role: str, jurisdiction: Jurisdiction) -> User:
    """Move a user to another jurisdiction or role: old grants go, the new ones come."""
    _check_level(role, jurisdiction)
    user.role = role
    user.jurisdiction = jurisdiction
    user.save(update_fields=["role", "jurisdiction"])
    grant_role_permissions(user)
    return user
