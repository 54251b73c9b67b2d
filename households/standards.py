"""Which 低保 standard applies — the one rule, used by the registry, the alert scan and policy matching.

A district publishes a monthly amount per person from a date: one for town and country (城乡统一), or one
each for urban and rural residents. On a day, a household is measured against the newest standard effective
then among its own area's and the unified one, so a district that moves from separate standards to a unified
one is measured by the new unified amount from its first day. On the same day the household's own area
wins. An unrecorded hukou type is compared only with a unified standard: the urban or rural one would be a
guess.
"""
from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Iterable

from relief import data_version, figure_cache
from relief.request_memo import memo

from .models import DibaoStandard, HukouType, StandardArea

# The figure-cache topic of the standards: replaced whenever one is saved or deleted (households/signals.py).
STANDARDS_TOPIC = data_version.topic("standards")

_AREA_OF_HUKOU = {HukouType.URBAN: StandardArea.URBAN, HukouType.RURAL: StandardArea.RURAL}


class StandardTable:
    """The standards of some districts, by district and area in date order, asked "which applies on a day"."""

    def __init__(self, standards: Iterable[DibaoStandard]):
        self._by_key: dict[tuple[int, str], list[DibaoStandard]] = {}
        for standard in sorted(standards, key=lambda s: s.effective_from):
            self._by_key.setdefault((standard.district_id, standard.area), []).append(standard)
        self._dates = {key: [s.effective_from for s in rows] for key, rows in self._by_key.items()}

    @classmethod
    def load(cls, *, districts=None, day: dt.date | None = None) -> StandardTable:
        """One query: every standard ever (for questions about past days), or only those in force on `day`
        (kept in the figure cache). Once per request: the household page and its sections ask for the same
        district and day."""
        ids = None if districts is None else frozenset(getattr(d, "pk", d) for d in districts)

        def load() -> StandardTable:
            qs = DibaoStandard.objects.all() if day is None else DibaoStandard.objects.in_force(day)
            qs = qs.select_related("district")
            if ids is not None:
                qs = qs.filter(district__in=ids)
            return cls(qs)

        if ids is None or day is None:
            return memo(("dibao-standards", ids, day), load)
        # A district's standards in force on a day change about once a year: every household page would
        # otherwise read the same rows again.
        key = f"{figure_cache.scope_key(ids)}:{day.isoformat()}"
        return memo(("dibao-standards", ids, day),
                    lambda: figure_cache.cached(STANDARDS_TOPIC, key, load, ttl=300))

    @property
    def district_ids(self) -> set[int]:
        return {district_id for district_id, _area in self._by_key}

    def _latest(self, district_id, area: str, day: dt.date) -> DibaoStandard | None:
        dates = self._dates.get((district_id, area))
        if not dates:
            return None
        i = bisect.bisect_right(dates, day)
        return self._by_key[(district_id, area)][i - 1] if i else None

    def applying(self, district_id, hukou_type: str, day: dt.date) -> DibaoStandard | None:
        unified = self._latest(district_id, StandardArea.UNIFIED, day)
        area = _AREA_OF_HUKOU.get(hukou_type)
        own = self._latest(district_id, area, day) if area else None
        if own is None or (unified is not None and unified.effective_from > own.effective_from):
            return unified
        return own
