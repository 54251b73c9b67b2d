"""Leads raised from department data rows — 部门数据比对转线索 (seeds 003 §二(二)1, 004 §二(四)).

A row of a department list that matches nobody in the registry (imports.FeedRecord, UNMATCHED) may become a
lead. The link lives here, in referrals, because referrals owns leads and sits above imports: imports never
learns of it. One row makes at most one lead (the OneToOne on `record`, and the lead's dedupe key
`feed:<row id>`), so a double click or two staff clicking at once raise one lead.
"""
from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import Lead


class FeedLead(models.Model):
    """Feed row turned into a lead — 比对数据转线索: which row of which department list a lead came from."""

    record = models.OneToOneField("imports.FeedRecord", verbose_name=_("部门推送数据"), on_delete=models.CASCADE,
                                  related_name="lead_link")
    lead = models.OneToOneField(Lead, verbose_name=_("救助线索"), on_delete=models.CASCADE, related_name="feed_link")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("转线索时间"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("比对数据转线索")
        verbose_name_plural = _("比对数据转线索")
        ordering = ["pk"]

    def __str__(self):
        return f"{self.record_id} → {self.lead}"
