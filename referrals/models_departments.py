"""Several departments on one case — 综合评估、一门受理、协同办理 (seed 002 §一(三)).

At intake (a walk-in at the service centre, or the township's review of a lead or referral) the township makes
a comprehensive assessment (综合评估) of the family's needs and proposes measures (综合实施社会救助措施意见),
each for a department. The departments then handle the case in parallel, each item with its own deadline and
decision; the case is finished when every item is decided, and the family is told once, with every result.

A department decides its own items where the township has given it an account (relief.models.Role.DEPARTMENT);
otherwise the township's staff record the decision for it (relief.access.decides_department_item).
Written only by referrals/services/departments.py, each write checking `version`.
"""
import datetime as dt

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from relief.models import Jurisdiction

from .models import Department, OutcomeAssistance


class AssessmentIntake(models.TextChoices):
    WALK_IN = "walk_in", _("服务中心来访（一门受理）")
    REVIEW = "review", _("乡镇审核线索/转办")


class ItemStatus(models.TextChoices):
    PENDING = "pending", _("办理中")
    APPROVED = "approved", _("同意")
    REFUSED = "refused", _("不同意")


DECIDED_ITEM_STATUSES = (ItemStatus.APPROVED, ItemStatus.REFUSED)


class AssessmentStage(models.TextChoices):
    """Where a multi-department case stands (from its items and whether the family was told)."""

    HANDLING = "handling", _("部门办理中")
    DECIDED = "decided", _("均已办结·待告知家庭")
    INFORMED = "informed", _("已一次性告知家庭")


class CaseAssessment(models.Model):
    """综合评估: the family's needs and the measures proposed, one per department (DepartmentItem)."""

    referral = models.OneToOneField("referrals.Referral", verbose_name=_("转办"), on_delete=models.CASCADE,
                                    related_name="assessment")
    village = models.ForeignKey(Jurisdiction, verbose_name=_("村/社区"), on_delete=models.PROTECT,
                                related_name="+", limit_choices_to={"level": "village"})
    intake = models.CharField(_("受理方式"), max_length=20, choices=AssessmentIntake.choices,
                              default=AssessmentIntake.REVIEW)
    needs = models.TextField(_("家庭需求"))
    opinion = models.TextField(_("综合实施社会救助措施意见"))
    assessed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("评估人"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    assessed_at = models.DateTimeField(_("评估时间"), default=timezone.now)
    decided_at = models.DateTimeField(_("各部门办结时间"), null=True, blank=True)
    informed_at = models.DateTimeField(_("告知家庭时间"), null=True, blank=True)
    informed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("告知人"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    inform_note = models.TextField(_("告知情况"), blank=True)
    version = models.PositiveIntegerField(_("版本"), default=1)

    class Meta:
        verbose_name = _("综合评估")
        verbose_name_plural = _("综合评估")
        ordering = ["-assessed_at", "-pk"]

    def __str__(self):
        return _("综合评估 · 转办%(r)s") % {"r": self.referral_id}

    @property
    def stage(self) -> str:
        if self.informed_at:
            return AssessmentStage.INFORMED
        return AssessmentStage.DECIDED if self.decided_at else AssessmentStage.HANDLING

    @property
    def stage_label(self) -> str:
        return AssessmentStage(self.stage).label


class DepartmentItemQuerySet(models.QuerySet):
    """One rule each for the queue's filters, its home card and the per-department counts."""

    def pending(self):
        return self.filter(status=ItemStatus.PENDING)

    def decided(self):
        return self.filter(status__in=DECIDED_ITEM_STATUSES)

    def overdue(self, day: dt.date | None = None):
        """Still pending after its deadline day (the deadline day itself is not overdue)."""
        return self.pending().filter(deadline__lt=day or timezone.localdate())

    def not_due(self, day: dt.date | None = None):
        return self.pending().filter(deadline__gte=day or timezone.localdate())


class DepartmentItem(models.Model):
    """部门办理事项: one department's part of a case — the measure proposed, its deadline, the decision."""

    assessment = models.ForeignKey(CaseAssessment, verbose_name=_("综合评估"), on_delete=models.CASCADE,
                                   related_name="items")
    # The case's village and township, copied: jurisdiction checks and the queue read them without a join.
    village = models.ForeignKey(Jurisdiction, verbose_name=_("村/社区"), on_delete=models.PROTECT,
                                related_name="+", limit_choices_to={"level": "village"})
    township = models.ForeignKey(Jurisdiction, verbose_name=_("乡镇/街道"), on_delete=models.PROTECT,
                                 related_name="+", limit_choices_to={"level": "township"})
    department = models.CharField(_("承办部门"), max_length=30, choices=Department.choices, db_index=True)
    measure = models.CharField(_("拟实施的救助措施"), max_length=300)
    assistance_type = models.CharField(_("救助方式"), max_length=20, choices=OutcomeAssistance.choices,
                                       blank=True)
    deadline = models.DateField(_("办理期限"))
    status = models.CharField(_("办理结果"), max_length=20, choices=ItemStatus.choices, default=ItemStatus.PENDING)
    amount = models.DecimalField(_("救助金额（元）"), max_digits=10, decimal_places=2, null=True, blank=True,
                                 validators=[MinValueValidator(0)])
    reason = models.TextField(_("办理意见/不同意的原因"), blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("决定人"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField(_("决定时间"), null=True, blank=True)
    version = models.PositiveIntegerField(_("版本"), default=1)
    created_at = models.DateTimeField(_("交办时间"), default=timezone.now)

    objects = DepartmentItemQuerySet.as_manager()

    class Meta:
        verbose_name = _("部门办理事项")
        verbose_name_plural = _("部门办理事项")
        ordering = ["deadline", "pk"]
        indexes = [models.Index(fields=["township", "department", "status"]),
                   models.Index(fields=["status", "deadline"])]
        constraints = [
            models.UniqueConstraint(fields=["assessment", "department"], name="department_item_once_per_case"),
            models.CheckConstraint(condition=~Q(status="refused") | ~Q(reason=""),
                                   name="department_item_refusal_needs_reason"),
        ]

    def __str__(self):
        return _("%(d)s · 转办%(r)s") % {"d": self.get_department_display(), "r": self.assessment.referral_id}

    @property
    def is_pending(self) -> bool:
        return self.status == ItemStatus.PENDING

    @property
    def is_overdue(self) -> bool:
        return self.is_pending and self.deadline < timezone.localdate()
