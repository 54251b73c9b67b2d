"""The quarterly check of refused and exited families (季度排查, seed 003 §二(二)2) and the whole-household
check of families partly on 低保 (整户纳入低保核查, seed 002 §二(三)). Imported by households/models.py.

- QuarterlyCheckEntry — a family's place on the quarterly check list (季度排查名单): put on when an application
  is refused (referrals tells households) or its 低保/特困/低收入 ends (households.services.assistance_end),
  taken off by a written refusal or by hand; one open entry per household.
- QuarterlyCheck — one check (排查) per family and quarter: date, finding, whether circumstances changed; done
  on its own or by a review visit (结合复核走访), which is named.
- WrittenRefusal — 书面拒绝: the family declined the check in writing; it keeps the family off the list.
- WholeHouseholdCheck — the outcome of a whole-household check (整户纳入 proposed, or not eligible with a reason).
"""
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from relief.dates import quarter_label


class CheckListReason(models.TextChoices):
    REFUSED = "refused", _("申请未通过")
    EXITED = "exited", _("退出救助")
    OTHER = "other", _("其他")


class QuarterlyCheckEntry(models.Model):
    """Quarterly check list entry — 季度排查名单条目: the family is checked every quarter while it is open."""

    household = models.ForeignKey("households.Household", verbose_name=_("家庭"), on_delete=models.CASCADE,
                                  related_name="quarterly_entries")
    reason = models.CharField(_("纳入原因"), max_length=20, choices=CheckListReason.choices)
    detail = models.CharField(_("说明"), max_length=300, blank=True)
    source_ref = models.CharField(_("来源编号"), max_length=100, blank=True, help_text=_("如转办或救助记录的编号"))
    entered_on = models.DateField(_("纳入日期"), default=timezone.localdate)
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("纳入人"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    ended_on = models.DateField(_("移出日期"), null=True, blank=True)
    end_reason = models.CharField(_("移出原因"), max_length=300, blank=True)
    ended_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("移出操作人"), null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("登记时间"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("季度排查名单条目")
        verbose_name_plural = _("季度排查名单")
        ordering = ["-entered_on", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["household"], condition=Q(ended_on__isnull=True),
                                    name="one_open_quarterly_entry_per_household"),
            models.CheckConstraint(condition=Q(ended_on__isnull=True) | ~Q(end_reason=""),
                                   name="quarterly_entry_end_needs_reason"),
        ]
        indexes = [models.Index(fields=["ended_on", "household"], name="quarterly_entry_open")]

    def __str__(self):
        return f"{self.household} · {self.get_reason_display()} {self.entered_on}"

    @property
    def is_open(self) -> bool:
        return self.ended_on is None


class QuarterlyCheck(models.Model):
    """Quarterly check — 季度排查记录: one per family and quarter (quarter_start = the quarter's first day)."""

    household = models.ForeignKey("households.Household", verbose_name=_("家庭"), on_delete=models.CASCADE,
                                  related_name="quarterly_checks")
    entry = models.ForeignKey(QuarterlyCheckEntry, verbose_name=_("排查名单条目"), on_delete=models.CASCADE,
                              related_name="checks")
    quarter_start = models.DateField(_("季度"))
    checked_on = models.DateField(_("排查日期"))
    finding = models.TextField(_("排查情况"))
    circumstances_changed = models.BooleanField(_("情况有变化"), default=False)
    # The review visit (复核走访) that did the check; a plain id because visits sit above households.
    visit_id = models.PositiveIntegerField(_("结合复核走访"), null=True, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("排查人"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("登记时间"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("季度排查记录")
        verbose_name_plural = _("季度排查记录")
        ordering = ["-quarter_start", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["household", "quarter_start"], name="one_quarterly_check_per_quarter"),
        ]

    def __str__(self):
        return f"{self.household} · {self.quarter_label}"

    @property
    def quarter_label(self) -> str:
        return quarter_label(self.quarter_start.year, (self.quarter_start.month - 1) // 3 + 1)


class WrittenRefusal(models.Model):
    """Written refusal — 书面拒绝: the family declined the quarterly check in writing (date, who recorded it)."""

    household = models.OneToOneField("households.Household", verbose_name=_("家庭"), on_delete=models.CASCADE,
                                     related_name="written_refusal")
    refused_on = models.DateField(_("书面拒绝日期"))
    note = models.CharField(_("说明"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("登记人"), null=True,
                                    on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField(_("登记时间"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("书面拒绝排查")
        verbose_name_plural = _("书面拒绝排查")

    def __str__(self):
        return f"{self.household} · {self.refused_on}"


class WholeHouseholdOutcome(models.TextChoices):
    PROPOSED = "proposed", _("拟整户纳入低保")
    NOT_ELIGIBLE = "not_eligible", _("不符合整户纳入条件")


class WholeHouseholdCheck(models.Model):
    """Whole-household check — 整户纳入低保核查 (seed 002 §二(三)): some members get 低保, the family is still
    in hardship; the check says whether the whole household should be covered."""

    household = models.ForeignKey("households.Household", verbose_name=_("家庭"), on_delete=models.CASCADE,
                                  related_name="whole_household_checks")
    checked_on = models.DateField(_("核查日期"))
    outcome = models.CharField(_("核查结论"), max_length=20, choices=WholeHouseholdOutcome.choices)
    reason = models.TextField(_("理由"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("核查人"), null=True,
                                    on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("登记时间"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("整户纳入低保核查")
        verbose_name_plural = _("整户纳入低保核查")
        ordering = ["-checked_on", "-pk"]
        indexes = [models.Index(fields=["household", "-checked_on"], name="whole_check_household")]

    def __str__(self):
        return f"{self.household} · {self.get_outcome_display()} {self.checked_on}"
