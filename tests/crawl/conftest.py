import pytest
from django.db import transaction


@pytest.fixture(scope="module")
def demo_district(django_db_setup, django_db_blocker):
    """The full demo district, loaded once for the module and rolled back after it."""
    from tests.demo_district import load_full_demo_district

    with django_db_blocker.unblock():
        with transaction.atomic():
            users = load_full_demo_district()
            yield users
            transaction.set_rollback(True)
