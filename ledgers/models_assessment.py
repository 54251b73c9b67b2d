"""The district's supervision (issue 16; seeds 002 §三(一)(三), 003 §三, 004 §二(四) §三(三)).

- 年度目标考核: an assessment plan of one owner for a year — the district assesses its townships, a township its
  villages ("将困难群众救助工作列入对村(居)工作的考核") — with criteria, weights summing to 100 and targets.
  Scores are computed from the data (ledgers.selectors_assessment); the owner adds adjustments with a reason.
- 12月初自查评估: each township's self-assessment against its district's plan, submitted and reviewed.
- 花名册备案: each township files the 协理员花名册 (附件3) and the 信息采集组花名册 (附件4) by the district's date,
  as frozen copies (like the monthly closing: the row and its file never change, SHA-256 checked on download).
"""
from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from relief.models import Jurisdiction


class CriterionKind(models.TextChoices):
    ASSISTANTS = "assistants", _("村村配备社会救助协理员")
    VISITS = "visits", _("按时走访")
    LEADS = "leads", _("线索和环节按时限办理")
    SAMPLING = "sampling", _("抽查准确率")
    LEDGERS = "ledgers", _("台账和归类汇总按时报送")
    CAMPAIGNS = "campaigns", _("集中排查覆盖")
    CUSTOM = "custom", _("其他（人工评分）")


# The default criteria of a new plan, with weight and target (%): weights sum to 100.
DEFAULT_CRITERIA = [
    (CriterionKind.ASSISTANTS, 20, 100),
    (CriterionKind.VISITS, 25, 95),
    (CriterionKind.LEADS, 20, 90),
    (CriterionKind.SAMPLING, 20, 95),
    (CriterionKind.LEDGERS, 15, 100),
]


class AssessmentPlan(models.Model):
    """年度目标考核方案: one owner's (a district's or a township's) criteria for a year."""

    owner = models.ForeignKey(Jurisdiction, verbose_name=_("考核单位"), on_delete=models.PROTECT,
                              related_name="assessment_plans")
    year = models.PositiveSmallIntegerField(_("年度"))
    self_assessment_due = models.DateField(_("自查评估截止日期"), null=True, blank=True,
                                           help_text=_("区县方案：各乡镇（街道）12月初提交自查评估"))
    roster_due = models.DateField(_("花名册报送截止日期"), null=True, blank=True,
                                  help_text=_("区县方案：协理员花名册（附件3）和信息采集组花名册（附件4）"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("制定人"), null=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("制定时间"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("年度目标考核方案")
        verbose_name_plural = _("年度目标考核方案")
        ordering = ["-year", "owner__code"]
        constraints = [models.UniqueConstraint(fields=["owner", "year"], name="one_assessment_plan_per_owner_year",
                                               violation_error_message=_("该单位本年度的考核方案已制定。"))]

    def __str__(self):
        return _("%(o)s %(y)s年度目标考核") % {"o": self.owner, "y": self.year}


class AssessmentCriterion(models.Model):
    """One criterion of a plan: what is measured, its weight (points of 100) and its target rate (%)."""

    plan = models.ForeignKey(AssessmentPlan, verbose_name=_("考核方案"), on_delete=models.CASCADE,
                             related_name="criteria")
    kind = models.CharField(_("考核内容"), max_length=20, choices=CriterionKind.choices)
    name = models.CharField(_("名称"), max_length=100)
    weight = models.PositiveSmallIntegerField(_("权重（分）"), validators=[MaxValueValidator(100)])
    target = models.DecimalField(_("目标值（%）"), max_digits=5, decimal_places=1, default=100,
                                 validators=[MinValueValidator(1), MaxValueValidator(100)])
    position = models.PositiveSmallIntegerField(_("顺序"), default=0)

    class Meta:
        verbose_name = _("考核指标")
        verbose_name_plural = _("考核指标")
        ordering = ["position", "pk"]
        constraints = [models.UniqueConstraint(fields=["plan", "name"], name="one_criterion_name_per_plan",
                                               violation_error_message=_("考核指标名称重复。"))]

    def __str__(self):
        return self.name

    @property
    def computed(self) -> bool:
        return self.kind != CriterionKind.CUSTOM


class AssessmentAdjustment(models.Model):
    """A reviewed adjustment (复核调整) of one unit's points on one criterion, with its reason; audited."""

    plan = models.ForeignKey(AssessmentPlan, verbose_name=_("考核方案"), on_delete=models.CASCADE,
                             related_name="adjustments")
    unit = models.ForeignKey(Jurisdiction, verbose_name=_("被考核单位"), on_delete=models.PROTECT, related_name="+")
    criterion = models.ForeignKey(AssessmentCriterion, verbose_name=_("考核指标"), on_delete=models.PROTECT,
                                  related_name="adjustments")
    points = models.DecimalField(_("调整分值"), max_digits=5, decimal_places=1)
    reason = models.CharField(_("调整理由"), max_length=300)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("复核人"), null=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("复核时间"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("考核复核调整")
        verbose_name_plural = _("考核复核调整")
        ordering = ["created_at", "pk"]
        constraints = [models.CheckConstraint(condition=~models.Q(points=0), name="adjustment_points_not_zero",
                                              violation_error_message=_("调整分值不能为0。"))]

    def __str__(self):
        return f"{self.unit} {self.criterion} {self.points:+}"


class SelfAssessmentStatus(models.TextChoices):
    DRAFT = "draft", _("填写中")
    SUBMITTED = "submitted", _("已提交待审核")
    RETURNED = "returned", _("已退回修改")
    ACCEPTED = "accepted", _("审核通过")


class SelfAssessment(models.Model):
    """12月初自查评估: a township's own scores and account against its district's plan of the year."""

    plan = models.ForeignKey(AssessmentPlan, verbose_name=_("考核方案"), on_delete=models.PROTECT,
                             related_name="self_assessments")
    township = models.ForeignKey(Jurisdiction, verbose_name=_("乡镇/街道"), on_delete=models.PROTECT,
                                 related_name="self_assessments", limit_choices_to={"level": "township"})
    status = models.CharField(_("状态"), max_length=10, choices=SelfAssessmentStatus.choices,
                              default=SelfAssessmentStatus.DRAFT)
    summary = models.TextField(_("总体情况"), blank=True)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("提交人"), null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+")
    reviewed_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("审核人"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    review_comment = models.CharField(_("审核意见"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("自查评估")
        verbose_name_plural = _("自查评估")
        ordering = ["township__code"]
        constraints = [models.UniqueConstraint(fields=["plan", "township"], name="one_self_assessment_per_plan",
                                               violation_error_message=_("本乡镇（街道）的自查评估已存在。"))]

    def __str__(self):
        return _("%(t)s %(y)s年度自查评估") % {"t": self.township, "y": self.plan.year}


class SelfAssessmentItem(models.Model):
    """One criterion of a self-assessment: the township's own score and its account (narrative)."""

    assessment = models.ForeignKey(SelfAssessment, verbose_name=_("自查评估"), on_delete=models.CASCADE,
                                   related_name="items")
    criterion = models.ForeignKey(AssessmentCriterion, verbose_name=_("考核指标"), on_delete=models.PROTECT,
                                  related_name="self_items")
    self_score = models.DecimalField(_("自评分"), max_digits=5, decimal_places=1, null=True, blank=True)
    narrative = models.TextField(_("工作情况说明"), blank=True)

    class Meta:
        verbose_name = _("自查评估指标")
        verbose_name_plural = _("自查评估指标")
        ordering = ["criterion__position", "criterion__pk"]
        constraints = [models.UniqueConstraint(fields=["assessment", "criterion"], name="one_self_item_per_criterion")]

    def __str__(self):
        return f"{self.criterion}: {self.self_score}"


class RosterKind(models.TextChoices):
    ASSISTANTS = "assistants", _("村级社会救助协理员花名册（附件3）")
    COLLECTORS = "collectors", _("困难救助信息采集组成员花名册（附件4）")


def _roster_path(instance, filename):
    return f"ledgers/rosters/{instance.township.code}/{instance.plan.year}-{instance.kind}.xlsx"


class RosterFilingQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise ValidationError(_("已备案的花名册不可修改。"))

    def delete(self):
        raise ValidationError(_("已备案的花名册不可删除。"))


class RosterFiling(models.Model):
    """花名册备案: a township's roster of one kind for the year, frozen when it was filed."""

    plan = models.ForeignKey(AssessmentPlan, verbose_name=_("考核方案"), on_delete=models.PROTECT,
                             related_name="roster_filings")
    township = models.ForeignKey(Jurisdiction, verbose_name=_("乡镇/街道"), on_delete=models.PROTECT,
                                 related_name="roster_filings", limit_choices_to={"level": "township"})
    kind = models.CharField(_("花名册"), max_length=20, choices=RosterKind.choices)
    file = models.FileField(_("文件"), upload_to=_roster_path)
    filename = models.CharField(_("文件名"), max_length=200)
    rows = models.PositiveIntegerField(_("行数"), default=0)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    filed_at = models.DateTimeField(_("报送时间"), default=timezone.now)
    # The district's date in force when it was filed: a filing stays on time (or late) as it was filed.
    due_on = models.DateField(_("报送截止日期"), null=True, blank=True)
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("报送人"), null=True,
                                 on_delete=models.PROTECT, related_name="+")
    objects = RosterFilingQuerySet.as_manager()

    class Meta:
        verbose_name = _("花名册备案")
        verbose_name_plural = _("花名册备案")
        ordering = ["township__code", "kind"]
        constraints = [models.UniqueConstraint(fields=["plan", "township", "kind"], name="one_roster_filing_per_kind")]

    def __str__(self):
        return _("%(t)s %(y)s年 %(k)s") % {"t": self.township, "y": self.plan.year, "k": self.get_kind_display()}

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ValidationError(_("已备案的花名册不可修改。"))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError(_("已备案的花名册不可删除。"))

    @property
    def late(self) -> bool:
        return self.due_on is not None and timezone.localdate(self.filed_at) > self.due_on
