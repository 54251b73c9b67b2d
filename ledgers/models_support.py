"""Assistants' support — 协理员履职保障 (seed 002 §三(二)): the township trains its villages' social-assistance
assistants (社会救助协理员, the caseworker accounts), buys their accident insurance, issues the recorders and other
equipment home visits need, and pays their transport, phone and pay allowances. The district checks what is missing
(ledgers.selectors_support).
"""
from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class EquipmentKind(models.TextChoices):
    RECORDER = "recorder", _("执法记录仪/记录仪")
    PHONE = "phone", _("工作手机")
    OTHER = "other", _("其他装备")


class AllowanceKind(models.TextChoices):
    TRANSPORT = "transport", _("交通补贴")
    COMMUNICATION = "communication", _("通信补贴")
    PAY = "pay", _("薪资待遇")


def _assistant():
    return models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("协理员"), on_delete=models.CASCADE,
                             related_name="+", limit_choices_to={"role": "caseworker"})


def _recorder():
    return models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("登记人"), null=True, on_delete=models.SET_NULL,
                             related_name="+")


class AssistantTraining(models.Model):
    """Training received — 协理员业务培训."""

    assistant = _assistant()
    trained_on = models.DateField(_("培训日期"))
    topic = models.CharField(_("培训内容"), max_length=200)
    hours = models.DecimalField(_("学时"), max_digits=4, decimal_places=1, validators=[MinValueValidator(0)])
    recorded_by = _recorder()
    created_at = models.DateTimeField(_("登记时间"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("协理员培训")
        verbose_name_plural = _("协理员培训")
        ordering = ["-trained_on", "-pk"]
        constraints = [models.CheckConstraint(condition=models.Q(hours__gt=0), name="training_hours_positive",
                                              violation_error_message=_("学时须大于0。"))]

    def __str__(self):
        return f"{self.trained_on:%Y-%m-%d} {self.topic}"


class AssistantInsurance(models.Model):
    """Accident insurance — 人身意外伤害保险 bought for an assistant."""

    assistant = _assistant()
    insurer = models.CharField(_("承保公司"), max_length=100)
    policy_number = models.CharField(_("保单号"), max_length=60, blank=True)
    valid_until = models.DateField(_("保险到期日"))
    recorded_by = _recorder()
    created_at = models.DateTimeField(_("登记时间"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("协理员意外伤害保险")
        verbose_name_plural = _("协理员意外伤害保险")
        ordering = ["-valid_until", "-pk"]

    def __str__(self):
        return f"{self.insurer} {self.valid_until:%Y-%m-%d}"


class AssistantEquipment(models.Model):
    """Equipment issued — 配备装备 (a recorder for home visits, a work phone …)."""

    assistant = _assistant()
    kind = models.CharField(_("装备"), max_length=20, choices=EquipmentKind.choices)
    description = models.CharField(_("型号/编号"), max_length=100, blank=True)
    issued_on = models.DateField(_("发放日期"))
    recorded_by = _recorder()
    created_at = models.DateTimeField(_("登记时间"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("协理员装备")
        verbose_name_plural = _("协理员装备")
        ordering = ["-issued_on", "-pk"]

    def __str__(self):
        return f"{self.get_kind_display()} {self.issued_on:%Y-%m-%d}"


class AssistantAllowance(models.Model):
    """An allowance paid for a month — 交通、通信费用及薪资待遇."""

    assistant = _assistant()
    month = models.DateField(_("月份"), help_text=_("该月第一天"))
    kind = models.CharField(_("类别"), max_length=20, choices=AllowanceKind.choices)
    amount = models.DecimalField(_("金额（元）"), max_digits=9, decimal_places=2)
    recorded_by = _recorder()
    created_at = models.DateTimeField(_("登记时间"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("协理员补贴")
        verbose_name_plural = _("协理员补贴")
        ordering = ["-month", "kind", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["assistant", "month", "kind"], name="one_allowance_per_month_kind",
                                    violation_error_message=_("该协理员这个月的这项补贴已登记。")),
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="allowance_amount_positive",
                                   violation_error_message=_("金额须大于0。")),
        ]

    def __str__(self):
        return f"{self.month:%Y-%m} {self.get_kind_display()} {self.amount}"
