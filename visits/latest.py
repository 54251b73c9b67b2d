"""The kept copy of each household's latest visit dates (models.LatestVisit).

A logged visit can only move the dates forward, so `visit_recorded` merges with GREATEST in the same
statement that inserts: two visits of one household logged at once cannot leave the older date behind,
whatever order their transactions commit in. An edited or deleted visit (the admin) recomputes the
household's row from the visits themselves; bulk writers (the demo, the benchmark) call `rebuild`.
"""
from __future__ import annotations

from typing import Iterable

from django.db import connection
from django.db.models import Max, Q

CHUNK = 2000


def _table(models) -> str:
    return models["LatestVisit"]._meta.db_table


def visit_recorded(visit, *, models) -> None:
    """Merge one newly saved visit into its household's row (one statement)."""
    table = connection.ops.quote_name(_table(models))
    greatest = "GREATEST" if connection.vendor == "postgresql" else "MAX"
    seen_on = visit.visited_on if visit.completes_period else None
    follow_up_on = None if visit.completes_period else visit.next_follow_up_on
    # COALESCE both ways: PostgreSQL's GREATEST skips NULLs but SQLite's MAX returns NULL for any. The SET
    # expressions all read the row as it was, so the follow-up goes with whichever visit is the latest.
    merge = ", ".join(
        f"{column} = {greatest}(COALESCE({table}.{column}, excluded.{column}), "
        f"COALESCE(excluded.{column}, {table}.{column}))" for column in ("visited_on", "seen_on"))
    merge += (f", follow_up_on = CASE WHEN excluded.visited_on >= {table}.visited_on "
              f"THEN excluded.follow_up_on ELSE {table}.follow_up_on END")
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (household_id, visited_on, seen_on, follow_up_on) VALUES (%s, %s, %s, %s) "
            f"ON CONFLICT (household_id) DO UPDATE SET {merge}",
            [visit.household_id, visit.visited_on, seen_on, follow_up_on])


def rebuild(household_ids: Iterable[int] | None, *, models) -> None:
    """Recompute the rows of the given households (all when None) from their visits, 2,000 at a time."""
    Visit, LatestVisit, Household = models["Visit"], models["LatestVisit"], models["Household"]
    if household_ids is None:
        ids = list(Household.objects.order_by("pk").values_list("pk", flat=True))
    else:
        ids = sorted({int(pk) for pk in household_ids if pk is not None})
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start:start + CHUNK]
        rows = {r["household_id"]: LatestVisit(household_id=r["household_id"], visited_on=r["last"], seen_on=r["seen"])
                for r in (Visit.objects.filter(household_id__in=chunk).order_by().values("household_id")
                          .annotate(last=Max("visited_on"), seen=Max("visited_on", filter=Q(completes_period=True))))}
        # The follow-up of the latest visit where the person was not seen (the last one logged that day).
        for household_id, visited_on, follow_up_on in (
                Visit.objects.filter(household_id__in=chunk, completes_period=False)
                .order_by("visited_on", "pk").values_list("household_id", "visited_on", "next_follow_up_on")):
            row = rows[household_id]
            if visited_on == row.visited_on:
                row.follow_up_on = follow_up_on
        LatestVisit.objects.filter(household_id__in=chunk).delete()
        LatestVisit.objects.bulk_create(rows.values())


def current_models() -> dict:
    from .models import Household, LatestVisit, Visit
    return {"Visit": Visit, "LatestVisit": LatestVisit, "Household": Household}
