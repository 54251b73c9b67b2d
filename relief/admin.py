from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _

from .access import Action, grant_role_permissions, jurisdictions_for
from .models import Jurisdiction, User


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


@admin.register(Jurisdiction)
class JurisdictionAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ["code", "name", "level", "parent"]
    list_filter = ["level"]
    search_fields = ["code", "name"]
    list_select_related = ["parent"]
    autocomplete_fields = ["parent"]


@admin.register(User)
class StaffAdmin(ScopedAdminMixin, UserAdmin):
    jurisdiction_field = "jurisdiction"
    list_display = ["username", "full_name", "role", "jurisdiction", "is_active", "last_login"]
    list_filter = ["role", "is_active", "jurisdiction__level"]
    search_fields = ["username", "full_name", "phone", "jurisdiction__name"]
    list_select_related = ["jurisdiction"]
    autocomplete_fields = ["jurisdiction"]
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("岗位"), {"fields": ("full_name", "phone", "role", "jurisdiction")}),
        (_("状态"), {"fields": ("is_active", "is_staff", "is_superuser", "groups")}),
        (_("时间"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("username", "password1", "password2", "full_name",
                                                 "role", "jurisdiction")}),
    )

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        # A changed role or jurisdiction must change what the account may see at once.
        grant_role_permissions(obj)
