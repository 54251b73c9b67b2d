"""Sections other apps add to the worklist (走访任务), as RELIEF_HOUSEHOLD_SECTIONS does for the household page.

Each app lists a function `sections(request, village_ids, today) -> list[WorklistSection]` in
settings.RELIEF_WORKLIST_SECTIONS (plans: the focused screening campaigns 集中排查). The worklist's front page
renders them after its own sections, in `order`. `village_ids` are the villages the worklist shows (the user's,
or the one chosen in its filter); a section lists only families of those villages, uses a fixed number of
queries per section whatever their number, and its count equals the rows of the list its "more" link opens.
Visits imports no app above it: the sections are found by name.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.utils.module_loading import import_string


@dataclass
class WorklistSection:
    title: str
    template: str
    context: dict = field(default_factory=dict)
    order: int = 100


def worklist_sections(request, village_ids, today: dt.date) -> list[WorklistSection]:
    found = []
    for path in getattr(settings, "RELIEF_WORKLIST_SECTIONS", []):
        found.extend(import_string(path)(request, village_ids, today))
    return sorted(found, key=lambda s: s.order)
