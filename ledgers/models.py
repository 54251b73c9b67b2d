"""Ledgers, the monthly closing and supervision sampling — 台账、月结与随机抽查."""
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from relief.dates import quarter_label, year_month
from relief.models import Jurisdiction


class LedgerKind(models.TextChoices):
    ROSTER = "roster", _("重点人群花名册")
    VISITS = "visits", _("巡查记录台账")
    VISITS_BY_HOUSEHOLD = "visits_by_household", _("巡查记录台账（一户一页）")
    MONTHLY = "monthly", _("救助台账（月报）")
    SUMMARY = "summary", _("归类汇总表")
    ASSISTANTS = "assistants", _("村级社会救助协理员花名册")
    COLLECTORS = "collectors", _("困难救助信息采集组成员花名册")


class ExportStatus(models.TextChoices):
    PENDING = "pending", _("排队中")
    RUNNING = "running", _("生成中")
    DONE = "done", _("已完成")
    FAILED = "failed", _("失败")
    CANCELLED = "cancelled", _("已取消")


def _export_path(instance, filename):
    return f"ledgers/exports/{instance.pk}.xlsx"


def _snapshot_path(instance, filename):
    return f"ledgers/snapshots/{instance.township.code}/{instance.month:%Y-%m}-{instance.kind}.xlsx"


class LedgerExport(models.Model):
    """Ledger export job — 台账导出任务: a large ledger written in the background for one requester.

    The id is an unguessable UUID, and the file is served only to the requester until it expires.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    requester = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("申请人"), on_delete=models.CASCADE,
                                  related_name="ledger_exports")
    kind = models.CharField(_("台账"), max_length=30, choices=LedgerKind.choices)
    jurisdiction = models.ForeignKey(Jurisdiction, verbose_name=_("辖区"), on_delete=models.PROTECT,
                                     related_name="+")
    params = models.JSONField(_("筛选条件"), default=dict)
    status = models.CharField(_("状态"), max_length=10, choices=ExportStatus.choices, default=ExportStatus.PENDING)
    rows_total = models.PositiveIntegerField(_("总行数"), default=0)
    rows_done = models.PositiveIntegerField(_("已写行数"), default=0)
    file = models.FileField(_("文件"), upload_to=_export_path, blank=True)
    filename = models.CharField(_("文件名"), max_length=200, blank=True)
    error = models.CharField(_("错误"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("申请时间"), default=timezone.now)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    expires_at = models.DateTimeField(_("链接失效时间"))
    # The background run holding the job (see relief.jobs): empty while it waits for a worker.
    claim = models.CharField(_("处理标记"), max_length=32, blank=True, default="", editable=False)
    heartbeat_at = models.DateTimeField(_("最近心跳"), null=True, blank=True, default=timezone.now, editable=False)
    attempts = models.PositiveSmallIntegerField(_("处理次数"), default=0, editable=False)

    class Meta:
        verbose_name = _("台账导出任务")
        verbose_name_plural = _("台账导出任务")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.jurisdiction}"

    @property
    def percent(self) -> int:
        if self.status == ExportStatus.DONE:
            return 100
        if not self.rows_total:
            return 0
        return min(99, int(self.rows_done * 100 / self.rows_total))

    @property
    def is_running(self) -> bool:
        return self.status in (ExportStatus.PENDING, ExportStatus.RUNNING)

    @property
    def expired(self) -> bool:
        return timezone.now() >= self.expires_at


class SnapshotKind(models.TextChoices):
    MONTHLY = "monthly", _("月度救助台账")
    SUMMARY = "summary", _("归类汇总表")


class LedgerSnapshotQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise ValidationError(_("月结台账一经生成不可修改。"))

    def delete(self):
        raise ValidationError(_("月结台账一经生成不可删除。"))


class LedgerSnapshot(models.Model):
    """Monthly closing snapshot — 月结台账: a township's ledger for a month, frozen when it was made.

    Immutable: the row cannot be changed or deleted and the file's SHA-256 is checked on every download.
    Township staff of that township and district officials above it may download it.
    """

    township = models.ForeignKey(Jurisdiction, verbose_name=_("乡镇/街道"), on_delete=models.PROTECT,
                                 related_name="ledger_snapshots", limit_choices_to={"level": "township"})
    month = models.DateField(_("月份"), help_text=_("该月第一天"))
    kind = models.CharField(_("类型"), max_length=10, choices=SnapshotKind.choices, default=SnapshotKind.MONTHLY)
    file = models.FileField(_("文件"), upload_to=_snapshot_path)
    filename = models.CharField(_("文件名"), max_length=200)
    rows = models.PositiveIntegerField(_("行数"), default=0)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    created_at = models.DateTimeField(_("生成时间"), default=timezone.now)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("生成人"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+",
                                   help_text=_("为空表示由系统在月末自动生成"))
    objects = LedgerSnapshotQuerySet.as_manager()

    class Meta:
        verbose_name = _("月结台账")
        verbose_name_plural = _("月结台账")
        ordering = ["-month", "township__code", "kind"]
        constraints = [models.UniqueConstraint(fields=["township", "month", "kind"],
                                               name="one_snapshot_per_township_month_kind")]

    def __str__(self):
        return f"{self.township} {year_month(self.month)} {self.get_kind_display()}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ValidationError(_("月结台账一经生成不可修改。"))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError(_("月结台账一经生成不可删除。"))


class SampleSizeMode(models.TextChoices):
    COUNT = "count", _("按数量")
    PERCENT = "percent", _("按比例（%）")


class SamplingDraw(models.Model):
    """Quarterly random sampling — 季度随机抽查 (seed 002): a draw of the quarter's new recipients.

    The population (ids of assistance records started in the quarter) and the seed are stored, so the
    draw can be repeated and verified by anyone: random.Random(seed).sample(population, size).
    """

    district = models.ForeignKey(Jurisdiction, verbose_name=_("区/县"), on_delete=models.PROTECT,
                                 related_name="sampling_draws", limit_choices_to={"level": "district"})
    year = models.PositiveSmallIntegerField(_("年度"))
    quarter = models.PositiveSmallIntegerField(_("季度"), choices=[(1, _("第一季度")), (2, _("第二季度")),
                                                                  (3, _("第三季度")), (4, _("第四季度"))])
    size_mode = models.CharField(_("抽样方式"), max_length=10, choices=SampleSizeMode.choices)
    size_value = models.PositiveIntegerField(_("数量或比例"))
    seed = models.CharField(_("随机种子"), max_length=64)
    population_ids = models.JSONField(_("总体（救助记录编号）"), default=list)
    drawn_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("抽取人"), null=True,
                                 on_delete=models.SET_NULL, related_name="+")
    drawn_at = models.DateTimeField(_("抽取时间"), default=timezone.now)

    class Meta:
        verbose_name = _("随机抽查")
        verbose_name_plural = _("随机抽查")
        ordering = ["-year", "-quarter"]
        constraints = [models.UniqueConstraint(fields=["district", "year", "quarter"],
                                               name="one_sampling_draw_per_district_quarter")]

    def __str__(self):
        return _("%(d)s %(q)s抽查") % {"d": self.district, "q": quarter_label(self.year, self.quarter)}


class CheckResult(models.TextChoices):
    PENDING = "pending", _("待核查")
    CORRECT = "correct", _("准确")
    OMISSION = "omission", _("漏报")
    ERROR = "error", _("错报")


class SampleItem(models.Model):
    """One sampled new recipient — 抽查对象, and the result of its check."""

    draw = models.ForeignKey(SamplingDraw, verbose_name=_("抽查批次"), on_delete=models.CASCADE,
                             related_name="items")
    assistance = models.ForeignKey("households.AssistanceRecord", verbose_name=_("救助记录"), null=True,
                                   on_delete=models.SET_NULL, related_name="+")
    household = models.ForeignKey("households.Household", verbose_name=_("家庭"), on_delete=models.PROTECT,
                                  related_name="+")
    village = models.ForeignKey(Jurisdiction, verbose_name=_("村/社区"), on_delete=models.PROTECT, related_name="+")
    township = models.ForeignKey(Jurisdiction, verbose_name=_("乡镇/街道"), on_delete=models.PROTECT, related_name="+")
    assistance_type = models.CharField(_("救助类型"), max_length=30)
    start_date = models.DateField(_("开始日期"))
    result = models.CharField(_("核查结果"), max_length=10, choices=CheckResult.choices, default=CheckResult.PENDING)
    note = models.CharField(_("核查说明"), max_length=500, blank=True)
    checked_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("核查人"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    checked_at = models.DateTimeField(_("核查时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("抽查对象")
        verbose_name_plural = _("抽查对象")
        ordering = ["township__code", "village__code", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["draw", "assistance"], name="one_sample_item_per_record"),
            models.CheckConstraint(condition=Q(result="pending") | Q(checked_at__isnull=False),
                                   name="sample_checked_has_time"),
        ]

    def __str__(self):
        return f"{self.household} · {self.get_result_display()}"


class Inspection(models.Model):
    """Township inspection of a village — 乡不定期监督检查 (seed 004 §三(三)): "乡救助指挥站不定期深入各村（社区）
    开展监督检查，指导各村（社区）救助工作开展落实情况". What was found, and what must be corrected by when."""

    village = models.ForeignKey(Jurisdiction, verbose_name=_("被检查村/社区"), on_delete=models.PROTECT,
                                related_name="inspections", limit_choices_to={"level": "village"})
    inspected_on = models.DateField(_("检查日期"))
    inspectors = models.CharField(_("检查人员"), max_length=200, help_text=_("多人用顿号分隔"))
    subjects = models.CharField(_("检查内容"), max_length=200, blank=True,
                                help_text=_("如：走访台账、花名册、线索办理、预警处置"))
    findings = models.TextField(_("发现的问题"), blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("登记人"), null=True,
                                    on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField(_("登记时间"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("监督检查")
        verbose_name_plural = _("监督检查")
        ordering = ["-inspected_on", "-pk"]
        indexes = [models.Index(fields=["village", "-inspected_on"], name="inspection_village_date")]

    def __str__(self):
        return _("%(v)s %(d)s 监督检查") % {"v": self.village, "d": self.inspected_on}


class CorrectionQuerySet(models.QuerySet):
    def pending(self):
        return self.filter(done_on__isnull=True)

    def overdue(self, today=None):
        """Not done and past its date (the date itself is not overdue): the list, the cards and the
        district's table all count this."""
        return self.pending().filter(due_on__lt=today or timezone.localdate())


class Correction(models.Model):
    """One thing an inspection asks the village to correct — 整改事项, by a date, and when it was done."""

    inspection = models.ForeignKey(Inspection, verbose_name=_("监督检查"), on_delete=models.CASCADE,
                                   related_name="corrections")
    item = models.CharField(_("整改事项"), max_length=300)
    due_on = models.DateField(_("整改期限"))
    done_on = models.DateField(_("完成日期"), null=True, blank=True)
    done_note = models.CharField(_("整改情况"), max_length=300, blank=True)
    done_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("确认人"), null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="+")

    objects = CorrectionQuerySet.as_manager()

    class Meta:
        verbose_name = _("整改事项")
        verbose_name_plural = _("整改事项")
        ordering = ["due_on", "pk"]
        constraints = [models.CheckConstraint(condition=Q(done_on__isnull=True) | ~Q(done_note=""),
                                              name="correction_done_says_how",
                                              violation_error_message=_("请填写整改情况。"))]

    def __str__(self):
        return self.item

    def is_overdue(self, today=None) -> bool:
        """Not done and past its date (the date itself is not overdue)."""
        return self.done_on is None and self.due_on < (today or timezone.localdate())
from .models_support import (  # noqa: E402,F401  (the app's models are found here)
    AllowanceKind, AssistantAllowance, AssistantEquipment, AssistantInsurance, AssistantTraining, EquipmentKind,
)
from .models_assessment import (  # noqa: E402,F401  (the district's supervision, kept beside)
    AssessmentAdjustment, AssessmentCriterion, AssessmentPlan, CriterionKind, RosterFiling, RosterKind, SelfAssessment,
    SelfAssessmentItem, SelfAssessmentStatus,
)
