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

        # households tells of a recorded care agreement (照料协议) by its own signal; the alert it settles closes.
        from households.care import care_agreement_recorded

        from .care_jobs import on_care_agreement_recorded

        care_agreement_recorded.connect(on_care_agreement_recorded, dispatch_uid="alerts_care_agreement_recorded")

        # The reasons of the care-agreement alerts, worded in each reader's language (alerts/reasons.py).
        from .care_jobs import register_reasons

        register_reasons()

        # A household moved to another village takes its alerts along (Alert.village).
        from households.signals import households_moved

        from .receivers import on_households_moved

        households_moved.connect(on_households_moved, dispatch_uid="alerts_households_moved")
