"""Load a data set once per test session and replay its rows into later tests.

The demo district takes about a thousand queries to build (accounts, their object permissions, the audit
entries of each write) and about eight hundred tests start from it. `replayed(name, load)` runs `load()`
for real the first time; it notes the rows that call added, table by table, and from then on inserts those
rows straight into each test's transaction, in one statement per table.

The replay is exact or it does not happen:
- It is used only on the database state it was recorded on: the row count and highest key of every table
  (one query) must equal those before the recording. Rows a test or fixture added first, or a flush by a
  live-server test (which renumbers content types), make it load for real instead.
- A loader that changed or deleted rows that were there before it is never replayed.
- Rows go in with the keys they were recorded with; PostgreSQL's key sequences only move forwards, so new
  rows never take a replayed key.
- What the loader returns is rebuilt by the caller from the database, never kept between tests.
- The figures the loader's writes marked changed in the open transaction are marked changed by the replay.
"""
import json
from dataclasses import dataclass, field

from django.db import connection, transaction

from relief import data_version

_SKIPPED_TABLES = {"django_migrations", "sqlite_sequence"}


@dataclass
class _Table:
    name: str
    pk: str | None
    columns: list[str]


@dataclass
class _Recording:
    fingerprint: tuple
    rows: dict[str, list] = field(default_factory=dict)  # table -> rows the loader added
    # The data-version topics the loader marked changed in the open transaction (relief/data_version.py): a
    # replay marks them too, so pages count their figures afresh after it exactly as after the real load.
    changed_topics: list[str] = field(default_factory=list)


# (name, fingerprint) -> what loading added on that state; the states a session meets are few (before any
# flush, and after each live-server test's), so the last few are kept.
_recordings: dict[tuple[str, tuple], _Recording] = {}
_KEPT_RECORDINGS = 8
_unreplayable: set[str] = set()
_tables: list[_Table] | None = None


def replayed(name: str, load, *, may_record: bool = True) -> bool:
    """Run `load()` or replay what it added when it last ran on this same database state. Returns True when
    the rows were replayed. `may_record=False` loads for real without keeping a recording (a test whose
    database is flushed afterwards would record a state no later test starts from)."""
    fingerprint = _fingerprint()
    recording = _recordings.get((name, fingerprint))
    if recording is not None:
        with transaction.atomic():
            _insert(recording.rows)
        for topic in recording.changed_topics:
            data_version.records_changed(topic)
        return True
    if not may_record or name in _unreplayable:
        load()
        return False
    before = _read_all()
    callbacks_before = len(connection.run_on_commit)
    load()
    recording = _recording_of(fingerprint, before, _read_all())
    if recording is None:
        _unreplayable.add(name)
        return False
    recording.changed_topics = list(dict.fromkeys(
        callback.topic for _sids, callback, _robust in connection.run_on_commit[callbacks_before:]
        if isinstance(callback, data_version._Replace)))
    if len(_recordings) >= _KEPT_RECORDINGS:
        del _recordings[next(iter(_recordings))]
    _recordings[(name, fingerprint)] = recording
    return False


def _recording_of(fingerprint, before, after) -> _Recording | None:
    recording = _Recording(fingerprint)
    for table in _all_tables():
        old, new = before[table.name], after[table.name]
        if any(new.get(key) != row for key, row in old.items()):
            return None  # the loader changed or deleted rows it found: not replayable
        added = [row for key, row in new.items() if key not in old]
        if added:
            recording.rows[table.name] = added
    return recording


def _all_tables() -> list[_Table]:
    global _tables
    if _tables is None:
        with connection.cursor() as cursor:
            names = [n for n in connection.introspection.table_names(cursor) if n not in _SKIPPED_TABLES]
            _tables = []
            for name in sorted(names):
                described = connection.introspection.get_table_description(cursor, name)
                _tables.append(_Table(name, connection.introspection.get_primary_key_column(cursor, name),
                                      [column.name for column in described]))
    return _tables


def _quoted(name: str) -> str:
    return connection.ops.quote_name(name)


def _fingerprint() -> tuple:
    parts = [f"SELECT {i}, COUNT(*), {f'MAX(CAST({_quoted(t.pk)} AS TEXT))' if t.pk else 'NULL'} "
             f"FROM {_quoted(t.name)}" for i, t in enumerate(_all_tables())]
    with connection.cursor() as cursor:
        # One round trip: every table's count and highest key (a union's rows come in no set order).
        cursor.execute(" UNION ALL ".join(f"SELECT * FROM ({part}) AS t{i}" for i, part in enumerate(parts))
                       + " ORDER BY 1")
        return tuple(str(value) for row in cursor.fetchall() for value in row)


def _read_all() -> dict[str, dict]:
    """Every row of every table, keyed by primary key (or by the whole row where a table has none), in the
    form `_insert` writes back unchanged."""
    rows = {}
    with connection.cursor() as cursor:
        for table in _all_tables():
            if connection.vendor == "postgresql":
                cursor.execute(f"SELECT row_to_json(t)::text FROM {_quoted(table.name)} AS t")
                texts = [text for (text,) in cursor.fetchall()]
                rows[table.name] = {(json.loads(text)[table.pk] if table.pk else text): text for text in texts}
            else:
                # A unary plus reads the stored value as it is, past the converters of the declared type.
                cursor.execute(f"SELECT {', '.join('+' + _quoted(c) for c in table.columns)} "
                               f"FROM {_quoted(table.name)}")
                index = table.columns.index(table.pk) if table.pk else None
                rows[table.name] = {(row[index] if index is not None else row): row for row in cursor.fetchall()}
    return rows


def _insert(rows: dict[str, list]) -> None:
    tables = {t.name: t for t in _all_tables()}
    with connection.cursor() as cursor:
        for name, added in rows.items():
            table = tables[name]
            columns = ", ".join(_quoted(c) for c in table.columns)
            if connection.vendor == "postgresql":
                # Foreign keys are deferred to the end of the test, so the tables can go in any order.
                cursor.execute(f"INSERT INTO {_quoted(name)} ({columns}) SELECT {columns} "
                               f"FROM json_populate_recordset(NULL::{_quoted(name)}, %s::json)",
                               ["[" + ",".join(added) + "]"])
            else:
                marks = ", ".join(["%s"] * len(table.columns))
                cursor.executemany(f"INSERT INTO {_quoted(name)} ({columns}) VALUES ({marks})", added)
