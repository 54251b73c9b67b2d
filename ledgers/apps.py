from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LedgersConfig(AppConfig):
    name = "ledgers"
    verbose_name = _("台账、月结、统计与督导")

    def ready(self):
        from auditlog.registry import auditlog

        from relief.audit import register_detail_value_labels

        from . import models

        register_detail_value_labels("ledger", dict(models.LedgerKind.choices), separator="/")

        auditlog.register(models.SamplingDraw, exclude_fields=["population_ids"])
        auditlog.register(models.SampleItem)
        auditlog.register(models.LedgerSnapshot)
        auditlog.register(models.Inspection)
        auditlog.register(models.Correction)
        for model in (models.AssessmentPlan, models.AssessmentCriterion, models.AssessmentAdjustment,
                      models.SelfAssessment, models.SelfAssessmentItem, models.RosterFiling):
            auditlog.register(model)
        for model in (models.AssistantTraining, models.AssistantInsurance, models.AssistantEquipment,
                      models.AssistantAllowance):
            auditlog.register(model)

        from django.apps import apps

        if apps.is_installed("visits"):
            from visits.signals import visit_logged

            from .receivers import visit_counted

            visit_logged.connect(visit_counted, dispatch_uid="ledgers.visit_counted")
