"""Resident identity card numbers — 公民身份号码 (GB 11643-1999).

18 characters: 6-digit address code, 8-digit birth date, 3-digit sequence (odd = male, even = female)
and a check character computed with ISO 7064 MOD 11-2 ("X" stands for 10).
"""
from __future__ import annotations

import datetime as dt
import functools
import re

from stdnum import numdb

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

# What anyone is told of a number registered in a household they may not see: no more than that it is
# registered (where, and whose it is, are personal data); the township office can look it up.
ID_NUMBER_TAKEN = gettext_lazy("该身份证号已登记，请联系乡镇民政办。")

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"
PATTERN = re.compile(r"^\d{17}[\dX]$")


def normalize(value: str) -> str:
    """Strip spaces and full-width characters people paste from documents; upper-case the x."""
    value = (value or "").strip().replace(" ", "").replace("\u3000", "")
    value = value.translate({ord(c): ord(c) - 0xFEE0 for c in "０１２３４５６７８９ＸＸｘ"})
    return value.upper()


def check_char(first17: str) -> str:
    total = sum(int(d) * w for d, w in zip(first17, WEIGHTS))
    return CHECK_CHARS[total % 11]


@functools.cache
def area_code_exists(code: str) -> bool:
    """Whether the 6-digit address code is one that was ever issued (python-stdnum's table of every code
    since 1980). Deliberately not stdnum's check that the code existed in the birth year: people are
    given numbers under a county's current code long after they were born there."""
    return any("county" in props for _part, props in numdb.get("cn/loc").info(code))


def birth_date_of(number: str) -> dt.date | None:
    try:
        return dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return None


def sex_of(number: str) -> str:
    """'M' or 'F', from the parity of the 17th digit."""
    return "M" if int(number[16]) % 2 else "F"


def validate_id_number(value: str) -> str:
    """Return the normalised number or raise a ValidationError that says, in Chinese, what is wrong."""
    number = normalize(value)
    if len(number) != 18:
        raise ValidationError(
            _("身份证号应为18位，当前为%(n)d位。") % {"n": len(number)}, code="id_length")
    if not PATTERN.match(number):
        raise ValidationError(_("身份证号只能由17位数字和1位数字或X组成。"), code="id_chars")
    if not area_code_exists(number[:6]):
        raise ValidationError(_("身份证号的前6位（地址码）不是有效的行政区划代码，请核对号码。"), code="id_area")
    born = birth_date_of(number)
    if born is None or born.year < 1900 or born > dt.date.today():
        raise ValidationError(_("身份证号中的出生日期（第7至14位）不是有效日期。"), code="id_birth")
    # The message does not say which last character would pass: that invites "fixing" a mistyped number
    # into a valid-looking wrong one instead of checking it against the card.
    if number[17] != check_char(number[:17]):
        raise ValidationError(_("身份证号校验位错误，请对照身份证核对号码。"), code="id_checksum")
    return number


def mask_id_number(value: str | None) -> str:
    """First 6 and last 4 shown, the rest hidden: 110101********1234."""
    if not value:
        return ""
    if len(value) <= 10:
        return "*" * len(value)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]
