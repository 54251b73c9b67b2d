from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VisitsConfig(AppConfig):
    name = "visits"
    verbose_name = _("走访巡查")

    def ready(self):
        from auditlog.registry import auditlog

        from . import models

        auditlog.register(models.Visit, m2m_fields={"visitors"})
        auditlog.register(models.VisitPhoto, exclude_fields=["file"])
