"""Alerts and alert rules — 预警与预警规则.

An alert is something about a household that someone must look at: a visit overdue (visits opens
those), a change in the family's circumstances (the status-change scan in alerts/jobs.py, per the
alert rules), a referral past its deadline (referrals). Alerts sit below visits and referrals so that
every app can open and close them through alerts/services.py without importing one another.
"""
from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from households.models import EventKind, Household, HouseholdEvent


class AlertKind(models.TextChoices):
    OVERDUE_VISIT = "overdue_visit", _("走访逾期")
    STATUS_CHANGE = "status_change", _("情况变化")
    REFERRAL_OVERDUE = "referral_overdue", _("转办超期")
    HELP_FIRST_PAPERWORK_LATE = "help_first_paperwork_late", _("先行救助补办手续超期")
    OBSERVATION_REVIEW_DUE = "observation_review_due", _("观察名单复核到期")
    HOTLINE_OVERDUE = "hotline_overdue", _("热线工单超时")
    STEP_OVERDUE = "step_overdue", _("环节超时")
    CONTACT_DUE = "contact_due", _("跟踪联系到期")
    SERVICE_REVIEW_DUE = "service_review_due", _("服务类型待复核")
    LETTER_OVERDUE = "letter_overdue", _("协查函逾期未复")
    CARE_AGREEMENT_DUE = "care_agreement_due", _("照料协议缺失或到期")
    DEPARTMENT_ITEM_OVERDUE = "department_item_overdue", _("部门事项超期")
    OTHER = "other", _("其他")


class AlertStatus(models.TextChoices):
    # A status beside 已知悉 and 已关闭 ("New"), where the home card of the same words counts "New alerts".
    OPEN = "open", pgettext_lazy("alert status", "新预警")
    ACKNOWLEDGED = "acknowledged", _("已知悉")
    CLOSED = "closed", _("已关闭")


UNHANDLED_STATUSES = (AlertStatus.OPEN, AlertStatus.ACKNOWLEDGED)


class AlertQuerySet(models.QuerySet):
    def unhandled(self):
        return self.filter(status__in=UNHANDLED_STATUSES)

    def within(self, village_ids, township_ids=()):
        """Alerts of the villages: by the village they lie in (their household's village now: alerts follow a
        household that moves; or, for an alert about no household yet, the village it names); and the
        alerts held by the townships of `township_ids` (a case the family's hukou township handles)."""
        return self.filter(place_in(village_ids, township_ids))

    def of_village(self, village):
        return self.filter(place_in([village.pk if hasattr(village, "pk") else village]))


def place_in(village_ids, township_ids=(), prefix: str = "") -> Q:
    """The one rule of where an alert lies, as a Q (see AlertQuerySet.within).

    An alert with a `township` lies in that township only: the step it is about is held by the family's hukou
    township (人户分离, referrals.HukouHandover), so neither the residence village nor the residence township
    answers for it. Only users who cover that township (its staff, its district) see it: never a village's
    caseworker, who may not see a family of another township's village."""
    place = Q(**{f"{prefix}township__isnull": True, f"{prefix}village__in": village_ids})
    if township_ids:
        place |= Q(**{f"{prefix}township__in": township_ids})
    return place


class Alert(models.Model):
    """Alert — 预警: something about a household that someone must look at, with who handled it and when.

    Alerts follow their household: `village` is the household's current village, kept by the household's
    move (households_moved, heard in alerts/receivers.py), so a household moved to another village takes its
    alerts along. The column rather than a join to households: every page's badge, the inbox and the worklist
    read alerts by village, and a join over a township's households cost 80–350 ms at 100,000 households. `dedupe_key` is unique, so a job
    that runs twice (or a task re-delivered after a worker died) opens nothing twice.
    """

    kind = models.CharField(_("预警类型"), max_length=30, choices=AlertKind.choices, db_index=True)
    household = models.ForeignKey(Household, verbose_name=_("家庭"), on_delete=models.CASCADE, related_name="alerts",
                                  null=True, blank=True)
    # Where it lies: the household's village now (filled on save and by every bulk writer, moved with the
    # household), or for an alert about no household yet (a lead, a hotline work order) the village named.
    village = models.ForeignKey("relief.Jurisdiction", verbose_name=_("村/社区"), null=True, blank=True,
                                on_delete=models.CASCADE, related_name="+",
                                help_text=_("预警所在村/社区：关联家庭的随家庭现住村/社区"))
    # Only for an alert about a step the family's hukou township holds (人户分离): it lies there, not where the
    # family lives (place_in).
    township = models.ForeignKey("relief.Jurisdiction", verbose_name=_("办理乡镇（户籍地）"), null=True, blank=True,
                                 on_delete=models.CASCADE, related_name="+",
                                 help_text=_("户籍地乡镇办理的转办：预警由该乡镇处理，不进入居住地的预警"))
    reason = models.TextField(_("预警原因"))
    # What the system worded the reason from (alerts/reasons.py): pages word it again in the reader's language.
    reason_params = models.JSONField(_("预警原因参数"), null=True, blank=True, editable=False,
                                     help_text=_("系统生成的预警：原因的消息名称及其取值，用于按用户语言显示"))
    status = models.CharField(_("状态"), max_length=20, choices=AlertStatus.choices, default=AlertStatus.OPEN,
                              db_default=AlertStatus.OPEN)
    caseworker = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("责任协理员"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="assigned_alerts")
    dedupe_key = models.CharField(_("去重键"), max_length=200)
    period_start = models.DateField(_("本期起算日"), null=True, blank=True,
                                    help_text=_("走访逾期预警：上次有效走访或纳入花名册的日期"))
    rule = models.ForeignKey("AlertRule", verbose_name=_("预警规则"), null=True, blank=True,
                             on_delete=models.SET_NULL, related_name="alerts")
    event = models.ForeignKey(HouseholdEvent, verbose_name=_("家庭动态"), null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+")
    source_ref = models.CharField(_("来源编号"), max_length=100, blank=True, db_default="",
                                  help_text=_("如转办编号"))
    opened_at = models.DateTimeField(_("预警时间"), default=timezone.now)
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("发起人"), null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="+", help_text=_("空表示系统自动"))
    acknowledged_at = models.DateTimeField(_("知悉时间"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("知悉人"), null=True, blank=True,
                                        on_delete=models.SET_NULL, related_name="+")
    closed_at = models.DateTimeField(_("关闭时间"), null=True, blank=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("关闭人"), null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="+")
    close_note = models.CharField(_("处理说明"), max_length=300, blank=True, db_default="")

    objects = AlertQuerySet.as_manager()

    class Meta:
        verbose_name = _("预警")
        verbose_name_plural = _("预警")
        ordering = ["-opened_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["dedupe_key"], name="alert_dedupe_key_unique"),
            models.CheckConstraint(condition=~Q(status=AlertStatus.CLOSED) | Q(closed_at__isnull=False),
                                   name="alert_closed_has_time"),
            models.CheckConstraint(condition=Q(village__isnull=False), name="alert_lies_in_a_village"),
        ]
        indexes = [
            models.Index(fields=["household", "status"], name="alert_household_status"),
            models.Index(fields=["status", "kind"], name="alert_status_kind"),
            models.Index(fields=["opened_at"], name="alert_opened_at"),
            # The newest open alerts of some villages (the worklist, the inbox): walked newest first.
            models.Index(fields=["status", "-opened_at", "-id"], name="alert_status_newest"),
            # Every read by place (place_in): the badge, the inbox, the worklist, the home cards.
            models.Index(fields=["village", "status"], name="alert_village_status"),
            # The alert list's default view, 待处理 (open and acknowledged) newest first: its first page reads
            # the index's head instead of sorting every unhandled alert of a township.
            models.Index(fields=["-opened_at", "-id"], condition=Q(status__in=UNHANDLED_STATUSES),
                         name="alert_unhandled_newest"),
        ]

    def save(self, *args, **kwargs):
        if self.village_id is None and self.household_id is not None:
            loaded = self._state.fields_cache.get("household")
            self.village_id = loaded.village_id if loaded is not None else (
                Household.objects.filter(pk=self.household_id).values_list("village_id", flat=True).first())
        super().save(*args, **kwargs)

    def __str__(self):
        return f"{self.get_kind_display()} · {self.household_id or self.source_ref}"

    @property
    def place_id(self) -> int:
        """The jurisdiction the alert lies in: the hukou township holding it, else the village."""
        return self.township_id or self.village_id

    @property
    def is_unhandled(self) -> bool:
        return self.status in UNHANDLED_STATUSES


class RuleCondition(models.TextChoices):
    ANY = "any", _("任何此类事件")
    INCOME_BELOW_DIBAO = "income_below_dibao", _("月人均收入低于当地低保标准")
    INCOME_LOW_INCOME_BAND = "income_low_income_band", _("月人均收入落入低收入区间")
    NEWLY_SET = "newly_set", _("原值为空、新值不为空（新出现）")
    NEW_VALUE_IN = "new_value_in", _("新值属于所列取值")
    INCREASED = "increased", _("新值大于原值（增加）")
    FEED_KIND_IN = "feed_kind_in", _("部门数据类型属于所列取值")


class AlertRule(models.Model):
    """Alert rule — 预警规则: which household events open a status-change alert (edited in the admin).

    The rules are data, not code branches: the status-change job reads the active rows.
    """

    name = models.CharField(_("规则名称"), max_length=100)
    event_kind = models.CharField(_("家庭动态类型"), max_length=30, choices=EventKind.choices)
    field = models.CharField(_("限定字段"), max_length=50, blank=True,
                             help_text=_("只看该字段的变化，如 serious_illness；留空表示不限"))
    condition = models.CharField(_("条件"), max_length=30, choices=RuleCondition.choices, default=RuleCondition.ANY)
    values = models.JSONField(_("取值"), default=list, blank=True,
                              help_text=_("条件为“新值属于所列取值”时填写，如 [\"unemployed\"]"))
    reason = models.CharField(_("预警原因"), max_length=200,
                              help_text=_("显示给工作人员的原因，可用 {old}、{new} 代表原值和新值"))
    quarterly_check = models.BooleanField(_("转入每季度回访"), default=False,
                                          help_text=_("如救助终止：家庭未在花名册上时，纳入花名册并每季度回访"))
    active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("预警规则")
        verbose_name_plural = _("预警规则")
        ordering = ["event_kind", "pk"]

    def __str__(self):
        return self.name

    def clean(self):
        if self.condition == RuleCondition.NEW_VALUE_IN and not self.values:
            raise ValidationError({"values": _("条件为“新值属于所列取值”时，请至少填写一个取值。")})
        if self.condition == RuleCondition.FEED_KIND_IN and not self.values:
            raise ValidationError({"values": _("条件为“部门数据类型属于所列取值”时，请至少填写一个数据类型，如 [\"medical_self_pay\"]。")})
        if self.values and not isinstance(self.values, list):
            raise ValidationError({"values": _("取值应为列表，如 [\"unemployed\"]。")})
        try:
            self.reason.format(old="", new="")
        except (KeyError, IndexError, ValueError):
            raise ValidationError({"reason": _("预警原因中只能使用 {old} 和 {new} 两个占位符。")})
