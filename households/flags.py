"""The household list's kept copies (Household.categories, roster_kind, roster_reasons,
observation_review_on), computed set-based from the records they copy.

The list filters 100,000 households; reading one table instead of semi-joining assistance, roster and
observation tables per row is what keeps it fast. `refresh` is called by
services.household_refresh_flags (and so by every service and model signal) and by the data migration
that filled the columns, which passes its historical models, hence the `models` argument.
"""
from __future__ import annotations

import datetime as dt
from typing import Iterable

from relief.bulk_insert import update_rows

from .models import running_q

CHUNK = 2000
FLAG_FIELDS = ("categories", "roster_kind", "roster_reasons", "observation_review_on")


def compact(codes: Iterable[str]) -> str:
    """',a,b,' — sorted, with commas at both ends so that `contains=',a,'` matches one whole code."""
    codes = sorted(set(codes))
    return f",{','.join(codes)}," if codes else ""


def _chunks(ids: list[int]):
    for start in range(0, len(ids), CHUNK):
        yield ids[start:start + CHUNK]


def refresh(household_ids: Iterable[int] | None, *, on: dt.date, models) -> int:
    """Recompute the copies of the given households (all when None) as of `on`; write only rows that
    changed. Returns the number of households updated. A fixed number of queries per 2,000 households."""
    Household, AssistanceRecord, RosterEntry, ObservationEntry = (
        models["Household"], models["AssistanceRecord"], models["RosterEntry"], models["ObservationEntry"])
    if household_ids is None:
        ids = list(Household.objects.order_by("pk").values_list("pk", flat=True))
    else:
        ids = sorted({int(pk) for pk in household_ids if pk is not None})
    through = RosterEntry.reasons.through
    updated = 0
    for chunk in _chunks(ids):
        # Lock the rows first: a concurrent writer refreshing the same household waits here, then reads
        # the records after this transaction committed, so the last refresh always sees every write.
        current_rows = list(Household.objects.select_for_update().filter(pk__in=chunk).order_by("pk")
                            .values_list("pk", *FLAG_FIELDS))
        categories: dict[int, set[str]] = {}
        # A data migration passes historical models, which lack the custom manager: the same rule as a Q.
        for household_id, kind in (AssistanceRecord.objects.filter(running_q(on, on), household_id__in=chunk)
                                   .values_list("household_id", "type")):
            categories.setdefault(household_id, set()).add(kind)
        kinds = dict(RosterEntry.objects.filter(household_id__in=chunk, exited_on__isnull=True)
                     .values_list("household_id", "target_kind"))
        reasons: dict[int, set[str]] = {}
        for household_id, code in (through.objects.filter(rosterentry__household_id__in=chunk,
                                                          rosterentry__exited_on__isnull=True)
                                   .values_list("rosterentry__household_id", "focusreasontag__code")):
            reasons.setdefault(household_id, set()).add(code)
        reviews = dict(ObservationEntry.objects.filter(household_id__in=chunk, removed_on__isnull=True)
                       .values_list("household_id", "next_review_on"))
        changed = []
        for pk, *current in current_rows:
            wanted = (compact(categories.get(pk, ())), kinds.get(pk, ""), compact(reasons.get(pk, ())),
                      reviews.get(pk))
            if tuple(current) != wanted:
                changed.append((pk, *wanted))
        if changed:
            update_rows(Household, changed, list(FLAG_FIELDS))
            updated += len(changed)
    return updated
