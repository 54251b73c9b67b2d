"""Focused screening campaigns — 集中排查 (seed 001 §三: 街道……在辖区发生应急突发事件期间开展集中排查).

A township names a period and a target group (every 低保边缘 household, every family on the observation list,
every family with a focus reason, hit by a disaster or named in a department's list, or every registered family
of some villages). The families are frozen when the campaign starts (`CampaignTarget`, with the village each lived
in then), so its coverage — visited / not yet / leads raised — counts the same families whatever the registry does
afterwards. Visits and leads are read live from visits and referrals: a campaign writes neither.
"""
import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from households.models import FocusReason, Household
from imports.models import FeedKind
from relief.models import Jurisdiction
from relief.punctuation import COLON, COMMA, parenthesized


class CampaignTargetKind(models.TextChoices):
    DIBAO_EDGE = "dibao_edge", _("低保边缘家庭")
    OBSERVATION = "observation", _("救助观察名单家庭")
    FOCUS_REASON = "focus_reason", _("花名册上有某一关注原因的家庭")
    DISASTER = "disaster", _("受灾家庭（受灾登记或应急办因灾数据）")
    FEED = "feed", _("部门数据比对命中的家庭")
    ALL = "all", _("所选村/社区的全部在册家庭")


class CampaignState(models.TextChoices):
    UPCOMING = "upcoming", _("未开始")
    RUNNING = "running", _("进行中")
    FINISHED = "finished", _("已结束")


class CampaignQuerySet(models.QuerySet):
    def running(self, day: dt.date):
        """Campaigns whose period covers the day (the worklist shows them); one ended early is over that day."""
        return self.filter(starts_on__lte=day, ends_on__gte=day).exclude(finished_q(day))

    def in_state(self, state: str, day: dt.date):
        if state == CampaignState.RUNNING:
            return self.running(day)
        if state == CampaignState.UPCOMING:
            return self.filter(starts_on__gt=day)
        if state == CampaignState.FINISHED:
            return self.filter(finished_q(day))
        return self


def finished_q(day: dt.date) -> Q:
    """Over on `day`: its period ended before, or the township ended it early (提前结束) — its period then ends on
    the day it was ended, and the campaign is over from that moment, though that day's visits still count."""
    return Q(ends_on__lt=day) | Q(ended_early_at__isnull=False, ends_on__lte=day)


class Campaign(models.Model):
    """Focused screening campaign — 集中排查 of one township for a period and a target group."""

    township = models.ForeignKey(Jurisdiction, verbose_name=_("乡镇/街道"), on_delete=models.PROTECT,
                                 related_name="campaigns", limit_choices_to={"level": "township"})
    name = models.CharField(_("排查名称"), max_length=100)
    purpose = models.TextField(_("排查要求"), blank=True, help_text=_("排查什么、重点了解哪些情况"))
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("结束日期"))
    target_kind = models.CharField(_("排查对象"), max_length=20, choices=CampaignTargetKind.choices)
    focus_reason = models.CharField(_("关注原因"), max_length=30, choices=FocusReason.choices, blank=True)
    feed_kind = models.CharField(_("部门数据类型"), max_length=30, choices=FeedKind.choices, blank=True)
    event_since = models.DateField(_("受灾/比对命中起始日期"), null=True, blank=True)
    event_keyword = models.CharField(_("灾害名称（关键词）"), max_length=50, blank=True,
                                     help_text=_("如“暴雨”；留空为全部受灾登记"))
    villages = models.ManyToManyField(Jurisdiction, verbose_name=_("排查村/社区"), blank=True,
                                      related_name="campaigns_in", limit_choices_to={"level": "village"},
                                      help_text=_("不选为全乡镇（街道）"))
    target_count = models.PositiveIntegerField(_("排查户数"), default=0, editable=False)
    # 提前结束: the township ends a campaign before its planned end (the emergency is over). `ends_on` becomes the
    # day it was ended, so every coverage figure counts that period; the planned end is kept beside it.
    planned_ends_on = models.DateField(_("原定结束日期"), null=True, blank=True, editable=False)
    ended_early_at = models.DateTimeField(_("提前结束时间"), null=True, blank=True, editable=False)
    ended_early_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("提前结束人"), null=True, blank=True,
                                       on_delete=models.SET_NULL, related_name="+", editable=False)
    end_reason = models.TextField(_("提前结束原因"), blank=True, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("发起人"), null=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("发起时间"), default=timezone.now, editable=False)

    objects = CampaignQuerySet.as_manager()

    class Meta:
        verbose_name = _("集中排查")
        verbose_name_plural = _("集中排查")
        ordering = ["-starts_on", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__gte=models.F("starts_on")), name="campaign_period_ordered",
                                   violation_error_message=_("结束日期不能早于开始日期。")),
        ]

    def __str__(self):
        return self.name

    def state_on(self, day: dt.date) -> str:
        if day < self.starts_on:
            return CampaignState.UPCOMING
        if day > self.ends_on or (self.ended_early_at is not None and day >= self.ends_on):
            return CampaignState.FINISHED
        return CampaignState.RUNNING

    @property
    def target_label(self) -> str:
        """The target group as a person reads it: 花名册关注原因：独居老人, 受灾家庭（暴雨，2026-07-01 起）."""
        label = str(self.get_target_kind_display())
        if self.target_kind == CampaignTargetKind.FOCUS_REASON and self.focus_reason:
            return f"{_('关注原因')}{COLON}{self.get_focus_reason_display()}"
        if self.target_kind == CampaignTargetKind.FEED and self.feed_kind:
            label = f"{_('部门数据比对命中')}{COLON}{self.get_feed_kind_display()}"
        if self.target_kind in (CampaignTargetKind.DISASTER, CampaignTargetKind.FEED):
            extra = [self.event_keyword] if self.event_keyword else []
            if self.event_since:
                extra.append(_("%(d)s 起") % {"d": self.event_since.isoformat()})
            if extra:
                label = f"{label}{parenthesized(str(COMMA).join(str(e) for e in extra))}"
        return label


class CampaignTarget(models.Model):
    """A family a campaign screens — 排查对象, frozen at the start with the village it lived in then."""

    campaign = models.ForeignKey(Campaign, verbose_name=_("集中排查"), on_delete=models.CASCADE,
                                 related_name="targets")
    household = models.ForeignKey(Household, verbose_name=_("家庭"), on_delete=models.CASCADE, related_name="+")
    village = models.ForeignKey(Jurisdiction, verbose_name=_("村/社区"), on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("排查对象")
        verbose_name_plural = _("排查对象")
        ordering = ["campaign", "village", "household"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "household"], name="campaign_target_once"),
        ]
        indexes = [models.Index(fields=["campaign", "village"])]

    def __str__(self):
        return f"{self.campaign} · {self.household_id}"
