"""Leads and tiered referrals — 救助线索与分级转办 (seed 004 §二(二)–(五), 001 §五, 002 §二(三)–(四), 003 §二(三)).

A lead (救助线索) is something someone reported about a family. It is looked into, then closed with a reason
or turned into a referral (转办). A referral climbs the ladder village → township → department → (district)
through the transition functions in referrals/services.py; every step writes a ReferralStep row (who, when,
comment), so the referral page shows the whole timeline.
"""
import datetime as dt

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from households.models import Household
from households.pii_fields import EncryptedCharField
from households.validators import validate_person_name
from relief.models import Jurisdiction


class LeadChannel(models.TextChoices):
    VISIT = "visit", _("走访发现")
    HOTLINE = "hotline", _("热线")
    WALK_IN = "walk_in", _("一门受理窗口来访")
    REPORT = "report", _("志愿者/网格员/邻里报告")
    FEED = "feed", _("部门数据比对")
    PATROL = "patrol", _("街面巡查")
    OTHER = "other", _("其他")


class Urgency(models.TextChoices):
    NORMAL = "normal", _("一般")
    URGENT = "urgent", _("紧急")
    EMERGENCY = "emergency", _("急难（需先行救助）")


class LeadStatus(models.TextChoices):
    NEW = "new", _("新线索")
    LOOKING_INTO = "looking_into", _("核实中")
    CLOSED = "closed", _("已关闭")
    REFERRED = "referred", _("已转办")


OPEN_LEAD_STATUSES = (LeadStatus.NEW, LeadStatus.LOOKING_INTO)


class LeadQuerySet(models.QuerySet):
    def open(self):
        """Leads still waiting for someone (新线索 or 核实中): the home card and the list filter 待处理."""
        return self.filter(status__in=OPEN_LEAD_STATUSES)


class Lead(models.Model):
    """Lead — 救助线索: a report that a family may need help, from whichever channel it came."""

    village = models.ForeignKey(Jurisdiction, verbose_name=_("村/社区"), on_delete=models.PROTECT,
                                related_name="leads", limit_choices_to={"level": "village"})
    household = models.ForeignKey(Household, verbose_name=_("家庭"), null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="leads")
    channel = models.CharField(_("线索来源"), max_length=20, choices=LeadChannel.choices)
    reporter_name = models.CharField(_("反映人"), max_length=50, blank=True, validators=[validate_person_name])
    reporter_contact = EncryptedCharField(_("反映人联系方式"), max_length=50, blank=True)
    subject_name = models.CharField(_("困难群众姓名"), max_length=50, blank=True, validators=[validate_person_name])
    # Every pinyin reading of subject_name, full and initials, as Member.name_pinyin keeps them
    # (households/pinyin.py): a person not yet registered is found by pinyin too. Kept by the lead writers
    # (services/leads.py) only.
    subject_pinyin = models.CharField(_("困难群众姓名拼音"), max_length=500, blank=True, default="", editable=False)
    subject_address = models.CharField(_("困难群众住址"), max_length=200, blank=True)
    description = models.TextField(_("反映情况"))
    urgency = models.CharField(_("紧急程度"), max_length=20, choices=Urgency.choices, default=Urgency.NORMAL)
    status = models.CharField(_("状态"), max_length=20, choices=LeadStatus.choices, default=LeadStatus.NEW,
                              db_index=True)
    received_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("接收人"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="leads_received")
    received_at = models.DateTimeField(_("接收时间"), default=timezone.now)
    looked_into_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("核实人"), null=True, blank=True,
                                       on_delete=models.SET_NULL, related_name="+")
    looked_into_at = models.DateTimeField(_("开始核实时间"), null=True, blank=True)
    close_reason = models.CharField(_("关闭原因"), max_length=300, blank=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("关闭人"), null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="+")
    closed_at = models.DateTimeField(_("关闭时间"), null=True, blank=True)
    # Callers that raise leads automatically (policy matching, department feeds) pass a key of their own;
    # the same key never makes a second lead, so a job that runs twice changes nothing.
    dedupe_key = models.CharField(_("去重键"), max_length=200, null=True, blank=True, unique=True)
    source_ref = models.CharField(_("来源编号"), max_length=100, blank=True,
                                  help_text=_("如热线工单号、数据比对批次"))
    version = models.PositiveIntegerField(_("版本"), default=1)
    created_at = models.DateTimeField(_("登记时间"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("更新时间"), default=timezone.now)

    objects = LeadQuerySet.as_manager()

    class Meta:
        verbose_name = _("救助线索")
        verbose_name_plural = _("救助线索")
        ordering = ["-received_at", "-pk"]
        # The list's order: newest first across a township's villages reads 30 rows from this index instead of
        # sorting every lead of the township (tens of thousands once the policy match has run).
        indexes = [models.Index(fields=["village", "status", "-received_at"]),
                   models.Index(fields=["-received_at", "-id"], name="lead_newest_first")]
        constraints = [
            models.CheckConstraint(condition=~Q(status="closed") | ~Q(close_reason=""), name="lead_close_needs_reason"),
        ]

    def __str__(self):
        who = self.subject_name or self.subject_address or (str(self.household) if self.household_id else "")
        from .labels import lead_label

        return f"{lead_label(self.pk)} {who}".strip()

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_LEAD_STATUSES


class Department(models.TextChoices):
    """The township offices a referral is handed to (清单管理), or a social organisation for 转介."""

    CIVIL_AFFAIRS = "civil_affairs", _("民政")
    SOCIAL_SECURITY = "social_security", _("社保")
    MEDICAL_INSURANCE = "medical_insurance", _("医保")
    DISABLED = "disabled", _("残联")
    HOUSING = "housing", _("住建")
    EMERGENCY = "emergency", _("应急")
    EDUCATION = "education", _("教育")
    RURAL = "rural", _("乡村振兴")
    CHARITY = "charity", _("慈善/社会组织（转介）")


class ReferralStatus(models.TextChoices):
    DRAFT = "draft", _("村级草稿")
    STUDIED = "studied", _("村级已集体研究")
    SUBMITTED = "submitted", _("已报乡镇")
    ASSIGNED = "assigned", _("已交办部门")
    REVIEWED = "reviewed", _("已集中研究会审")
    NOTICE = "notice", _("公示中")
    APPROVAL = "approval", _("已报审批")
    ESCALATED = "escalated", _("已报区县")
    ELIGIBLE = "eligible", _("符合条件·已救助")
    INELIGIBLE = "ineligible", _("不符合条件")


OPEN_STATUSES = (ReferralStatus.DRAFT, ReferralStatus.STUDIED, ReferralStatus.SUBMITTED, ReferralStatus.ASSIGNED,
                 ReferralStatus.REVIEWED, ReferralStatus.NOTICE, ReferralStatus.APPROVAL, ReferralStatus.ESCALATED)
DECIDED_STATUSES = (ReferralStatus.ELIGIBLE, ReferralStatus.INELIGIBLE)
VILLAGE_STATUSES = (ReferralStatus.DRAFT, ReferralStatus.STUDIED)


class OutcomeAssistance(models.TextChoices):
    """What an eligible referral grants (seed 002 §二(四): new 特困, 低保, low income, temporary, 转介)."""

    DIBAO = "dibao", _("低保")
    TEKUN = "tekun", _("特困供养")
    LOW_INCOME = "low_income", _("低收入监测")
    TEMPORARY = "temporary", _("临时救助")
    MEDICAL = "medical", _("医疗救助")
    EDUCATION = "education", _("教育救助")
    HOUSING = "housing", _("住房救助")
    EMPLOYMENT = "employment", _("就业救助")
    DISASTER = "disaster", _("受灾人员救助")
    REFERRAL_ORG = "referral_org", _("转介社会组织")


class DecisionLevel(models.TextChoices):
    TOWNSHIP = "township", _("乡镇（部门）")
    DISTRICT = "district", _("区县")


def overdue_cutoff(period_end: dt.date | None = None) -> dt.date:
    """The day a deadline must be before to be overdue: today, or for a period already over, its last day.

    A deadline later this month is not overdue yet; the month's ledgers, the lists and the home cards all
    read overdue through `referral_open_q`/`referral_overdue_q` below, so the screen and the ledgers agree."""
    today = timezone.localdate()
    return today if period_end is None or period_end >= today else period_end


def referral_open_q(day: dt.date | None = None) -> Q:
    """Referrals still open at the end of `day` (made by then, not decided by then); today: open now."""
    if day is None or day >= timezone.localdate():
        return Q(status__in=OPEN_STATUSES)
    end_of_day = timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time()))
    return Q(created_at__lt=end_of_day) & (Q(status__in=OPEN_STATUSES) | Q(decided_at__gte=end_of_day))


def referral_overdue_q(day: dt.date | None = None) -> Q:
    """Open at the end of `day` (default today) with a deadline that had passed by then (超期). Two waits are past
    the handling deadline's reach: a 公示 still running (its statutory days are nobody's delay; once it has ended,
    the township's next step is late again), and a case submitted for approval (已报审批: the approving level's
    queue has its own deadline)."""
    cutoff = overdue_cutoff(day)
    return referral_open_q(day) & ~deadline_paused_q(cutoff) & Q(deadline__lt=cutoff)


def deadline_paused_q(day: dt.date) -> Q:
    """The handling deadline does not run on `day` (Referral.deadline_paused for one referral, today)."""
    return Q(status=ReferralStatus.APPROVAL) | Q(status=ReferralStatus.NOTICE, notice_end__gte=day)


class ReferralQuerySet(models.QuerySet):
    """The rules behind each count and list of referrals: a home card and the list it opens use the same one."""

    def open(self):
        return self.filter(status__in=OPEN_STATUSES)

    def at_village(self):
        """Still with the village (草稿 or 已集体研究), not yet submitted to the township."""
        return self.filter(status__in=VILLAGE_STATUSES)

    def open_on(self, day: dt.date | None = None):
        return self.filter(referral_open_q(day))

    def overdue(self, day: dt.date | None = None):
        """Open and past the department's deadline (the deadline day itself is not overdue); for a day in the
        past, as it stood at the end of that day (see overdue_cutoff)."""
        return self.filter(referral_overdue_q(day))

    def paperwork_pending(self):
        """Helped first (先行救助) and the paperwork not completed yet, whatever its due date."""
        return self.filter(help_first_on__isnull=False, paperwork_done_on__isnull=True)

    def paperwork_late(self, today=None):
        return self.paperwork_pending().filter(paperwork_due__lt=today or timezone.localdate())


class Referral(models.Model):
    """Referral — 转办: one family's case on its way from the village to whoever decides it."""

    household = models.ForeignKey(Household, verbose_name=_("家庭"), on_delete=models.PROTECT,
                                  related_name="referrals")
    # The household's village when the referral was made: jurisdiction checks read it without a join.
    village = models.ForeignKey(Jurisdiction, verbose_name=_("村/社区"), on_delete=models.PROTECT,
                                related_name="referrals", limit_choices_to={"level": "village"})
    lead = models.OneToOneField(Lead, verbose_name=_("来源线索"), null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="referral")
    summary = models.TextField(_("困难情况"))
    requested = models.CharField(_("建议救助方式"), max_length=20, choices=OutcomeAssistance.choices, blank=True)
    urgency = models.CharField(_("紧急程度"), max_length=20, choices=Urgency.choices, default=Urgency.NORMAL)
    willing = models.BooleanField(_("本人有申请意愿"), default=True,
                                  help_text=_("救助自愿：已宣讲政策并了解其申请意愿"))
    status = models.CharField(_("状态"), max_length=20, choices=ReferralStatus.choices, default=ReferralStatus.DRAFT,
                              db_index=True)

    # Village collective study (村级集体研究).
    study_date = models.DateField(_("村级研究日期"), null=True, blank=True)
    study_participants = models.CharField(_("村级研究参加人员"), max_length=300, blank=True)
    study_conclusion = models.TextField(_("村级研究结论"), blank=True)
    submitted_at = models.DateTimeField(_("报送乡镇时间"), null=True, blank=True)

    # Township acceptance and hand-over to a department (清单管理).
    department = models.CharField(_("承办部门"), max_length=30, choices=Department.choices, blank=True,
                                  db_index=True)
    deadline = models.DateField(_("办结期限"), null=True, blank=True)
    assigned_at = models.DateTimeField(_("交办时间"), null=True, blank=True)
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("交办人"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")

    # Special cases: collective review (集中研究会审) and public notice (公示).
    review_date = models.DateField(_("会审日期"), null=True, blank=True)
    review_participants = models.CharField(_("会审参加人员"), max_length=300, blank=True)
    review_conclusion = models.TextField(_("会审结论"), blank=True)
    notice_start = models.DateField(_("公示开始日期"), null=True, blank=True)
    notice_end = models.DateField(_("公示结束日期"), null=True, blank=True)
    notice_place = models.CharField(_("公示地点"), max_length=200, blank=True)
    notice_objections = models.TextField(_("收到的异议"), blank=True)
    notice_handling = models.TextField(_("异议处理情况"), blank=True)
    notice_objections_resolved = models.BooleanField(_("异议已处理完毕"), default=False)

    # Emergencies: help first (先行救助) and one case, one discussion (一事一议).
    help_first_amount = models.DecimalField(_("先行救助金额（元）"), max_digits=10, decimal_places=2, null=True,
                                            blank=True, validators=[MinValueValidator(0)])
    help_first_on = models.DateField(_("先行救助日期"), null=True, blank=True)
    paperwork_due = models.DateField(_("补办手续期限"), null=True, blank=True)
    paperwork_done_on = models.DateField(_("手续补齐日期"), null=True, blank=True)
    discussion_amount = models.DecimalField(_("一事一议救助金额（元）"), max_digits=10, decimal_places=2, null=True,
                                            blank=True, validators=[MinValueValidator(0)])
    discussion_justification = models.TextField(_("一事一议理由"), blank=True)
    discussion_agreed_by = models.CharField(_("一事一议同意人员"), max_length=300, blank=True)
    discussion_date = models.DateField(_("一事一议日期"), null=True, blank=True)

    # Escalation to the district.
    escalation_reason = models.TextField(_("报区县原因"), blank=True)
    escalated_at = models.DateTimeField(_("报区县时间"), null=True, blank=True)

    # When the referral entered its current state: the clock of the step it waits for (referrals/steplimits.py).
    step_started_at = models.DateTimeField(_("本环节开始时间"), null=True, blank=True)

    # The decision and what it wrote back to the household.
    decision_level = models.CharField(_("决定层级"), max_length=10, choices=DecisionLevel.choices, blank=True)
    assistance_type = models.CharField(_("救助方式"), max_length=20, choices=OutcomeAssistance.choices, blank=True)
    amount = models.DecimalField(_("救助金额（元/月）"), max_digits=10, decimal_places=2, null=True, blank=True,
                                 validators=[MinValueValidator(0)])
    start_date = models.DateField(_("救助开始日期"), null=True, blank=True)
    organisation = models.CharField(_("转介机构"), max_length=100, blank=True)
    ineligible_reason = models.TextField(_("不符合条件的原因"), blank=True,
                                         help_text=_("用可以向家庭解释的话写明"))
    real_difficulty = models.BooleanField(_("确有实际困难"), default=False)
    family_informed = models.BooleanField(_("已告知家庭"), default=False)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("决定人"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField(_("决定时间"), null=True, blank=True)

    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("发起人"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="referrals_created")
    # Every transition carries the version it read; a stale one is refused (two people deciding at once).
    version = models.PositiveIntegerField(_("版本"), default=1)
    created_at = models.DateTimeField(_("发起时间"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("更新时间"), default=timezone.now)

    objects = ReferralQuerySet.as_manager()

    class Meta:
        verbose_name = _("转办")
        verbose_name_plural = _("转办")
        ordering = ["-updated_at", "-pk"]
        indexes = [
            models.Index(fields=["village", "status"]),
            models.Index(fields=["status", "deadline"]),
            models.Index(fields=["department", "status"]),
        ]
        constraints = [
            models.CheckConstraint(condition=~Q(status="ineligible") | ~Q(ineligible_reason=""),
                                   name="referral_ineligible_needs_reason"),
            models.CheckConstraint(condition=Q(notice_end__isnull=True) | Q(notice_end__gte=models.F("notice_start")),
                                   name="referral_notice_end_after_start"),
        ]

    def __str__(self):
        return _("转办%(n)s · %(h)s") % {"n": self.pk, "h": self.household}

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("referrals:detail", kwargs={"pk": self.pk})

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def deadline_paused(self) -> str:
        """Why the handling deadline does not run now, "" when it does: the two waits referral_overdue_q leaves
        out ("notice": a 公示 still running; "approval": submitted for approval, the approving level's queue)."""
        if self.status == ReferralStatus.APPROVAL:
            return "approval"
        if self.status == ReferralStatus.NOTICE and self.notice_end and self.notice_end >= timezone.localdate():
            return "notice"
        return ""

    @property
    def is_overdue(self) -> bool:
        """referral_overdue_q for one referral, today."""
        return bool(self.deadline and self.is_open and not self.deadline_paused and self.deadline < overdue_cutoff())

    @property
    def paperwork_late(self) -> bool:
        return bool(self.paperwork_due and not self.paperwork_done_on and self.paperwork_due < timezone.localdate())


class StepAction(models.TextChoices):
    CREATE = "create", _("村级起草")
    TAKE_IN = "take_in", _("乡镇受理线索并转办")
    STUDY = "study", _("村级集体研究")
    SUBMIT = "submit", _("报送乡镇")
    ACCEPT = "accept", _("乡镇受理并交办")
    REVIEW = "review", _("集中研究会审")
    NOTICE_START = "notice_start", _("开始公示")
    NOTICE_RESULT = "notice_result", _("登记公示异议及处理")
    DECIDE_ELIGIBLE = "decide_eligible", _("认定符合条件")
    DECIDE_INELIGIBLE = "decide_ineligible", _("认定不符合条件")
    ESCALATE = "escalate", _("报区县")
    RETURN = "return", _("退回")
    HELP_FIRST = "help_first", _("先行救助")
    PAPERWORK_DONE = "paperwork_done", _("补齐手续")
    DISCUSSION = "discussion", _("一事一议")
    INFORM = "inform", _("告知家庭")
    # After 公示 (referrals/models_approval.py, services/approval.py).
    OBJECTION = "objection", _("登记公示异议·退回调查")
    APPROVAL_SUBMIT = "approval_submit", _("报送审批")
    APPROVE = "approve", _("审批批准")
    APPROVAL_REFUSE = "approval_refuse", _("不予批准")
    ASSESS = "assess", _("综合评估并交办多个部门")
    ITEM_DECIDE = "item_decide", _("部门办理结果")
    INFORM_ALL = "inform_all", _("一次性告知家庭各部门结果")


class ReferralStep(models.Model):
    """One step of a referral's timeline — 转办流程记录: who did what, when, with which comment."""

    referral = models.ForeignKey(Referral, verbose_name=_("转办"), on_delete=models.CASCADE, related_name="steps")
    action = models.CharField(_("操作"), max_length=20, choices=StepAction.choices)
    from_status = models.CharField(_("原状态"), max_length=20, choices=ReferralStatus.choices, blank=True)
    to_status = models.CharField(_("新状态"), max_length=20, choices=ReferralStatus.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+")
    comment = models.TextField(_("意见/说明"), blank=True)
    data = models.JSONField(_("详情"), default=dict, blank=True)
    at = models.DateTimeField(_("时间"), default=timezone.now)
    # What `data` holds, in words, for the audit log.
    audit_json_labels = {"data": {
        "lead_id": None, "by": None, "before_study": None,
        "department": (_("转办部门"), Department), "deadline": (_("办理期限"), None),
        "meeting_date": (_("研究日期"), None), "participants": (_("参加人员"), None), "conclusion": (_("结论"), None),
        "review_date": (_("会审日期"), None), "start": (_("开始"), None), "end": (_("结束"), None),
        "place": (_("公示地点"), None), "objections": (_("异议"), None), "handling": (_("异议处理"), None),
        "assistance_type": (_("救助类型"), OutcomeAssistance), "amount": (_("金额（元）"), None),
        "organisation": (_("转介机构"), None), "level": (_("决定层级"), DecisionLevel),
        "agreed_by": (_("同意人"), None), "difficulty": (_("困难情况"), None),
        "family_informed": (_("已告知家庭"), None), "from": (_("原层级"), None),
        "paperwork_due": (_("补办期限"), None), "real_difficulty": (_("确有困难"), None),
        "reason": (_("原因"), None), "resolved": (_("已解决"), None), "one_off": (_("一次性救助"), None),
        "departments": (_("承办部门"), None), "approved": (_("同意"), None),
    }}

    class Meta:
        verbose_name = _("转办流程记录")
        verbose_name_plural = _("转办流程记录")
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["referral", "at"])]

    def __str__(self):
        # Local time: the name is kept in the audit log, read in Shanghai, not in UTC.
        return f"{self.get_action_display()} {timezone.localtime(self.at):%Y-%m-%d %H:%M}"


class HotlineSource(models.TextChoices):
    """Which hotline a work order came from (seed 002 §一(三): 12345; seed 001 §三, 004 §二(二): the township's own)."""

    CITY_12345 = "12345", _("12345政务服务热线")
    TOWNSHIP = "township", _("乡镇（街道）社会救助热线")


class WorkOrderStage(models.TextChoices):
    """The list filters of 热线工单 (one rule each, in WorkOrderQuerySet)."""

    OVERDUE = "overdue", _("已超时")
    AWAITING_RESPONSE = "awaiting_response", _("待首次响应")
    AWAITING_FEEDBACK = "awaiting_feedback", _("待反馈")
    DONE = "done", _("已反馈")


class WorkOrderQuerySet(models.QuerySet):
    """The rules behind the work-order list, its home card and the overdue scan: one definition each.

    A deadline is a moment (the hotline counts hours): a response or feedback is overdue once its deadline
    has passed without it; at the deadline itself it is still on time."""

    def awaiting_response(self):
        return self.filter(responded_at__isnull=True)

    def awaiting_feedback(self):
        return self.filter(responded_at__isnull=False, feedback_at__isnull=True)

    def done(self):
        return self.filter(feedback_at__isnull=False)

    def overdue(self, now=None):
        now = now or timezone.now()
        return self.filter(work_order_overdue_q(now))

    def stage(self, stage: str, now=None):
        if stage == WorkOrderStage.OVERDUE:
            return self.overdue(now)
        if stage == WorkOrderStage.AWAITING_RESPONSE:
            return self.awaiting_response()
        if stage == WorkOrderStage.AWAITING_FEEDBACK:
            return self.awaiting_feedback()
        if stage == WorkOrderStage.DONE:
            return self.done()
        return self


def work_order_overdue_q(now, prefix: str = "") -> Q:
    """No response past the response deadline, or responded and no feedback past the feedback deadline."""
    p = prefix
    return (Q(**{f"{p}responded_at__isnull": True, f"{p}response_due__lt": now})
            | Q(**{f"{p}responded_at__isnull": False, f"{p}feedback_at__isnull": True, f"{p}feedback_due__lt": now}))


class HotlineWorkOrder(models.Model):
    """Hotline work order — 热线工单: what the hotline (12345 or the township's own) asks of the township
    holding the lead: a first response (首次响应) and feedback (反馈/办结回复), each by its deadline.

    One per lead; the number is the hotline's own and is registered once. Edited only through
    referrals.services (work_order_*), each write checking `version`."""

    lead = models.OneToOneField(Lead, verbose_name=_("线索"), on_delete=models.CASCADE, related_name="work_order")
    number = models.CharField(_("工单编号"), max_length=50, unique=True)
    source = models.CharField(_("来源热线"), max_length=20, choices=HotlineSource.choices,
                              default=HotlineSource.CITY_12345)
    received_at = models.DateTimeField(_("受理时间"))
    response_due = models.DateTimeField(_("首次响应期限"))
    feedback_due = models.DateTimeField(_("反馈期限"))
    responded_at = models.DateTimeField(_("首次响应时间"), null=True, blank=True)
    responded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("响应登记人"), null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+")
    response = models.TextField(_("首次响应情况"), blank=True)
    feedback_at = models.DateTimeField(_("反馈时间"), null=True, blank=True)
    feedback_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("反馈登记人"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    feedback = models.TextField(_("反馈（办结回复）内容"), blank=True)
    version = models.PositiveIntegerField(_("版本"), default=1)
    created_at = models.DateTimeField(_("登记时间"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("更新时间"), default=timezone.now)

    objects = WorkOrderQuerySet.as_manager()

    class Meta:
        verbose_name = _("热线工单")
        verbose_name_plural = _("热线工单")
        ordering = ["response_due", "pk"]
        indexes = [models.Index(fields=["responded_at", "response_due"], name="work_order_response"),
                   models.Index(fields=["feedback_at", "feedback_due"], name="work_order_feedback")]
        constraints = [
            models.CheckConstraint(condition=Q(response_due__gte=models.F("received_at")),
                                   name="work_order_response_after_received"),
            models.CheckConstraint(condition=Q(feedback_due__gte=models.F("response_due")),
                                   name="work_order_feedback_after_response"),
            models.CheckConstraint(condition=Q(feedback_at__isnull=True) | Q(responded_at__isnull=False),
                                   name="work_order_feedback_needs_response"),
        ]

    def __str__(self):
        return _("%(s)s工单%(n)s") % {"s": self.get_source_display(), "n": self.number}

    @property
    def stage(self) -> str:
        if self.feedback_at:
            return WorkOrderStage.DONE
        return WorkOrderStage.AWAITING_FEEDBACK if self.responded_at else WorkOrderStage.AWAITING_RESPONSE

    @property
    def stage_label(self) -> str:
        return WorkOrderStage(self.stage).label

    @property
    def next_due(self):
        """The deadline running now (response, then feedback); None once the feedback is given."""
        if self.feedback_at:
            return None
        return self.feedback_due if self.responded_at else self.response_due

    def is_overdue(self, now=None) -> bool:
        due = self.next_due
        return bool(due and due < (now or timezone.now()))

    @property
    def response_late(self) -> bool:
        return bool(self.responded_at and self.responded_at > self.response_due)

    @property
    def feedback_late(self) -> bool:
        return bool(self.feedback_at and self.feedback_at > self.feedback_due)
class StepKind(models.TextChoices):
    """The timed steps of a lead's way (环节时限, seed 004 §二(四) 及时受理、限时办结; 003/004 第一时间)."""

    STUDY = "study", _("村级研究（线索登记后）")
    SUBMIT = "submit", _("报送乡镇（集体研究后）")
    ACCEPT = "accept", _("乡镇受理（报送后）")
    HANDLE = "handle", _("部门办理（交办后）")
    INFORM = "inform", _("告知家庭（认定后）")
    ANSWER = "answer", _("区县答复（报区县后）")


class LimitUnit(models.TextChoices):
    DAYS = "days", _("天")
    HOURS = "hours", _("小时")


class StepLimit(models.Model):
    """Step time limit — 环节时限: how long one step may take for one urgency, from a date on.

    Rows are never edited: a change is a new row with the date it takes effect, so a step is measured by the
    limit in force on the day it started and the table keeps its own history (who set what, when)."""

    step = models.CharField(_("环节"), max_length=20, choices=StepKind.choices)
    urgency = models.CharField(_("紧急程度"), max_length=20, choices=Urgency.choices)
    amount = models.PositiveIntegerField(_("时限"), validators=[MinValueValidator(1)])
    unit = models.CharField(_("单位"), max_length=10, choices=LimitUnit.choices, default=LimitUnit.DAYS)
    effective_from = models.DateField(_("生效日期"), help_text=_("自该日（含）起开始的环节按此时限计算"))
    note = models.CharField(_("依据/说明"), max_length=300, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("设置人"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("设置时间"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("环节时限")
        verbose_name_plural = _("环节时限")
        ordering = ["step", "urgency", "-effective_from", "-pk"]
        constraints = [models.UniqueConstraint(fields=["step", "urgency", "effective_from"],
                                               name="step_limit_once_per_day")]

    def __str__(self):
        return f"{self.get_step_display()} {self.get_urgency_display()} {self.amount}{self.get_unit_display()}"

    @property
    def duration(self) -> dt.timedelta:
        return dt.timedelta(hours=self.amount) if self.unit == LimitUnit.HOURS else dt.timedelta(days=self.amount)
from .models_patrols import Patrol, PatrolLead  # noqa: E402,F401  (the app's models are found here)
from .models_hukou import CooperationLetter, HukouHandover  # noqa: E402,F401  (人户分离的协同办理)
from .models_feed import FeedLead  # noqa: E402,F401  (department rows turned into leads)
from .models_approval import (  # noqa: E402,F401
    ApprovalLevel, ApprovalRequest, ApprovalRule, ApprovalState, NoticeObjection, ObjectionHotline,
)
from .models_departments import CaseAssessment, DepartmentItem  # noqa: E402,F401
