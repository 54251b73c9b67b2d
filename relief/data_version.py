"""A stamp of the records that the dashboards count, replaced whenever a service changes them.

Figures kept across requests (the ledgers dashboard keeps its numbers for a minute) are stored under the
stamp they were counted with and read only while it is still the current one. A writer calls
`records_changed()` inside its transaction; the stamp is replaced when that transaction commits, not
before: a page counted before the commit stored its numbers under the old stamp, which nobody reads again,
and a database cache row written inside the transaction would hold every other writer until the commit.

Until the commit, the writer's own connection still sees a stamp its changes are not counted in:
`changed_here()` says so, and the reader counts afresh without keeping the result (a page rendered after a
write in the same transaction, and every test, which runs inside one transaction that never commits).

Writers that call it: households (`household_refresh_flags`, which every change of assistance, roster or
observation list goes through, and household create/update), visits (through `visit_logged`, heard by
ledgers), the overdue scan, and the referral services. Anything else (an alert handled in the inbox, an
edit in the Django admin) is counted again when the kept figures expire.
"""
from __future__ import annotations

import logging
import uuid

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

log = logging.getLogger(__name__)

# Far longer than anything is kept under a stamp: once it expires, it reads as the initial one again, and
# nothing kept under that is still there.
STAMP_SECONDS = 7 * 24 * 3600


# The records the dashboards count. Other topics stamp what smaller figures count (relief/figure_cache.py).
RECORDS = "records"
_TOPICS: set[str] = {RECORDS}


def topic(name: str) -> str:
    """Names a topic of its own stamp (its writers call `records_changed(name)`), known to `read_stamp`."""
    _TOPICS.add(name)
    return name


def key(topic: str = RECORDS) -> str:
    """The cache key of the stamp, for readers that fetch it together with their own keys (`get_many`).
    Tests give each test a key of its own (tests/conftest.py): kept figures outlive a rolled-back test."""
    base = getattr(settings, "RELIEF_DATA_VERSION_KEY", "relief:data_version")
    return base if topic == RECORDS else f"{base}:{topic}"


def records_changed(topic: str = RECORDS) -> None:
    """The records behind the dashboards (or `topic`) changed in this transaction: replace the stamp when it
    commits (at once outside a transaction). Once per transaction, however many records it writes."""
    if not changed_here(topic):
        transaction.on_commit(_Replace(topic))


class _Replace:
    """The commit callback that replaces the stamp; once it has run, the changes it stands for are counted in
    whatever is counted next."""

    def __init__(self, topic: str):
        self.topic, self.done = topic, False

    def __call__(self) -> None:
        self.done = True
        # The rest of the request reads the new stamp, not the one it read before its own write committed.
        request_stamps().pop(self.topic, None)
        try:
            cache.set(key(self.topic), uuid.uuid4().hex, STAMP_SECONDS)
        except Exception:  # the cache is down: kept figures expire on their own
            log.warning("could not replace the data version stamp", exc_info=True)


def stamp_in(values: dict, topic: str = RECORDS) -> str:
    """The current stamp, from the values of a `cache.get_many` that asked for `key()`. A stamp never set
    (or evicted) reads as the initial one of its key: figures kept under it are at most one expiry old, like
    any kept figure."""
    return values.get(key(topic)) or f"initial:{key(topic)}"


def request_stamps() -> dict:
    """The stamps this request has read, by topic (relief/request_memo.py): a page reads each topic's stamp
    once, however many kept figures it shows. Outside a request, an empty dict each time."""
    from .request_memo import memo

    return memo("relief.data_version.stamps", dict)


def read_stamp(topic: str, *other_keys: str) -> tuple[str, dict]:
    """(the topic's current stamp, the cache's values of other_keys), in one round trip. Within a request it
    also reads the stamps of every topic the request has not read yet (`topic()`), and keeps them all for the
    rest of the request: a page that shows figures of five topics reads their stamps together, not one by one."""
    from .request_memo import in_request

    stamps = request_stamps()
    wanted = {topic} | (_TOPICS - stamps.keys() if in_request() else set())
    got = cache.get_many([key(t) for t in sorted(wanted)] + list(other_keys))
    for each in wanted:
        stamps[each] = stamp_in(got, each)
    return stamps[topic], got


def request_stamp(topic: str = RECORDS) -> str:
    """The topic's current stamp, read once per request."""
    stamp = request_stamps().get(topic)
    return stamp if stamp is not None else read_stamp(topic)[0]


def changed_here(topic: str = RECORDS) -> bool:
    """Has this connection's open transaction changed records whose stamp it has not replaced yet?"""
    connection = transaction.get_connection()
    return connection.in_atomic_block and any(
        isinstance(entry[1], _Replace) and entry[1].topic == topic and not entry[1].done
        for entry in connection.run_on_commit)
