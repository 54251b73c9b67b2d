from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.forms import AdminPasswordChangeForm, UserChangeForm, UserCreationForm
from django.contrib.auth.models import Group
from django.utils.translation import gettext_lazy as _
from import_export.forms import SelectableFieldsExportForm

from .access import Action, jurisdictions_for
from .models import Jurisdiction, User
from .services import StaffError, staff_check_assignment, staff_save

# Permissions here are granted by role on jurisdictions (relief/access.py); Django's groups mean nothing.
admin.site.unregister(Group)


class ScopedAdminMixin:
    """Admins of a district manage only what lies in their district; superusers manage all."""

    jurisdiction_field = "pk"

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if request.user.is_superuser:
            return qs
        return qs.filter(**{f"{self.jurisdiction_field}__in": jurisdictions_for(request.user, Action.VIEW)})

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.related_model is Jurisdiction and not request.user.is_superuser:
            kwargs["queryset"] = jurisdictions_for(request.user, Action.VIEW)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class ChineseExportForm(SelectableFieldsExportForm):
    """The export page names each column as the file does (户主身份证号), not "Head Id (户主身份证号)"."""

    def _get_field_label(self, resource, field_name: str) -> str:
        field = resource.fields.get(field_name)
        return field.column_name if field else field_name


@admin.register(Jurisdiction)
class JurisdictionAdmin(ScopedAdminMixin, admin.ModelAdmin):
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
            staff_check_assignment(role=data["role"], jurisdiction=data["jurisdiction"])
        except StaffError as error:
            self.add_error("jurisdiction", str(error))
        return data


class StaffCreationForm(StaffAssignmentMixin, UserCreationForm):
    """A new account always gets a password (Django's admin form offers to create one without)."""

    class Meta(UserCreationForm.Meta):
        model = User
        fields = ("username", "full_name", "phone", "role", "jurisdiction")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["jurisdiction"].required = True


class StaffChangeForm(StaffAssignmentMixin, UserChangeForm):
    class Meta(UserChangeForm.Meta):
        model = User
        fields = ("username", "password", "full_name", "phone", "role", "jurisdiction", "is_active")


class StaffPasswordForm(AdminPasswordChangeForm):
    """Set a new password; no 'password-based authentication: disabled' (accounts are closed by 停用)."""

    def __init__(self, user, *args, **kwargs):
        super().__init__(user, *args, **kwargs)
        self.fields.pop("usable_password", None)
        self.fields["password1"].required = True
        self.fields["password2"].required = True


@admin.register(User)
class StaffAdmin(ScopedAdminMixin, UserAdmin):
    jurisdiction_field = "jurisdiction"
    form = StaffChangeForm
    add_form = StaffCreationForm
    add_form_template = "admin/relief/user/add_form.html"
    change_password_form = StaffPasswordForm
    change_user_password_template = "admin/relief/user/change_password.html"
    list_display = ["username", "full_name", "role", "jurisdiction", "is_active", "last_login"]
    list_filter = ["role", "is_active", "jurisdiction__level"]
    search_fields = ["username", "full_name", "phone", "jurisdiction__name"]
    list_select_related = ["jurisdiction"]
    autocomplete_fields = ["jurisdiction"]
    filter_horizontal = []
    readonly_fields = ["last_login", "date_joined"]
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("岗位"), {"fields": ("full_name", "phone", "role", "jurisdiction"),
                     "description": _("角色决定所属辖区的层级：村社会救助协理员配属村/社区，乡镇民政办配属乡镇/街道，"
                                      "区县民政局和系统管理员配属区/县。")}),
        (_("状态"), {"fields": ("is_active",)}),
        (_("时间"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("username", "password1", "password2", "full_name", "phone",
                                                 "role", "jurisdiction")}),
    )

    def save_model(self, request, obj, form, change):
        # The same service as the app: the level rule, the admin door by role, and the grants at once.
        staff_save(actor=request.user, user=obj, is_staff=True if obj.is_superuser else None)
