"""What every page shows and changes seldom (the navigation's alert badge and home card, the policy library),
kept per scope and current after every write.

A value is kept with the stamp of its topic it was computed under (relief/data_version.py); the services
that write the topic's records call `changed(topic)`, which replaces the stamp when their transaction
commits. A reader whose kept stamp is not the current one computes afresh, so a figure is never older than
the last committed write; a reader inside a transaction that has changed the topic computes without keeping
(its own changes are not committed yet). `TTL` bounds what no service announces (a household moving village
moves its alerts' count between scopes). When the cache is unreachable, the value is computed each time:
pages keep answering, only slower.
"""
from __future__ import annotations

import hashlib
import logging
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from typing import TypeVar

from django.core.cache import cache

from . import data_version

logger = logging.getLogger(__name__)
T = TypeVar("T")

TTL = 30  # seconds


def changed(topic: str) -> None:
    """Records that the figures of `topic` count have changed: kept figures of every scope are stale once
    the writing transaction commits."""
    data_version.records_changed(topic)


def scope_key(ids: Iterable[int]) -> str:
    """A short key naming a set of jurisdiction ids (a user's scope)."""
    return hashlib.blake2b(",".join(map(str, sorted(ids))).encode(), digest_size=12).hexdigest()


def cached(topic: str, key: str, compute: Callable[[], T], *, ttl: int = TTL) -> T:
    """`compute()` for this key of the topic, from the cache while no write of the topic has committed since."""
    if data_version.changed_here(topic):
        return compute()
    figure_key = f"relief:figure:{topic}:{key}"
    try:
        got = cache.get_many([data_version.key(topic), figure_key])
    except Exception:  # noqa: BLE001 — a cache outage must not fail the page
        logger.warning("figure cache unreachable: computing %s", topic, exc_info=True)
        return compute()
    stamp = data_version.stamp_in(got, topic)
    stored = got.get(figure_key)
    if stored is not None and stored[0] == stamp:
        return stored[1]
    value = compute()
    try:
        cache.set(figure_key, (stamp, value), ttl)
    except Exception:  # noqa: BLE001
        logger.warning("figure cache unreachable: %s not kept", topic, exc_info=True)
    return value


# Values kept in this process, for what is too big to fetch from the cache and unpickle on every look (a
# caseworker's worklist sections, thousands of rows): (topic, key) -> (stamp, expiry, value), the least
# recently read dropped beyond LOCAL_ENTRIES.
LOCAL_ENTRIES = 64
_local: OrderedDict = OrderedDict()


def kept_in_process(topic: str, key: str, compute: Callable[[], T], *, ttl: int = TTL) -> T:
    """`compute()` kept in this process while the topic's stamp is unchanged (one small cache read per
    look); current after every committed write, like `cached`. The value is shared by the process's later
    readers: they must not change it."""
    if data_version.changed_here(topic):
        return compute()
    try:
        stamp = data_version.current(topic)
    except Exception:  # noqa: BLE001 — a cache outage must not fail the page
        logger.warning("figure cache unreachable: computing %s", topic, exc_info=True)
        return compute()
    entry_key, now = (topic, key), time.monotonic()
    kept = _local.get(entry_key)
    if kept is not None and kept[0] == stamp and kept[1] > now:
        _local.move_to_end(entry_key)
        return kept[2]
    value = compute()
    _local[entry_key] = (stamp, now + ttl, value)
    _local.move_to_end(entry_key)
    while len(_local) > LOCAL_ENTRIES:
        _local.popitem(last=False)
    return value
