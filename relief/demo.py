"""The demo district: jurisdictions from fixtures/, one account per role and level.

Idempotent: running it again updates nothing that exists and creates nothing twice.
"""
from django.conf import settings
from django.core.management import call_command

from .models import Jurisdiction, Role, User
from .otp import RECOVERY_NAME, TOTP_NAME, otp_required
from .services import ADMIN_SITE_ROLES, staff_apply_role

DEMO_PASSWORD = "jiuzhu2026"
DISTRICT_CODE = "310105000000"
# The demo's second factor (relief/otp.py): every demo account of a role that requires one is enrolled with
# this key, printed by load_demo (add it to an authenticator app by hand, or run `manage.py demo_otp_code`),
# except DEMO_UNENROLLED, which shows the enrolment at its first sign-in. A deployment has no demo accounts.
DEMO_TOTP_KEY = "6a69757a6875323032362d64656d6f2d6f7470"  # hex of b"jiuzhu2026-demo-otp"
DEMO_RECOVERY_CODES = ["jzdemo01", "jzdemo02", "jzdemo03", "jzdemo04", "jzdemo05"]
DEMO_UNENROLLED = {"township3"}
# A new member of staff whose account the security administrator just made: a new password at first sign-in.
DEMO_MUST_CHANGE = {"caseworker12"}

# username, full name, role, jurisdiction code
DEMO_STAFF = [
    # 三员分立: the system, security and audit administrators of the district.
    ("admin", "系统管理员", Role.ADMIN, DISTRICT_CODE),
    ("security", "安全管理员", Role.SECURITY, DISTRICT_CODE),
    ("auditor", "审计管理员", Role.AUDITOR, DISTRICT_CODE),
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

def load_demo_district(stdout=None) -> list[User]:
    call_command("loaddata", str(settings.BASE_DIR / "fixtures" / "jurisdictions.json"), verbosity=0)
    jurisdictions = {j.code: j for j in Jurisdiction.objects.filter(code__in={row[3] for row in DEMO_STAFF})}
    users = []
    for username, full_name, role, code in DEMO_STAFF:
        user, created = User.objects.get_or_create(
            username=username,
            defaults={"full_name": full_name, "role": role, "jurisdiction": jurisdictions[code],
                      "is_staff": role in ADMIN_SITE_ROLES, "must_change_password": username in DEMO_MUST_CHANGE},
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
            staff_apply_role(user)
        elif role in ADMIN_SITE_ROLES:
            staff_apply_role(user)  # the admins' model permissions, also for a demo loaded before they changed
        if username not in DEMO_UNENROLLED and otp_required(user):
            _enrol(user)
        users.append(user)
    return users


def _enrol(user: User) -> None:
    from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
    from django_otp.plugins.otp_totp.models import TOTPDevice

    if not TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        TOTPDevice.objects.create(user=user, name=TOTP_NAME, key=DEMO_TOTP_KEY, confirmed=True)
        device = StaticDevice.objects.create(user=user, name=RECOVERY_NAME, confirmed=True)
        StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in DEMO_RECOVERY_CODES])


def demo_totp_code(at: float | None = None) -> str:
    """The code an authenticator app holding DEMO_TOTP_KEY shows at `at` (now by default)."""
    import time
    from binascii import unhexlify

    from django_otp.oath import TOTP

    totp = TOTP(unhexlify(DEMO_TOTP_KEY))
    totp.time = time.time() if at is None else at
    return f"{totp.token():06d}"


def next_demo_code(username: str) -> str:
    """A code of the demo key this account has not used yet: django-otp refuses a time step already used (a
    second sign-in within 30 seconds) and accepts the next one (its tolerance), so take that, or wait for it.
    For what signs in as a demo user the way a person does (the browser tests, the HTTP benchmark)."""
    import time

    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.get(user__username=username, confirmed=True)
    now = time.time()
    step = int(now // device.step)
    wanted = max(step, device.last_t + 1)
    if wanted > step + 1:
        time.sleep((wanted - 1) * device.step - now + 0.5)
    return demo_totp_code(wanted * device.step + 1)


def demo_secret() -> str:
    from base64 import b32encode
    from binascii import unhexlify

    return b32encode(unhexlify(DEMO_TOTP_KEY)).decode().rstrip("=")


def loader_accounts(users: list[User]) -> list[User]:
    """Demo accounts the apps' loaders add (a township department's own account, referrals.demo_departments)."""
    return list(User.objects.filter(role=Role.DEPARTMENT).exclude(pk__in=[u.pk for u in users])
                .select_related("jurisdiction").order_by("username"))


def load_audit(stdout=None) -> None:
    """The audit log's refusals (issue 19): 张丽 (caseworker1, 华一居委会) tried the import page, which her role
    may not use (403), and the page of a household of 杨静's community in another street (404) — recorded as
    `@access_rule` records them. Once only."""
    from django.apps import apps
    from django.test import RequestFactory
    from django.urls import reverse

    from auditlog.models import LogEntry

    from .audit import AuditEvent, RefusalReason, audit_refusal

    if LogEntry.objects.filter(additional_data__event=AuditEvent.ACCESS_REFUSED).exists():
        return
    caseworker = User.objects.filter(username="caseworker1").first()
    if caseworker is None:
        return
    factory = RequestFactory()
    request = factory.get(reverse("imports:index"), REMOTE_ADDR="10.20.30.41")
    request.user = caseworker
    audit_refusal(request=request, reason=RefusalReason.ROLE)
    # households is above relief: looked up by name, never imported.
    household = (apps.get_model("households", "Household").objects
                 .filter(village__code="310105002002").order_by("pk").first())
    if household is not None:
        request = factory.get(reverse("households:detail", args=[household.pk]), REMOTE_ADDR="10.20.30.41")
        request.user = caseworker
        audit_refusal(request=request, reason=RefusalReason.NOT_FOUND, detail={"url_kwargs": {"pk": str(household.pk)}})
    if stdout:
        stdout.write("审计日志：演示的拒绝访问记录 2 条（caseworker1）。\n")
