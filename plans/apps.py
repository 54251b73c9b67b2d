import logging

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

logger = logging.getLogger(__name__)


def _copy_visit_needs(sender, instance, raw=False, **kwargs):
    """After a visit is committed, its needs join the household's needs list (plans.services.needs_from_visit).

    On commit, so a visit that rolls back leaves nothing, and a failure here never undoes a logged visit
    (it is logged; copying again later adds nothing twice). Bulk-created visits (benchmarks) send no signal.
    """
    if raw or not (instance.needs or (instance.needs_text or "").strip()):
        return
    from django.db import transaction

    visit_id = instance.pk

    def copy():
        from .services import needs_from_visit

        try:
            needs_from_visit(visit_id=visit_id)
        except Exception:  # noqa: BLE001 - the visit stands; the needs can be copied again
            logger.exception("could not copy the needs of visit %s into the needs list", visit_id)

    transaction.on_commit(copy)


class PlansConfig(AppConfig):
    name = "plans"
    verbose_name = _("政策库、资源库、一户一策与工作队伍")

    def ready(self):
        from auditlog.registry import auditlog
        from django.db.models.signals import post_save

        from visits.models import Visit

        from . import models

        auditlog.register(models.Policy, m2m_fields={"areas"})
        auditlog.register(models.PolicyCondition)
        auditlog.register(models.Resource, m2m_fields={"villages"})
        auditlog.register(models.Project, m2m_fields={"villages"})
        auditlog.register(models.Need)
        auditlog.register(models.PlanItem)
        auditlog.register(models.PlanProgress)
        auditlog.register(models.TeamMember, m2m_fields={"villages"})
        post_save.connect(_copy_visit_needs, sender=Visit, dispatch_uid="plans.copy_visit_needs")
