from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VisitsConfig(AppConfig):
    name = "visits"
    verbose_name = _("走访巡查")

    def ready(self):
        from auditlog.registry import auditlog

        from django.db.models.signals import post_delete, post_save

        from . import models
        from .receivers import visit_deleted, visit_saved

        post_save.connect(visit_saved, sender=models.Visit, dispatch_uid="visits.latest_saved")
        post_delete.connect(visit_deleted, sender=models.Visit, dispatch_uid="visits.latest_deleted")

        auditlog.register(models.Visit, m2m_fields={"visitors"})
        auditlog.register(models.VisitPhoto, exclude_fields=["file"])

        # The reasons of the alerts the overdue scan opens, worded in each reader's language (alerts/reasons.py).
        from .alert_reasons import register as register_alert_reasons

        register_alert_reasons()
