"""The confirmed import's writes: each kind of file's plan, written in bulk.

Households, members and roster entries go through households' bulk writer (households/bulk.py), which keeps
the registry's rules; department data (部门数据比对) rows are the imports app's own records.
"""
from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from households import models as hh
from households.bulk import RegistryWriter
from relief.bulk_insert import insert_rows
from relief.models import User

from .models import FeedMatch, FeedRecord, ImportBatch, ImportKind

INSERT_CHUNK = 10_000  # rows built and inserted at a time: bounds the memory of a 50,000-row import


def write_households(*, batch: ImportBatch, actor: User, plan, on_progress=None) -> None:
    """The plan's households and members, through the registry's bulk writer (households/bulk.py)."""
    writer = RegistryWriter(actor=actor, source=hh.EventSource.IMPORT, source_ref=batch.source_ref)
    # New households first (their pks are needed by their members).
    head_to_pk: dict[str, int] = {}
    heads = list(plan.new_households.items())
    for start in range(0, len(heads), INSERT_CHUNK):
        part = heads[start:start + INSERT_CHUNK]
        pks = writer.households_create([fields for _head, fields in part])
        head_to_pk.update(zip((head_id for head_id, _fields in part), pks))
    writer.households_update(plan.changed_households)
    new_members = plan.new_members
    for start in range(0, len(new_members), INSERT_CHUNK):
        writer.members_create([{**fields, "household_id": household_pk or head_to_pk[head_id], "id_number": member_id}
                               for household_pk, head_id, member_id, fields in new_members[start:start + INSERT_CHUNK]])
        if on_progress:
            on_progress(start + min(INSERT_CHUNK, len(new_members) - start))
    writer.members_update(plan.changed_members)
    writer.finish()


def write_roster(*, batch: ImportBatch, actor: User, plan, on_progress=None) -> None:
    writer = RegistryWriter(actor=actor, source=hh.EventSource.IMPORT, source_ref=batch.source_ref)
    reason = _("批量导入（导入记录 #%(n)d）") % {"n": batch.pk}
    writer.roster_enter([(hh.RosterEntry(household_id=household_pk, entered_by=actor, **values), reasons)
                         for household_pk, values, reasons in plan.new_entries], reason=reason)
    writer.roster_change(plan.changed_entries, reason=reason)
    writer.finish()


def _json(value):
    return value.isoformat() if hasattr(value, "isoformat") else value


def write_feed(*, batch: ImportBatch, actor: User, plan, on_progress=None) -> None:
    now = timezone.now()
    ref = batch.source_ref
    kind_label = str(batch.get_feed_kind_display())
    data_date = batch.data_date.isoformat() if batch.data_date else None
    for start in range(0, len(plan.records), INSERT_CHUNK):
        part = plan.records[start:start + INSERT_CHUNK]
        insert_rows(FeedRecord, [
            {**values, "batch_id": batch.pk, "member_id": member_pk, "household_id": household_pk,
             "match": FeedMatch.MATCHED if member_pk else FeedMatch.UNMATCHED}
            for values, member_pk, household_pk in part])
        insert_rows(hh.HouseholdEvent, [
            {"household_id": household_pk, "member_id": member_pk, "kind": hh.EventKind.FEED_MATCH,
             "field": "feed_kind", "new_value": kind_label, "source": hh.EventSource.FEED, "source_ref": ref,
             "actor_id": actor.pk, "occurred_at": now,
             "data": {"feed_kind": batch.feed_kind, "department": batch.source_department, "data_date": data_date,
                      "detail": values["detail"], "occurred_on": _json(values["occurred_on"]),
                      "row": values["row_number"]}}
            for values, member_pk, household_pk in part if member_pk])
        if on_progress:
            on_progress(start + len(part))


WRITERS = {ImportKind.HOUSEHOLDS: write_households, ImportKind.ROSTER: write_roster, ImportKind.FEED: write_feed}
