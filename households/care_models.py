"""Care agreements of 特困 people cared for at home — 分散供养特困人员照料协议 (seed 002 §二(三)).

"对暂不愿意集中供养的，要落实照料协议，跟踪了解掌握其基本生活情况": a 特困 person who cannot care for themselves
(失能/半失能: 生活自理能力 完全不能自理 or 部分自理) and is not in central care (住房 not 集中供养) needs a care
agreement (照料协议) with a named carer, and the arrangement is followed at a cadence (跟踪了解).

The agreement is a registry fact about a person (who cares for them, on what terms, until when), like the
assistance they receive, so households owns it: written only by households/care_services.py. Who needs one and
whether theirs is valid is decided once, in households/care.py. Imported by households/models.py.

- CareAgreement — 照料协议: carer (name, phone, relation), terms, period (start/end), follow-up cadence.
- CareFollowUp — 照料跟踪: one follow-up of the arrangement (date, whether the care is given, what was found).
"""
from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .pii_fields import EncryptedCharField
from .validators import validate_person_name


class CarerRelation(models.TextChoices):
    RELATIVE = "relative", _("亲属")
    NEIGHBOUR = "neighbour", _("邻居")
    VILLAGE_CADRE = "village_cadre", _("村（居）干部")
    VOLUNTEER = "volunteer", _("志愿者")
    CARE_SERVICE = "care_service", _("养老服务机构/护理员")
    OTHER = "other", _("其他")


class CareAgreement(models.Model):
    """Care agreement — 照料协议: who cares for a 特困 person at home, on what terms, for which period."""

    household = models.ForeignKey("households.Household", verbose_name=_("家庭"), on_delete=models.CASCADE,
                                  related_name="care_agreements")
    member = models.ForeignKey("households.Member", verbose_name=_("被照料人"), on_delete=models.CASCADE,
                               related_name="care_agreements")
    carer_name = models.CharField(_("照料人姓名"), max_length=50, validators=[validate_person_name])
    carer_phone = EncryptedCharField(_("照料人电话"), max_length=30)
    carer_relation = models.CharField(_("与被照料人关系"), max_length=20, choices=CarerRelation.choices)
    terms = models.TextField(_("照料内容"), help_text=_("如：每日上门送餐、协助洗漱服药、每周打扫卫生，发现异常及时报告村委会"))
    starts_on = models.DateField(_("协议开始日期"))
    ends_on = models.DateField(_("协议结束日期"))
    follow_months = models.PositiveSmallIntegerField(
        _("跟踪间隔（月）"), default=1, validators=[MinValueValidator(1), MaxValueValidator(12)],
        help_text=_("每隔几个月跟踪了解一次照料落实情况"))
    note = models.CharField(_("说明"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("登记人"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("登记时间"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("照料协议")
        verbose_name_plural = _("照料协议")
        ordering = ["-starts_on", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__gte=F("starts_on")), name="care_agreement_ends_after_start"),
            models.CheckConstraint(condition=Q(follow_months__gte=1) & Q(follow_months__lte=12),
                                   name="care_agreement_follow_months_range"),
        ]
        indexes = [models.Index(fields=["member", "-ends_on"], name="care_agreement_member_end")]

    def __str__(self):
        return f"{self.member_id} · {self.carer_name} {self.starts_on}～{self.ends_on}"

    def runs_on(self, day) -> bool:
        return self.starts_on <= day <= self.ends_on


class CareFollowUp(models.Model):
    """Care follow-up — 照料跟踪: the arrangement was looked at (is the carer doing what was agreed?)."""

    agreement = models.ForeignKey(CareAgreement, verbose_name=_("照料协议"), on_delete=models.CASCADE,
                                  related_name="follow_ups")
    followed_on = models.DateField(_("跟踪日期"))
    care_given = models.BooleanField(_("照料已落实"), default=True)
    finding = models.CharField(_("跟踪情况"), max_length=300)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("跟踪人"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("登记时间"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("照料跟踪")
        verbose_name_plural = _("照料跟踪")
        ordering = ["-followed_on", "-pk"]

    def __str__(self):
        return f"{self.agreement_id} · {self.followed_on}"
