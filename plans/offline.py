"""What the phone takes along of the needs list (需求清单) for 离线走访 (visits/offline.py, issue 17).

visits sits below plans and cannot read the needs list itself: it names this function in
RELIEF_OFFLINE_NEEDS_PROVIDERS and gets, per household, the needs a visit should ask about.
"""
from .models import Need

NEEDS_PER_HOUSEHOLD = 8


def needs(household_ids) -> dict[int, list[str]]:
    """The newest needs of each household, as one line each: one query."""
    found: dict[int, list[str]] = {}
    for need in Need.objects.filter(household_id__in=list(household_ids)).order_by("household_id", "-created_at", "-pk"):
        rows = found.setdefault(need.household_id, [])
        if len(rows) < NEEDS_PER_HOUSEHOLD:
            rows.append(f"需求清单 · {need.get_kind_display()}：{need.description}")
    return found
