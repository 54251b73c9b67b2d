"""Visits, photos and the weekly township summary — 走访巡查 (alerts live in alerts/).

The three don'ts (三个不放过, seed 002 §二(二)) live in `Visit.clean()` so the form, the service and
the admin all refuse the same things:
1. 走访到户不见人不放过 — a visit where the person was not seen does not complete the period and
   carries a follow-up date;
2. 困难人员情况不调查清楚不放过 — "situation clear" needs every structured check answered;
3. 针对问题不提出对策建议不放过 — a need found without a proposed measure keeps the case open.
"""
from __future__ import annotations

import datetime as dt
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from households.models import Household
from relief import punctuation

# A follow-up is scheduled this many days after a visit where the person was not seen, unless the
# caseworker gives a date.
NOT_SEEN_FOLLOW_UP_DAYS = 7


class VisitMethod(models.TextChoices):
    HOME = "home", _("入户走访")
    PHONE = "phone", _("电话")
    VIDEO = "video", _("视频")
    WALK_IN = "walk_in", _("来访")
    OTHER = "other", _("其他")


class VisitKind(models.TextChoices):
    """What the visit was for. A review visit (复核走访, seed 003: 结合复核开展走访排摸) also does the quarter's
    check of a family on the quarterly check list (households.services.quarterly_check_by_visit)."""

    ROUTINE = "routine", _("日常巡查走访")
    REVIEW = "review", _("复核走访")


class CheckResult(models.TextChoices):
    NOT_CHECKED = "", _("未了解")
    NORMAL = "normal", _("正常")
    CONCERN = "concern", _("有困难")
    NOT_APPLICABLE = "na", _("不适用")


class NeedKind(models.TextChoices):
    """The one vocabulary of needs: found on a visit (Visit.needs) and kept on the needs list (plans.Need)."""

    BASIC_LIVING = "basic_living", _("基本生活")
    MEDICAL = "medical", _("医疗")
    HOUSING = "housing", _("住房")
    EDUCATION = "education", _("教育")
    EMPLOYMENT = "employment", _("就业")
    CARE = "care", _("照料护理")
    HEATING_COOLING = "heating_cooling", _("取暖/防暑")
    EMERGENCY = "emergency", _("急难临时救助")
    PSYCHOLOGICAL = "psychological", _("心理疏导")
    OTHER = "other", _("其他")


class Willingness(models.TextChoices):
    WANTS = "wants", _("愿意申请")
    UNDECIDED = "undecided", _("尚在考虑")
    DECLINES = "declines", _("不愿申请")
    NOT_ASKED = "not_asked", _("本次未涉及")


class Ability(models.TextChoices):
    ABLE = "able", _("能自行申请")
    NEEDS_HELP = "needs_help", _("需要协助申请")
    NOT_APPLICABLE = "na", _("不适用")


# The structured living-situation checks, in the order the form shows them.
CHECK_FIELDS = ("food", "housing_safety", "heating_cooling", "medical", "income_change", "care", "schooling")
FACE_TO_FACE = (VisitMethod.HOME, VisitMethod.WALK_IN)


def _check_field(label):
    return models.CharField(label, max_length=10, choices=CheckResult.choices, blank=True, default="")


class Visit(models.Model):
    """Visit record — 巡查记录 (seed 002 attachment 2): one visit to one household."""

    household = models.ForeignKey(Household, verbose_name=_("家庭"), on_delete=models.CASCADE, related_name="visits")
    visitors = models.ManyToManyField(settings.AUTH_USER_MODEL, verbose_name=_("走访人员"), related_name="visits",
                                      blank=True)
    volunteers = models.CharField(_("志愿者/其他人员"), max_length=200, blank=True,
                                  help_text=_("非系统用户的走访人员，如网格员、志愿者，多人用顿号分隔"))
    visited_on = models.DateField(_("走访日期"))
    method = models.CharField(_("走访方式"), max_length=10, choices=VisitMethod.choices, default=VisitMethod.HOME)
    kind = models.CharField(_("走访类型"), max_length=10, choices=VisitKind.choices, default=VisitKind.ROUTINE,
                            db_default=VisitKind.ROUTINE)
    person_seen = models.BooleanField(_("见到本人"), default=True)
    not_seen_reason = models.CharField(_("未见到本人原因"), max_length=200, blank=True)
    food = _check_field(_("饮食"))
    housing_safety = _check_field(_("住房安全"))
    heating_cooling = _check_field(_("取暖/防暑"))
    medical = _check_field(_("就医及用药"))
    income_change = _check_field(_("收入变化"))
    care = _check_field(_("照料护理"))
    schooling = _check_field(_("子女就学"))
    situation = models.TextField(_("现实生活状况"), blank=True)
    needs = models.JSONField(_("发现的需求"), default=list, blank=True)
    audit_json_labels = {"needs": NeedKind}
    needs_text = models.TextField(_("需求说明"), blank=True)
    # Empty when the person was not seen: nobody was asked, so there is no answer to store.
    willingness = models.CharField(_("救助意愿"), max_length=20, choices=Willingness.choices, blank=True,
                                   default=Willingness.NOT_ASKED)
    ability = models.CharField(_("申请能力"), max_length=20, choices=Ability.choices, default=Ability.NOT_APPLICABLE)
    help_offered = models.TextField(_("协助申请情况"), blank=True)
    actions_taken = models.TextField(_("已做工作"), blank=True)
    measures = models.TextField(_("对策建议"), blank=True)
    situation_clear = models.BooleanField(_("情况已调查清楚"), default=False)
    next_follow_up_on = models.DateField(_("下次跟进日期"), null=True, blank=True)
    # Derived by clean(): a visit completes the period only when the person was seen; the case
    # stays open while any of the three don'ts is unmet (see open_reasons()).
    completes_period = models.BooleanField(_("完成本期走访"), default=False, editable=False)
    case_open = models.BooleanField(_("仍需跟进"), default=True, editable=False)
    idempotency_key = models.UUIDField(_("提交编号"), unique=True, default=uuid.uuid4, editable=False)
    logged_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("登记人"), null=True,
                                  on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("登记时间"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("更新时间"), default=timezone.now)

    class Meta:
        verbose_name = _("巡查记录")
        verbose_name_plural = _("巡查记录")
        ordering = ["-visited_on", "-pk"]
        indexes = [
            models.Index(fields=["household", "-visited_on"], name="visit_household_date"),
            models.Index(fields=["household", "-visited_on"], condition=Q(completes_period=True),
                         name="visit_completing"),
            models.Index(fields=["visited_on"], name="visit_date"),
            # The households visited in time within a month (the dashboard's visits on time): read from the
            # index alone, not from every heap page that holds a visit of that month.
            models.Index(fields=["visited_on", "household"], condition=Q(completes_period=True),
                         name="visit_completing_by_date"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(next_follow_up_on__isnull=True) | Q(next_follow_up_on__gte=models.F("visited_on")),
                name="visit_follow_up_not_before_visit",
                violation_error_message=_("下次跟进日期不能早于走访日期。")),
            models.CheckConstraint(condition=Q(person_seen=True) | Q(completes_period=False),
                                   name="visit_not_seen_does_not_complete",
                                   violation_error_message=_("未见到本人的走访不能算作完成本期走访。")),
            models.CheckConstraint(condition=Q(person_seen=True) | Q(next_follow_up_on__isnull=False),
                                   name="visit_not_seen_needs_follow_up",
                                   violation_error_message=_("未见到本人时必须安排下次跟进日期。")),
        ]

    def __str__(self):
        return f"{self.visited_on} {self.get_method_display()}"

    def checks(self) -> list[tuple[str, str, str]]:
        """(field, label, result label) for each structured check."""
        return [(name, str(self._meta.get_field(name).verbose_name), getattr(self, f"get_{name}_display")())
                for name in CHECK_FIELDS]

    def unanswered_checks(self) -> list[str]:
        return [str(self._meta.get_field(name).verbose_name) for name in CHECK_FIELDS if not getattr(self, name)]

    def need_labels(self) -> list[str]:
        return [str(NeedKind(code).label) if code in NeedKind.values else code for code in (self.needs or [])]

    @property
    def checks_the_quarter(self) -> bool:
        """Whether this visit is the quarter's check (季度排查) of a family on the quarterly list (seed 003 §二(二)2:
        每季度全面排查一次, 面对面 about basic living, housing, medical care and schooling): a review visit that saw
        the family (结合复核), or one face to face (入户, 来访) that saw the person and answered every check."""
        if not self.person_seen:
            return False
        if self.kind == VisitKind.REVIEW:
            return True
        return self.method in FACE_TO_FACE and all(getattr(self, name) != CheckResult.NOT_CHECKED
                                                   for name in CHECK_FIELDS)

    def has_needs(self) -> bool:
        return bool(self.needs) or bool(self.needs_text.strip())

    def open_reasons(self) -> list[str]:
        """Why the case is still open after this visit, in words (三个不放过)."""
        reasons = []
        if not self.person_seen:
            reasons.append(str(_("走访未见到本人，需再次走访")))
        if not self.situation_clear:
            reasons.append(str(_("困难情况尚未调查清楚")))
        if self.has_needs() and not self.measures.strip():
            reasons.append(str(_("发现需求但尚未提出对策建议")))
        return reasons

    def derive(self) -> None:
        """Set the facts that follow from the record (three don'ts), the same way on every save."""
        self.completes_period = bool(self.person_seen)
        self.case_open = bool(self.open_reasons())
        # Not seen: "not asked" is no answer, and is stored as none; a seen person not asked is NOT_ASKED.
        if not self.person_seen and self.willingness == Willingness.NOT_ASKED:
            self.willingness = ""
        elif self.person_seen and not self.willingness:
            self.willingness = Willingness.NOT_ASKED
        if not self.person_seen and self.next_follow_up_on is None and self.visited_on:
            self.next_follow_up_on = self.visited_on + dt.timedelta(days=NOT_SEEN_FOLLOW_UP_DAYS)

    def clean(self):
        self.derive()
        errors: dict[str, list] = {}
        today = timezone.localdate()
        if self.visited_on:
            if self.visited_on > today:
                errors.setdefault("visited_on", []).append(_("走访日期不能晚于今天。"))
            if self.household_id:
                created = timezone.localdate(self.household.created_at)
                if self.visited_on < created:
                    errors.setdefault("visited_on", []).append(
                        _("走访日期不能早于该家庭的登记日期（%(d)s）。") % {"d": created.isoformat()})
            if self.next_follow_up_on and self.next_follow_up_on < self.visited_on:
                errors.setdefault("next_follow_up_on", []).append(_("下次跟进日期不能早于走访日期。"))
        if not self.person_seen and not self.not_seen_reason.strip():
            errors.setdefault("not_seen_reason", []).append(_("未见到本人时，请说明原因。"))
        if not self.person_seen and self.willingness:
            errors.setdefault("willingness", []).append(
                _("未见到本人，无法了解其救助意愿，不能记录“%(w)s”。") % {"w": self.get_willingness_display()})
        if self.situation_clear:
            if not self.person_seen:
                errors.setdefault("situation_clear", []).append(
                    _("未见到本人，不能认定情况已调查清楚（走访到户不见人不放过）。"))
            missing = self.unanswered_checks()
            if missing:
                errors.setdefault("situation_clear", []).append(
                    _("以下生活状况尚未了解，不能认定情况已调查清楚：%(items)s。") % {"items": punctuation.mark("、").join(missing)})
        if (self.person_seen and len(self.unanswered_checks()) == len(CHECK_FIELDS) and not self.situation.strip()
                and not self.needs and not self.needs_text.strip()):
            # An untouched form (见到本人 is ticked by default) would otherwise count as the period's visit and
            # close the overdue alert with nothing learnt.
            errors.setdefault("__all__", []).append(
                _("这次走访还没有记录任何情况：请逐项填写了解到的生活状况，或在“现实生活状况”中写明见到的情况。"))
        unknown = [code for code in (self.needs or []) if code not in NeedKind.values]
        if unknown:
            errors.setdefault("needs", []).append(_("无法识别的需求类别：%(c)s。") % {"c": punctuation.mark("、").join(unknown)})
        if self.ability == Ability.NEEDS_HELP and not self.help_offered.strip():
            errors.setdefault("help_offered", []).append(_("本人愿意申请但需要协助时，请填写如何协助申请。"))
        if errors:
            raise ValidationError(errors)

    def save(self, *args, **kwargs):
        self.derive()
        super().save(*args, **kwargs)


def visit_photo_path(instance, filename):
    # A random name: the original file name may carry a person's name; the folder is not web-served.
    extension = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}.get(instance.content_type, "bin")
    return f"visits/{timezone.now():%Y/%m}/{uuid.uuid4().hex}.{extension}"


class VisitPhoto(models.Model):
    """Visit photo — 走访照片: stored under MEDIA_ROOT (not web-served), streamed after a jurisdiction check."""

    visit = models.ForeignKey(Visit, verbose_name=_("巡查记录"), on_delete=models.CASCADE, related_name="photos")
    file = models.FileField(_("文件"), upload_to=visit_photo_path, max_length=200)
    content_type = models.CharField(_("类型"), max_length=30)
    size = models.PositiveIntegerField(_("大小（字节）"))
    caption = models.CharField(_("说明"), max_length=100, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("上传人"), null=True,
                                    on_delete=models.SET_NULL, related_name="+")
    uploaded_at = models.DateTimeField(_("上传时间"), default=timezone.now)

    class Meta:
        verbose_name = _("走访照片")
        verbose_name_plural = _("走访照片")
        ordering = ["pk"]

    def __str__(self):
        return f"{self.visit} · {self.pk}"


class TownshipSummary(models.Model):
    """Weekly township summary — 乡镇每周汇总: computed every Monday morning for the week before."""

    township = models.ForeignKey("relief.Jurisdiction", verbose_name=_("乡镇/街道"), on_delete=models.CASCADE,
                                 related_name="visit_summaries")
    week_start = models.DateField(_("周起始日"))
    visits_logged = models.PositiveIntegerField(_("本周走访次数"), default=0)
    households_visited = models.PositiveIntegerField(_("本周走访户数"), default=0)
    overdue_visits = models.PositiveIntegerField(_("走访逾期户数"), default=0)
    new_alerts = models.PositiveIntegerField(_("本周新增预警"), default=0)
    unhandled_alerts = models.PositiveIntegerField(_("未处理预警"), default=0)
    computed_at = models.DateTimeField(_("统计时间"), default=timezone.now)

    class Meta:
        verbose_name = _("乡镇每周走访汇总")
        verbose_name_plural = _("乡镇每周走访汇总")
        ordering = ["-week_start", "township"]
        constraints = [models.UniqueConstraint(fields=["township", "week_start"], name="one_summary_per_week")]

    def __str__(self):
        return f"{self.township} {self.week_start}"


class LatestVisit(models.Model):
    """A household's latest visit dates, kept by visits.latest (every saved or deleted visit, and the bulk
    writers) so that the worklist, the household page and the overdue scan read one row per household
    instead of probing the visits table twice for each of a village's thousands of watched households."""

    household = models.OneToOneField(Household, verbose_name=_("家庭"), primary_key=True, on_delete=models.CASCADE,
                                     related_name="latest_visit")
    visited_on = models.DateField(_("最近走访日期"))
    seen_on = models.DateField(_("最近见到本人日期"), null=True, blank=True)
    # What the latest visit left to do: its follow-up date, and whether the case is still open (三个不放过). The
    # worklist lists a family not seen last time (上次未见到本人) or seen with its case still open (仍需跟进).
    follow_up_on = models.DateField(_("下次跟进日期"), null=True, blank=True)
    case_open = models.BooleanField(_("仍需跟进"), default=False)

    class Meta:
        verbose_name = _("最近走访")
        verbose_name_plural = _("最近走访")

    def __str__(self):
        return f"{self.household_id} {self.visited_on}"
