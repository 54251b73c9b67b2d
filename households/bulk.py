"""Bulk writes to the registry: many households, members, assistance and list entries at once.

households owns every write to its records. The services (households/services.py) write one record per call
for the pages; this writer writes thousands in set-based statements (COPY on PostgreSQL, see
relief/bulk_insert.py) for the import, the generator and the demo — with the services' rules:

- one household event per changed field, in the vocabulary of households/events.py (readable values, ID
  numbers masked), and one per member added, assistance started or ended, list entry made;
- a member recorded as deceased or moved away ends the assistance paid to that person alone, on that day;
- the household list's kept copies (households/flags.py) are refreshed for every household touched, and a
  changed household's version moves on (an editor holding an older copy is told), when the writer finishes.

Use it inside the caller's transaction and call `finish()` last:

    writer = RegistryWriter(actor=user, source=EventSource.IMPORT, source_ref="import:12")
    pks = writer.households_create(rows)
    ...
    writer.finish()
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from relief.bulk_insert import insert_rows

from . import events as vocabulary
from .models import (
    AssistanceRecord, EventKind, FocusReasonTag, Household, HouseholdEvent, Member, MemberStatus, ObservationEntry,
    RosterChange, RosterChangeKind, RosterEntry,
)
from .pii_fields import fill_derived, with_derived
from .pinyin import name_pinyin
from .signals import households_moved

WRITE_BATCH = 1000


def row_of(obj) -> dict:
    """An unsaved model instance as the column values insert_rows writes."""
    return {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields if not f.primary_key}


def _json(value):
    return value.isoformat() if hasattr(value, "isoformat") else value


class RegistryWriter:
    def __init__(self, *, actor, source: str, source_ref: str = "", now: dt.datetime | None = None):
        self.actor_id = actor.pk if getattr(actor, "is_authenticated", False) else None
        self.source, self.source_ref = source, str(source_ref or "")[:100]
        self.now = now or timezone.now()
        self.today = timezone.localdate(self.now)
        self._events: list[dict] = []
        self._touched: set[int] = set()  # households whose kept copies (assistance, lists) must be refreshed
        self._changed: set[int] = set()  # households whose version must move on
        self._versioned: set[int] = set()  # ... and those whose version was already moved on
        self.events_written = 0

    # ------------------------------------------------------------------ events
    def event(self, *, household_id: int, kind: str, field: str = "", old="", new="", member_id=None,
              data: dict | None = None, at: dt.datetime | None = None, actor_id=...) -> None:
        self._events.append({
            "household_id": household_id, "member_id": member_id, "kind": kind, "field": field,
            "old_value": str(old or "")[:200], "new_value": str(new or "")[:200], "data": data or {},
            "source": self.source, "source_ref": self.source_ref,
            "actor_id": self.actor_id if actor_id is ... else actor_id, "occurred_at": at or self.now})
        if len(self._events) >= 10 * WRITE_BATCH:
            self._flush_events()

    def _flush_events(self) -> None:
        if self._events:
            insert_rows(HouseholdEvent, self._events)
            self.events_written += len(self._events)
            self._events = []

    def _field_events(self, model, changes: Iterable[tuple[int, int | None, dict, dict]]) -> None:
        """(household id, member id, {field: new}, {field: old}) → one event per changed field."""
        changes = list(changes)
        names = vocabulary.related_names(model, [c for *_ids, c, _old in changes] + [o for *_ids, _c, o in changes])
        for household_id, member_id, new, old in changes:
            for name, value in new.items():
                if not vocabulary.recorded(model, name):
                    continue
                self.event(household_id=household_id, member_id=member_id,
                           kind=vocabulary.event_kind(model, name, value), field=vocabulary.field_name(model, name),
                           old=vocabulary.display(model, name, old.get(name), names),
                           new=vocabulary.display(model, name, value, names))

    # ------------------------------------------------------------------ households
    def households_create(self, rows: list[dict]) -> list[int]:
        """New households from column values (attnames); returns their pks in order."""
        pks = insert_rows(Household, [{"created_at": self.now, "updated_at": self.now, **row} for row in rows],
                          return_ids=True)
        self._versioned.update(pks)  # new: nothing to refresh until assistance or a list entry arrives
        return pks

    def households_update(self, changes: dict[int, tuple[dict, dict]]) -> None:
        """{household pk: ({attname: new}, {attname: old})}: one UPDATE per set of changed fields."""
        by_fields: dict[tuple, list] = {}
        for pk, (new, _old) in changes.items():
            by_fields.setdefault(tuple(sorted(new)), []).append(
                Household(pk=pk, updated_at=self.now, version=F("version") + 1, **new))
        for fields, objects in by_fields.items():
            Household.objects.bulk_update(objects, [*fields, "updated_at", "version"], batch_size=WRITE_BATCH)
        self._field_events(Household, ((pk, None, new, old) for pk, (new, old) in changes.items()))
        self._versioned.update(changes)
        moved = [pk for pk, (new, old) in changes.items() if "village_id" in new and new["village_id"] != old.get("village_id")]
        if moved:
            households_moved.send(sender=Household, household_ids=moved)

    # ------------------------------------------------------------------ members
    def members_create(self, rows: list[dict]) -> list[int]:
        """New members (with household_id); a 成员增加 event each, worded as members_add words it."""
        # The pinyin is the writer's to keep, whatever the caller's row says (households/pinyin.py).
        pks = insert_rows(Member, [{"created_at": self.now, "updated_at": self.now, **row,
                                    "name_pinyin": name_pinyin(row["name"])} for row in rows],
                          return_ids=True)
        relations = vocabulary.labels_of(Member, "relation")
        for row, pk in zip(rows, pks):
            self.event(household_id=row["household_id"], member_id=pk, kind=EventKind.MEMBER_ADDED, field="members",
                       new=vocabulary.member_added_value(row["name"], row.get("relation", ""), relations))
        self._changed.update(row["household_id"] for row in rows)
        return pks

    def members_update(self, changes: list[tuple[int, int, dict, dict]]) -> None:
        """[(member pk, household pk, {field: new}, {field: old})]. A member now deceased or moved away ends
        the assistance paid to that person alone, today (as members_status_change does)."""
        by_fields: dict[tuple, list] = {}
        for pk, _household, new, _old in changes:
            kept = {"name_pinyin": name_pinyin(new["name"])} if "name" in new else {}
            member = Member(pk=pk, updated_at=self.now, **new, **kept)
            fill_derived(member)  # the keyed hashes of a changed ID number (bulk_update calls no pre_save)
            by_fields.setdefault(tuple(with_derived(Member, sorted([*new, *kept]))), []).append(member)
        for fields, objects in by_fields.items():
            Member.objects.bulk_update(objects, [*fields, "updated_at"], batch_size=WRITE_BATCH)
        self._field_events(Member, ((household, pk, new, old) for pk, household, new, old in changes))
        gone = {pk: new["status"] for pk, _household, new, _old in changes
                if new.get("status") not in (None, MemberStatus.PRESENT)}
        if gone:
            self.assistance_end_for_members(gone)
        self._changed.update(household for _pk, household, _new, _old in changes)

    # ------------------------------------------------------------------ assistance
    def _at(self, day: dt.date, backdate: bool) -> dt.datetime:
        """When a record's history says it happened: now, or (for history the generator makes) its own day."""
        return timezone.make_aware(dt.datetime.combine(day, dt.time(9))) if backdate else self.now

    def assistance_create(self, records: list[AssistanceRecord], *, backdate: bool = False) -> None:
        """Assistance records (unsaved); a 开始享受救助 event for each still running."""
        pks = insert_rows(AssistanceRecord, [{"created_at": self.now, **row_of(r)} for r in records], return_ids=True)
        for record, pk in zip(records, pks):
            record.pk = pk
            if record.end_date is None or record.end_date >= self.today:
                self.event(household_id=record.household_id, member_id=record.member_id,
                           kind=EventKind.ASSISTANCE_STARTED, field="assistance", new=record.get_type_display(),
                           data={"record": pk, "start": record.start_date.isoformat(),
                                 "amount": str(record.monthly_amount)},
                           at=self._at(record.start_date, backdate))
        self._touched.update(r.household_id for r in records)

    def assistance_end_for_members(self, statuses: dict[int, str]) -> None:
        """End today the running assistance paid to these members alone ({member pk: new status})."""
        running = list(AssistanceRecord.objects.running(self.today).filter(member_id__in=statuses,
                                                                           end_date__isnull=True))
        labels = dict(MemberStatus.choices)
        for record in running:
            note = _("成员%(s)s") % {"s": labels.get(statuses[record.member_id], "")}
            record.end_date = self.today
            record.note = (f"{record.note}；{note}" if record.note else note)[:200]
            self.event(household_id=record.household_id, member_id=record.member_id,
                       kind=EventKind.ASSISTANCE_ENDED, field="assistance", old=record.get_type_display(),
                       data={"record": record.pk, "end": self.today.isoformat(), "note": note})
        AssistanceRecord.objects.bulk_update(running, ["end_date", "note"], batch_size=WRITE_BATCH)
        self._touched.update(r.household_id for r in running)

    # ------------------------------------------------------------------ the lists
    def _tags(self, codes: Iterable[str]) -> dict[str, int]:
        codes = set(codes)
        tags = dict(FocusReasonTag.objects.filter(code__in=codes).values_list("code", "pk"))
        for code in codes - set(tags):
            tags[code] = FocusReasonTag.objects.get_or_create(code=code)[0].pk
        return tags

    def roster_enter(self, entries: list[tuple[RosterEntry, list[str]]], *, reason: str = "",
                     backdate: bool = False) -> None:
        """New roster entries (unsaved, with their reason codes), each with its history and event. An entry
        that has already ended (history the generator makes) also records its exit."""
        tags = self._tags(code for _entry, reasons in entries for code in reasons)
        pks = insert_rows(RosterEntry, [{"created_at": self.now, "updated_at": self.now, **row_of(e)}
                                        for e, _reasons in entries], return_ids=True)
        through = RosterEntry.reasons.through
        links, history = [], []
        for (entry, reasons), pk in zip(entries, pks):
            entry.pk = pk
            links.extend(through(rosterentry_id=pk, focusreasontag_id=tags[code]) for code in reasons)
            entered_at = self._at(entry.entered_on, backdate)
            history.append(RosterChange(entry_id=pk, kind=RosterChangeKind.ENTERED, actor_id=entry.entered_by_id,
                                        at=entered_at, reason=reason[:300],
                                        changes={"reasons": [None, reasons], "target_kind": [None, entry.target_kind],
                                                 "cadence": [None, entry.cadence]}))
            self.event(household_id=entry.household_id, kind=EventKind.ROSTER_ENTERED, field="roster",
                       new=f"{entry.get_target_kind_display()}：{vocabulary.reasons_label(reasons)}",
                       data={"entry": pk, "reasons": reasons}, at=entered_at, actor_id=entry.entered_by_id)
            if entry.exited_on:
                exited_at = self._at(entry.exited_on, backdate)
                history.append(RosterChange(entry_id=pk, kind=RosterChangeKind.EXITED, actor_id=entry.exited_by_id,
                                            reason=entry.exit_reason, at=exited_at,
                                            changes={"exited_on": [None, entry.exited_on.isoformat()]}))
                self.event(household_id=entry.household_id, kind=EventKind.ROSTER_EXITED, field="roster",
                           old=entry.get_target_kind_display(), new=entry.exit_reason, data={"entry": pk},
                           at=exited_at, actor_id=entry.exited_by_id)
        through.objects.bulk_create(links, batch_size=5 * WRITE_BATCH)
        RosterChange.objects.bulk_create(history, batch_size=WRITE_BATCH)
        self._touched.update(entry.household_id for entry, _reasons in entries)

    def roster_change(self, changes: list[tuple[int, int, dict, dict, list[str] | None]], *, reason: str = "") -> None:
        """[(entry pk, household pk, {field: new}, {field: old}, new reason codes or None)]."""
        tags = self._tags(code for *_rest, reasons in changes if reasons for code in reasons)
        through = RosterEntry.reasons.through
        relinked = [entry_pk for entry_pk, *_rest, reasons in changes if reasons is not None]
        for start in range(0, len(relinked), WRITE_BATCH):
            through.objects.filter(rosterentry_id__in=relinked[start:start + WRITE_BATCH]).delete()
        by_fields: dict[tuple, list] = {}
        links, history = [], []
        for entry_pk, household_pk, values, old, reasons in changes:
            if values:
                by_fields.setdefault(tuple(sorted(values)), []).append(
                    RosterEntry(pk=entry_pk, updated_at=self.now, version=F("version") + 1, **values))
            if reasons is not None:
                links.extend(through(rosterentry_id=entry_pk, focusreasontag_id=tags[code]) for code in reasons)
            diff = {k: [_json(old.get(k)), _json(v)] for k, v in values.items()}
            if reasons is not None:
                diff["reasons"] = [old.get("reasons"), reasons]
            history.append(RosterChange(entry_id=entry_pk, kind=RosterChangeKind.CHANGED, actor_id=self.actor_id,
                                        at=self.now, changes=diff, reason=reason[:300]))
            self.event(household_id=household_pk, kind=EventKind.ROSTER_CHANGED, field="roster",
                       old=", ".join(sorted(diff)), new=reason, data={"entry": entry_pk, "changes": diff})
        for fields, objects in by_fields.items():
            RosterEntry.objects.bulk_update(objects, [*fields, "updated_at", "version"], batch_size=WRITE_BATCH)
        through.objects.bulk_create(links, batch_size=5 * WRITE_BATCH)
        RosterChange.objects.bulk_create(history, batch_size=WRITE_BATCH)
        self._touched.update(household_pk for _e, household_pk, *_rest in changes)

    def observation_add(self, entries: list[ObservationEntry], *, backdate: bool = False) -> None:
        pks = insert_rows(ObservationEntry, [row_of(e) for e in entries], return_ids=True)
        for entry, pk in zip(entries, pks):
            entry.pk = pk
            self.event(household_id=entry.household_id, member_id=entry.member_id, kind=EventKind.OBSERVATION_ADDED,
                       field="observation", new=entry.reason_not_eligible,
                       data={"entry": pk, "next_review_on": _json(entry.next_review_on)},
                       at=self._at(entry.decided_on, backdate),
                       actor_id=entry.decided_by_id)
        self._touched.update(e.household_id for e in entries)

    # ------------------------------------------------------------------ the end
    def finish(self) -> None:
        """Write the events, move on the version of households changed through their members, refresh the
        list's kept copies of every household touched."""
        from .services import household_refresh_flags

        self._flush_events()
        grown = sorted(self._changed - self._versioned)
        for start in range(0, len(grown), WRITE_BATCH):
            Household.objects.filter(pk__in=grown[start:start + WRITE_BATCH]).update(
                version=F("version") + 1, updated_at=self.now)
        self._versioned.update(grown)
        if self._touched:
            household_refresh_flags(self._touched, on=self.today)
        self._touched, self._changed = set(), set()
