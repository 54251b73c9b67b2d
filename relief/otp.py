"""The second factor — 双因素认证: time-based codes from a phone's authenticator app (django-otp's TOTP device)
and one-time recovery codes (its static device). The writes of enrolment, verification and the security
administrator's reset live here; the pages are relief/otp_views.py, the sign-in step relief/signin.py.
"""
from __future__ import annotations

import io
from base64 import b32encode

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _
from django_otp.models import VerifyNotAllowed
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from .audit import AuditEvent, audit_record
from .models import User

TOTP_NAME = "手机验证器"
RECOVERY_NAME = "恢复码"


class OtpError(ValueError):
    pass


def otp_required(user) -> bool:
    """Must this user give a second factor after the password? Their role is one the deployment names."""
    return user.role in settings.RELIEF_OTP_REQUIRED_ROLES


def has_second_factor(user) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def recovery_codes_left(user) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def secret_text(device: TOTPDevice) -> str:
    """The key as the authenticator apps take it by hand: base32, in groups of four."""
    key = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(key[i:i + 4] for i in range(0, len(key), 4))


def qr_svg(text: str) -> str:
    """The QR code of `text` as inline SVG markup (no image request, no script: the page's CSP holds)."""
    import qrcode
    import qrcode.image.svg

    buffer = io.BytesIO()
    qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=8).save(buffer)
    svg = buffer.getvalue().decode()
    return svg[svg.index("<svg"):]


@transaction.atomic
def enrolment_start(*, user: User) -> TOTPDevice:
    """The unconfirmed device the user is adding (the same one until confirmed, so a reload keeps the key the
    phone already scanned)."""
    if has_second_factor(user):
        raise OtpError(_("该账号已启用双因素认证。"))
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    return device or TOTPDevice.objects.create(user=user, name=TOTP_NAME, confirmed=False)


@transaction.atomic
def enrolment_confirm(*, user: User, device: TOTPDevice, token: str, request=None) -> list[str]:
    """Confirm the device with a code the phone shows; returns fresh recovery codes (shown once)."""
    device = TOTPDevice.objects.select_for_update().get(pk=device.pk, user=user, confirmed=False)
    if not device.verify_token(_digits(token)):
        raise OtpError(_("验证码不正确，请确认手机时间准确，并输入验证器当前显示的 6 位数字。"))
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    codes = recovery_codes_replace(user=user)
    audit_record(event=AuditEvent.OTP_ENROLLED, actor=user, obj=user, request=request)
    return codes


def recovery_codes_replace(*, user: User) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _i in range(settings.RELIEF_OTP_RECOVERY_CODES)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes


def _digits(token: str) -> str:
    return "".join(str(token or "").split())


def _refusal(device) -> str:
    allowed, data = device.verify_is_allowed()
    if allowed:
        return ""
    if data and data.get("reason") == VerifyNotAllowed.N_FAILED_ATTEMPTS:
        return _("验证码连续输错，请稍候再试（等待时间随错误次数增加）。")
    return _("暂时不能验证，请稍候再试。")


def verify(*, user: User, token: str, request=None):
    """Check a code from the phone or a recovery code; returns (device, refusal text). A recovery code works
    once (django-otp's static device deletes it). Every wrong code is audited."""
    token = _digits(token)
    with transaction.atomic():
        totp = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True).first()
        static = StaticDevice.objects.select_for_update().filter(user=user, confirmed=True).first()
        device = None
        if totp is not None and token.isdigit() and len(token) == totp.digits:
            refusal = _refusal(totp)
            if refusal:
                return None, refusal
            device = totp if totp.verify_token(token) else None
        elif static is not None and token:
            refusal = _refusal(static)
            if refusal:
                return None, refusal
            device = static if static.verify_token(token) else None
    if device is None:
        audit_record(event=AuditEvent.OTP_FAILED, actor=user, obj=user, request=request)
        return None, _("验证码不正确或已过期，请输入验证器当前显示的 6 位数字，或一个未用过的恢复码。")
    if isinstance(device, StaticDevice):
        audit_record(event=AuditEvent.OTP_RECOVERY_USED, actor=user, obj=user, request=request,
                     detail={"left": recovery_codes_left(user)})
    return device, ""


@transaction.atomic
def otp_reset(*, actor: User, user: User, request=None) -> int:
    """The security administrator clears an account's second factor (a lost phone): the user enrols again at
    the next sign-in. The caller checks access.manages_accounts_of; the audit log says who reset whose."""
    removed = TOTPDevice.objects.filter(user=user).delete()[0] + StaticDevice.objects.filter(user=user).delete()[0]
    name = f"{user.full_name}（{user.get_username()}）" if user.full_name else user.get_username()
    audit_record(event=AuditEvent.OTP_RESET, actor=actor, obj=user, request=request, description=name,
                 detail={"username": user.get_username()})
    return removed
