"""Password rules — 密码策略 (身份鉴别, GB/T 22239-2019 level 3), kept as settings.

Two validators of AUTH_PASSWORD_VALIDATORS beside Django's (length, common, all digits, like the username):
- CharacterClassesValidator: at least RELIEF_PASSWORD_MIN_CLASSES of the four classes (upper, lower, digit,
  symbol).
- PasswordHistoryValidator: none of the last RELIEF_PASSWORD_HISTORY passwords again. Django calls its
  `password_changed` after every save of a new password (`set_password` + `save`, however it is set), which
  keeps the hash in PasswordHistory and the time in `User.password_changed_at`, from which the password
  expires after RELIEF_PASSWORD_MAX_AGE_DAYS.
The sign-in steps (relief/signin.py) ask for a new password when `User.must_change_password` is set (a new
account, a reset by the security administrator) or the password has expired.
"""
from __future__ import annotations

import string
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.hashers import check_password
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

CLASSES = (
    ("upper", set(string.ascii_uppercase)),
    ("lower", set(string.ascii_lowercase)),
    ("digit", set(string.digits)),
)


def character_classes(password: str) -> int:
    """How many of the four classes the password uses: upper, lower, digit, anything else (a symbol)."""
    used = {name for name, chars in CLASSES if any(c in chars for c in password)}
    if any(not (c.isascii() and c.isalnum()) for c in password):
        used.add("symbol")
    return len(used)


class CharacterClassesValidator:
    def __init__(self, min_classes: int | None = None):
        self.min_classes = min_classes

    @property
    def wanted(self) -> int:
        return self.min_classes or settings.RELIEF_PASSWORD_MIN_CLASSES

    def validate(self, password, user=None):
        if character_classes(password) < self.wanted:
            raise ValidationError(
                _("密码须包含大写字母、小写字母、数字、符号四类中的至少 %(n)s 类。") % {"n": self.wanted},
                code="password_too_simple")

    def get_help_text(self):
        return _("至少包含大写字母、小写字母、数字、符号中的 %(n)s 类。") % {"n": self.wanted}


def _history_size() -> int:
    return max(int(settings.RELIEF_PASSWORD_HISTORY), 0)


class PasswordHistoryValidator:
    def validate(self, password, user=None):
        count = _history_size()
        if not count or user is None or not getattr(user, "pk", None):
            return
        from .models import PasswordHistory

        hashes = list(PasswordHistory.objects.filter(user_id=user.pk).values_list("password", flat=True)[:count])
        if user.password and user.password not in hashes:
            hashes.insert(0, user.password)  # an account older than the history: its current password counts
        if any(check_password(password, hashed) for hashed in hashes[:count]):
            raise ValidationError(_("新密码不能与最近 %(n)s 次使用过的密码相同。") % {"n": count},
                                  code="password_reused")

    def password_changed(self, password, user=None):
        if user is None or not getattr(user, "pk", None) or not user.password:
            return
        from .models import PasswordHistory, User

        now = timezone.now()
        User.objects.filter(pk=user.pk).update(password_changed_at=now)
        user.password_changed_at = now
        count = _history_size()
        if not count:
            return
        PasswordHistory.objects.create(user_id=user.pk, password=user.password)
        stale = PasswordHistory.objects.filter(user_id=user.pk).values_list("pk", flat=True)[count:]
        PasswordHistory.objects.filter(pk__in=list(stale)).delete()

    def get_help_text(self):
        return _("不能与最近 %(n)s 次使用过的密码相同。") % {"n": _history_size()}


def password_expires_at(user):
    """When the user's password expires, or None (no expiry set, or no change recorded)."""
    days = int(settings.RELIEF_PASSWORD_MAX_AGE_DAYS)
    if days <= 0 or user.password_changed_at is None:
        return None
    return user.password_changed_at + timedelta(days=days)


def password_expired(user, now=None) -> bool:
    expires = password_expires_at(user)
    return expires is not None and (now or timezone.now()) >= expires


def must_change_password(user) -> bool:
    """Is the user asked for a new password before anything else (a new account, a reset, an expired one)?"""
    return bool(user.must_change_password) or password_expired(user)
