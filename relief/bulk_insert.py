"""Bulk inserts for the import's write: COPY on PostgreSQL, `bulk_create` elsewhere.

`insert_rows(model, rows, return_ids=...)` takes plain dicts (field attname → value); every other
concrete field takes its model default, exactly as `Model(**row)` would, so a field added to the
model later with a default is filled too. No model instances are built on PostgreSQL: the rows are
written as COPY text (`COPY … FROM STDIN`), several times faster than `INSERT … VALUES` built by the
ORM for tens of thousands of rows, and their primary keys are taken from the table's sequence
beforehand in one query when the caller needs them (members for their events). Like `bulk_create`,
this bypasses model signals: callers write their own events and audit entries.
"""
from __future__ import annotations

import datetime as dt
import io
import json
from decimal import Decimal

from django.db import connection, models

from .table_statistics import refresh_after_bulk_write

COPY_ROWS = 10_000
CREATE_BATCH = 2_000
# COPY text format: backslash, tab, newline and carriage return are escaped; NULL is \N.
_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_SIMPLE_FIELDS = (models.CharField, models.TextField, models.IntegerField, models.BigIntegerField,
                  models.PositiveIntegerField, models.PositiveBigIntegerField, models.PositiveSmallIntegerField,
                  models.SmallIntegerField, models.AutoField, models.BigAutoField, models.BooleanField,
                  models.DateField, models.DateTimeField, models.DecimalField, models.ForeignKey, models.JSONField)


def _text(value) -> str:
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, str):
        return value.translate(_ESCAPES)
    if isinstance(value, (int, Decimal)):
        return str(value)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    raise TypeError(f"no COPY text for {type(value).__name__}")


def _copyable(model) -> bool:
    """Only fields whose COPY text we know how to write; anything else goes through bulk_create."""
    return all(isinstance(f, _SIMPLE_FIELDS) for f in model._meta.concrete_fields)


def _json_text(field):
    encoder = field.encoder

    def convert(value):
        return "\\N" if value is None else json.dumps(value, cls=encoder, ensure_ascii=False).translate(_ESCAPES)
    return convert


def _allocate_ids(model, count: int) -> list[int]:
    table, pk = model._meta.db_table, model._meta.pk.column
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                       [connection.ops.quote_name(table), pk, count])
        return [row[0] for row in cursor.fetchall()]


def insert_rows(model, rows: list[dict], *, return_ids: bool = False) -> list[int]:
    """Insert `rows` (attname → value, other fields at their defaults); their pks, in order, if asked."""
    if not rows:
        return []
    if connection.vendor != "postgresql" or not _copyable(model):
        objects = [model(**row) for row in rows]
        model.objects.bulk_create(objects, batch_size=CREATE_BATCH)
        return [o.pk for o in objects] if return_ids else []
    meta = model._meta
    fields = [f for f in meta.concrete_fields if not f.primary_key]
    names = [f.attname for f in fields]
    defaults = [f.get_default() for f in fields]
    converters = [_json_text(f) if isinstance(f, models.JSONField) else _text for f in fields]
    ids = _allocate_ids(model, len(rows)) if return_ids else []
    columns = ([meta.pk.column] if return_ids else []) + [f.column for f in fields]
    sql = "COPY {} ({}) FROM STDIN".format(
        connection.ops.quote_name(meta.db_table), ", ".join(connection.ops.quote_name(c) for c in columns))
    plan = list(zip(names, defaults, converters))
    # A field that makes its column's value itself (an encrypted column, a keyed hash: households/pii_fields.py)
    # says so with `row_value(row, default)`; COPY bypasses get_prep_value and pre_save, which do it otherwise.
    made = [(i, f, defaults[i]) for i, f in enumerate(fields) if hasattr(f, "row_value")]
    with connection.cursor() as cursor:
        for start in range(0, len(rows), COPY_ROWS):
            buffer = io.StringIO()
            write = buffer.write
            for offset, row in enumerate(rows[start:start + COPY_ROWS]):
                cells = [convert(row.get(name, default)) for name, default, convert in plan]
                for i, field, default in made:
                    cells[i] = _text(field.row_value(row, default))
                if return_ids:
                    cells.insert(0, str(ids[start + offset]))
                write("\t".join(cells))
                write("\n")
            buffer.seek(0)
            cursor.copy_expert(sql, buffer)
    refresh_after_bulk_write(model, len(rows))
    return ids


UPDATE_ROWS = 5_000


def update_rows(model, rows: list[tuple], fields: list[str]) -> None:
    """Set `fields` (attnames) of many rows at once: `rows` are (pk, value, …) in the order of `fields`.

    On PostgreSQL one `UPDATE … FROM (VALUES …)` per 5,000 rows: Django's bulk_update builds a CASE
    expression per field with a branch per row, which costs seconds of Python for a few thousand rows and
    grows with the batch. Elsewhere (SQLite) bulk_update. Like bulk_update, no signals and no pre_save:
    only plain columns (not the encrypted ones of households/pii_fields.py, whose value the field makes).
    """
    if not rows:
        return
    meta = model._meta
    columns = [meta.get_field(name) for name in fields]
    if connection.vendor != "postgresql":
        objects = [model(pk=row[0], **dict(zip(fields, row[1:]))) for row in rows]
        model.objects.bulk_update(objects, fields, batch_size=CREATE_BATCH)
        return
    quote = connection.ops.quote_name
    pk = meta.pk
    # Each VALUES cell is cast to its column's type: an untyped NULL or text would not compare or assign.
    cell = "(" + ", ".join(f"%s::{f.cast_db_type(connection)}" for f in [pk, *columns]) + ")"
    names = ", ".join(quote(c) for c in ["pk", *(f"v{i}" for i in range(len(columns)))])
    assign = ", ".join(f"{quote(f.column)} = v.{quote(f'v{i}')}" for i, f in enumerate(columns))
    with connection.cursor() as cursor:
        for start in range(0, len(rows), UPDATE_ROWS):
            chunk = rows[start:start + UPDATE_ROWS]
            params = []
            for row in chunk:
                params.append(pk.get_db_prep_value(row[0], connection))
                params.extend(f.get_db_prep_value(value, connection) for f, value in zip(columns, row[1:]))
            cursor.execute(f"UPDATE {quote(meta.db_table)} AS t SET {assign} FROM (VALUES {', '.join([cell] * len(chunk))})"
                           f" AS v({names}) WHERE t.{quote(pk.column)} = v.{quote('pk')}", params)
