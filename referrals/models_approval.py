"""After 公示: objections, approval by the level that approves, and the standing notice of recipients
(seed 004 §二(五) "公示期满无异议的，直接收集材料按程序上报审批"; §二(二) "坚持好救助对象长期公示制度，接受群众监督").

- NoticeObjection — 公示异议: who raised what, when, and how it was handled; recording one sends the case back
  to investigation (已交办部门) with the objection on its timeline.
- ApprovalRule — 审批权限: which level approves which kind of assistance, from a date on, per district (rows
  are never edited; a change is a new row). Without a row the defaults of referrals/services/approval.py hold.
- ApprovalRequest — 报送审批: the case as the township submits it after a 公示 without objection, with the
  materials, and the approving level's answer (approve / refuse with a reason) by its deadline.
- ObjectionHotline — 异议受理电话: the number the township prints on its villages' 长期公示.

Written only through referrals.services (approval.py).
"""
from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from relief.models import Jurisdiction

from .models import OutcomeAssistance


class NoticeObjection(models.Model):
    """Objection — 公示异议: raised during a referral's 公示; the case goes back to investigation."""

    referral = models.ForeignKey("referrals.Referral", verbose_name=_("转办"), on_delete=models.CASCADE,
                                 related_name="objections")
    raised_by = models.CharField(_("异议人"), max_length=100, help_text=_("如：本社区居民（匿名）、楼组长 王某"))
    raised_on = models.DateField(_("提出日期"))
    content = models.TextField(_("异议内容"))
    handling = models.TextField(_("处理情况"), help_text=_("如何核实、交谁重新调查"))
    notice_start = models.DateField(_("所在公示开始日期"), null=True, blank=True)
    notice_end = models.DateField(_("所在公示结束日期"), null=True, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("登记人"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField(_("登记时间"), default=timezone.now)

    class Meta:
        verbose_name = _("公示异议")
        verbose_name_plural = _("公示异议")
        ordering = ["raised_on", "pk"]

    def __str__(self):
        return _("异议%(n)s · 转办%(r)s") % {"n": self.pk, "r": self.referral_id}


class ApprovalLevel(models.TextChoices):
    TOWNSHIP = "township", _("乡镇（街道）审批")
    DISTRICT = "district", _("区县民政局审批")


class ApprovalRule(models.Model):
    """Approval rule — 审批权限: who approves one kind of assistance in a district, from a date on.

    `level` approves; where `township_up_to` is set, the township approves amounts up to it and the district
    above it (临时救助: 乡镇审批1000元以下)."""

    district = models.ForeignKey(Jurisdiction, verbose_name=_("区县"), on_delete=models.PROTECT,
                                 related_name="approval_rules", limit_choices_to={"level": "district"})
    assistance_type = models.CharField(_("救助方式"), max_length=20, choices=OutcomeAssistance.choices)
    level = models.CharField(_("审批层级"), max_length=10, choices=ApprovalLevel.choices)
    township_up_to = models.DecimalField(_("乡镇审批金额上限（元）"), max_digits=10, decimal_places=2, null=True,
                                         blank=True, validators=[MinValueValidator(0)],
                                         help_text=_("填写后：不超过该金额由乡镇审批，超过的报区县审批"))
    days = models.PositiveIntegerField(_("审批时限（天）"), default=10, validators=[MinValueValidator(1)])
    effective_from = models.DateField(_("生效日期"))
    note = models.CharField(_("依据/说明"), max_length=300, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("设置人"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("设置时间"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("审批权限")
        verbose_name_plural = _("审批权限")
        ordering = ["district", "assistance_type", "-effective_from", "-pk"]
        constraints = [models.UniqueConstraint(fields=["district", "assistance_type", "effective_from"],
                                               name="approval_rule_once_per_day")]

    def __str__(self):
        return f"{self.assistance_type} {self.get_level_display()} {self.effective_from}"


class ApprovalState(models.TextChoices):
    PENDING = "pending", _("待审批")
    APPROVED = "approved", _("已批准")
    REFUSED = "refused", _("不予批准")


class ApprovalRequestQuerySet(models.QuerySet):
    def pending(self):
        """The approval queue: submitted and not yet answered (the page, its home card, its nav entry)."""
        return self.filter(state=ApprovalState.PENDING)

    def overdue(self, today=None):
        """Pending past the day it was due (the due day itself is not overdue)."""
        return self.pending().filter(due_on__lt=today or timezone.localdate())


class ApprovalRequest(models.Model):
    """Approval request — 报送审批: a case the township submits after 公示, and the approving level's answer."""

    referral = models.ForeignKey("referrals.Referral", verbose_name=_("转办"), on_delete=models.CASCADE,
                                 related_name="approvals")
    level = models.CharField(_("审批层级"), max_length=10, choices=ApprovalLevel.choices,
                             default=ApprovalLevel.DISTRICT)
    assistance_type = models.CharField(_("拟给予救助方式"), max_length=20, choices=OutcomeAssistance.choices)
    amount = models.DecimalField(_("拟救助金额（元/月）"), max_digits=10, decimal_places=2,
                                 validators=[MinValueValidator(0)])
    start_date = models.DateField(_("拟救助开始日期"))
    materials = models.JSONField(_("报送材料"), default=list, blank=True)
    materials_note = models.CharField(_("其他材料"), max_length=300, blank=True)
    opinion = models.TextField(_("乡镇审核意见"), blank=True)
    state = models.CharField(_("审批状态"), max_length=10, choices=ApprovalState.choices,
                             default=ApprovalState.PENDING, db_index=True)
    due_on = models.DateField(_("审批期限"))
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("报送人"), null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+")
    submitted_at = models.DateTimeField(_("报送时间"), default=timezone.now)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("审批人"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    reason = models.TextField(_("审批意见/不予批准原因"), blank=True)

    objects = ApprovalRequestQuerySet.as_manager()

    class Meta:
        verbose_name = _("报送审批")
        verbose_name_plural = _("报送审批")
        ordering = ["due_on", "pk"]
        indexes = [models.Index(fields=["state", "due_on"])]
        constraints = [
            # One case waits for one answer: a second submission of the same case is refused by the database too.
            models.UniqueConstraint(fields=["referral"], condition=Q(state="pending"),
                                    name="approval_one_pending_per_referral"),
            models.CheckConstraint(condition=~Q(state="refused") | ~Q(reason=""), name="approval_refusal_needs_reason"),
        ]

    def __str__(self):
        return _("报送审批%(n)s · 转办%(r)s") % {"n": self.pk, "r": self.referral_id}

    @property
    def is_overdue(self) -> bool:
        return self.state == ApprovalState.PENDING and self.due_on < timezone.localdate()


class ObjectionHotline(models.Model):
    """The township's number for objections — 异议受理电话, printed on its villages' 长期公示."""

    township = models.OneToOneField(Jurisdiction, verbose_name=_("乡镇/街道"), on_delete=models.CASCADE,
                                    related_name="objection_hotline", limit_choices_to={"level": "township"})
    phone = models.CharField(_("异议受理电话"), max_length=30)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("设置人"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    updated_at = models.DateTimeField(_("设置时间"), default=timezone.now)

    class Meta:
        verbose_name = _("异议受理电话")
        verbose_name_plural = _("异议受理电话")

    def __str__(self):
        return f"{self.township} {self.phone}"
