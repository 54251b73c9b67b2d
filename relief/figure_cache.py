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
import pickle
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
    """`compute()` for this key of the topic, from the cache while no write of the topic has committed since.

    A value is also kept in this process (`_small`, pickled: each reader gets its own copy, as from the cache)
    beside the stamp it was kept under: a request reads each topic's stamp once (`request_stamps`), and a
    figure this process read or computed under that stamp costs no cache round trip (the home page asks for
    a dozen; each was one)."""
    if data_version.changed_here(topic):
        return compute()
    figure_key = f"relief:figure:{topic}:{key}"
    entry_key, now = (topic, key), time.monotonic()
    stamp = data_version.request_stamps().get(topic)
    if stamp is not None and (pickled := _kept(_small, entry_key, stamp, now)) is not _MISSING:
        return pickle.loads(pickled)
    try:
        if stamp is None:
            stamp, got = data_version.read_stamp(topic, figure_key)
            if (pickled := _kept(_small, entry_key, stamp, now)) is not _MISSING:
                return pickle.loads(pickled)
        else:
            got = cache.get_many([figure_key])
    except Exception:  # noqa: BLE001 — a cache outage must not fail the page
        logger.warning("figure cache unreachable: computing %s", topic, exc_info=True)
        return compute()
    stored = got.get(figure_key)
    if stored is not None and stored[0] == stamp:
        # Kept here for half the time at most: its own expiry in the cache is unknown.
        _keep(_small, SMALL_ENTRIES, entry_key, stamp, now + ttl / 2, pickle.dumps(stored[1]))
        return stored[1]
    value = compute()
    try:
        cache.set(figure_key, (stamp, value), ttl)
    except Exception:  # noqa: BLE001
        logger.warning("figure cache unreachable: %s not kept", topic, exc_info=True)
    _keep(_small, SMALL_ENTRIES, entry_key, stamp, now + ttl, pickle.dumps(value))
    return value


_MISSING = object()


def _kept(store: OrderedDict, entry_key, stamp: str, now: float):
    """The value the store keeps for the key under this stamp and not yet expired, else _MISSING."""
    kept = store.get(entry_key)
    if kept is not None and kept[0] == stamp and kept[1] > now:
        store.move_to_end(entry_key)
        return kept[2]
    return _MISSING


def _keep(store: OrderedDict, size: int, entry_key, stamp: str, expiry: float, value) -> None:
    if store is _small and len(value) > SMALL_MAX_BYTES:
        return  # a big value (a village's watched households) is read from the cache each time, as before
    store[entry_key] = (stamp, expiry, value)
    store.move_to_end(entry_key)
    while len(store) > size:
        store.popitem(last=False)


# Values kept in this process: (topic, key) -> (stamp, expiry, value), the least recently read dropped beyond
# the store's size. `_local` for what is too big to fetch from the cache and unpickle on every look (a
# caseworker's worklist sections, thousands of rows); `_small` for the figures `cached` also keeps in the cache.
LOCAL_ENTRIES = 64
SMALL_ENTRIES = 2048
SMALL_MAX_BYTES = 16 * 1024  # at most 32 MB a process
_local: OrderedDict = OrderedDict()
_small: OrderedDict = OrderedDict()


def kept_in_process(topic: str, key: str, compute: Callable[[], T], *, ttl: int = TTL) -> T:
    """`compute()` kept in this process while the topic's stamp is unchanged (one small cache read per
    request and topic); current after every committed write, like `cached`. The value is shared by the
    process's later readers: they must not change it."""
    if data_version.changed_here(topic):
        return compute()
    try:
        stamp = data_version.request_stamp(topic)
    except Exception:  # noqa: BLE001 — a cache outage must not fail the page
        logger.warning("figure cache unreachable: computing %s", topic, exc_info=True)
        return compute()
    entry_key, now = (topic, key), time.monotonic()
    if (value := _kept(_local, entry_key, stamp, now)) is not _MISSING:
        return value
    value = compute()
    _keep(_local, LOCAL_ENTRIES, entry_key, stamp, now + ttl, value)
    return value
