"""Service kinds — 服务类型 (seed 003 §二(三)2): how a household is served, with its history.

综合救助服务 (advisers explain policy and help apply), 转介服务 (a social organisation or social-work agency
brought in, with case management: a responsible case worker, goals and follow-up notes) and 跟踪联系服务
(long-term contact at a cadence; re-reviewed when the family's circumstances change). One record per
period of a kind: starting another kind ends the current one, so the household's history is the list of
its records. Written only by `plans/service_kinds.py`; imported into `plans.models`.
"""
import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from households.models import Cadence, Household


class ServiceType(models.TextChoices):
    COMPREHENSIVE = "comprehensive", _("综合救助服务")
    REFERRAL = "referral", _("转介服务")
    TRACKING = "tracking", _("跟踪联系服务")


class ServiceRecordQuerySet(models.QuerySet):
    def current(self):
        return self.filter(ended_on__isnull=True)


class ServiceRecord(models.Model):
    """Service record — 服务类型记录: one period of one service kind for a household.

    `version` goes up on every write to the record or its goals, notes and contacts, so a form read
    before another person's change is refused. `reviewed_at` is when the kind was last decided or
    confirmed: a status-change alert opened after it means the kind is due for review.
    `next_contact_on` (跟踪联系 only) is kept by the services: the last contact (or the start) plus the cadence.
    """

    household = models.ForeignKey(Household, verbose_name=_("家庭"), on_delete=models.CASCADE,
                                  related_name="service_records")
    kind = models.CharField(_("服务类型"), max_length=20, choices=ServiceType.choices)
    started_on = models.DateField(_("开始日期"))
    ended_on = models.DateField(_("结束日期"), null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("决定人"), null=True,
                                   on_delete=models.SET_NULL, related_name="+")
    reason = models.CharField(_("决定理由"), max_length=300)
    end_reason = models.CharField(_("结束理由"), max_length=300, blank=True)
    ended_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("结束人"), null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="+")
    case_worker = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("责任社工/个案管理员"), null=True,
                                    blank=True, on_delete=models.PROTECT, related_name="service_cases")
    organisation = models.ForeignKey("plans.Resource", verbose_name=_("承接社会组织/社工机构"), null=True,
                                     blank=True, on_delete=models.PROTECT, related_name="service_cases")
    cadence = models.CharField(_("联系频次"), max_length=20, choices=Cadence.choices, blank=True)
    next_contact_on = models.DateField(_("下次联系日期"), null=True, blank=True)
    reviewed_at = models.DateTimeField(_("最近确定/复核时间"), default=timezone.now)
    version = models.PositiveIntegerField(_("版本"), default=1)
    created_at = models.DateTimeField(_("登记时间"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("更新时间"), default=timezone.now)

    objects = ServiceRecordQuerySet.as_manager()

    class Meta:
        verbose_name = _("服务类型记录")
        verbose_name_plural = _("服务类型记录")
        ordering = ["household", "-started_on", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["household"], condition=Q(ended_on__isnull=True),
                                    name="one_current_service_per_household"),
            models.CheckConstraint(condition=Q(ended_on__isnull=True) | Q(ended_on__gte=models.F("started_on")),
                                   name="service_record_ends_after_start"),
            models.CheckConstraint(condition=Q(kind="referral") | Q(case_worker__isnull=True),
                                   name="service_case_worker_only_for_referral"),
            models.CheckConstraint(condition=(Q(kind="tracking") & ~Q(cadence=""))
                                   | (~Q(kind="tracking") & Q(cadence="")),
                                   name="service_cadence_only_for_tracking"),
        ]
        indexes = [models.Index(fields=["kind", "ended_on"]), models.Index(fields=["next_contact_on"])]

    def __str__(self):
        return _("%(k)s（%(d)s起）") % {"k": self.get_kind_display(), "d": f"{self.started_on:%Y-%m-%d}"}

    @property
    def is_current(self) -> bool:
        return self.ended_on is None

    @property
    def contact_due(self) -> bool:
        return (self.is_current and self.next_contact_on is not None
                and self.next_contact_on <= timezone.localdate())


class GoalStatus(models.TextChoices):
    OPEN = "open", _("进行中")
    ACHIEVED = "achieved", _("已达成")
    NOT_ACHIEVED = "not_achieved", _("未达成")


class ServiceGoal(models.Model):
    """Case goal — 个案服务目标 of a 转介 case: what the case work should reach, by when."""

    record = models.ForeignKey(ServiceRecord, verbose_name=_("服务类型记录"), on_delete=models.CASCADE,
                               related_name="goals")
    text = models.CharField(_("服务目标"), max_length=300)
    target_on = models.DateField(_("目标日期"))
    status = models.CharField(_("状态"), max_length=20, choices=GoalStatus.choices, default=GoalStatus.OPEN)
    status_note = models.CharField(_("情况说明"), max_length=300, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("登记人"), null=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("登记时间"), default=timezone.now, editable=False)
    closed_on = models.DateField(_("结束日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("个案服务目标")
        verbose_name_plural = _("个案服务目标")
        ordering = ["record", "target_on", "pk"]
        indexes = [models.Index(fields=["status", "target_on"])]

    def __str__(self):
        return self.text

    def is_overdue_on(self, day: dt.date) -> bool:
        return self.status == GoalStatus.OPEN and self.target_on < day

    @property
    def is_overdue(self) -> bool:
        return self.is_overdue_on(timezone.localdate())


class ServiceNote(models.Model):
    """Follow-up note — 个案跟进记录 of a 转介 case."""

    record = models.ForeignKey(ServiceRecord, verbose_name=_("服务类型记录"), on_delete=models.CASCADE,
                               related_name="notes")
    noted_on = models.DateField(_("跟进日期"))
    note = models.CharField(_("跟进情况"), max_length=500)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("记录人"), null=True,
                           on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("登记时间"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("个案跟进记录")
        verbose_name_plural = _("个案跟进记录")
        ordering = ["record", "-noted_on", "-pk"]

    def __str__(self):
        return self.note


class ContactMethod(models.TextChoices):
    PHONE = "phone", _("电话")
    HOME = "home", _("上门探访")
    VIDEO = "video", _("视频")
    MESSAGE = "message", _("微信/短信")
    WALK_IN = "walk_in", _("来访")
    OTHER = "other", _("其他")


class ServiceContact(models.Model):
    """Contact — 跟踪联系记录 of a 跟踪联系 household: when, how, what was learned."""

    record = models.ForeignKey(ServiceRecord, verbose_name=_("服务类型记录"), on_delete=models.CASCADE,
                               related_name="contacts")
    contacted_on = models.DateField(_("联系日期"))
    method = models.CharField(_("联系方式"), max_length=20, choices=ContactMethod.choices)
    note = models.CharField(_("联系情况"), max_length=500)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("联系人"), null=True,
                           on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("登记时间"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("跟踪联系记录")
        verbose_name_plural = _("跟踪联系记录")
        ordering = ["record", "-contacted_on", "-pk"]

    def __str__(self):
        return self.note
