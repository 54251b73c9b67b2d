from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HouseholdsConfig(AppConfig):
    name = "households"
    verbose_name = _("家庭与重点人群")

    def ready(self):
        from auditlog.registry import auditlog

        from relief.selectors import register_audit_search

        from . import models, signals  # noqa: F401  (signals keep the list's copies)
        from .selectors import audit_search_q

        auditlog.register(models.Household)
        # Both masked (AUDITLOG_MASK_CALLABLE): together they rebuild most of the number.
        # name_pinyin is the writer's copy of the name, not a fact anyone changed: not logged.
        auditlog.register(models.Member, mask_fields=["id_number", "birth_date"], exclude_fields=["name_pinyin"])
        auditlog.register(models.AssistanceRecord)
        auditlog.register(models.RosterEntry, m2m_fields={"reasons"})
        auditlog.register(models.ObservationEntry)
        auditlog.register(models.DibaoStandard)
        for model in (models.QuarterlyCheckEntry, models.QuarterlyCheck, models.WrittenRefusal,
                      models.WholeHouseholdCheck, models.CareAgreement, models.CareFollowUp):
            auditlog.register(model)
        register_audit_search(audit_search_q)
