"""Residence and hukou in different places — 人户分离的协同办理 (seed 004 §二(二)).

"居住地负责承担主动发现责任，主动配合户籍地落实救助办理和动态监管." The residence village finds the family and visits it;
handling (办理: acceptance and everything after submission) belongs to the hukou place.

- HukouHandover: a referral whose family's hukou township is another township of the system is handled there.
  The row is written when the referral reaches the township (submission) and names both townships; who may see
  and take which step of such a referral is decided once, in referrals/services/rules.py.
- CooperationLetter: where the hukou place is outside the system, the residence township writes to it (协查函 to
  ask, 转办函 to hand the case over) and records the answer; a letter unanswered past its reply deadline opens
  an alert for the township (referrals/services/hukou.py).
"""
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from households.models import Household
from relief.models import Jurisdiction


class HukouHandover(models.Model):
    """Hukou handover — 户籍地办理: the hukou township handles this referral; the residence township keeps
    discovery and visits. Both see the case, its timeline and its outcome."""

    referral = models.OneToOneField("referrals.Referral", verbose_name=_("转办"), on_delete=models.CASCADE,
                                    related_name="hukou_handover")
    township = models.ForeignKey(Jurisdiction, verbose_name=_("户籍地乡镇（街道）"), on_delete=models.PROTECT,
                                 related_name="hukou_handovers", limit_choices_to={"level": "township"})
    residence_township = models.ForeignKey(Jurisdiction, verbose_name=_("居住地乡镇（街道）"),
                                           on_delete=models.PROTECT, related_name="+",
                                           limit_choices_to={"level": "township"})
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("报送人"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("转户籍地办理时间"), default=timezone.now)

    class Meta:
        verbose_name = _("户籍地办理")
        verbose_name_plural = _("户籍地办理")
        constraints = [models.CheckConstraint(condition=~Q(township=models.F("residence_township")),
                                              name="hukou_handover_other_township")]

    def __str__(self):
        return _("转办%(r)s → %(t)s") % {"r": self.referral_id, "t": self.township}


class LetterKind(models.TextChoices):
    INQUIRY = "inquiry", _("协查函")
    TRANSFER = "transfer", _("转办函")


class LetterState(models.TextChoices):
    """The letter list's filters (one rule each, in CooperationLetterQuerySet)."""

    OVERDUE = "overdue", _("逾期未复")
    AWAITING = "awaiting", _("待回复（未到期）")
    ANSWERED = "answered", _("已回复")


class CooperationLetterQuerySet(models.QuerySet):
    """One definition of each state, read by the list, its filters and the overdue scan. A reply deadline is a
    day: the letter is overdue from the day after it."""

    def unanswered(self):
        return self.filter(answered_on__isnull=True)

    def overdue(self, today=None):
        return self.unanswered().filter(reply_due__lt=today or timezone.localdate())

    def awaiting(self, today=None):
        return self.unanswered().filter(reply_due__gte=today or timezone.localdate())

    def answered(self):
        return self.filter(answered_on__isnull=False)

    def state(self, state: str, today=None):
        if state == LetterState.OVERDUE:
            return self.overdue(today)
        if state == LetterState.AWAITING:
            return self.awaiting(today)
        if state == LetterState.ANSWERED:
            return self.answered()
        return self


class CooperationLetter(models.Model):
    """Cooperation letter — 协查函/转办函: what the residence township sent to a hukou place outside the system,
    when, the reply deadline, and the answer with its date. Written only through referrals.services (letter_*)."""

    household = models.ForeignKey(Household, verbose_name=_("家庭"), on_delete=models.PROTECT,
                                  related_name="cooperation_letters")
    referral = models.ForeignKey("referrals.Referral", verbose_name=_("转办"), null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="cooperation_letters")
    kind = models.CharField(_("函件类型"), max_length=20, choices=LetterKind.choices)
    sent_to = models.CharField(_("发往单位"), max_length=100,
                               help_text=_("如：××县民政局、××乡人民政府"))
    division_code = models.CharField(_("户籍地区划代码"), max_length=12, blank=True)
    division_name = models.CharField(_("户籍地区划名称"), max_length=100, blank=True)
    content = models.TextField(_("函件内容"), help_text=_("请协查或转办的事项"))
    sent_on = models.DateField(_("发函日期"))
    reply_due = models.DateField(_("回复期限"))
    answer = models.TextField(_("回复内容"), blank=True)
    answered_on = models.DateField(_("回复日期"), null=True, blank=True)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("回复登记人"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("登记人"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    version = models.PositiveIntegerField(_("版本"), default=1)
    created_at = models.DateTimeField(_("登记时间"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("更新时间"), default=timezone.now)

    objects = CooperationLetterQuerySet.as_manager()

    class Meta:
        verbose_name = _("协查函/转办函")
        verbose_name_plural = _("协查函/转办函")
        ordering = ["-sent_on", "-pk"]
        indexes = [models.Index(fields=["answered_on", "reply_due"], name="letter_unanswered")]
        constraints = [
            models.CheckConstraint(condition=Q(reply_due__gte=models.F("sent_on")), name="letter_due_after_sent"),
            models.CheckConstraint(condition=Q(answered_on__isnull=True) | ~Q(answer=""),
                                   name="letter_answer_has_text"),
            # The same letter entered twice (a double click, a resent form) is one letter.
            models.UniqueConstraint(fields=["household", "kind", "sent_to", "sent_on"], name="letter_once"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.sent_to} · {self.sent_on:%Y-%m-%d}"

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("referrals:letter_detail", kwargs={"pk": self.pk})

    @property
    def state(self) -> str:
        if self.answered_on:
            return LetterState.ANSWERED
        return LetterState.OVERDUE if self.reply_due < timezone.localdate() else LetterState.AWAITING

    @property
    def state_label(self) -> str:
        return LetterState(self.state).label

    @property
    def state_tone(self) -> str:
        return {LetterState.ANSWERED: "green", LetterState.OVERDUE: "red"}.get(self.state, "amber")
