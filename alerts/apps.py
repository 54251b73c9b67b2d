from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AlertsConfig(AppConfig):
    name = "alerts"
    verbose_name = _("预警")

    def ready(self):
        from auditlog.registry import auditlog

        from . import models

        auditlog.register(models.Alert)
        auditlog.register(models.AlertRule)
