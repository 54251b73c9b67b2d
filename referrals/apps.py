from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReferralsConfig(AppConfig):
    name = "referrals"
    verbose_name = _("线索与转办")

    def ready(self):
        from auditlog.registry import auditlog

        from . import models

        # subject_pinyin is the writer's copy of subject_name, not a fact anyone changed: not logged; the reporter's
        # contact is encrypted at rest, so not in clear here either.
        auditlog.register(models.Lead, exclude_fields=["subject_pinyin"], mask_fields=["reporter_contact"])
        auditlog.register(models.Referral)
        auditlog.register(models.ReferralStep)
        auditlog.register(models.HotlineWorkOrder)
        auditlog.register(models.StepLimit)
        auditlog.register(models.Patrol, m2m_fields={"staff"})
        auditlog.register(models.PatrolLead)
        for model in (models.NoticeObjection, models.ApprovalRule, models.ApprovalRequest, models.ObjectionHotline):
            auditlog.register(model)

        from django.utils.translation import gettext_lazy as _

        from alerts.sources import register_source

        from . import labels

        # Alerts name a lead (step limits, hotline work orders), a referral (deadlines) or a letter in source_ref.
        register_source("lead", url_name="referrals:lead_detail", label=labels.lead_label)
        register_source("referral", url_name="referrals:detail", label=labels.referral_label)
        register_source("letter", url_name="referrals:letter_detail", label=_("协查函/转办函 {pk}"))
        # The reasons of the alerts this app opens, worded in each reader's language (alerts/reasons.py).
        from .alert_reasons import register as register_alert_reasons

        register_alert_reasons()
        auditlog.register(models.CaseAssessment)
        auditlog.register(models.DepartmentItem)

        from relief.models import register_department_choices

        # The offices a 科室/部门工作人员 account may belong to (relief cannot import this app).
        register_department_choices(models.Department.choices)
