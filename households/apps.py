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

        # Phone and ID numbers are encrypted in their columns (households/pii_fields.py): the change log keeps
        # their last 4 characters only (AUDITLOG_MASK_CALLABLE), never the whole number in clear.
        auditlog.register(models.Household, mask_fields=["phone"])
        # Both masked (AUDITLOG_MASK_CALLABLE): together they rebuild most of the number.
        # name_pinyin is the writer's copy of the name, the id_* hashes the field's own, not facts anyone changed.
        auditlog.register(models.Member, mask_fields=["id_number", "birth_date"],
                          exclude_fields=["name_pinyin", "id_hash", "id_head6", "id_tail4", "id_tail6"])
        auditlog.register(models.AssistanceRecord)
        auditlog.register(models.RosterEntry, m2m_fields={"reasons"})
        auditlog.register(models.ObservationEntry)
        auditlog.register(models.DibaoStandard)
        for model in (models.QuarterlyCheckEntry, models.QuarterlyCheck, models.WrittenRefusal,
                      models.WholeHouseholdCheck, models.CareFollowUp):
            auditlog.register(model)
        auditlog.register(models.CareAgreement, mask_fields=["carer_phone"])
        register_audit_search(audit_search_q)
