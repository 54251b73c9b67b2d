"""The demo district exactly as `make run` loads it (relief.demo.load_demo_district and every function in
settings.RELIEF_DEMO_LOADERS), for tests that must see what a user of the demo sees.

One place for that loading: the module-scoped `full_demo` fixture (tests/conftest.py, through
`replayed_full_demo`) and the browser journeys call `load_full_demo()`.
"""
from types import SimpleNamespace

from django.conf import settings
from django.test import TestCase
from django.utils.module_loading import import_string


def load_full_demo() -> SimpleNamespace:
    from relief.demo import load_demo_district, loader_accounts

    # Run what the loaders leave for after their commit (needs copied from visits, policy matching) as
    # `make run` does, also when the loading happens inside a test's transaction.
    with TestCase.captureOnCommitCallbacks(execute=True):
        users = {u.username: u for u in load_demo_district()}
        for path in settings.RELIEF_DEMO_LOADERS:
            import_string(path)()
        # Accounts the loaders add (the 社保所 of township 1, `shebao1`).
        users.update({u.username: u for u in loader_accounts(list(users.values()))})
    return SimpleNamespace(users=users)


_FULL_DEMO_USERNAMES: list[str] = []


def replayed_full_demo() -> SimpleNamespace:
    """`load_full_demo()`, built once per session and replayed after that (tests/snapshots.py): the module-scoped
    `full_demo` fixture starts from the same database state in every module that uses it."""
    from relief.models import User
    from tests.snapshots import replayed

    def load():
        _FULL_DEMO_USERNAMES[:] = list(load_full_demo().users)

    replayed("full_demo", load)
    users = User.objects.filter(username__in=_FULL_DEMO_USERNAMES).order_by("pk")
    return SimpleNamespace(users={u.username: u for u in users})
