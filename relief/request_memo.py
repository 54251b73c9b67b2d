"""What a request works out once, whichever code asks: `memo(key, compute)`.

The household page is put together by several apps' sections, and each asks for the 低保 standard,
the user's district and the like. Within a request (RequestMemoMiddleware) the first answer is kept
for the rest of it; outside one (a job, a shell) every call computes. Keys name what they hold and
its arguments; values must not be changed by callers.
"""
from __future__ import annotations

import contextvars
from collections.abc import Callable, Hashable
from typing import TypeVar

T = TypeVar("T")
_memo: contextvars.ContextVar[dict | None] = contextvars.ContextVar("relief_request_memo", default=None)


def memo(key: Hashable, compute: Callable[[], T]) -> T:
    store = _memo.get()
    if store is None:
        return compute()
    if key not in store:
        store[key] = compute()
    return store[key]


def in_request() -> bool:
    return _memo.get() is not None


class RequestMemoMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _memo.set({})
        try:
            return self.get_response(request)
        finally:
            _memo.reset(token)
