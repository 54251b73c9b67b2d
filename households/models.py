"""The registry every other part reads: households, members, assistance, roster, observation list, events."""
from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from relief.models import Jurisdiction

from .idcard import mask_id_number, validate_id_number
from .pii_fields import EncryptedCharField, IdHashField, check_row, with_derived
from .validators import validate_person_name


class HukouType(models.TextChoices):
    URBAN = "urban", _("城镇")
    RURAL = "rural", _("农村")


class HousingSituation(models.TextChoices):
    OWNED = "owned", _("自有住房")
    RENTED = "rented", _("租住")
    PUBLIC_RENTAL = "public_rental", _("公租房/廉租房")
    BORROWED = "borrowed", _("借住亲友")
    DILAPIDATED = "dilapidated", _("危房")
    NONE = "none", _("无固定住所")
    INSTITUTION = "institution", _("集中供养/养老机构")
    OTHER = "other", _("其他")


class Relation(models.TextChoices):
    HEAD = "head", _("户主")
    SPOUSE = "spouse", _("配偶")
    CHILD = "child", _("子女")
    CHILD_IN_LAW = "child_in_law", _("儿媳/女婿")
    PARENT = "parent", _("父母")
    GRANDCHILD = "grandchild", _("孙子女/外孙子女")
    GRANDPARENT = "grandparent", _("祖父母/外祖父母")
    SIBLING = "sibling", _("兄弟姐妹")
    OTHER = "other", _("其他")


class Sex(models.TextChoices):
    MALE = "M", _("男")
    FEMALE = "F", _("女")


class MaritalStatus(models.TextChoices):
    SINGLE = "single", _("未婚")
    MARRIED = "married", _("已婚")
    DIVORCED = "divorced", _("离婚")
    WIDOWED = "widowed", _("丧偶")


class DisabilityType(models.TextChoices):
    NONE = "", _("无")
    VISUAL = "visual", _("视力残疾")
    HEARING = "hearing", _("听力残疾")
    SPEECH = "speech", _("言语残疾")
    PHYSICAL = "physical", _("肢体残疾")
    INTELLECTUAL = "intellectual", _("智力残疾")
    MENTAL = "mental", _("精神残疾")
    MULTIPLE = "multiple", _("多重残疾")


class DisabilityGrade(models.TextChoices):
    NONE = "", _("无")
    GRADE_1 = "1", _("一级")
    GRADE_2 = "2", _("二级")
    GRADE_3 = "3", _("三级")
    GRADE_4 = "4", _("四级")


class SelfCare(models.TextChoices):
    FULL = "full", _("完全自理")
    PARTIAL = "partial", _("部分自理")
    NONE = "none", _("完全不能自理")


class Employment(models.TextChoices):
    EMPLOYED = "employed", _("就业")
    FLEXIBLE = "flexible", _("灵活就业")
    FARMING = "farming", _("务农")
    UNEMPLOYED = "unemployed", _("失业")
    RETIRED = "retired", _("退休")
    STUDENT = "student", _("在校学生")
    UNABLE = "unable", _("无劳动能力")
    PRESCHOOL = "preschool", _("学龄前")


class SchoolStage(models.TextChoices):
    NONE = "", _("不适用")
    PRESCHOOL = "preschool", _("学前教育")
    PRIMARY = "primary", _("小学")
    JUNIOR = "junior", _("初中")
    SENIOR = "senior", _("高中")
    VOCATIONAL = "vocational", _("中职")
    COLLEGE = "college", _("大专")
    UNIVERSITY = "university", _("本科及以上")


class MemberStatus(models.TextChoices):
    PRESENT = "present", _("在户")
    DECEASED = "deceased", _("死亡")
    MOVED_AWAY = "moved_away", _("迁出")


class TargetKind(models.TextChoices):
    MISSING = "missing", _("救助缺失")
    INSUFFICIENT = "insufficient", _("救助不充分")
    WARNING = "warning", _("救助预警")


# What nobody recorded is shown as this, and never compared with anything.
UNRECORDED = _("未登记")
# The one rule for "the income is known": only these households are compared with the 低保 standard
# (income bands, policy matching, alert rules). Use it as Household.objects.income_recorded(), as
# Household.income_recorded, or as this Q where a query needs it.
INCOME_RECORDED = Q(per_capita_income__isnull=False)


class HouseholdQuerySet(models.QuerySet):
    def income_recorded(self):
        """Households whose per-capita income was recorded (the only ones compared with the standard)."""
        return self.filter(INCOME_RECORDED)


class Household(models.Model):
    """Household — 家庭: the unit that is watched, visited and assisted; belongs to its residence village.

    Where residence and hukou differ, the residence village is responsible (seed 004).
    """

    village = models.ForeignKey(Jurisdiction, verbose_name=_("村/社区"), on_delete=models.PROTECT,
                                related_name="households", limit_choices_to={"level": "village"})
    group = models.ForeignKey(Jurisdiction, verbose_name=_("村民小组"), null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="group_households",
                              limit_choices_to={"level": "group"})
    residence_address = models.CharField(_("居住地址"), max_length=200)
    hukou_address = models.CharField(_("户籍地址"), max_length=200, blank=True)
    # Hukou type, housing and income may be unknown (a family reported as a lead, registered before anyone
    # asked): blank / NULL means 未登记, never a guess such as 农村, 自有住房 or an income of 0.
    hukou_type = models.CharField(_("户籍性质"), max_length=10, choices=HukouType.choices, blank=True, default="")
    residence_differs = models.BooleanField(_("人户分离"), default=False,
                                            help_text=_("居住地与户籍地不一致时，由居住地负责发现，并与户籍地协同。"))
    # The hukou place (户籍地) where handling (办理) belongs when it is not the residence (seed 004 §二(二)): a
    # township the installation holds, or, when it is not in the system, its division code and name. At most
    # one of the two; households.services.hukou_place_clean checks it.
    hukou_township = models.ForeignKey(Jurisdiction, verbose_name=_("户籍地乡镇（街道）"), null=True, blank=True,
                                       on_delete=models.PROTECT, related_name="hukou_households",
                                       limit_choices_to={"level": "township"},
                                       help_text=_("户籍地在本系统内的乡镇（街道）；不在本系统内时留空，填写区划代码和名称。"))
    hukou_division_code = models.CharField(_("户籍地区划代码"), max_length=12, blank=True,
                                           help_text=_("户籍地不在本系统内时填写，12位统计用区划代码（或前6位、9位）"))
    hukou_division_name = models.CharField(_("户籍地区划名称"), max_length=100, blank=True,
                                           help_text=_("如：重庆市城口县河鱼乡"))
    per_capita_income = models.DecimalField(
        _("家庭月人均收入（元）"), max_digits=10, decimal_places=2, null=True, blank=True, default=None,
        validators=[MinValueValidator(0, _("收入不能为负数。"))],
        help_text=_("不清楚时留空，显示为“未登记”，不与低保标准比较。"))
    medical_expense = models.DecimalField(_("医疗刚性支出（元/年）"), max_digits=12, decimal_places=2, default=0,
                                          validators=[MinValueValidator(0, _("支出不能为负数。"))])
    education_expense = models.DecimalField(_("教育刚性支出（元/年）"), max_digits=12, decimal_places=2, default=0,
                                            validators=[MinValueValidator(0, _("支出不能为负数。"))])
    other_expense = models.DecimalField(_("其他刚性支出（元/年）"), max_digits=12, decimal_places=2, default=0,
                                        validators=[MinValueValidator(0, _("支出不能为负数。"))])
    expense_note = models.CharField(_("刚性支出说明"), max_length=300, blank=True)
    housing = models.CharField(_("住房情况"), max_length=20, choices=HousingSituation.choices, blank=True,
                               default="")
    housing_note = models.CharField(_("住房说明"), max_length=200, blank=True)
    phone = EncryptedCharField(_("联系电话"), max_length=30, blank=True)
    caseworker = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("责任协理员"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="households")
    notes = models.TextField(_("备注"), blank=True)
    # Optimistic concurrency: a save carries the version it read; a stale one is refused.
    version = models.PositiveIntegerField(_("版本"), default=1)
    created_at = models.DateTimeField(_("登记时间"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("更新时间"), default=timezone.now)
    # Copies of what the list filters on, so that filtering 100,000 households reads one table. Kept by
    # services.household_refresh_flags in the same transaction as every change of assistance, roster or
    # observation list (model signals cover single saves and deletes; bulk writers call it themselves),
    # and refreshed every night for assistance that starts or ends by date. Never edited by hand.
    categories = models.CharField(_("当前救助类别"), max_length=250, blank=True, default="", editable=False,
                                  help_text=_("今日在享救助类型，形如 ,dibao,medical,"))
    roster_kind = models.CharField(_("花名册对象类型"), max_length=20, blank=True, default="", editable=False,
                                   choices=TargetKind.choices, help_text=_("不在花名册上时为空"))
    roster_reasons = models.CharField(_("花名册关注原因"), max_length=400, blank=True, default="", editable=False,
                                      help_text=_("形如 ,disabled,elderly_alone,"))
    observation_review_on = models.DateField(_("观察名单下次复核日期"), null=True, blank=True, editable=False,
                                             help_text=_("不在观察名单上时为空"))

    objects = HouseholdQuerySet.as_manager()

    class Meta:
        verbose_name = _("家庭")
        verbose_name_plural = _("家庭")
        ordering = ["village", "pk"]
        indexes = [
            models.Index(fields=["village", "id"]),
            models.Index(fields=["per_capita_income"]),
            # The list's commonest filters, as partial indexes small enough to count from.
            models.Index(fields=["village", "id"], condition=~Q(roster_kind=""), name="household_on_roster"),
            models.Index(fields=["observation_review_on", "village"],
                         condition=Q(observation_review_on__isnull=False), name="household_on_observation"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(per_capita_income__gte=0), name="household_income_not_negative"),
            models.CheckConstraint(
                condition=Q(medical_expense__gte=0) & Q(education_expense__gte=0) & Q(other_expense__gte=0),
                name="household_expense_not_negative"),
        ]

    def __str__(self):
        return f"{self.residence_address}（{self.pk}）"

    @property
    def income_recorded(self) -> bool:
        return self.per_capita_income is not None

    @property
    def hukou_type_label(self) -> str:
        return self.get_hukou_type_display() if self.hukou_type else str(UNRECORDED)

    @property
    def hukou_place_label(self) -> str:
        """The hukou place as a person reads it: the township in the system, or the division outside it."""
        if self.hukou_township_id:
            return self.hukou_township.full_name
        if self.hukou_division_code:
            return _("%(name)s（%(code)s，不在本系统内）") % {"name": self.hukou_division_name,
                                                         "code": self.hukou_division_code}
        return ""

    @property
    def hukou_outside_system(self) -> bool:
        return not self.hukou_township_id and bool(self.hukou_division_code)

    @property
    def housing_label(self) -> str:
        return self.get_housing_display() if self.housing else str(UNRECORDED)

    @property
    def income_label(self) -> str:
        """The income as a person reads it: "1200.00 元", or 未登记."""
        return _("%(n)s 元") % {"n": self.per_capita_income} if self.income_recorded else str(UNRECORDED)

    @property
    def rigid_expense_total(self):
        return self.medical_expense + self.education_expense + self.other_expense

    @property
    def category_codes(self) -> list[str]:
        """Assistance types running today (from the kept copy), in the order of AssistanceType."""
        codes = set(filter(None, self.categories.split(",")))
        return [t for t in AssistanceType.values if t in codes]

    @property
    def roster_reason_codes(self) -> list[str]:
        return [c for c in self.roster_reasons.split(",") if c]

    @property
    def on_roster(self) -> bool:
        return bool(self.roster_kind)

    @property
    def on_observation(self) -> bool:
        return self.observation_review_on is not None


class Member(models.Model):
    """Member — 家庭成员. An ID number belongs to one person in the whole database."""

    household = models.ForeignKey(Household, verbose_name=_("家庭"), on_delete=models.CASCADE, related_name="members")
    name = models.CharField(_("姓名"), max_length=50, validators=[validate_person_name])
    # Every pinyin reading of the name, full and initials ("zengjianguo cengjianguo zjg cjg"): what a
    # search by pinyin matches. Kept by the registry's writers (households/pinyin.py), never typed in.
    name_pinyin = models.CharField(_("姓名拼音"), max_length=500, blank=True, default="", editable=False)
    relation = models.CharField(_("与户主关系"), max_length=20, choices=Relation.choices, default=Relation.HEAD)
    # Encrypted at rest (households/pii_fields.py): SQL cannot compare it. Uniqueness and every look-up go
    # through the keyed hashes below, which the field fills on every write (selectors.members_matching_id).
    id_number = EncryptedCharField(_("身份证号"), max_length=18, validators=[validate_id_number])
    id_hash = IdHashField(_("身份证号散列"), source="id_number", part="full")
    id_head6 = IdHashField(_("身份证号前6位散列"), source="id_number", part="head6")
    id_tail4 = IdHashField(_("身份证号后4位散列"), source="id_number", part="tail4")
    id_tail6 = IdHashField(_("身份证号后6位散列"), source="id_number", part="tail6")
    birth_date = models.DateField(_("出生日期"))
    sex = models.CharField(_("性别"), max_length=1, choices=Sex.choices)
    ethnicity = models.CharField(_("民族"), max_length=20, blank=True)
    marital_status = models.CharField(_("婚姻状况"), max_length=10, choices=MaritalStatus.choices, blank=True)
    serious_illness = models.CharField(_("大重病"), max_length=100, blank=True, help_text=_("病种；无则留空"))
    chronic_illness = models.CharField(_("慢性病"), max_length=100, blank=True, help_text=_("病种；无则留空"))
    disability_type = models.CharField(_("残疾类别"), max_length=20, choices=DisabilityType.choices, blank=True)
    disability_grade = models.CharField(_("残疾等级"), max_length=1, choices=DisabilityGrade.choices, blank=True)
    self_care = models.CharField(_("生活自理能力"), max_length=10, choices=SelfCare.choices, default=SelfCare.FULL)
    employment = models.CharField(_("就业状况"), max_length=20, choices=Employment.choices, blank=True)
    school_stage = models.CharField(_("就学阶段"), max_length=20, choices=SchoolStage.choices, blank=True)
    status = models.CharField(_("状态"), max_length=20, choices=MemberStatus.choices, default=MemberStatus.PRESENT)
    created_at = models.DateTimeField(_("登记时间"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("更新时间"), default=timezone.now)

    class Meta:
        verbose_name = _("家庭成员")
        verbose_name_plural = _("家庭成员")
        ordering = ["household", "pk"]
        indexes = [
            models.Index(fields=["name"]),
            # The list searches names and ID numbers from their start (LIKE 'x%'); on PostgreSQL with a
            # non-C collation only a pattern-ops index serves that (other databases ignore opclasses).
            models.Index(fields=["name"], name="member_name_prefix", opclasses=["varchar_pattern_ops"]),
            models.Index(fields=["id_head6"], name="member_id_head6"),
            models.Index(fields=["id_tail4"], name="member_id_tail4"),
            models.Index(fields=["id_tail6"], name="member_id_tail6"),
        ]
        # An ID number belongs to one person in the whole database: its keyed hash is unique.
        constraints = [models.UniqueConstraint(fields=["id_hash"], name="member_id_number_unique")]

    def __str__(self):
        return self.name

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        check_row(instance)  # an ID number token copied in from another member's row is refused
        return instance

    def save(self, *args, **kwargs):
        # A save of named fields writes the hashes of the ID number with it (they are derived, never stale).
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = with_derived(Member, kwargs["update_fields"])
        super().save(*args, **kwargs)

    @property
    def masked_id_number(self) -> str:
        return mask_id_number(self.id_number)

    def age_on(self, day) -> int:
        """Full years on `day`: what a role that may not see the ID number is shown instead of the birth
        date, which is exactly the part its masked number hides."""
        born = self.birth_date
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


class AssistanceType(models.TextChoices):
    DIBAO = "dibao", _("最低生活保障（低保）")
    TEKUN = "tekun", _("特困人员供养")
    LOW_INCOME = "low_income", _("低收入家庭")
    TEMPORARY = "temporary", _("临时救助")
    MEDICAL = "medical", _("医疗救助")
    EDUCATION = "education", _("教育救助")
    HOUSING = "housing", _("住房救助")
    EMPLOYMENT = "employment", _("就业救助")
    DISASTER = "disaster", _("受灾人员救助")
    DISABILITY_SUBSIDY = "disability_subsidy", _("残疾人两项补贴")
    OTHER = "other", _("其他")


def running_q(start, end) -> Q:
    """Assistance running on at least one day of [start, end]; the rule behind AssistanceRecordQuerySet."""
    return Q(start_date__lte=end) & (Q(end_date__isnull=True) | Q(end_date__gte=start))


class AssistanceRecordQuerySet(models.QuerySet):
    """Assistance "running" on a day: started on or before it and not ended before it (the end day counts)."""

    def running(self, day):
        return self.filter(running_q(day, day))

    def running_during(self, start, end):
        """Running on at least one day of the period."""
        return self.filter(running_q(start, end))


class AssistanceRecord(models.Model):
    """Assistance received — 享受救助情况. Current categories are derived from records running today."""

    household = models.ForeignKey(Household, verbose_name=_("家庭"), on_delete=models.CASCADE,
                                  related_name="assistance")
    member = models.ForeignKey(Member, verbose_name=_("成员"), null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="assistance", help_text=_("单人保等按人享受的救助填写"))
    type = models.CharField(_("救助类型"), max_length=30, choices=AssistanceType.choices)
    start_date = models.DateField(_("开始日期"))
    end_date = models.DateField(_("结束日期"), null=True, blank=True)
    monthly_amount = models.DecimalField(_("月救助金额（元）"), max_digits=10, decimal_places=2, default=0,
                                         validators=[MinValueValidator(0, _("金额不能为负数。"))])
    note = models.CharField(_("说明"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("登记时间"), default=timezone.now, editable=False)
    objects = AssistanceRecordQuerySet.as_manager()

    class Meta:
        verbose_name = _("享受救助情况")
        verbose_name_plural = _("享受救助情况")
        ordering = ["-start_date"]
        indexes = [models.Index(fields=["type", "household"])]
        constraints = [
            models.CheckConstraint(condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                                   name="assistance_end_after_start"),
            models.CheckConstraint(condition=Q(monthly_amount__gte=0), name="assistance_amount_not_negative"),
        ]

    def __str__(self):
        return f"{self.get_type_display()} {self.start_date}"

    def runs_on(self, day) -> bool:
        """The same rule as AssistanceRecordQuerySet.running, for records already in memory."""
        return self.start_date <= day and (self.end_date is None or self.end_date >= day)


class StandardArea(models.TextChoices):
    UNIFIED = "unified", _("城乡统一")
    URBAN = "urban", _("城市")
    RURAL = "rural", _("农村")


class DibaoStandardQuerySet(models.QuerySet):
    def in_force(self, day):
        """Per district and area, the newest standard effective on the day (older ones were replaced)."""
        replaced = DibaoStandard.objects.filter(district=models.OuterRef("district"), area=models.OuterRef("area"),
                                                effective_from__gt=models.OuterRef("effective_from"),
                                                effective_from__lte=day)
        return self.filter(effective_from__lte=day).exclude(models.Exists(replaced))


class DibaoStandard(models.Model):
    """Local 低保 standard — 低保标准: a monthly amount per person from a date, per district (never a constant)."""

    district = models.ForeignKey(Jurisdiction, verbose_name=_("区/县"), on_delete=models.PROTECT,
                                 related_name="dibao_standards", limit_choices_to={"level": "district"})
    area = models.CharField(_("适用范围"), max_length=10, choices=StandardArea.choices, default=StandardArea.UNIFIED)
    monthly_amount = models.DecimalField(_("标准（元/人·月）"), max_digits=10, decimal_places=2,
                                         validators=[MinValueValidator(0)])
    effective_from = models.DateField(_("执行日期"))
    source = models.CharField(_("依据/文号"), max_length=200, blank=True)
    objects = DibaoStandardQuerySet.as_manager()

    class Meta:
        verbose_name = _("低保标准")
        verbose_name_plural = _("低保标准")
        ordering = ["district", "area", "-effective_from"]
        constraints = [models.UniqueConstraint(fields=["district", "area", "effective_from"],
                                               name="one_standard_per_district_area_date")]

    def __str__(self):
        return _("%(d)s %(a)s %(n)s 元（%(f)s 起）") % {
            "d": self.district, "a": self.get_area_display(), "n": self.monthly_amount, "f": self.effective_from}


class FocusReason(models.TextChoices):
    ELDERLY_ALONE = "elderly_alone", _("独居老人")
    DISABLED = "disabled", _("残疾")
    CANNOT_SELF_CARE = "cannot_self_care", _("生活不能自理")
    SERIOUS_ILLNESS = "serious_illness", _("大重病")
    DIBAO_EDGE = "dibao_edge", _("低保边缘")
    EXPENDITURE_HARDSHIP = "expenditure_hardship", _("支出型困难")
    RELAPSE_RISK = "relapse_risk", _("脱贫不稳定/返贫风险")
    REFUSED_OR_EXITED = "refused_or_exited", _("申请被拒或退出保障")
    HOTLINE_PETITIONER = "hotline_petitioner", _("热线诉求人")
    UNEMPLOYED = "unemployed", _("失业/灵活就业")
    HEAVY_MEDICAL = "heavy_medical", _("医疗自付费用高")
    DISASTER = "disaster", _("受灾/受疫情影响")
    OTHER = "other", _("其他")


class Cadence(models.TextChoices):
    MONTHLY = "monthly", _("每月")
    QUARTERLY = "quarterly", _("每季度")
    HALF_YEARLY = "half_yearly", _("每半年")

    @classmethod
    def months_of(cls, cadence: str) -> int:
        """Calendar months between visits (or reviews). A missing cadence counts as monthly: watching a
        family too often is the safe mistake."""
        return CADENCE_MONTHS.get(cadence, 1)


CADENCE_MONTHS = {Cadence.MONTHLY: 1, Cadence.QUARTERLY: 3, Cadence.HALF_YEARLY: 6}


# The cadences a roster entry may have: seed 002 requires at least one visit a month for the roster;
# seed 003 allows a quarterly check only for families refused or exited from assistance. Half-yearly is
# for the observation list, never the roster.
ROSTER_CADENCES = (Cadence.MONTHLY, Cadence.QUARTERLY)


def roster_cadences_allowed(reasons) -> list[str]:
    """The cadences allowed for a roster entry with these focus reasons (FocusReason values)."""
    codes = {str(r) for r in reasons or ()}
    if codes == {FocusReason.REFUSED_OR_EXITED}:
        return [Cadence.MONTHLY, Cadence.QUARTERLY]
    return [Cadence.MONTHLY]


def roster_cadence_error(cadence, reasons) -> str | None:
    """Why this cadence is not allowed for a roster entry with these reasons, in Chinese; None when it is.
    The one rule for the roster's cadence: services, forms and imports all ask it."""
    if cadence in roster_cadences_allowed(reasons):
        return None
    if cadence == Cadence.QUARTERLY:
        return str(_("花名册对象每月至少走访一次；只有仅因“申请被拒或退出保障”纳入的家庭可以每季度回访。"))
    if cadence in Cadence.values:
        return str(_("花名册对象每月至少走访一次，不能设为“%(c)s”（每半年走访只适用于救助观察名单）。")
                   % {"c": Cadence(cadence).label})
    return str(_("请选择走访频次。"))


class FocusReasonTag(models.Model):
    """One focus reason (重点关注原因) as a row, so roster entries can hold several and lists filter by them."""

    code = models.CharField(_("代码"), max_length=30, choices=FocusReason.choices, unique=True)

    class Meta:
        verbose_name = _("关注原因")
        verbose_name_plural = _("关注原因")
        ordering = ["pk"]

    def __str__(self):
        return self.get_code_display()


class RosterEntry(models.Model):
    """Key-person roster entry — 重点人群花名册条目 (seed 002 attachment 1).

    A household has at most one open entry. Entries are never rewritten silently: every entry,
    change and exit writes a RosterChange row.
    """

    household = models.ForeignKey(Household, verbose_name=_("家庭"), on_delete=models.CASCADE,
                                  related_name="roster_entries")
    reasons = models.ManyToManyField(FocusReasonTag, verbose_name=_("关注原因"), related_name="entries")
    target_kind = models.CharField(_("对象类型"), max_length=20, choices=TargetKind.choices,
                                   default=TargetKind.WARNING)
    cadence = models.CharField(_("走访频次"), max_length=20, default=Cadence.MONTHLY,
                               choices=[(c.value, c.label) for c in ROSTER_CADENCES])
    caseworker = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("责任协理员"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="roster_entries")
    entered_on = models.DateField(_("纳入日期"), default=timezone.localdate)
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("纳入人"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    note = models.CharField(_("说明"), max_length=300, blank=True)
    exited_on = models.DateField(_("退出日期"), null=True, blank=True)
    exit_reason = models.CharField(_("退出原因"), max_length=300, blank=True)
    exited_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("退出操作人"), null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="+")
    version = models.PositiveIntegerField(_("版本"), default=1)
    created_at = models.DateTimeField(_("登记时间"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("更新时间"), default=timezone.now)

    class Meta:
        verbose_name = _("重点人群花名册条目")
        verbose_name_plural = _("重点人群花名册")
        ordering = ["-entered_on", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["household"], condition=Q(exited_on__isnull=True),
                                    name="one_open_roster_entry_per_household"),
            models.CheckConstraint(condition=Q(exited_on__isnull=True) | ~Q(exit_reason=""),
                                   name="roster_exit_needs_reason"),
        ]
        indexes = [models.Index(fields=["exited_on", "household"])]

    def __str__(self):
        return f"{self.household} · {self.get_target_kind_display()}"

    @property
    def is_open(self) -> bool:
        return self.exited_on is None


class RosterChangeKind(models.TextChoices):
    ENTERED = "entered", _("纳入")
    CHANGED = "changed", _("调整")
    EXITED = "exited", _("退出")


class RosterChange(models.Model):
    """History of the roster — 花名册动态调整记录: one row per entry, change or exit."""

    entry = models.ForeignKey(RosterEntry, verbose_name=_("花名册条目"), on_delete=models.CASCADE,
                              related_name="changes")
    kind = models.CharField(_("变动"), max_length=10, choices=RosterChangeKind.choices)
    changes = models.JSONField(_("变动内容"), default=dict, blank=True,
                               help_text=_("{字段: [原值, 新值]}"))
    reason = models.CharField(_("原因"), max_length=300, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(_("时间"), default=timezone.now)

    class Meta:
        verbose_name = _("花名册变动记录")
        verbose_name_plural = _("花名册变动记录")
        ordering = ["at", "pk"]

    def __str__(self):
        # Local date: the name is kept in the audit log; in UTC it is the day before until 08:00.
        return f"{self.get_kind_display()} {timezone.localtime(self.at):%Y-%m-%d}"


class ObservationEntry(models.Model):
    """Observation list entry — 救助观察名单 (seed 002 §二(四)).

    Found not eligible but in real difficulty: stays watched until taken off with a reason.
    """

    household = models.ForeignKey(Household, verbose_name=_("家庭"), on_delete=models.CASCADE,
                                  related_name="observation_entries")
    member = models.ForeignKey(Member, verbose_name=_("成员"), null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="+")
    reason_not_eligible = models.TextField(_("未纳入救助的原因"))
    difficulty = models.TextField(_("实际困难"), blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("认定人"), null=True,
                                   on_delete=models.SET_NULL, related_name="+")
    decided_on = models.DateField(_("认定日期"), default=timezone.localdate)
    cadence = models.CharField(_("走访频次"), max_length=20, choices=Cadence.choices, default=Cadence.QUARTERLY)
    next_review_on = models.DateField(_("下次复核日期"))
    removed_on = models.DateField(_("移出日期"), null=True, blank=True)
    removed_reason = models.CharField(_("移出原因"), max_length=300, blank=True)
    removed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("移出操作人"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("登记时间"), default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("救助观察名单条目")
        verbose_name_plural = _("救助观察名单")
        ordering = ["-decided_on", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["household"], condition=Q(removed_on__isnull=True),
                                    name="one_open_observation_per_household"),
            models.CheckConstraint(condition=Q(removed_on__isnull=True) | ~Q(removed_reason=""),
                                   name="observation_removal_needs_reason"),
        ]

    def __str__(self):
        return f"{self.household} · {self.decided_on}"

    @property
    def is_open(self) -> bool:
        return self.removed_on is None


class EventKind(models.TextChoices):
    CATEGORY_CHANGED = "category_changed", _("救助类别变化")
    ASSISTANCE_STARTED = "assistance_started", _("开始享受救助")
    ASSISTANCE_ENDED = "assistance_ended", _("救助终止")
    INCOME_CHANGED = "income_changed", _("收入变化")
    EXPENSE_CHANGED = "expense_changed", _("刚性支出变化")
    HEALTH_CHANGED = "health_changed", _("健康状况变化")
    DISABILITY_CHANGED = "disability_changed", _("残疾状况变化")
    EMPLOYMENT_CHANGED = "employment_changed", _("就业状况变化")
    MEMBER_ADDED = "member_added", _("成员增加")
    MEMBER_DECEASED = "member_deceased", _("成员死亡")
    MEMBER_MOVED_AWAY = "member_moved_away", _("成员迁出")
    ROSTER_ENTERED = "roster_entered", _("纳入花名册")
    ROSTER_CHANGED = "roster_changed", _("花名册调整")
    ROSTER_EXITED = "roster_exited", _("退出花名册")
    OBSERVATION_ADDED = "observation_added", _("列入观察名单")
    OBSERVATION_REMOVED = "observation_removed", _("移出观察名单")
    VILLAGE_CHANGED = "village_changed", _("迁至其他村/社区")
    FEED_MATCH = "feed_match", _("部门数据比对命中")
    DISASTER = "disaster", _("受灾")
    # Any other field of the family or a member edited (address, phone, housing, a name…): what changed is
    # in the event's field and values. 其他 is left for what is no edit of a field (a check, an agreement).
    DETAILS_CHANGED = "details_changed", _("基本信息变更")
    OTHER = "other", _("其他")


class EventSource(models.TextChoices):
    EDIT = "edit", _("信息修改")
    VISIT = "visit", _("走访")
    FEED = "feed", _("部门数据")
    IMPORT = "import", _("导入")
    REFERRAL = "referral", _("转办结果")
    SYSTEM = "system", _("系统")


class HouseholdEvent(models.Model):
    """Household event — 家庭动态: what changed (old → new), who, when, from which source. Alerts read them."""

    household = models.ForeignKey(Household, verbose_name=_("家庭"), on_delete=models.CASCADE, related_name="events")
    member = models.ForeignKey(Member, verbose_name=_("成员"), null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="+")
    kind = models.CharField(_("事件"), max_length=30, choices=EventKind.choices, db_index=True)
    field = models.CharField(_("字段"), max_length=50, blank=True)
    old_value = models.CharField(_("原值"), max_length=200, blank=True)
    new_value = models.CharField(_("新值"), max_length=200, blank=True)
    data = models.JSONField(_("详情"), default=dict, blank=True)
    source = models.CharField(_("来源"), max_length=20, choices=EventSource.choices, default=EventSource.EDIT)
    source_ref = models.CharField(_("来源编号"), max_length=100, blank=True,
                                  help_text=_("如部门数据批次、走访记录或转办的编号"))
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+")
    occurred_at = models.DateTimeField(_("时间"), default=timezone.now)

    class Meta:
        verbose_name = _("家庭动态")
        verbose_name_plural = _("家庭动态")
        ordering = ["-occurred_at", "-pk"]
        indexes = [models.Index(fields=["household", "-occurred_at"]), models.Index(fields=["kind", "occurred_at"])]

    def __str__(self):
        return f"{self.get_kind_display()}：{self.old_value} → {self.new_value}"


# The quarterly and whole-household checks live in their own module (this one is long enough).
from .check_models import (  # noqa: E402,F401
    CheckListReason, QuarterlyCheck, QuarterlyCheckEntry, WholeHouseholdCheck, WholeHouseholdOutcome,
    WrittenRefusal,
)

# Care agreements of 特困 people cared for at home (照料协议): their own module too.
from .care_models import CareAgreement, CareFollowUp, CarerRelation  # noqa: E402,F401
