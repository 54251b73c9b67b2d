"""What every page shows and changes seldom (the navigation's alert badge, the policy library), cached per
scope and invalidated on change.

A figure is stored with the version of its topic it was computed at; the services that write the topic's
records call `changed(topic)`, which sets a new version at once and again when the transaction commits.
A reader whose stored version differs from the current one computes afresh, so a figure is never older
than the last write that committed (a request racing a write stores the old version, which the next
reader discards). `TTL` bounds what no service announces (a household moving village moves its alerts'
count between scopes). With the database cache the version is written in the writer's own transaction;
with Redis the second setting, after commit, closes the window in which a reader could store old rows
under the new version. When the cache is unreachable, the figure is computed each time: pages keep
answering, only slower.
"""
from __future__ import annotations

import hashlib
import logging
import uuid
from collections.abc import Callable, Iterable
from typing import TypeVar

from django.core.cache import cache, caches
from django.core.cache.backends.db import DatabaseCache
from django.db import transaction

logger = logging.getLogger(__name__)
T = TypeVar("T")

TTL = 30  # seconds


def _version_key(topic: str) -> str:
    return f"relief:figure-version:{topic}"


def _set_version(topic: str) -> None:
    try:
        cache.set(_version_key(topic), uuid.uuid4().hex, None)
    except Exception:  # noqa: BLE001 — a cache outage must not fail the write; readers then compute
        logger.warning("figure cache unreachable: %s not invalidated", topic, exc_info=True)


def changed(topic: str) -> None:
    """Records that the figures of `topic` count have changed: cached figures of every scope are stale."""
    _set_version(topic)
    if not isinstance(caches["default"], DatabaseCache) and transaction.get_connection().in_atomic_block:
        transaction.on_commit(lambda: _set_version(topic))


def scope_key(ids: Iterable[int]) -> str:
    """A short key naming a set of jurisdiction ids (a user's scope)."""
    return hashlib.blake2b(",".join(map(str, sorted(ids))).encode(), digest_size=12).hexdigest()


def cached(topic: str, key: str, compute: Callable[[], T], *, ttl: int = TTL) -> T:
    """`compute()` for this key of the topic, from the cache while no write of the topic has happened since."""
    figure_key = f"relief:figure:{topic}:{key}"
    version_key = _version_key(topic)
    try:
        got = cache.get_many([version_key, figure_key])
    except Exception:  # noqa: BLE001
        logger.warning("figure cache unreachable: computing %s", topic, exc_info=True)
        return compute()
    version = got.get(version_key, "")
    stored = got.get(figure_key)
    if stored is not None and stored[0] == version:
        return stored[1]
    value = compute()
    try:
        cache.set(figure_key, (version, value), ttl)
    except Exception:  # noqa: BLE001
        logger.warning("figure cache unreachable: %s not stored", topic, exc_info=True)
    return value
