"""The demo district exactly as `make run` loads it, for tests that must see what a user sees."""
from django.conf import settings
from django.utils.module_loading import import_string


def load_full_demo_district():
    """Jurisdictions, staff and every app's demo loader, in the order `manage.py load_demo` runs them."""
    from relief.demo import load_demo_district

    users = {user.username: user for user in load_demo_district()}
    for path in settings.RELIEF_DEMO_LOADERS:
        import_string(path)(stdout=None)
    return users
