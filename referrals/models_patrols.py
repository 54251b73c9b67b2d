"""Street patrols — 街面巡查 (seed 000 §三(一)(3)): who walked where, whom they met, and the leads it raised.

A patrol belongs to a township, and to one of its villages when it kept to one (a caseworker's patrol always
does). Leads raised on a patrol are ordinary leads of channel PATROL, written through referrals.services;
PatrolLead links each back to its patrol.
"""
from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from relief.models import Jurisdiction

from .models import Lead


class Patrol(models.Model):
    """Patrol — 街面巡查记录: one round of a street patrol."""

    township = models.ForeignKey(Jurisdiction, verbose_name=_("乡镇/街道"), on_delete=models.PROTECT,
                                 related_name="patrols", limit_choices_to={"level": "township"})
    village = models.ForeignKey(Jurisdiction, verbose_name=_("村/社区"), null=True, blank=True,
                                on_delete=models.PROTECT, related_name="village_patrols",
                                limit_choices_to={"level": "village"},
                                help_text=_("巡查只在一个村/社区时填写；跨村的巡查留空"))
    patrolled_on = models.DateField(_("巡查日期"), default=timezone.localdate)
    area = models.CharField(_("巡查区域/路线"), max_length=200)
    staff = models.ManyToManyField(settings.AUTH_USER_MODEL, verbose_name=_("巡查工作人员"), blank=True,
                                   related_name="patrols")
    others = models.CharField(_("其他参与人员"), max_length=200, blank=True,
                              help_text=_("志愿者、网格员等没有系统账号的人员"))
    people_met = models.PositiveIntegerField(_("遇到人数"), default=0)
    notes = models.TextField(_("情况记录"), blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("记录人"), null=True,
                                    on_delete=models.SET_NULL, related_name="patrols_recorded")
    created_at = models.DateTimeField(_("登记时间"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("更新时间"), default=timezone.now)

    class Meta:
        verbose_name = _("街面巡查记录")
        verbose_name_plural = _("街面巡查记录")
        ordering = ["-patrolled_on", "-pk"]
        indexes = [models.Index(fields=["township", "-patrolled_on"])]

    def __str__(self):
        return f"{self.patrolled_on:%Y-%m-%d} {self.area}"

    @property
    def place_id(self) -> int:
        """The jurisdiction the patrol is kept in: its village, or the township for a patrol across villages."""
        return self.village_id or self.township_id


class PatrolLead(models.Model):
    """A lead raised on a patrol — 巡查发现的线索 (each lead comes from at most one patrol)."""

    patrol = models.ForeignKey(Patrol, verbose_name=_("街面巡查"), on_delete=models.CASCADE, related_name="lead_links")
    lead = models.OneToOneField(Lead, verbose_name=_("救助线索"), on_delete=models.CASCADE, related_name="patrol_link")

    class Meta:
        verbose_name = _("巡查发现的线索")
        verbose_name_plural = _("巡查发现的线索")
        ordering = ["pk"]

    def __str__(self):
        return f"{self.patrol} → {self.lead}"
