"""Rewriting personal data at rest, table by table: what the data migrations (plain text → tokens) and the
`rotate_data_key` command (tokens of an older key → the current key) share.

A table's plan is read from its model: every `EncryptedCharField` column and every `IdHashField` beside it
(households/pii_fields.py), so a new encrypted column is rotated without touching this module. The rows are
read and written by raw SQL, never through the fields, so that a historical model in a migration and a row
under a key no longer first both work: each value is decrypted under the key its token names, and encrypted
and hashed again under the current key. Work goes in batches of `batch` rows, each committed on its own by the
command (resumable: a row already under the current key is not selected again).
"""
from __future__ import annotations

from dataclasses import dataclass

from django.db import connection, transaction

from . import pii
from .pii_fields import EncryptedCharField, IdHashField, field_label

BATCH = 1000


@dataclass
class TablePlan:
    model: type
    encrypted: list  # EncryptedCharField
    hashes: list     # IdHashField

    @property
    def label(self) -> str:
        return self.model._meta.label

    @property
    def columns(self) -> list:
        return [*self.encrypted, *self.hashes]


def plans(models) -> list[TablePlan]:
    """The tables among `models` holding encrypted columns, with their columns."""
    result = []
    for model in models:
        fields = model._meta.concrete_fields
        encrypted = [f for f in fields if isinstance(f, EncryptedCharField)]
        if encrypted:
            result.append(TablePlan(model, encrypted, [f for f in fields if isinstance(f, IdHashField)]))
    return result


def _quote(name: str) -> str:
    return connection.ops.quote_name(name)


def _stale_where(plan: TablePlan, version: str) -> tuple[str, list]:
    """Rows holding a value not under the key `version`: a plain value (migration) or an older token."""
    prefix = f"k{version}{pii.SEPARATOR}"
    parts = [f"({_quote(f.column)} <> '' AND SUBSTR({_quote(f.column)}, 1, %s) <> %s)" for f in plan.columns]
    return " OR ".join(parts), [p for _f in plan.columns for p in (len(prefix), prefix)]


def _plain(plan: TablePlan, field, value: str | None, *, encrypted_already: bool) -> str | None:
    if value is None or value == "":
        return value
    if not encrypted_already:
        return value
    return pii.decrypt_value(value, field=field_label(plan.model, field.name))


def rewrite_batch(plan: TablePlan, *, encrypted_already: bool, after_pk=None, batch: int = BATCH) -> tuple[int, object]:
    """Rewrite up to `batch` stale rows of the table (pk > after_pk) under the current key.
    Returns (rows rewritten, last pk seen or None when the table has no more)."""
    meta = plan.model._meta
    key = pii.keys()[0]
    where, params = _stale_where(plan, key.version)
    pk = _quote(meta.pk.column)
    names = [_quote(f.column) for f in plan.encrypted]
    sql = f"SELECT {pk}, {', '.join(names)} FROM {_quote(meta.db_table)} WHERE ({where})"
    if after_pk is not None:
        sql += f" AND {pk} > %s"
        params.append(after_pk)
    sql += f" ORDER BY {pk} LIMIT {int(batch)}"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    if not rows:
        return 0, None
    sources = {f.name: i for i, f in enumerate(plan.encrypted)}
    updates = []
    for row_pk, *values in rows:
        plain = [_plain(plan, f, v, encrypted_already=encrypted_already) for f, v in zip(plan.encrypted, values)]
        cells = [pii.encrypt_value(p, field=field_label(plan.model, f.name)) if p else p
                 for f, p in zip(plan.encrypted, plain)]
        cells += [h.hash_of(plain[sources[h.source]]) for h in plan.hashes]
        updates.append([*cells, row_pk])
    assignments = ", ".join(f"{_quote(f.column)} = %s" for f in plan.columns)
    with connection.cursor() as cursor:
        cursor.executemany(f"UPDATE {_quote(meta.db_table)} SET {assignments} WHERE {pk} = %s", updates)
    return len(rows), rows[-1][0]


def rewrite_table(plan: TablePlan, *, encrypted_already: bool, batch: int = BATCH, each_batch=None) -> int:
    """Every stale row of the table, batch after batch; `each_batch(count)` after each (progress)."""
    total, after = 0, None
    while True:
        with transaction.atomic():
            count, after = rewrite_batch(plan, encrypted_already=encrypted_already, after_pk=after, batch=batch)
        if not count:
            return total
        total += count
        if each_batch:
            each_batch(count)


def stale_count(plan: TablePlan) -> int:
    where, params = _stale_where(plan, pii.keys()[0].version)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {_quote(plan.model._meta.db_table)} WHERE ({where})", params)
        return cursor.fetchone()[0]


def decrypt_table(plan: TablePlan, *, batch: int = BATCH) -> int:
    """Back to plain text (a migration undone): every token decrypted in place, the hashes emptied."""
    meta = plan.model._meta
    pk = _quote(meta.pk.column)
    names = [_quote(f.column) for f in plan.encrypted]
    where = " OR ".join(f"SUBSTR({n}, 1, 1) = 'k' AND {n} LIKE %s" for n in names)
    like = [f"%{pii.SEPARATOR}%"] * len(names)
    total = 0
    while True:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {pk}, {', '.join(names)} FROM {_quote(meta.db_table)} WHERE ({where}) "
                           f"ORDER BY {pk} LIMIT {int(batch)}", like)
            rows = cursor.fetchall()
        if not rows:
            return total
        updates = [[_plain(plan, f, v, encrypted_already=True) for f, v in zip(plan.encrypted, values)]
                   + [""] * len(plan.hashes) + [row_pk] for row_pk, *values in rows]
        assignments = ", ".join(f"{_quote(f.column)} = %s" for f in plan.columns)
        with connection.cursor() as cursor:
            cursor.executemany(f"UPDATE {_quote(meta.db_table)} SET {assignments} WHERE {pk} = %s", updates)
        total += len(rows)
