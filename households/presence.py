"""Which kinds of a household's records it has any of, in one query, so that the household page reads only those.

Most families have no lead, referral, need, plan item, service record or alert, and many no roster or observation
entry yet. Each kind is read by its own section (households/sections.py) through a select of several joins that
Django builds, compiles and PostgreSQL plans whatever it finds: for a family with few records most of the page's
time went to reads that found nothing. One row of EXISTS, one index probe per kind, says which to skip.

The kinds are settings.RELIEF_HOUSEHOLD_RECORDS (model labels: households may not import the apps above it); the
answer is asked once per page and kept on the household object the page passes to its sections.
"""
from __future__ import annotations

from collections.abc import Callable

from django.apps import apps
from django.conf import settings
from django.db import connection
from django.db.models import Prefetch, QuerySet, prefetch_related_objects

_KEPT_ON = "_record_kinds"


def record_kinds_of(household) -> frozenset[str]:
    """The labels (of settings.RELIEF_HOUSEHOLD_RECORDS) of the kinds the household has a record of."""
    kinds = getattr(household, _KEPT_ON, None)
    if kinds is None:
        labels = list(settings.RELIEF_HOUSEHOLD_RECORDS)
        quote = connection.ops.quote_name
        probes = []
        for label in labels:
            meta = apps.get_model(label)._meta
            probes.append(f"EXISTS (SELECT 1 FROM {quote(meta.db_table)} "
                          f"WHERE {quote(meta.get_field('household').column)} = %s)")
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {', '.join(probes)}", [household.pk] * len(probes))
            row = cursor.fetchone()
        kinds = frozenset(label for label, present in zip(labels, row) if present)
        setattr(household, _KEPT_ON, kinds)
    return kinds


def has_records(household, model) -> bool:
    """Whether the household has any record of the model: True for a kind the setting does not name."""
    label = model._meta.label
    return label not in settings.RELIEF_HOUSEHOLD_RECORDS or label in record_kinds_of(household)


def may_have(household, model) -> bool:
    """has_records for a household whose kinds were probed already (the household page's); True, unasked, for one
    read elsewhere, whose page reads the records rather than pay a probe for them."""
    return getattr(household, _KEPT_ON, None) is None or has_records(household, model)


def listed(household, model, build: Callable[[], QuerySet]) -> list:
    """The household's records of one kind: the rows of `build()`, or [] without a word to the database, nor
    the building and compiling of the select, when the household has no record of the kind."""
    return list(build()) if has_records(household, model) else []


def prefetch_present(household, **lookups: Callable[[], QuerySet]) -> None:
    """prefetch_related_objects for one household: each related name with the build of the queryset to prefetch
    it with, built only for a kind the household has records of; a kind it has none of is set to none as a
    prefetch leaves it (the related manager's all() then reads the empty list, unasked)."""
    wanted = []
    for name, build in lookups.items():
        manager = getattr(household, name)  # a reverse foreign key's related manager
        if has_records(household, manager.model):
            wanted.append(Prefetch(name, queryset=build()))
            continue
        empty = manager.model._default_manager.none()
        empty._result_cache, empty._prefetch_done = [], True  # as prefetch_one_level leaves a queryset it filled
        if not hasattr(household, "_prefetched_objects_cache"):
            household._prefetched_objects_cache = {}
        household._prefetched_objects_cache[manager.field.remote_field.cache_name] = empty
    if wanted:
        prefetch_related_objects([household], *wanted)
