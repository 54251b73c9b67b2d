"""Adviser posts — 社会救助顾问点 (seed 000 §三(一), seed 003 §二(一)3): where a family goes to ask.

Each township sets up a post at its community affairs service centre (受理中心) and, where it can, an adviser
workstation (救助顾问实体工作站); every village a post of its own (应设尽设, 全覆盖). The policy sheets (明白纸)
print the posts of the family's township, so whoever reads one knows where to ask and whom.
"""
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from households.validators import validate_person_name
from relief.models import Jurisdiction


class AdviserPostKind(models.TextChoices):
    CENTRE = "centre", _("受理中心救助顾问点")
    STATION = "station", _("救助顾问工作站")
    VILLAGE = "village", _("村居救助顾问点")


class AdviserPost(models.Model):
    """Adviser post — 救助顾问点/工作站 of a township, or of one of its villages."""

    township = models.ForeignKey(Jurisdiction, verbose_name=_("乡镇/街道"), on_delete=models.PROTECT,
                                 related_name="adviser_posts", limit_choices_to={"level": "township"})
    village = models.ForeignKey(Jurisdiction, verbose_name=_("村/社区"), null=True, blank=True,
                                on_delete=models.PROTECT, related_name="village_adviser_posts",
                                limit_choices_to={"level": "village"})
    kind = models.CharField(_("类别"), max_length=20, choices=AdviserPostKind.choices)
    name = models.CharField(_("名称"), max_length=100)
    place = models.CharField(_("地点"), max_length=200)
    opening_hours = models.CharField(_("开放时间"), max_length=100)
    phone = models.CharField(_("咨询电话"), max_length=30)
    is_active = models.BooleanField(_("开放中"), default=True)
    created_at = models.DateTimeField(_("登记时间"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("更新时间"), default=timezone.now)

    class Meta:
        verbose_name = _("救助顾问点")
        verbose_name_plural = _("救助顾问点")
        ordering = ["township", "village", "kind", "name", "pk"]
        constraints = [
            # A village post names its village; the centre and the workstation serve the whole township.
            models.CheckConstraint(condition=Q(kind="village", village__isnull=False)
                                   | (~Q(kind="village") & Q(village__isnull=True)),
                                   name="adviser_post_village_matches_kind",
                                   violation_error_message=_("村居救助顾问点须选择村/社区；受理中心和工作站不选村/社区。")),
        ]

    def __str__(self):
        return self.name


class AdviserPostPerson(models.Model):
    """An adviser on duty at a post — 救助顾问 (name, phone, role)."""

    post = models.ForeignKey(AdviserPost, verbose_name=_("救助顾问点"), on_delete=models.CASCADE, related_name="people")
    name = models.CharField(_("姓名"), max_length=50, validators=[validate_person_name])
    phone = models.CharField(_("联系电话"), max_length=30)
    role = models.CharField(_("职责"), max_length=50, help_text=_("如受理中心救助工作人员、村居救助工作人员、社工、志愿者"))

    class Meta:
        verbose_name = _("救助顾问")
        verbose_name_plural = _("救助顾问")
        ordering = ["post", "pk"]

    def __str__(self):
        return f"{self.name}（{self.role}）"
