"""The kept copy of each household's latest visit dates (models.LatestVisit), with what the latest visit left
open: its follow-up date and whether the case is still open (三个不放过).

A logged visit can only move the dates forward, so `visit_recorded` merges with GREATEST in the same
statement that inserts: two visits of one household logged at once cannot leave the older date behind,
whatever order their transactions commit in. An edited or deleted visit (the admin) recomputes the
household's row from the visits themselves; bulk writers (the demo, the benchmark) call `rebuild`.
"""
from __future__ import annotations

from typing import Iterable

from django.db import connection

CHUNK = 2000


def _table(models) -> str:
    return models["LatestVisit"]._meta.db_table


def visit_recorded(visit, *, models) -> None:
    """Merge one newly saved visit into its household's row (one statement)."""
    table = connection.ops.quote_name(_table(models))
    greatest = "GREATEST" if connection.vendor == "postgresql" else "MAX"
    seen_on = visit.visited_on if visit.completes_period else None
    # COALESCE both ways: PostgreSQL's GREATEST skips NULLs but SQLite's MAX returns NULL for any. The SET
    # expressions all read the row as it was, so the follow-up and the open case go with whichever visit is
    # the latest (on one day, the one logged last).
    merge = ", ".join(
        f"{column} = {greatest}(COALESCE({table}.{column}, excluded.{column}), "
        f"COALESCE(excluded.{column}, {table}.{column}))" for column in ("visited_on", "seen_on"))
    merge += "".join(f", {column} = CASE WHEN excluded.visited_on >= {table}.visited_on "
                     f"THEN excluded.{column} ELSE {table}.{column} END" for column in ("follow_up_on", "case_open"))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (household_id, visited_on, seen_on, follow_up_on, case_open) "
            f"VALUES (%s, %s, %s, %s, %s) ON CONFLICT (household_id) DO UPDATE SET {merge}",
            [visit.household_id, visit.visited_on, seen_on, visit.next_follow_up_on, visit.case_open])


def rebuild(household_ids: Iterable[int] | None, *, models) -> None:
    """Recompute the rows of the given households (all when None) from their visits, 2,000 at a time."""
    Visit, LatestVisit, Household = models["Visit"], models["LatestVisit"], models["Household"]
    if household_ids is None:
        ids = list(Household.objects.order_by("pk").values_list("pk", flat=True))
    else:
        ids = sorted({int(pk) for pk in household_ids if pk is not None})
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start:start + CHUNK]
        rows: dict[int, object] = {}
        # In date order, the last one logged on a day last: each household's row ends as its latest visit left
        # it, with the last day the person was seen.
        for household_id, visited_on, completes, follow_up_on, case_open in (
                Visit.objects.filter(household_id__in=chunk).order_by("household_id", "visited_on", "pk")
                .values_list("household_id", "visited_on", "completes_period", "next_follow_up_on", "case_open")):
            row = rows.get(household_id)
            if row is None:
                row = rows[household_id] = LatestVisit(household_id=household_id, visited_on=visited_on)
            row.visited_on, row.follow_up_on, row.case_open = visited_on, follow_up_on, case_open
            if completes:
                row.seen_on = visited_on
        LatestVisit.objects.filter(household_id__in=chunk).delete()
        LatestVisit.objects.bulk_create(rows.values())


def current_models() -> dict:
    from .models import Household, LatestVisit, Visit
    return {"Visit": Visit, "LatestVisit": LatestVisit, "Household": Household}
