"""The planner's statistics of a table, refreshed once a bulk write has outdated them.

PostgreSQL plans each query from statistics ANALYZE gathered. A job that adds tens of thousands of rows in
one statement (the nightly policy match's leads, the overdue scan's alerts, an import) leaves a table whose
statistics still describe it as it was, often empty: the next list page then joins every row it should
have read thirty of through an index (the lead list took 146 ms instead of a few after the first match).
autovacuum would analyze the table within a minute or so, when it runs at all; a server where it is off
(this project's CI) would keep the stale plans for good. So the writer asks for it, the way PostgreSQL's
documentation advises after a bulk load, on the same threshold autovacuum uses (50 rows plus a tenth of
the table), once its transaction has committed: no lock is held by the writer's transaction, and a rolled
back write asks for nothing.
"""
from __future__ import annotations

from django.db import connection, transaction

THRESHOLD_ROWS, THRESHOLD_FRACTION = 50, 0.1  # autovacuum_analyze_threshold, autovacuum_analyze_scale_factor


def refresh_after_bulk_write(model, written: int) -> None:
    """After `written` rows of `model` were inserted or changed in one go: ANALYZE its table on commit
    when they are enough to have outdated its statistics. PostgreSQL only (SQLite's planner keeps none
    unless asked, and the project never asks it)."""
    if connection.vendor != "postgresql" or written <= THRESHOLD_ROWS:
        return
    table = model._meta.db_table
    with connection.cursor() as cursor:
        # reltuples is the row count as of the last ANALYZE (-1 when never analyzed, 0 when it was empty).
        cursor.execute("SELECT reltuples FROM pg_class WHERE oid = %s::regclass", [table])
        row = cursor.fetchone()
    known = max(row[0], 0) if row else 0
    if written <= THRESHOLD_ROWS + THRESHOLD_FRACTION * known:
        return
    # Once per table and transaction, however many batches the writer wrote it in.
    if any(getattr(callback, "table", None) == table for _sids, callback, *_rest in connection.run_on_commit):
        return
    transaction.on_commit(_Analyze(table))


class _Analyze:
    def __init__(self, table: str):
        self.table = table

    def __call__(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(self.table)}")
