"""What a refused step raises: a ReferralError (a ValidationError with a Chinese message) or, for a stale
version, a ReferralConflict."""

from __future__ import annotations


from django.core.exceptions import ValidationError


from ..models import (
    ReferralStatus,
)

S = ReferralStatus


class ReferralError(ValidationError):
    """A step refused: wrong role, wrong state or bad input. Nothing was stored."""


class ReferralConflict(ReferralError):
    """Someone else changed the referral since the actor read it. Nothing was stored."""
