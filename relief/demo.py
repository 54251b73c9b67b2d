"""The demo district: jurisdictions from fixtures/, one account per role and level.

Idempotent: running it again updates nothing that exists and creates nothing twice.
"""
from django.conf import settings
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.db.models import Q

from .access import grant_role_permissions
from .models import Jurisdiction, Role, User

DEMO_PASSWORD = "jiuzhu2026"
DISTRICT_CODE = "310105000000"

# username, full name, role, jurisdiction code
DEMO_STAFF = [
    ("admin", "系统管理员", Role.ADMIN, DISTRICT_CODE),
    ("district", "周建国", Role.DISTRICT, DISTRICT_CODE),
    ("township1", "李秀英", Role.TOWNSHIP, "310105001000"),
    ("township2", "王志强", Role.TOWNSHIP, "310105002000"),
    ("township3", "陈红梅", Role.TOWNSHIP, "310105102000"),
    ("caseworker1", "张丽", Role.CASEWORKER, "310105001001"),
    ("caseworker2", "刘洋", Role.CASEWORKER, "310105001002"),
    ("caseworker3", "赵敏", Role.CASEWORKER, "310105001003"),
    ("caseworker4", "孙伟", Role.CASEWORKER, "310105001004"),
    ("caseworker5", "杨静", Role.CASEWORKER, "310105002002"),
    ("caseworker6", "黄磊", Role.CASEWORKER, "310105002003"),
    ("caseworker7", "吴芳", Role.CASEWORKER, "310105002006"),
    ("caseworker8", "徐军", Role.CASEWORKER, "310105002007"),
    ("caseworker9", "朱琳", Role.CASEWORKER, "310105102001"),
    ("caseworker10", "马超", Role.CASEWORKER, "310105102002"),
    ("caseworker11", "胡倩", Role.CASEWORKER, "310105102003"),
    ("caseworker12", "郭涛", Role.CASEWORKER, "310105102004"),
]

# Model permissions that let the admin role manage staff and jurisdictions in the Django admin and import
# or export household rosters there (what they see stays limited to their district: see relief/admin.py).
ADMIN_MODEL_PERMISSIONS = [
    ("relief", "add_user"), ("relief", "change_user"), ("relief", "view_user"),
    ("relief", "add_jurisdiction"), ("relief", "change_jurisdiction"), ("relief", "view_jurisdiction"),
    ("households", "view_household"), ("households", "add_household"), ("households", "change_household"),
    ("households", "view_member"), ("households", "view_dibaostandard"), ("households", "add_dibaostandard"),
    ("households", "change_dibaostandard"), ("imports", "view_importbatch"),
]


def load_demo_district(stdout=None) -> list[User]:
    call_command("loaddata", str(settings.BASE_DIR / "fixtures" / "jurisdictions.json"), verbosity=0)
    jurisdictions = {j.code: j for j in Jurisdiction.objects.filter(code__in={row[3] for row in DEMO_STAFF})}
    wanted = Q()
    for app_label, codename in ADMIN_MODEL_PERMISSIONS:
        wanted |= Q(content_type__app_label=app_label, codename=codename)
    admin_perms = list(Permission.objects.filter(wanted))
    users = []
    for username, full_name, role, code in DEMO_STAFF:
        user, created = User.objects.get_or_create(
            username=username,
            defaults={"full_name": full_name, "role": role, "jurisdiction": jurisdictions[code],
                      "is_staff": role == Role.ADMIN},
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
            grant_role_permissions(user)
        if role == Role.ADMIN:
            user.user_permissions.add(*admin_perms)
        users.append(user)
    return users
