"""Sections other apps add to the household page ("one household, one page" 一户一页).

Each app lists a function `section(request, household) -> HouseholdSection | None` in
settings.RELIEF_HOUSEHOLD_SECTIONS (visits, alerts, leads and referrals, plans...). The household page
renders them in order; the print view too, unless `printable` is False. A section must only show what
the requesting user may see (the household itself is already within their jurisdiction) and should use
a fixed number of queries whatever the household's size.
"""
from dataclasses import dataclass, field

from django.conf import settings
from django.utils.module_loading import import_string


@dataclass
class HouseholdSection:
    title: str
    template: str
    context: dict = field(default_factory=dict)
    order: int = 100
    printable: bool = True


def household_sections(request, household) -> list[HouseholdSection]:
    sections = [import_string(path)(request, household) for path in settings.RELIEF_HOUSEHOLD_SECTIONS]
    return sorted((s for s in sections if s is not None), key=lambda s: s.order)
