from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReliefConfig(AppConfig):
    name = "relief"
    verbose_name = _("核心：辖区、账号与审计")

    def ready(self):
        from . import signals  # noqa: F401  (connects login/logout audit receivers)
        # The sign-in clocks start at every login, the first one in a process included: the middleware that would
        # otherwise import the module (and connect its receiver) loads only with the first request.
        from . import signin  # noqa: F401
        from .choice_labels import install as install_choice_labels

        install_choice_labels()  # every app's models are loaded before any ready() runs
        from django.core import checks
        from django.db.backends.signals import connection_created

        from .audit_archive import check_settings, check_triggers
        from .audit_chain import install_guards
        from .audit_triggers import register_sqlite_gate

        # The audit log as evidence: the ORM refuses changes, entries join the chain as they commit, SQLite
        # connections get the gate function their triggers call, and the settings are checked at start.
        install_guards()
        connection_created.connect(register_sqlite_gate, dispatch_uid="relief-audit-gate")
        checks.register(check_settings)
        checks.register(check_triggers, checks.Tags.database)
        from .tempfiles import install_openpyxl_spool

        install_openpyxl_spool()
        from auditlog.registry import auditlog

        from .models import Jurisdiction, User

        auditlog.register(Jurisdiction)
        auditlog.register(User, exclude_fields=["password", "last_login"])
