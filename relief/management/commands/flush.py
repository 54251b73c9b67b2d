"""`manage.py flush`, which Django's tests run between transactional test cases: on a test database only, it
opens the audit tables' `flush` gate (relief/audit_triggers.py) for itself, so their triggers let it empty
them. On any other database the triggers refuse, and the audit log survives a flush by mistake."""
from pathlib import Path

from django.core.management.commands.flush import Command as FlushCommand
from django.db import connections

from relief.audit_triggers import gate_open


def is_test_database(connection) -> bool:
    # Django's test databases: the configured TEST NAME, or the default "test_" prefix.
    name = str(connection.settings_dict.get("NAME") or "")
    test_name = (connection.settings_dict.get("TEST") or {}).get("NAME")
    return bool(name) and (name == str(test_name or "") or Path(name).name.startswith("test_"))


class Command(FlushCommand):
    def handle(self, **options):
        connection = connections[options.get("database") or "default"]
        if not is_test_database(connection):
            return super().handle(**options)
        with gate_open("flush", connection):
            return super().handle(**options)
