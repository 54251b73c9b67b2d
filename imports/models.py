"""Import records and department-data comparison — 数据导入记录 与 部门数据比对.

Every upload, good or bad, leaves an ImportBatch: who, when, which file (name, size, SHA-256), what
kind, the counts and the error report. The file itself is personal data: it lives in private storage
(MEDIA_ROOT, never served directly) only until the import is confirmed, cancelled or expires.
"""
from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from households.pii_fields import EncryptedCharField
from households.validators import validate_person_name
from relief.models import Jurisdiction


class ImportKind(models.TextChoices):
    HOUSEHOLDS = "households", _("家庭及成员")
    ROSTER = "roster", _("重点人群花名册")
    FEED = "feed", _("部门数据比对")


class ImportStatus(models.TextChoices):
    REJECTED = "rejected", _("文件被拒收")
    VALIDATING = "validating", _("正在校验")
    INVALID = "invalid", _("校验未通过")
    READY = "ready", _("待确认导入")
    QUEUED = "queued", _("排队导入")
    IMPORTING = "importing", _("正在导入")
    DONE = "done", _("已导入")
    FAILED = "failed", _("导入失败")
    CANCELLED = "cancelled", _("已取消")
    EXPIRED = "expired", _("已过期")


# Statuses in which the uploaded file is still needed (preview, error copy, the import itself).
OPEN_STATUSES = (ImportStatus.VALIDATING, ImportStatus.INVALID, ImportStatus.READY, ImportStatus.QUEUED,
                 ImportStatus.IMPORTING)


class FeedKind(models.TextChoices):
    """The lists township departments push for comparison (seed 004 §二(四))."""

    UNEMPLOYED = "unemployed", _("失业人员")
    DISABILITY_CERTIFICATE = "disability_certificate", _("新办残疾证")
    SERIOUS_ILLNESS = "serious_illness", _("大病专项救治")
    CHRONIC_ILLNESS = "chronic_illness", _("慢性病")
    DISASTER = "disaster", _("因灾生活困难")
    UNIVERSITY_ADMISSION = "university_admission", _("高考录取")
    RELAPSE_RISK = "relapse_risk", _("返贫风险")
    HOUSING_ASSISTANCE = "housing_assistance", _("住房救助")
    # 民政 pushes its own lists too (seed 004 §二(四)), and 003 §二(二)1 adds medical and employment data.
    TEKUN = "tekun", _("特困人员")
    DIBAO = "dibao", _("低保对象")
    DE_FACTO_ORPHAN = "de_facto_orphan", _("事实无人抚养儿童")
    ELDERLY_ALONE = "elderly_alone", _("独居老人")
    MEDICAL_SELF_PAY = "medical_self_pay", _("医疗自付过高")
    FLEXIBLE_EMPLOYMENT = "flexible_employment", _("灵活就业")


# The department that usually pushes each list (seed 004): the default for the upload form.
FEED_DEFAULT_DEPARTMENT = {
    FeedKind.UNEMPLOYED: _("社保所"),
    FeedKind.DISABILITY_CERTIFICATE: _("残联"),
    FeedKind.SERIOUS_ILLNESS: _("社保所"),
    FeedKind.CHRONIC_ILLNESS: _("社保所"),
    FeedKind.DISASTER: _("应急办"),
    FeedKind.UNIVERSITY_ADMISSION: _("经发办"),
    FeedKind.RELAPSE_RISK: _("乡村振兴办"),
    FeedKind.HOUSING_ASSISTANCE: _("城建办"),
    FeedKind.TEKUN: _("民政办"),
    FeedKind.DIBAO: _("民政办"),
    FeedKind.DE_FACTO_ORPHAN: _("民政办"),
    FeedKind.ELDERLY_ALONE: _("民政办"),
    FeedKind.MEDICAL_SELF_PAY: _("医保办"),
    FeedKind.FLEXIBLE_EMPLOYMENT: _("社保所"),
}
# A matched row of these lists means the family's rigid expenses (刚性支出) rose: the default alert rule
# "刚性支出增加" (alerts/default_rules.py) opens a status-change alert for it.
RIGID_EXPENSE_FEED_KINDS = (FeedKind.MEDICAL_SELF_PAY,)


def upload_path(instance, filename):
    # The stored name carries no personal data; the original name is kept on the record.
    return f"imports/{timezone.now():%Y/%m}/{instance.sha256[:16]}-{timezone.now():%H%M%S%f}"


class ImportBatch(models.Model):
    """Import record — 导入记录: one uploaded file and what became of it."""

    kind = models.CharField(_("导入类型"), max_length=20, choices=ImportKind.choices)
    status = models.CharField(_("状态"), max_length=20, choices=ImportStatus.choices,
                              default=ImportStatus.VALIDATING, db_index=True)
    jurisdiction = models.ForeignKey(Jurisdiction, verbose_name=_("导入辖区"), on_delete=models.PROTECT,
                                     related_name="import_batches",
                                     help_text=_("导入人所属辖区；只能导入到该辖区内的村/社区"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("导入人"), null=True,
                                   on_delete=models.SET_NULL, related_name="import_batches")
    created_at = models.DateTimeField(_("上传时间"), default=timezone.now, db_index=True)
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("确认人"), null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+")
    confirmed_at = models.DateTimeField(_("确认时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    file = models.FileField(_("上传文件"), upload_to=upload_path, blank=True, max_length=200)
    file_name = models.CharField(_("文件名"), max_length=255)
    file_size = models.PositiveBigIntegerField(_("文件大小（字节）"), default=0)
    sha256 = models.CharField(_("SHA-256"), max_length=64, db_index=True)
    file_format = models.CharField(_("格式"), max_length=20, blank=True, help_text=_("xlsx 或 csv（含编码）"))
    duplicate_of = models.ForeignKey("self", verbose_name=_("与此前导入的文件相同"), null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+")

    # Department data comparison (数据比对) only.
    feed_kind = models.CharField(_("部门数据类型"), max_length=30, choices=FeedKind.choices, blank=True)
    source_department = models.CharField(_("推送部门"), max_length=100, blank=True)
    data_date = models.DateField(_("数据日期"), null=True, blank=True)

    total_rows = models.PositiveIntegerField(_("数据行数"), default=0)
    new_count = models.PositiveIntegerField(_("新增"), default=0)
    updated_count = models.PositiveIntegerField(_("更新"), default=0)
    unchanged_count = models.PositiveIntegerField(_("无变化"), default=0)
    error_count = models.PositiveIntegerField(_("错误行数"), default=0)
    matched_count = models.PositiveIntegerField(_("比对命中"), default=0)
    unmatched_count = models.PositiveIntegerField(_("未命中"), default=0)
    # File-level problems (unknown headers, unreadable file) and row errors, capped.
    message = models.TextField(_("说明"), blank=True)
    errors = models.JSONField(_("错误清单"), default=list, blank=True,
                              help_text=_("[[行号, 列名, 错误说明], ...]，最多保存若干条"))
    errors_truncated = models.BooleanField(_("错误清单已截断"), default=False)
    preview = models.JSONField(_("预览"), default=dict, blank=True)

    # The background run holding the batch (see relief.jobs): empty while it waits for a worker.
    claim = models.CharField(_("处理标记"), max_length=32, blank=True, default="", editable=False)
    heartbeat_at = models.DateTimeField(_("最近心跳"), null=True, blank=True, default=timezone.now, editable=False)
    attempts = models.PositiveSmallIntegerField(_("处理次数"), default=0, editable=False)

    class Meta:
        verbose_name = _("导入记录")
        verbose_name_plural = _("导入记录")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["jurisdiction", "-created_at"])]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.file_name}（#{self.pk}）"

    @property
    def source_ref(self) -> str:
        """How household events point back to this batch."""
        return f"{'feed' if self.kind == ImportKind.FEED else 'import'}:{self.pk}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def is_running(self) -> bool:
        return self.status in (ImportStatus.VALIDATING, ImportStatus.QUEUED, ImportStatus.IMPORTING)

    @property
    def is_waiting_for_worker(self) -> bool:
        """Queued, and no worker holds it yet (the broker may be down: the reconciler rings again)."""
        return self.status in (ImportStatus.VALIDATING, ImportStatus.QUEUED) and not self.claim


class FeedMatch(models.TextChoices):
    MATCHED = "matched", _("已匹配到在册成员")
    UNMATCHED = "unmatched", _("未在册：可能的新线索")


class FeedRecord(models.Model):
    """One row of a department list — 部门推送数据. Unmatched rows stay as leads for the township."""

    batch = models.ForeignKey(ImportBatch, verbose_name=_("导入批次"), on_delete=models.CASCADE,
                              related_name="feed_records")
    row_number = models.PositiveIntegerField(_("行号"))
    name = models.CharField(_("姓名"), max_length=50, validators=[validate_person_name])
    id_number = EncryptedCharField(_("身份证号"), max_length=18)
    village = models.ForeignKey(Jurisdiction, verbose_name=_("村/社区"), null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="+")
    phone = EncryptedCharField(_("联系电话"), max_length=30, blank=True)
    detail = models.CharField(_("情况说明"), max_length=300, blank=True)
    occurred_on = models.DateField(_("登记日期"), null=True, blank=True)
    match = models.CharField(_("比对结果"), max_length=20, choices=FeedMatch.choices, db_index=True)
    member = models.ForeignKey("households.Member", verbose_name=_("在册成员"), null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="+")
    household = models.ForeignKey("households.Household", verbose_name=_("家庭"), null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="+")
    reviewed_at = models.DateTimeField(_("核实时间"), null=True, blank=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("核实人"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    review_note = models.CharField(_("核实情况"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("部门推送数据")
        verbose_name_plural = _("部门推送数据")
        ordering = ["batch", "row_number"]
        indexes = [models.Index(fields=["match", "reviewed_at"])]

    def __str__(self):
        return f"{self.name}（{self.batch.get_feed_kind_display()}）"

    @property
    def masked_id_number(self) -> str:
        from households.idcard import mask_id_number

        return mask_id_number(self.id_number)
