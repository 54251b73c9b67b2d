"""Test helpers for the audit log's protections (relief/audit_triggers.py, relief/audit_chain.py)."""
import contextlib
from types import SimpleNamespace

from django.db import connection
from django.db.models import QuerySet


@contextlib.contextmanager
def triggers_dropped():
    """What someone with the database owner's rights could do: the triggers gone for a while (inside the
    test's transaction: DDL is transactional on SQLite and PostgreSQL, so the rollback restores them too)."""
    from relief import audit_triggers

    editor = SimpleNamespace(connection=connection)
    audit_triggers.remove(editor)
    try:
        yield
    finally:
        audit_triggers.install(editor)


def raw_queryset(model):
    """A plain QuerySet of the model, past the ORM guard (AuditQuerySet), as raw access would be."""
    return QuerySet(model=model)


def historical_apps(app_label: str, migration: str):
    """The app registry as a migration sees it (plain managers, no live signals)."""
    from django.db.migrations.executor import MigrationExecutor

    return MigrationExecutor(connection).loader.project_state((app_label, migration)).apps


def without_seals(callbacks) -> list:
    """The on-commit callbacks a test means, without the audit chain's seal (one per transaction that wrote
    an audit entry: relief/audit_chain.schedule)."""
    return [c for c in callbacks if not getattr(c, "relief_audit_seal", False)]
