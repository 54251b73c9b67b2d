"""What each assistant's support lacks (seed 002 §三(二)): the gap table and the list it links to count alike.

An assistant lacks
- training: no training dated in the current calendar year;
- insurance: no accident insurance valid today (none recorded, or every one expired);
- recorder: no recorder (执法记录仪/记录仪) ever issued.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from relief import access
from relief.access import Action
from relief.models import Jurisdiction, Role, User

from .models_support import AssistantEquipment, AssistantInsurance, AssistantTraining, EquipmentKind

LACKS = {
    "training": _("本年度未参加培训"),
    "insurance": _("意外伤害保险缺失或已过期"),
    "recorder": _("未配备记录仪"),
}


def assistants_for(user: User, *, day: dt.date | None = None) -> QuerySet[User]:
    """Active assistants (caseworker accounts) of the villages the user may see, with has_training / has_insurance
    / has_recorder for `day` (today)."""
    day = day or timezone.localdate()
    qs = User.objects.filter(role=Role.CASEWORKER, is_active=True, jurisdiction__isnull=False)
    if not user.is_superuser:
        qs = qs.filter(jurisdiction_id__in=access.village_ids_for(user, Action.VIEW))
    return qs.select_related("jurisdiction__parent").annotate(
        has_training=Exists(AssistantTraining.objects.filter(assistant=OuterRef("pk"), trained_on__year=day.year)),
        has_insurance=Exists(AssistantInsurance.objects.filter(assistant=OuterRef("pk"), valid_until__gte=day)),
        has_recorder=Exists(AssistantEquipment.objects.filter(assistant=OuterRef("pk"), kind=EquipmentKind.RECORDER)),
    ).order_by("jurisdiction__code", "username")


def lacking(qs: QuerySet[User], lack: str) -> QuerySet[User]:
    """Narrow annotated assistants to those lacking one thing (or anything, for "any")."""
    if lack == "training":
        return qs.filter(has_training=False)
    if lack == "insurance":
        return qs.filter(has_insurance=False)
    if lack == "recorder":
        return qs.filter(has_recorder=False)
    if lack == "any":
        return qs.filter(Q(has_training=False) | Q(has_insurance=False) | Q(has_recorder=False))
    return qs


@dataclass
class VillageGaps:
    village: Jurisdiction
    assistants: int = 0
    counts: dict = field(default_factory=lambda: {key: 0 for key in LACKS})

    @property
    def any(self) -> bool:
        return any(self.counts.values())


def village_gaps(user: User, *, day: dt.date | None = None) -> list[VillageGaps]:
    """Villages whose assistants lack some support, with how many lack each thing; one query."""
    rows: dict[int, VillageGaps] = {}
    for a in assistants_for(user, day=day):
        row = rows.setdefault(a.jurisdiction_id, VillageGaps(a.jurisdiction))
        row.assistants += 1
        row.counts["training"] += not a.has_training
        row.counts["insurance"] += not a.has_insurance
        row.counts["recorder"] += not a.has_recorder
    return [row for row in rows.values() if row.any]
