from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReliefConfig(AppConfig):
    name = "relief"
    verbose_name = _("核心：辖区、账号与审计")

    def ready(self):
        from . import signals  # noqa: F401  (connects login/logout audit receivers)
        from .tempfiles import install_openpyxl_spool

        install_openpyxl_spool()
        from auditlog.registry import auditlog

        from .models import Jurisdiction, User

        auditlog.register(Jurisdiction)
        auditlog.register(User, exclude_fields=["password", "last_login"])
