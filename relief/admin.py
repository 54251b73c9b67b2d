from django.conf import settings
from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.forms import AdminPasswordChangeForm, UserChangeForm, UserCreationForm
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.db.models import IntegerField, Max, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from import_export.forms import SelectableFieldsExportForm
from relief import punctuation

from .access import Action, jurisdictions_for, manages_accounts_of
from .audit import AuditEvent, audit_record
from .models import Jurisdiction, Role, User, department_choices
from .otp import otp_reset
from .services import StaffError, staff_check_assignment, staff_lockout_failures, staff_save, staff_unlock

# Permissions here are granted by role on jurisdictions (relief/access.py); Django's groups mean nothing.
admin.site.unregister(Group)


class ScopedAdminMixin:
    """Admins of a district manage only what lies in their district; superusers manage all. The district is
    where they hold `scope_action`: the system administrator's VIEW, the security administrator's
    MANAGE_ACCOUNTS (三员分立: each reaches the district only through the grant of their own work)."""

    jurisdiction_field = "pk"
    scope_actions = (Action.VIEW,)

    def scoped_jurisdictions(self, request):
        ids = set()
        for action in self.scope_actions:
            ids |= set(jurisdictions_for(request.user, action).values_list("pk", flat=True))
        return Jurisdiction.objects.filter(pk__in=ids)

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if request.user.is_superuser:
            return qs
        return qs.filter(**{f"{self.jurisdiction_field}__in": self.scoped_jurisdictions(request)})

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.related_model is Jurisdiction and not request.user.is_superuser:
            kwargs["queryset"] = self.scoped_jurisdictions(request)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class ChineseExportForm(SelectableFieldsExportForm):
    """The export page names each column as the file does (户主身份证号), not "Head Id (户主身份证号)"."""

    def _get_field_label(self, resource, field_name: str) -> str:
        field = resource.fields.get(field_name)
        return field.column_name if field else field_name


@admin.register(Jurisdiction)
class JurisdictionAdmin(ScopedAdminMixin, admin.ModelAdmin):
    # The security administrator sees (never changes: no model permission) the district's jurisdictions, to
    # place an account in one (the account form's autocomplete searches here).
    scope_actions = (Action.VIEW, Action.MANAGE_ACCOUNTS)
    list_display = ["code", "name", "level", "parent"]
    list_filter = ["level"]
    search_fields = ["code", "name"]
    list_select_related = ["parent"]
    autocomplete_fields = ["parent"]


class StaffAssignmentMixin:
    """The rule of relief.services.staff_check_assignment, shown on the jurisdiction field in Chinese."""

    def clean(self):
        data = super().clean()
        if self.instance.is_superuser or "role" not in data or "jurisdiction" not in data:
            return data  # superusers stand outside the roles; a missing field already has its error
        try:
            staff_check_assignment(role=data["role"], jurisdiction=data["jurisdiction"],
                                   department=data.get("department", ""))
        except StaffError as error:
            self.add_error("department" if data["role"] == Role.DEPARTMENT and "科室" in str(error)
                           and "department" in self.fields else "jurisdiction", str(error))
        return data


def _department_select(form) -> None:
    """The department as a list to choose from (the departments the referrals app registers)."""
    if "department" in form.fields:
        form.fields["department"] = forms.ChoiceField(
            label=_("所属科室/部门"), required=False, help_text=_("仅“科室/部门工作人员”填写"),
            choices=lambda: [("", "---------"), *department_choices()])


class StaffCreationForm(StaffAssignmentMixin, UserCreationForm):
    """A new account always gets a password (Django's admin form offers to create one without)."""

    class Meta(UserCreationForm.Meta):
        model = User
        fields = ("username", "full_name", "phone", "role", "jurisdiction", "department")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["jurisdiction"].required = True
        _department_select(self)

    def save(self, commit=True):
        # A password another person chose: the new member of staff sets their own at the first sign-in.
        self.instance.must_change_password = True
        return super().save(commit)


class StaffChangeForm(StaffAssignmentMixin, UserChangeForm):
    class Meta(UserChangeForm.Meta):
        model = User
        fields = ("username", "password", "full_name", "phone", "role", "jurisdiction", "department", "is_active",
                  "must_change_password")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _department_select(self)


class StaffPasswordForm(AdminPasswordChangeForm):
    """Set a new password; no 'password-based authentication: disabled' (accounts are closed by 停用)."""

    def __init__(self, user, *args, **kwargs):
        super().__init__(user, *args, **kwargs)
        self.fields.pop("usable_password", None)
        self.fields["password1"].required = True
        self.fields["password2"].required = True

    def save(self, commit=True):
        # A reset: the user sets a password of their own at the next sign-in (relief/signin.py).
        self.user.must_change_password = True
        return super().save(commit)


@admin.register(User)
class StaffAdmin(ScopedAdminMixin, UserAdmin):
    jurisdiction_field = "jurisdiction"
    form = StaffChangeForm
    add_form = StaffCreationForm
    add_form_template = "admin/relief/user/add_form.html"
    change_form_template = "admin/relief/user/change_form.html"
    change_password_form = StaffPasswordForm
    change_user_password_template = "admin/relief/user/change_password.html"
    list_display = ["username", "full_name", "role", "jurisdiction", "is_active", "second_factor", "lockout_status",
                    "last_login"]
    actions = ["unlock_accounts", "reset_second_factors"]
    scope_actions = (Action.MANAGE_ACCOUNTS,)
    list_filter = ["role", "is_active", "jurisdiction__level"]
    search_fields = ["username", "full_name", "phone", "jurisdiction__name"]
    list_select_related = ["jurisdiction"]
    autocomplete_fields = ["jurisdiction"]
    filter_horizontal = []
    readonly_fields = ["last_login", "date_joined", "lockout_status", "second_factor", "password_changed_at"]
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("岗位"), {"fields": ("full_name", "phone", "role", "jurisdiction", "department"),
                     "description": _("角色决定所属辖区的层级：村社会救助协理员配属村/社区，乡镇民政办配属乡镇/街道，"
                                      "区县民政局和系统管理员、安全管理员、审计管理员配属区/县；"
                                      "科室/部门工作人员配属乡镇/街道，并选择所属科室/部门。")}),
        (_("状态"), {"fields": ("is_active", "lockout_status", "second_factor", "must_change_password",
                               "password_changed_at")}),
        (_("时间"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("username", "password1", "password2", "full_name", "phone",
                                                 "role", "jurisdiction", "department")}),
    )

    def has_delete_permission(self, request, obj=None):
        # Audit entries name their actor: deleting an account would rewrite them, which the database
        # refuses (relief/audit_triggers.py). An account that leaves is deactivated (有效 off) instead.
        return False

    def save_model(self, request, obj, form, change):
        # The same service as the app: the level rule, the admin door by role, and the grants at once.
        staff_save(actor=request.user, user=obj, is_staff=True if obj.is_superuser else None)

    # ---------------------------------------------------------------- 登录锁定 (django-axes)
    # Five wrong passwords lock an account from that address for AXES_COOLOFF_TIME; the lockout page tells the
    # user to ask the 系统管理员, who unlocks here (an action on the list, a button on the account's page).

    # ---------------------------------------------------------------- 三员分立
    # Accounts are the security administrator's (model permissions by role, relief/services.py); nobody
    # changes their own account here — no one raises their own rights or clears their own factor.

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and (obj is None or manages_accounts_of(request.user, obj))

    def user_change_password(self, request, id, form_url=""):
        response = super().user_change_password(request, id, form_url)
        if request.method == "POST" and response.status_code == 302:
            user = self.get_object(request, unquote(id))
            name = f"{user.full_name}（{user.get_username()}）" if user.full_name else user.get_username()
            audit_record(event=AuditEvent.PASSWORD_RESET, actor=request.user, obj=user, request=request,
                         description=name, detail={"username": user.get_username()})
        return response

    # ---------------------------------------------------------------- 双因素认证 (relief/otp.py)

    @admin.display(description=_("双因素认证"))
    def second_factor(self, obj):
        if obj is None or obj.pk is None:
            return "-"
        enrolled = getattr(obj, "has_totp", None)
        if enrolled is None:
            from .otp import has_second_factor

            enrolled = has_second_factor(obj)
        return gettext("已启用") if enrolled else gettext("未启用")

    def _reset_factors(self, request, users):
        done = [user for user in users if manages_accounts_of(request.user, user)]
        for user in done:
            otp_reset(actor=request.user, user=user, request=request)
        if done:
            self.message_user(request, gettext("已重置 %(names)s 的双因素认证，下次登录时须重新绑定手机验证器。") % {
                "names": punctuation.mark("、").join(u.get_username() for u in done)}, messages.SUCCESS)
        if len(done) < len(users):
            self.message_user(request, gettext("不能重置自己的双因素认证，也不能重置辖区外或超级管理员的账号。"),
                              messages.ERROR)

    @admin.action(description=_("重置双因素认证"), permissions=["change"])
    def reset_second_factors(self, request, queryset):
        self._reset_factors(request, list(queryset))

    def otp_reset_view(self, request, id):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        user = self.get_object(request, unquote(id))
        if user is None:
            raise Http404
        if not self.has_change_permission(request, user):
            raise PermissionDenied
        self._reset_factors(request, [user])
        return HttpResponseRedirect(reverse("admin:relief_user_change", args=[user.pk]))

    def get_queryset(self, request):
        from axes.models import AccessAttempt
        from django.db.models import Exists
        from django_otp.plugins.otp_totp.models import TOTPDevice

        attempts = AccessAttempt.objects.filter(username=OuterRef("username"))
        if settings.AXES_COOLOFF_TIME is not None:
            attempts = attempts.filter(attempt_time__gte=timezone.now() - settings.AXES_COOLOFF_TIME)
        most = attempts.order_by().values("username").annotate(most=Max("failures_since_start")).values("most")[:1]
        return super().get_queryset(request).annotate(
            lockout_failures=Coalesce(Subquery(most, output_field=IntegerField()), 0),
            has_totp=Exists(TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True)))

    @admin.display(description=_("登录锁定"))
    def lockout_status(self, obj):
        if obj is None or obj.pk is None:
            return "-"
        failures = getattr(obj, "lockout_failures", None)
        if failures is None:
            failures = staff_lockout_failures(obj)
        if failures >= settings.AXES_FAILURE_LIMIT:
            return format_html('<strong style="color:#ba2121">{}</strong>',
                               gettext("已锁定（密码连续输错 %(n)s 次）") % {"n": failures})
        if failures:
            return gettext("未锁定（近期输错 %(n)s 次）") % {"n": failures}
        return gettext("未锁定")

    def _unlock_message(self, request, users_cleared):
        total = sum(cleared for _user, cleared in users_cleared)
        if len(users_cleared) == 1:
            user, cleared = users_cleared[0]
            if cleared:
                text = gettext("已解除账号“%(user)s”的登录锁定，清除失败登录记录 %(n)s 条，该账号现在可以登录。")
            else:
                text = gettext("账号“%(user)s”没有失败登录记录，无需解锁。")
            self.message_user(request, text % {"user": user.get_username(), "n": cleared},
                              messages.SUCCESS if cleared else messages.INFO)
            return
        unlocked = sum(1 for _user, cleared in users_cleared if cleared)
        self.message_user(request, gettext("已为 %(users)s 个账号解除登录锁定，共清除失败登录记录 %(n)s 条。") % {
            "users": unlocked, "n": total}, messages.SUCCESS if total else messages.INFO)

    @admin.action(description=_("解除登录锁定"), permissions=["change"])
    def unlock_accounts(self, request, queryset):
        # The queryset is this admin's own (scoped to the district), so no account outside it is reached.
        self._unlock_message(request, [(user, staff_unlock(actor=request.user, user=user, request=request))
                                       for user in queryset])

    def unlock_view(self, request, id):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        user = self.get_object(request, unquote(id))
        if user is None:
            raise Http404
        if not self.has_change_permission(request, user):
            raise PermissionDenied
        self._unlock_message(request, [(user, staff_unlock(actor=request.user, user=user, request=request))])
        return HttpResponseRedirect(reverse("admin:relief_user_change", args=[user.pk]))

    def get_urls(self):
        # Before the admin's own: its "<path:object_id>/" catch-all would take "<id>/unlock/".
        return [path("<id>/unlock/", self.admin_site.admin_view(self.unlock_view), name="relief_user_unlock"),
                path("<id>/otp-reset/", self.admin_site.admin_view(self.otp_reset_view), name="relief_user_otp_reset"),
                *super().get_urls()]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        user = self.get_object(request, unquote(object_id))
        extra_context = {
            **(extra_context or {}),
            "show_unlock": bool(user is not None and user.lockout_failures
                                and self.has_change_permission(request, user)),
            "show_otp_reset": bool(user is not None and user.has_totp and self.has_change_permission(request, user)),
        }
        return super().change_view(request, object_id, form_url, extra_context)


# ---------------------------------------------------------------- the audit tables: read only, for everyone
# django-auditlog's admin already refuses adding and changing entries; it allows deleting them as part of a
# cascade, which the database refuses anyway. Here nobody deletes, and the chain's tables are shown too.
from auditlog.admin import LogEntryAdmin as _LogEntryAdmin  # noqa: E402
from auditlog.models import LogEntry  # noqa: E402

from .models import AuditArchive, AuditSeal  # noqa: E402


class ReadOnlyAuditAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class StrictLogEntryAdmin(_LogEntryAdmin):
    def has_delete_permission(self, request, obj=None):
        return False


if admin.site.is_registered(LogEntry):
    admin.site.unregister(LogEntry)
admin.site.register(LogEntry, StrictLogEntryAdmin)


@admin.register(AuditSeal)
class AuditSealAdmin(ReadOnlyAuditAdmin):
    list_display = ["seq", "entry_id", "hash"]
    readonly_fields = ["seq", "entry", "prev_hash", "hash"]


@admin.register(AuditArchive)
class AuditArchiveAdmin(ReadOnlyAuditAdmin):
    list_display = ["file_name", "first_seq", "last_seq", "entries", "cutoff", "created_at"]
    readonly_fields = ["file_name", "first_seq", "last_seq", "entries", "cutoff", "created_at", "prev_hash",
                       "last_hash", "signature"]
