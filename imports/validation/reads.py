"""The set-based database reads a validation makes, each recorded as a digest of its answer so a confirm can
ask the same questions again (`Reads.still_hold`)."""
from __future__ import annotations

import hashlib

from households import models as hh
from households.selectors import members_with_id_numbers

# The household fields a household file may set: read back for each household it touches, to compare.
HOUSEHOLD_FIELDS = ("village_id", "group_id", "residence_address", "hukou_address", "hukou_type",
                    "residence_differs", "per_capita_income", "medical_expense", "education_expense",
                    "other_expense", "housing", "phone")


# ---------------------------------------------------------------- database reads, recorded
def _read_members(keys, fields) -> dict:
    return {values["id_number"]: values for values in members_with_id_numbers(keys).values(
        "pk", "id_number", "household_id", "household__village_id", *fields)}


def _read_households(keys) -> dict:
    return {values.pop("pk"): values for values in hh.Household.objects.filter(pk__in=keys).values(
        "pk", *HOUSEHOLD_FIELDS)}


def _read_roster_heads(keys) -> dict:
    return {id_number: (household_pk, village_pk) for id_number, household_pk, village_pk in members_with_id_numbers(keys).filter(
        relation=hh.Relation.HEAD).values_list("id_number", "household_id", "household__village_id")}


def _read_open_entries(keys) -> dict:
    entries = {}
    for entry in hh.RosterEntry.objects.filter(household__in=keys, exited_on__isnull=True).values(
            "pk", "household_id", "target_kind", "cadence", "caseworker_id", "note"):
        entry["reasons"] = []
        entries[entry["household_id"]] = entry
    through = hh.RosterEntry.reasons.through
    for household_pk, code in through.objects.filter(rosterentry__in=[e["pk"] for e in entries.values()]).values_list(
            "rosterentry__household_id", "focusreasontag__code"):
        entries[household_pk]["reasons"].append(code)
    for entry in entries.values():
        entry["reasons"].sort()  # a stable order, so the same reasons give the same digest
    return entries


def _read_feed_members(keys, village_ids) -> dict:
    # Matched only within the importer's villages: people registered elsewhere are not theirs to act on.
    return {id_number: (pk, household_pk, village_pk) for id_number, pk, household_pk, village_pk in
            members_with_id_numbers(keys).filter(household__village__in=village_ids).values_list(
                "id_number", "pk", "household_id", "household__village_id")}


READERS = {"members": _read_members, "households": _read_households, "roster_heads": _read_roster_heads,
           "open_entries": _read_open_entries, "feed_members": _read_feed_members}
RECHECK_CHUNK = 5000


def _digest(value) -> bytes:
    # 8 bytes of BLAKE2b over the answer's repr: values()/values_list() give the same repr for the same row.
    return b"" if value is None else hashlib.blake2b(repr(value).encode(), digest_size=8).digest()


class Reads:
    """The database reads a validation depended on: {(reader, params): {key: digest of the answer}}."""

    def __init__(self, seen: dict | None = None):
        self.seen: dict[tuple, dict] = seen if seen is not None else {}

    def fetch(self, name: str, params: tuple, keys) -> dict:
        keys = list(keys)
        if not keys:
            return {}
        result = READERS[name](keys, *params)
        store = self.seen.setdefault((name, params), {})
        for key in keys:
            store[key] = _digest(result.get(key))
        return result

    def still_hold(self) -> bool:
        """Ask every question again, in chunks: True if every answer is what the validation saw."""
        for (name, params), store in self.seen.items():
            keys = list(store)
            for start in range(0, len(keys), RECHECK_CHUNK):
                part = keys[start:start + RECHECK_CHUNK]
                result = READERS[name](part, *params)
                if any(store[key] != _digest(result.get(key)) for key in part):
                    return False
        return True
