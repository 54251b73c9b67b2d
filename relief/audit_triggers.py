"""The database's own refusal to change the audit tables — 审计表防篡改触发器.

The audit tables are django-auditlog's `auditlog_logentry` and our `relief_auditseal` (the chain) and
`relief_auditarchive` (what was archived). The database refuses every UPDATE of them, and every DELETE
except one: the archive (`relief.audit_archive`) removes entries and their seals it has just written to a
signed file, older than 180 days (the Cybersecurity Law's minimum, written into the trigger so that no
setting can lower it), while the archive *gate* is open in its own transaction:
- PostgreSQL: the transaction-local setting `relief.audit_gate` = `archive:<AuditArchive id>`
  (`SELECT set_config('relief.audit_gate', ..., true)`);
- SQLite: the SQL function `relief_audit_gate()`, which this module registers on every connection the app
  opens (a connection that lacks it — the sqlite3 shell — cannot delete at all).
`manage.py flush` (tests between transactional cases) opens the gate `flush` on the test database only
(relief/management/commands/flush.py); on PostgreSQL it truncates, which a statement trigger refuses
otherwise.

Migrations install this SQL (relief/migrations/0003_audit_chain_and_triggers.py). A change here needs a new
migration that calls `install` again. A table rebuilt by a later migration on SQLite loses its triggers:
`triggers_missing()` (a `check --database default` error, and `audit_verify`) names them.
"""
from __future__ import annotations

import contextlib

from django.db import connection as default_connection

RETENTION_FLOOR_DAYS = 180
TABLES = ("auditlog_logentry", "relief_auditseal", "relief_auditarchive")

_MESSAGE = "relief: audit entries cannot be changed or deleted"

# --- PostgreSQL: one function for rows, one for TRUNCATE.
_PG_ROW_FUNCTION = f"""
CREATE OR REPLACE FUNCTION relief_audit_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    gate text := coalesce(current_setting('relief.audit_gate', true), '');
    archive_id bigint;
BEGIN
    IF TG_OP = 'DELETE' AND gate LIKE 'archive:%' AND TG_TABLE_NAME <> 'relief_auditarchive' THEN
        archive_id := substr(gate, 9)::bigint;
        IF TG_TABLE_NAME = 'auditlog_logentry' THEN
            IF OLD.timestamp < now() - interval '{RETENTION_FLOOR_DAYS} days' AND EXISTS (
                SELECT 1 FROM relief_auditseal s JOIN relief_auditarchive a
                  ON s.seq BETWEEN a.first_seq AND a.last_seq
                 WHERE s.entry_id = OLD.id AND a.id = archive_id) THEN
                RETURN OLD;
            END IF;
        ELSIF EXISTS (SELECT 1 FROM relief_auditarchive a
                       WHERE a.id = archive_id AND OLD.seq BETWEEN a.first_seq AND a.last_seq)
              AND NOT EXISTS (SELECT 1 FROM auditlog_logentry e WHERE e.id = OLD.entry_id) THEN
            RETURN OLD;
        END IF;
    END IF;
    RAISE EXCEPTION '{_MESSAGE} (% on %)', TG_OP, TG_TABLE_NAME USING ERRCODE = 'integrity_constraint_violation';
END $$;
CREATE OR REPLACE FUNCTION relief_audit_refuse_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- Only Django's test databases (test_…) are flushed between tests; no other may be emptied.
    IF coalesce(current_setting('relief.audit_gate', true), '') = 'flush' AND current_database() LIKE 'test\\_%' THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION '{_MESSAGE} (TRUNCATE on %)', TG_TABLE_NAME USING ERRCODE = 'integrity_constraint_violation';
END $$;
"""


def _pg_statements() -> list[str]:
    statements = [_PG_ROW_FUNCTION]
    for table in TABLES:
        statements += [
            f"DROP TRIGGER IF EXISTS relief_audit_immutable ON {table}",
            f"CREATE TRIGGER relief_audit_immutable BEFORE UPDATE OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION relief_audit_refuse()",
            f"DROP TRIGGER IF EXISTS relief_audit_no_truncate ON {table}",
            f"CREATE TRIGGER relief_audit_no_truncate BEFORE TRUNCATE ON {table} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION relief_audit_refuse_truncate()",
        ]
    return statements


# --- SQLite: RAISE(ABORT) in BEFORE triggers; the gate is the connection's relief_audit_gate().
_SQLITE_GATE = "relief_audit_gate()"
_SQLITE_ARCHIVE_ID = f"CAST(substr({_SQLITE_GATE}, 9) AS INTEGER)"
_SQLITE_DELETE_ALLOWED = {
    "auditlog_logentry": (
        f"{_SQLITE_GATE} = 'flush' OR ({_SQLITE_GATE} LIKE 'archive:%'"
        f" AND OLD.timestamp < datetime('now', '-{RETENTION_FLOOR_DAYS} days')"
        f" AND EXISTS (SELECT 1 FROM relief_auditseal s JOIN relief_auditarchive a"
        f" ON s.seq BETWEEN a.first_seq AND a.last_seq WHERE s.entry_id = OLD.id AND a.id = {_SQLITE_ARCHIVE_ID}))"
    ),
    "relief_auditseal": (
        f"{_SQLITE_GATE} = 'flush' OR ({_SQLITE_GATE} LIKE 'archive:%'"
        f" AND EXISTS (SELECT 1 FROM relief_auditarchive a WHERE a.id = {_SQLITE_ARCHIVE_ID}"
        f" AND OLD.seq BETWEEN a.first_seq AND a.last_seq)"
        f" AND NOT EXISTS (SELECT 1 FROM auditlog_logentry e WHERE e.id = OLD.entry_id))"
    ),
    "relief_auditarchive": f"{_SQLITE_GATE} = 'flush'",
}


def _sqlite_statements() -> list[str]:
    statements = []
    for table in TABLES:
        statements += [
            f"DROP TRIGGER IF EXISTS relief_audit_no_update_{table}",
            f"CREATE TRIGGER relief_audit_no_update_{table} BEFORE UPDATE ON {table} "
            f"BEGIN SELECT RAISE(ABORT, '{_MESSAGE} (UPDATE on {table})'); END",
            f"DROP TRIGGER IF EXISTS relief_audit_no_delete_{table}",
            f"CREATE TRIGGER relief_audit_no_delete_{table} BEFORE DELETE ON {table} "
            f"WHEN NOT ({_SQLITE_DELETE_ALLOWED[table]}) "
            f"BEGIN SELECT RAISE(ABORT, '{_MESSAGE} (DELETE on {table})'); END",
        ]
    return statements


def expected_triggers(vendor: str) -> set[tuple[str, str]]:
    if vendor == "postgresql":
        return {(table, name) for table in TABLES for name in ("relief_audit_immutable", "relief_audit_no_truncate")}
    return {(table, f"relief_audit_{kind}_{table}") for table in TABLES for kind in ("no_update", "no_delete")}


def install(schema_editor) -> None:
    """Create (or re-create) the triggers; for a migration's RunPython."""
    conn = schema_editor.connection
    if conn.vendor not in ("postgresql", "sqlite"):
        raise RuntimeError(f"relief: no audit triggers for the {conn.vendor} database")
    statements = _pg_statements() if conn.vendor == "postgresql" else _sqlite_statements()
    with conn.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def remove(schema_editor) -> None:
    conn = schema_editor.connection
    with conn.cursor() as cursor:
        for table, name in expected_triggers(conn.vendor):
            cursor.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}" if conn.vendor == "postgresql"
                           else f"DROP TRIGGER IF EXISTS {name}")
        if conn.vendor == "postgresql":
            cursor.execute("DROP FUNCTION IF EXISTS relief_audit_refuse()")
            cursor.execute("DROP FUNCTION IF EXISTS relief_audit_refuse_truncate()")


def triggers_missing(conn=None) -> list[str]:
    """Names of the protecting triggers the database lacks (none: all in place)."""
    conn = conn or default_connection
    with conn.cursor() as cursor:
        if conn.vendor == "postgresql":
            cursor.execute("SELECT c.relname, t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                           "WHERE t.tgname LIKE 'relief_audit_%%' AND t.tgenabled <> 'D'")
        else:
            cursor.execute("SELECT tbl_name, name FROM sqlite_master WHERE type = 'trigger' "
                           "AND name LIKE 'relief_audit_%'")
        present = set(cursor.fetchall())
    return sorted(f"{table}.{name}" for table, name in expected_triggers(conn.vendor) - present)


# ---------------------------------------------------------------- the gate
_GATE_ATTRIBUTE = "relief_audit_gate"


def register_sqlite_gate(sender, connection, **kwargs) -> None:
    """connection_created receiver: give every SQLite connection the gate function its triggers call."""
    if connection.vendor != "sqlite":
        return
    connection.connection.create_function(
        "relief_audit_gate", 0, lambda: getattr(connection, _GATE_ATTRIBUTE, "") or "")


@contextlib.contextmanager
def gate_open(value: str, conn=None):
    """Open the gate for the current transaction (`archive:<id>`) or, for `flush`, the session.

    Only relief.audit_archive (archive) and the flush command open it. The caller holds the transaction.
    """
    conn = conn or default_connection
    transaction_local = value != "flush"
    if conn.vendor == "postgresql":
        with conn.cursor() as cursor:
            cursor.execute("SELECT set_config('relief.audit_gate', %s, %s)", [value, transaction_local])
    else:
        conn.ensure_connection()
        setattr(conn, _GATE_ATTRIBUTE, value)
    try:
        yield
    finally:
        if conn.vendor == "postgresql":
            # A transaction-local setting ends with its transaction (and an aborted one refuses statements).
            if not transaction_local:
                with conn.cursor() as cursor:
                    cursor.execute("SELECT set_config('relief.audit_gate', '', false)")
        else:
            setattr(conn, _GATE_ATTRIBUTE, "")
