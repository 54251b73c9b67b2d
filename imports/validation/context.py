"""What a validation may use besides the file: the importer's villages, groups and caseworkers, and today."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Callable

from django.utils import timezone

from relief.models import Jurisdiction, JurisdictionLevel, Role, User

from ..columns import normalize_header


@dataclass
class Context:
    """What a validation may use: the importer's villages, caseworkers and the feed's description."""

    actor: User
    village_ids: frozenset[int]
    today: dt.date = field(default_factory=timezone.localdate)
    on_progress: Callable[[int], None] | None = None
    _villages: dict | None = None
    _groups: dict | None = None
    _caseworkers: dict | None = None

    def villages(self) -> tuple[dict, dict]:
        """(by code, by name) — a name shared by two villages maps to None (ambiguous)."""
        if self._villages is None:
            by_code, by_name = {}, {}
            for pk, code, name in Jurisdiction.objects.filter(pk__in=self.village_ids).values_list("pk", "code", "name"):
                by_code[code] = pk
                key = normalize_header(name)
                by_name[key] = None if key in by_name else pk
            self._villages = (by_code, by_name)
        return self._villages

    def village_names(self) -> dict:
        if getattr(self, "_village_names", None) is None:
            self._village_names = dict(Jurisdiction.objects.filter(pk__in=self.village_ids).values_list("pk", "name"))
        return self._village_names

    def caseworker_names(self) -> dict:
        return {pk: name for name, pk in self.caseworkers().items() if pk}

    def groups(self) -> dict:
        if self._groups is None:
            groups: dict = {}
            for pk, code, name, parent in Jurisdiction.objects.filter(
                    level=JurisdictionLevel.GROUP, parent__in=self.village_ids).values_list("pk", "code", "name", "parent"):
                groups[(parent, code)] = pk
                groups[(parent, normalize_header(name))] = pk
            self._groups = groups
        return self._groups

    def snapshot(self) -> dict:
        """What this validation took from the context, to compare with a later one (see `matches`)."""
        return {"village_ids": sorted(self.village_ids), "today": self.today, "villages": self._villages,
                "groups": self._groups, "caseworkers": self._caseworkers}

    def matches(self, snapshot: dict) -> bool:
        """Would a validation in this context see what the snapshotted one saw? (Loads the same lookups.)"""
        if snapshot.get("village_ids") != sorted(self.village_ids) or snapshot.get("today") != self.today:
            return False
        loaders = {"villages": self.villages, "groups": self.groups, "caseworkers": self.caseworkers}
        return all(snapshot.get(name) is None or loader() == snapshot[name] for name, loader in loaders.items())

    def caseworkers(self) -> dict:
        if self._caseworkers is None:
            people: dict = {}
            for pk, username, full_name in User.objects.filter(
                    role=Role.CASEWORKER, is_active=True, jurisdiction__in=self.village_ids
            ).values_list("pk", "username", "full_name"):
                people[username] = pk
                if full_name:
                    people[full_name] = None if full_name in people and people[full_name] != pk else pk
            self._caseworkers = people
        return self._caseworkers
