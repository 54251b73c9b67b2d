from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlansConfig(AppConfig):
    name = "plans"
    verbose_name = _("政策库、资源库、一户一策与工作队伍")

    def ready(self):
        from auditlog.registry import auditlog

        from visits.signals import visit_logged

        from . import models
        from .receivers import queue_needs_copy

        auditlog.register(models.Policy, m2m_fields={"areas"})
        auditlog.register(models.PolicyCondition)
        auditlog.register(models.Resource, m2m_fields={"villages"})
        auditlog.register(models.Project, m2m_fields={"villages"})
        auditlog.register(models.Need)
        auditlog.register(models.PlanItem)
        auditlog.register(models.PlanProgress)
        auditlog.register(models.TeamMember, m2m_fields={"villages"})
        for model in (models.ServiceRecord, models.ServiceGoal, models.ServiceNote, models.ServiceContact):
            auditlog.register(model)
        auditlog.register(models.AdviserPost)
        auditlog.register(models.AdviserPostPerson)
        auditlog.register(models.Campaign, m2m_fields={"villages"})
        visit_logged.connect(queue_needs_copy, dispatch_uid="plans.queue_needs_copy")
        from .team_signals import connect_team_changes

        connect_team_changes()

        from .service_kinds import register_alert_reasons

        register_alert_reasons()
