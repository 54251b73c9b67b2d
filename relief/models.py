from django.contrib.auth.models import AbstractUser
from django.core.validators import RegexValidator
from django.db import IntegrityError, models
from django.utils.translation import gettext_lazy as _
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase


class JurisdictionLevel(models.TextChoices):
    DISTRICT = "district", _("区/县")
    TOWNSHIP = "township", _("乡镇/街道")
    VILLAGE = "village", _("村/社区")
    GROUP = "group", _("村民小组")


# The level each level sits under; a district has no parent inside the app.
PARENT_LEVEL = {
    JurisdictionLevel.TOWNSHIP: JurisdictionLevel.DISTRICT,
    JurisdictionLevel.VILLAGE: JurisdictionLevel.TOWNSHIP,
    JurisdictionLevel.GROUP: JurisdictionLevel.VILLAGE,
}


def under_q(jurisdictions) -> models.Q:
    """Jurisdictions that are, or lie under, the given one(s) (objects or ids). The ladder is at most four
    levels deep (district → township → village → group): three parent hops reach the bottom."""
    if isinstance(jurisdictions, (models.Model, int, str)):
        jurisdictions = [jurisdictions]
    ids = [j.pk if isinstance(j, models.Model) else j for j in jurisdictions]
    return (models.Q(pk__in=ids) | models.Q(parent__in=ids) | models.Q(parent__parent__in=ids)
            | models.Q(parent__parent__parent__in=ids))


class JurisdictionQuerySet(models.QuerySet):
    def villages(self):
        return self.filter(level=JurisdictionLevel.VILLAGE)

    def townships(self):
        return self.filter(level=JurisdictionLevel.TOWNSHIP)

    def districts(self):
        return self.filter(level=JurisdictionLevel.DISTRICT)

    def under(self, jurisdictions):
        """The jurisdiction(s) given — one object or id, or several — and every one below them."""
        return self.filter(under_q(jurisdictions))

    def get_by_natural_key(self, code):
        return self.get(code=code)


class Jurisdiction(models.Model):
    """Jurisdiction — 辖区: district, township, village or villager group, with its division code.

    Codes are the NBS statistical division codes (统计用区划代码, 12 digits) down to the village;
    villager groups have no national code, so they take the village code plus a 3-digit number.
    """

    code = models.CharField(
        _("区划代码"),
        max_length=15,
        unique=True,
        validators=[RegexValidator(r"^\d{12}(\d{3})?$", _("区划代码应为12位数字（村民小组为15位）。"))],
    )
    name = models.CharField(_("名称"), max_length=100)
    level = models.CharField(_("层级"), max_length=10, choices=JurisdictionLevel.choices, db_index=True)
    parent = models.ForeignKey(
        "self", verbose_name=_("上级"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    objects = JurisdictionQuerySet.as_manager()

    class Meta:
        verbose_name = _("辖区")
        verbose_name_plural = _("辖区")
        ordering = ["code"]
        permissions = [
            ("edit_households", _("登记和修改家庭信息")),
            ("view_personal_data", _("查看完整身份证号等个人信息")),
            ("log_visits", _("登记走访")),
            ("submit_referrals", _("提交转办")),
            ("decide_referrals", _("受理和决定转办")),
            ("export_ledgers", _("导出台账")),
            ("import_data", _("导入数据")),
            ("supervise", _("督导抽查")),
            ("handle_department_items", _("办理本部门的救助事项")),
            ("manage_accounts", _("管理账号、角色与双因素认证")),
            ("read_audit", _("查阅和导出审计日志")),
        ]

    def __str__(self):
        return self.name

    def natural_key(self):
        return (self.code,)

    def clean(self):
        from django.core.exceptions import ValidationError

        expected = PARENT_LEVEL.get(self.level)
        if expected and (self.parent is None or self.parent.level != expected):
            raise ValidationError({"parent": _("%(level)s的上级必须是%(parent)s。") % {
                "level": self.get_level_display(), "parent": JurisdictionLevel(expected).label}})
        if self.level == JurisdictionLevel.DISTRICT and self.parent is not None:
            raise ValidationError({"parent": _("区/县没有上级辖区。")})

    @property
    def full_name(self) -> str:
        names = []
        node = self
        while node is not None:
            names.append(node.name)
            node = node.parent
        return " / ".join(reversed(names))

    def ancestor(self, level: str):
        """The jurisdiction of the given level above (or equal to) this one, or None."""
        node = self
        while node is not None and node.level != level:
            node = node.parent
        return node


class JurisdictionUserObjectPermission(UserObjectPermissionBase):
    """Direct-FK guardian table: per-object grants on jurisdictions stay fast at scale."""

    content_object = models.ForeignKey(Jurisdiction, on_delete=models.CASCADE)

    class Meta(UserObjectPermissionBase.Meta):
        verbose_name = _("辖区授权（用户）")
        verbose_name_plural = _("辖区授权（用户）")


class JurisdictionGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Jurisdiction, on_delete=models.CASCADE)

    class Meta(GroupObjectPermissionBase.Meta):
        verbose_name = _("辖区授权（用户组）")
        verbose_name_plural = _("辖区授权（用户组）")


class Role(models.TextChoices):
    CASEWORKER = "caseworker", _("村社会救助协理员")
    TOWNSHIP = "township", _("乡镇民政办")
    DISTRICT = "district", _("区县民政局")
    # 三员分立 (GB/T 22239-2019 level 3): the one administrator is three, none able to do another's work.
    # The system administrator keeps the value "admin", so accounts made before the split keep working.
    ADMIN = "admin", _("系统管理员")
    SECURITY = "security", _("安全管理员")
    AUDITOR = "auditor", _("审计管理员")
    # A township office (社保所, 残联 …) given its own account: decides its own items of multi-department cases.
    DEPARTMENT = "department", _("科室/部门工作人员")


# The departments a 科室/部门工作人员 account may belong to: registered by the app that owns the list
# (referrals.models.Department, from its AppConfig.ready), since relief imports no app above it.
_DEPARTMENT_CHOICES: list[tuple[str, str]] = []


def register_department_choices(choices) -> None:
    _DEPARTMENT_CHOICES[:] = list(choices)


def department_choices() -> list[tuple[str, str]]:
    return list(_DEPARTMENT_CHOICES)


class User(AbstractUser):
    """User — 工作人员账号: a member of staff with one role and the jurisdiction they serve."""

    role = models.CharField(_("角色"), max_length=20, choices=Role.choices, default=Role.CASEWORKER)
    jurisdiction = models.ForeignKey(
        Jurisdiction,
        verbose_name=_("所属辖区"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="staff",
    )
    full_name = models.CharField(_("姓名"), max_length=50, blank=True)
    phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    # Only for Role.DEPARTMENT: the office whose items the account sees and decides (referrals.models.Department).
    department = models.CharField(_("所属科室/部门"), max_length=30, blank=True,
                                  help_text=_("仅“科室/部门工作人员”填写"))
    # 身份鉴别: set by the security administrator's creation of the account and reset of its password, cleared
    # by the user's own change (relief/passwords.py); the sign-in steps ask for a new password while it is set.
    must_change_password = models.BooleanField(_("下次登录须修改密码"), default=False)
    password_changed_at = models.DateTimeField(_("密码修改时间"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("工作人员")
        verbose_name_plural = _("工作人员")

    def __str__(self):
        return self.full_name or self.username

    @property
    def display_name(self) -> str:
        return self.full_name or self.username

    @property
    def department_label(self) -> str:
        return dict(_DEPARTMENT_CHOICES).get(self.department, self.department)


# ---------------------------------------------------------------- the audit log's chain (relief/audit_chain.py)
# django-auditlog's LogEntry is the audit table; these two tables make it evidence. Neither is ever updated,
# and rows leave only through the archive (database triggers, relief/audit_triggers.py).

class AuditEntryImmutable(IntegrityError):
    """An audit entry, seal or archive record was to be changed or deleted through the ORM."""


class AuditQuerySet(models.QuerySet):
    """The audit tables' queries: reading and inserting only (the database refuses the rest as well)."""

    def update(self, **kwargs):
        raise AuditEntryImmutable(_("审计记录不可修改。"))

    def delete(self):
        raise AuditEntryImmutable(_("审计记录不可删除，超过保存期限的记录只能归档。"))

    def bulk_update(self, objs, fields, batch_size=None):
        raise AuditEntryImmutable(_("审计记录不可修改。"))

class AuditSeal(models.Model):
    """审计链环: one audit entry's place in the chain and the keyed hash of it and of the link before it."""

    seq = models.BigIntegerField(_("链序号"), primary_key=True)
    # No database constraint: the archive deletes an entry before its seal (the entry's trigger looks the
    # seal up to see that it was archived), and a missing entry must show in audit_verify, not be impossible.
    entry = models.OneToOneField("auditlog.LogEntry", verbose_name=_("审计记录"), on_delete=models.DO_NOTHING,
                                 db_constraint=False, related_name="audit_seal")
    prev_hash = models.CharField(_("上一环印记"), max_length=64)
    hash = models.CharField(_("本环印记"), max_length=64)
    objects = AuditQuerySet.as_manager()

    class Meta:
        verbose_name = _("审计链环")
        verbose_name_plural = _("审计链环")


class AuditArchive(models.Model):
    """审计归档: entries older than the retention period written to a signed file, then removed."""

    created_at = models.DateTimeField(_("归档时间"), auto_now_add=True)
    cutoff = models.DateTimeField(_("归档截止"), help_text=_("早于此时间的记录"))
    first_seq = models.BigIntegerField(_("起始链序号"))
    last_seq = models.BigIntegerField(_("结束链序号"))
    prev_hash = models.CharField(_("起始前一环印记"), max_length=64)
    last_hash = models.CharField(_("最后一环印记"), max_length=64)
    entries = models.PositiveIntegerField(_("记录数"))
    file_name = models.CharField(_("归档文件"), max_length=255)
    signature = models.CharField(_("文件签名"), max_length=64, help_text=_("HMAC-SHA256"))
    objects = AuditQuerySet.as_manager()

    class Meta:
        verbose_name = _("审计归档")
        verbose_name_plural = _("审计归档")
        ordering = ["last_seq"]

    def __str__(self):
        return self.file_name
class PasswordHistory(models.Model):
    """PasswordHistory — 历史密码: the hashes of a user's earlier passwords, so none of the last few is used again
    (RELIEF_PASSWORD_HISTORY). Only hashes, as Django keeps the current one."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="password_history")
    password = models.CharField(max_length=128)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("历史密码")
        verbose_name_plural = _("历史密码")
        ordering = ["-created_at", "-pk"]
