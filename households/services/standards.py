"""Local 低保 standards: recorded by date, never rewritten."""
from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from relief.models import Jurisdiction, JurisdictionLevel

from ..models import (
    DibaoStandard, StandardArea,
)
from .common import _to_decimal


# ------------------------------------------------------------------------------------------ standards
@transaction.atomic
def dibao_standard_set(
    *, actor, district: Jurisdiction, monthly_amount, effective_from: dt.date, area: str = StandardArea.UNIFIED,
    source: str = "",
) -> DibaoStandard:
    """Record the 低保 standard of a district from a date (idempotent for the same district/area/date)."""
    if district.level != JurisdictionLevel.DISTRICT:
        raise ValidationError({"district": _("低保标准应登记在区/县一级。")})
    amount = _to_decimal(monthly_amount, "monthly_amount", _("低保标准"))
    if amount <= 0:
        raise ValidationError({"monthly_amount": _("低保标准应大于零。")})
    standard, created = DibaoStandard.objects.get_or_create(
        district=district, area=area, effective_from=effective_from,
        defaults={"monthly_amount": amount, "source": source[:200]},
    )
    if not created and (standard.monthly_amount != amount or (source and standard.source != source)):
        standard.monthly_amount = amount
        standard.source = source[:200] or standard.source
        standard.save(update_fields=["monthly_amount", "source"])
    return standard
