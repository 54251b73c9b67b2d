"""Sessions read from the cache, kept in the database.

Every signed-in page read its session row: one query of each page's budget (the household page's
under-20 of issue 14). Django's cached_db store saves it, but fails a page when the cache is away at
the moment it refills an entry or forgets one, and keeps an entry for the whole session age. This
store keeps the database row as the truth: a cache that is away costs the query, never the page, and
an entry lives at most ``SESSION_CACHE_SECONDS``, so a session ended while the cache could not be told
(a logout during a Redis outage) stops working within that bound.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib.sessions.backends import cached_db

logger = logging.getLogger("relief.sessions")


def _cache_seconds(expiry_age: int) -> int:
    return max(0, min(expiry_age, getattr(settings, "SESSION_CACHE_SECONDS", 300)))


class SessionStore(cached_db.SessionStore):
    cache_key_prefix = "relief.session."

    def load(self):
        try:
            data = self._cache.get(self.cache_key)
        except Exception:
            logger.warning("session cache unreadable; reading the database", exc_info=True)
            data = None
        if data is not None:
            return data
        row = self._get_session_from_db()
        if row is None:
            return {}
        data = self.decode(row.session_data)
        self._cache_set(data, self.get_expiry_age(expiry=row.expire_date))
        return data

    def save(self, must_create=False):
        # The database first (the parent of cached_db), then the cache, whose failure only costs a query.
        cached_db.DBStore.save(self, must_create)
        self._cache_set(self._session, self.get_expiry_age())

    def delete(self, session_key=None):
        cached_db.DBStore.delete(self, session_key)
        if session_key is None:
            if self.session_key is None:
                return
            session_key = self.session_key
        try:
            self._cache.delete(self.cache_key_prefix + session_key)
        except Exception:
            logger.error("session %s… ended in the database but not in the cache; it lapses within %s s",
                         session_key[:6], _cache_seconds(self.get_expiry_age()), exc_info=True)

    def _cache_set(self, data, expiry_age: int) -> None:
        try:
            self._cache.set(self.cache_key, data, _cache_seconds(expiry_age))
        except Exception:
            logger.warning("session cache unwritable", exc_info=True)
