"""Policy, resource and project libraries, needs lists and 一户一策 plans, teams (seed 003 §二(三), 002 §一)."""
from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from households.models import AssistanceType, Household
from households.validators import validate_person_name
from relief.models import Jurisdiction
from visits.models import NeedKind


# --------------------------------------------------------------------------- policy library 政策库
class Policy(models.Model):
    """Policy — 救助政策: who qualifies (in words and as conditions), what it gives, how to apply.

    `owner` is the district or township that keeps the entry (who may edit it); `areas` are the
    jurisdictions where it applies (a household qualifies only when its village lies under one).
    `version` goes up on every edit, so a policy-match run can tell it read an outdated policy.
    """

    code = models.SlugField(_("编号"), max_length=50, unique=True,
                            help_text=_("字母、数字或连字符，如 dibao、tekun"))
    name = models.CharField(_("政策名称"), max_length=100)
    assistance_type = models.CharField(
        _("对应救助类型"), max_length=30, choices=AssistanceType.choices, blank=True,
        help_text=_("家庭正在享受此类救助时，视为已享受本政策"))
    summary = models.CharField(_("一句话说明"), max_length=200)
    eligibility = models.TextField(_("谁可以申请（通俗说明）"))
    benefits = models.TextField(_("能得到什么"))
    how_to_apply = models.TextField(_("怎么申请"))
    documents = models.TextField(_("需要带的材料"), blank=True)
    department = models.CharField(_("责任部门"), max_length=100)
    contact_phone = models.CharField(_("咨询电话"), max_length=30, blank=True)
    basis = models.CharField(_("政策依据/文号"), max_length=200, blank=True)
    owner = models.ForeignKey(Jurisdiction, verbose_name=_("维护单位"), on_delete=models.PROTECT,
                              related_name="owned_policies")
    areas = models.ManyToManyField(Jurisdiction, verbose_name=_("适用地区"), related_name="policies")
    is_active = models.BooleanField(_("有效"), default=True)
    opens_leads = models.BooleanField(
        _("政策找人"), default=True,
        help_text=_("勾选后，系统比对发现可能符合但尚未享受的家庭时，向所在村/社区推送救助线索"))
    version = models.PositiveIntegerField(_("版本"), default=1)
    created_at = models.DateTimeField(_("登记时间"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("更新时间"), default=timezone.now)

    class Meta:
        verbose_name = _("救助政策")
        verbose_name_plural = _("政策库")
        ordering = ["name", "pk"]

    def __str__(self):
        return self.name


class ConditionKind(models.TextChoices):
    CATEGORY_HELD = "category_held", _("正在享受救助类别")
    CATEGORY_NOT_HELD = "category_not_held", _("未享受救助类别")
    INCOME = "income", _("月人均收入与低保标准比较")
    MEMBER_AGE = "member_age", _("有成员年龄在范围内")
    DISABILITY = "disability", _("有成员持残疾证（等级）")
    SERIOUS_ILLNESS = "serious_illness", _("有成员患大重病")
    CHRONIC_ILLNESS = "chronic_illness", _("有成员患慢性病")
    SELF_CARE = "self_care", _("有成员生活自理能力为")
    EMPLOYMENT = "employment", _("有成员就业状况为")
    SCHOOL_STAGE = "school_stage", _("有成员就学阶段为")
    HUKOU_TYPE = "hukou_type", _("户籍性质")
    HOUSING = "housing", _("住房情况")
    RIGID_EXPENSE = "rigid_expense", _("年刚性支出不低于")
    MEMBER_COUNT = "member_count", _("在户人数在范围内")


class Comparison(models.TextChoices):
    LTE = "lte", _("不高于（≤）")
    LT = "lt", _("低于（<）")
    GTE = "gte", _("不低于（≥）")
    GT = "gt", _("高于（>）")


class PolicyCondition(models.Model):
    """Policy condition — 政策条件: one checkable condition on household data.

    Conditions with the same `group` must all hold; a policy matches when any one group holds
    (e.g. 特困: 老年人 OR 重度残疾人 OR 未成年人, each with the income and support conditions).
    Member conditions ("有成员…") each ask whether some present member satisfies them.
    """

    policy = models.ForeignKey(Policy, verbose_name=_("政策"), on_delete=models.CASCADE, related_name="conditions")
    group = models.PositiveSmallIntegerField(_("条件组"), default=1, validators=[MinValueValidator(1)],
                                             help_text=_("同一组的条件须同时满足；满足任意一组即视为可能符合"))
    kind = models.CharField(_("条件"), max_length=30, choices=ConditionKind.choices)
    comparison = models.CharField(_("比较"), max_length=4, choices=Comparison.choices, blank=True)
    factor = models.DecimalField(_("低保标准倍数"), max_digits=5, decimal_places=2, null=True, blank=True,
                                 validators=[MinValueValidator(0)])
    amount = models.DecimalField(_("金额（元）"), max_digits=12, decimal_places=2, null=True, blank=True,
                                 validators=[MinValueValidator(0)])
    min_value = models.PositiveIntegerField(_("下限"), null=True, blank=True)
    max_value = models.PositiveIntegerField(_("上限"), null=True, blank=True)
    values = models.JSONField(_("取值"), default=list, blank=True)

    class Meta:
        verbose_name = _("政策条件")
        verbose_name_plural = _("政策条件")
        ordering = ["policy", "group", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(min_value__isnull=True) | Q(max_value__isnull=True) | Q(min_value__lte=models.F("max_value")),
                name="policy_condition_min_not_above_max"),
        ]

    def __str__(self):
        from .matching import describe_condition

        return describe_condition(self)


# --------------------------------------------------------------------------- resources and projects
class ServiceKind(models.TextChoices):
    MATERIAL = "material", _("物质帮扶")
    FINANCIAL = "financial", _("资金帮扶")
    CARE = "care", _("照料护理")
    PSYCHOLOGICAL = "psychological", _("心理疏导")
    EMPLOYMENT = "employment", _("就业帮扶")
    SCHOOLING = "schooling", _("助学")
    MEDICAL = "medical", _("医疗健康")
    LEGAL = "legal", _("法律援助")
    OTHER = "other", _("其他")


class ResourceKind(models.TextChoices):
    CHARITY = "charity", _("慈善组织")
    COMPANY = "company", _("爱心企业")
    SOCIAL_ORG = "social_org", _("社会组织/社工机构")
    VOLUNTEER = "volunteer", _("志愿者/志愿服务队")


class Resource(models.Model):
    """Resource — 帮扶资源 (资源库): a charity, company, social organisation or volunteer team."""

    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("类型"), max_length=20, choices=ResourceKind.choices)
    service_kind = models.CharField(_("服务类别"), max_length=20, choices=ServiceKind.choices)
    offer = models.TextField(_("可提供的帮扶"))
    capacity = models.PositiveIntegerField(_("服务能力（户/月）"), validators=[MinValueValidator(1)])
    owner = models.ForeignKey(Jurisdiction, verbose_name=_("登记单位"), on_delete=models.PROTECT,
                              related_name="owned_resources")
    villages = models.ManyToManyField(Jurisdiction, verbose_name=_("服务村/社区"), related_name="resources")
    contact_person = models.CharField(_("联系人"), max_length=50)
    contact_phone = models.CharField(_("联系电话"), max_length=30)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    is_active = models.BooleanField(_("有效"), default=True)
    created_at = models.DateTimeField(_("登记时间"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("更新时间"), default=timezone.now)

    class Meta:
        verbose_name = _("帮扶资源")
        verbose_name_plural = _("资源库")
        ordering = ["kind", "name", "pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(contact_person="") & ~Q(contact_phone=""),
                                   name="resource_contact_required"),
        ]

    def __str__(self):
        return self.name


class ProjectKind(models.TextChoices):
    CARE = "care", _("照料关爱")
    PSYCHOLOGICAL = "psychological", _("心理支持")
    EMPLOYMENT = "employment", _("就业帮扶")
    SCHOOLING = "schooling", _("助学就学")
    HEALTH = "health", _("健康服务")
    OTHER = "other", _("其他")


class Project(models.Model):
    """Service project — 救助服务项目 (项目库): care, psychological support, employment, schooling."""

    name = models.CharField(_("项目名称"), max_length=100)
    kind = models.CharField(_("类别"), max_length=20, choices=ProjectKind.choices)
    description = models.TextField(_("服务内容"))
    target = models.CharField(_("服务对象"), max_length=200)
    provider = models.ForeignKey(Resource, verbose_name=_("承接机构"), null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="projects")
    owner = models.ForeignKey(Jurisdiction, verbose_name=_("登记单位"), on_delete=models.PROTECT,
                              related_name="owned_projects")
    villages = models.ManyToManyField(Jurisdiction, verbose_name=_("服务村/社区"), related_name="projects")
    place = models.CharField(_("服务地点"), max_length=200)
    start_date = models.DateField(_("开始日期"))
    end_date = models.DateField(_("结束日期"))
    capacity = models.PositiveIntegerField(_("名额（户/人）"), validators=[MinValueValidator(1)])
    contact_person = models.CharField(_("联系人"), max_length=50)
    contact_phone = models.CharField(_("联系电话"), max_length=30)
    created_at = models.DateTimeField(_("登记时间"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("更新时间"), default=timezone.now)

    class Meta:
        verbose_name = _("服务项目")
        verbose_name_plural = _("项目库")
        ordering = ["-start_date", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(end_date__gte=models.F("start_date")), name="project_end_after_start"),
        ]

    def __str__(self):
        return self.name

    @property
    def is_running(self) -> bool:
        return self.start_date <= timezone.localdate() <= self.end_date


# --------------------------------------------------------------------------- needs and plans 一户一策
class NeedSource(models.TextChoices):
    VISIT = "visit", _("走访发现")
    ENTERED = "entered", _("登记录入")
    POLICY_MATCH = "policy_match", _("政策比对")


class Need(models.Model):
    """Need — 需求清单条目: one need of a household, found on a visit or entered."""

    household = models.ForeignKey(Household, verbose_name=_("家庭"), on_delete=models.CASCADE, related_name="needs")
    kind = models.CharField(_("需求类别"), max_length=20, choices=NeedKind.choices)
    description = models.CharField(_("需求描述"), max_length=300)
    source = models.CharField(_("来源"), max_length=20, choices=NeedSource.choices, default=NeedSource.ENTERED)
    source_ref = models.CharField(_("来源编号"), max_length=100, blank=True, help_text=_("如走访记录编号"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("登记人"), null=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("登记时间"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("需求")
        verbose_name_plural = _("需求清单")
        ordering = ["household", "created_at", "pk"]
        constraints = [
            # A visit's need is copied once into the list, however often the page is opened.
            models.UniqueConstraint(fields=["household", "source", "source_ref", "kind"],
                                    condition=~Q(source_ref=""), name="need_once_per_source"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()}：{self.description}"


class ItemStatus(models.TextChoices):
    PLANNED = "planned", _("待落实")
    IN_PROGRESS = "in_progress", _("落实中")
    DONE = "done", _("已落实")
    CANCELLED = "cancelled", _("已取消")


class PlanItem(models.Model):
    """Plan item — 一户一策措施: a need matched to a policy, resource or project, with an owner and a date."""

    household = models.ForeignKey(Household, verbose_name=_("家庭"), on_delete=models.CASCADE,
                                  related_name="plan_items")
    need = models.ForeignKey(Need, verbose_name=_("对应需求"), on_delete=models.PROTECT, related_name="items")
    policy = models.ForeignKey(Policy, verbose_name=_("政策"), null=True, blank=True, on_delete=models.PROTECT,
                               related_name="plan_items")
    resource = models.ForeignKey(Resource, verbose_name=_("资源"), null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="plan_items")
    project = models.ForeignKey(Project, verbose_name=_("项目"), null=True, blank=True, on_delete=models.PROTECT,
                                related_name="plan_items")
    action = models.CharField(_("措施"), max_length=300)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("责任人"), on_delete=models.PROTECT,
                              related_name="plan_items")
    due_date = models.DateField(_("完成时限"))
    status = models.CharField(_("进度"), max_length=20, choices=ItemStatus.choices, default=ItemStatus.PLANNED)
    referral_ref = models.CharField(_("转介编号"), max_length=50, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("登记人"), null=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("登记时间"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("更新时间"), default=timezone.now)

    class Meta:
        verbose_name = _("帮扶措施")
        verbose_name_plural = _("一户一策")
        ordering = ["household", "due_date", "pk"]
        constraints = [
            # Exactly one of policy / resource / project: the need is matched to one thing.
            models.CheckConstraint(
                condition=(Q(policy__isnull=False, resource__isnull=True, project__isnull=True)
                           | Q(policy__isnull=True, resource__isnull=False, project__isnull=True)
                           | Q(policy__isnull=True, resource__isnull=True, project__isnull=False)),
                name="plan_item_one_match"),
        ]
        indexes = [models.Index(fields=["owner", "status", "due_date"])]

    def __str__(self):
        return self.action

    @property
    def matched(self):
        return self.policy or self.resource or self.project

    @property
    def matched_label(self) -> str:
        if self.policy_id:
            return _("政策")
        if self.resource_id:
            return _("资源")
        return _("项目")

    @property
    def is_overdue(self) -> bool:
        return self.status in (ItemStatus.PLANNED, ItemStatus.IN_PROGRESS) and self.due_date < timezone.localdate()


class PlanProgress(models.Model):
    """Progress note — 落实情况: what was done on a plan item, and its status after."""

    item = models.ForeignKey(PlanItem, verbose_name=_("措施"), on_delete=models.CASCADE, related_name="progress")
    status = models.CharField(_("进度"), max_length=20, choices=ItemStatus.choices)
    note = models.CharField(_("落实情况"), max_length=300)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True,
                              on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(_("时间"), default=timezone.now)

    class Meta:
        verbose_name = _("落实情况")
        verbose_name_plural = _("落实情况")
        ordering = ["item", "at", "pk"]

    def __str__(self):
        return self.note


# --------------------------------------------------------------------------- policy match 政策找人
class PolicyMatch(models.Model):
    """Policy match — 政策比对结果: a household that seems to qualify for a policy it does not receive.

    One row per household and policy, ever: the match run opens the village's lead only when it
    creates this row, so running it again (or twice at once) opens nothing twice.
    """

    household = models.ForeignKey(Household, verbose_name=_("家庭"), on_delete=models.CASCADE,
                                  related_name="policy_matches")
    policy = models.ForeignKey(Policy, verbose_name=_("政策"), on_delete=models.CASCADE, related_name="matches")
    policy_version = models.PositiveIntegerField(_("比对时政策版本"))
    reason = models.CharField(_("比对依据"), max_length=500)
    lead_ref = models.CharField(_("线索编号"), max_length=50, blank=True)
    matched_at = models.DateTimeField(_("比对时间"), default=timezone.now)

    class Meta:
        verbose_name = _("政策比对结果")
        verbose_name_plural = _("政策比对结果")
        ordering = ["-matched_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["household", "policy"], name="one_match_per_household_policy")]

    def __str__(self):
        return f"{self.household} · {self.policy}"

    @property
    def dedupe_key(self) -> str:
        return f"policy-match:{self.policy_id}:{self.household_id}"


# --------------------------------------------------------------------------- teams 工作队伍
class TeamRole(models.TextChoices):
    ASSISTANT = "assistant", _("社会救助协理员")
    COLLECTION_LEADER = "collection_leader", _("信息采集组组长")
    COLLECTION_MEMBER = "collection_member", _("信息采集组成员")
    VOLUNTEER = "volunteer", _("志愿者")
    GRID_WORKER = "grid_worker", _("网格员")
    GROUP_LEADER = "group_leader", _("村民组长/楼道组长")


class TeamMember(models.Model):
    """Team member — 工作队伍成员 of a township: assistants, the collection group, volunteers, grid workers.

    A staff account (`user`) may be linked; assistants without an account are kept here alone.
    The villages a member covers lie in the member's township.
    """

    township = models.ForeignKey(Jurisdiction, verbose_name=_("乡镇/街道"), on_delete=models.PROTECT,
                                 related_name="team_members", limit_choices_to={"level": "township"})
    role = models.CharField(_("职责"), max_length=20, choices=TeamRole.choices)
    name = models.CharField(_("姓名"), max_length=50, validators=[validate_person_name])
    sex = models.CharField(_("性别"), max_length=1, choices=[("M", _("男")), ("F", _("女"))], blank=True)
    position = models.CharField(_("现任职务"), max_length=100, blank=True,
                                help_text=_("如村两委委员、公益性岗位、民政专干、社工"))
    phone = models.CharField(_("联系电话"), max_length=30)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("系统账号"), null=True, blank=True,
                             on_delete=models.SET_NULL, related_name="team_memberships")
    villages = models.ManyToManyField(Jurisdiction, verbose_name=_("负责村/社区"), blank=True,
                                      related_name="team_members_covering")
    is_active = models.BooleanField(_("在岗"), default=True)
    since = models.DateField(_("任职日期"), default=timezone.localdate)
    created_at = models.DateTimeField(_("登记时间"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("更新时间"), default=timezone.now)

    class Meta:
        verbose_name = _("工作队伍成员")
        verbose_name_plural = _("工作队伍")
        ordering = ["township", "role", "name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["township"], condition=Q(role="collection_leader", is_active=True),
                                    name="one_collection_leader_per_township"),
        ]

    def __str__(self):
        return f"{self.name}（{self.get_role_display()}）"


# --------------------------------------------------------------------------- service kinds 服务类型
from .service_models import (  # noqa: E402,F401  (kept in their own module, registered with this app)
    ContactMethod, GoalStatus, ServiceContact, ServiceGoal, ServiceNote, ServiceRecord, ServiceType,
)
from .models_advisers import AdviserPost, AdviserPostKind, AdviserPostPerson  # noqa: E402,F401  (found here)
from .models_campaigns import Campaign, CampaignState, CampaignTarget, CampaignTargetKind  # noqa: E402,F401
