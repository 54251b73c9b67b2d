import pytest
from django.db import transaction

from .full_demo import load_full_demo


@pytest.fixture(scope="module")
def full_demo(django_db_setup, django_db_blocker):
    """The full demo district, loaded once for a module inside a transaction that is rolled back after it;
    each test runs in a savepoint of its own within it."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            demo = load_full_demo()
        except BaseException:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
            raise
    yield demo
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        atomic.__exit__(None, None, None)
