"""How to build an object for every routed URL that takes arguments.

tests/test_urls.py walks the URL resolver. For each URL with arguments it needs an object that lies
OUTSIDE the jurisdiction of the test users (village C, in township 2, while the users serve village A
and township 1), to prove they get 404. Each app keeps its own samples in `tests/<app>/url_samples.py`:

    OUTSIDE_OBJECT_KWARGS = {"households:detail": lambda demo: {"pk": make_household(demo.village_c).pk}}
    NOT_JURISDICTIONAL = {"plans:policy_sheet": "the policy library is district-wide; access by role"}

A routed URL with arguments in neither dict fails the test.
"""
from importlib import import_module
from typing import Callable

APPS = ["relief", "households", "alerts", "visits", "referrals", "imports", "ledgers", "plans"]

OUTSIDE_OBJECT_KWARGS: dict[str, Callable] = {}
NOT_JURISDICTIONAL: dict[str, str] = {}

for _app in APPS:
    try:
        _module = import_module(f"tests.{_app}.url_samples")
    except ModuleNotFoundError as exc:
        if exc.name != f"tests.{_app}.url_samples" and exc.name != f"tests.{_app}":
            raise
        continue
    OUTSIDE_OBJECT_KWARGS.update(getattr(_module, "OUTSIDE_OBJECT_KWARGS", {}))
    NOT_JURISDICTIONAL.update(getattr(_module, "NOT_JURISDICTIONAL", {}))
