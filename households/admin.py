"""Django admin for the registry: district admins see only their district's records; ID numbers masked.

Registry records are read-only here. Every change to a household, a member, assistance or the lists goes
through households.services (the pages, the import, the generator and the demo all use it), which records the
household event the alert scan reads, ends a deceased member's assistance and refreshes the list flags; a
plain admin form would do none of that. The admin still imports and exports households through the imports
app's validated path.
"""
from django.contrib import admin
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from relief.admin import ScopedAdminMixin

from .models import (
    AssistanceRecord, DibaoStandard, FocusReasonTag, Household, HouseholdEvent, Member, ObservationEntry,
    RosterChange, RosterEntry,
)
from .services import dibao_standard_set


def _age(member) -> str:
    age = member.age_on(timezone.localdate())
    return _("%(n)d 岁") % {"n": age} if age is not None else ""


class ReadOnlyRegistryMixin:
    """Shown, never written: see the module's docstring."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class MemberInline(ReadOnlyRegistryMixin, admin.TabularInline):
    model = Member
    extra = 0
    # The masked number's hidden middle is the birth date: the age is shown instead, never the date.
    fields = ["name", "relation", "masked_id", "sex", "age", "status"]
    readonly_fields = ["masked_id", "age"]
    show_change_link = True

    @admin.display(description=_("身份证号"))
    def masked_id(self, obj):
        return obj.masked_id_number

    @admin.display(description=_("年龄"))
    def age(self, obj):
        return _age(obj)


@admin.register(Household)
class HouseholdAdmin(ReadOnlyRegistryMixin, ScopedAdminMixin, admin.ModelAdmin):
    """Households in the admin; imports/admin.py adds import/export (with members, through the imports'
    validated path) by registering a subclass in this one's place, so households need not import imports."""

    jurisdiction_field = "village"
    list_display = ["pk", "residence_address", "village", "hukou_type", "per_capita_income", "caseworker", "updated_at"]
    list_filter = ["hukou_type", "housing", "residence_differs"]
    search_fields = ["residence_address", "hukou_address"]
    list_select_related = ["village", "caseworker"]
    raw_id_fields = ["caseworker"]
    autocomplete_fields = ["village", "group"]
    readonly_fields = ["version", "created_at", "updated_at"]
    inlines = [MemberInline]


@admin.register(Member)
class MemberAdmin(ReadOnlyRegistryMixin, ScopedAdminMixin, admin.ModelAdmin):
    jurisdiction_field = "household__village"
    exclude = ["id_number", "birth_date"]  # the record view shows the masked number and the age instead
    readonly_fields = ["masked_id", "age"]
    list_display = ["name", "masked_id", "relation", "sex", "age", "status", "household"]
    list_filter = ["status", "relation", "sex"]
    search_fields = ["name"]  # and the ID number, through its keyed hashes (get_search_results)
    list_select_related = ["household"]
    raw_id_fields = ["household"]

    def get_search_results(self, request, queryset, search_term):
        # The ID number is encrypted at rest: SQL cannot compare it, the one look-up does (whole, first 6, last 4/6).
        from .selectors import id_term, members_matching_id

        if id_term(search_term):
            return queryset.filter(pk__in=members_matching_id(search_term).values("pk")), False
        return super().get_search_results(request, queryset, search_term)

    @admin.display(description=_("身份证号"))
    def masked_id(self, obj):
        return obj.masked_id_number

    @admin.display(description=_("年龄"))
    def age(self, obj):
        return _age(obj)


@admin.register(AssistanceRecord)
class AssistanceRecordAdmin(ReadOnlyRegistryMixin, ScopedAdminMixin, admin.ModelAdmin):
    jurisdiction_field = "household__village"
    list_display = ["household", "type", "start_date", "end_date", "monthly_amount"]
    list_filter = ["type"]
    raw_id_fields = ["household", "member"]
    list_select_related = ["household"]


@admin.register(DibaoStandard)
class DibaoStandardAdmin(ScopedAdminMixin, admin.ModelAdmin):
    """Standards are added (a new one from its date), not rewritten: a past standard measured past incomes."""

    jurisdiction_field = "district"
    list_display = ["district", "area", "monthly_amount", "effective_from", "source"]
    list_filter = ["area"]

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        saved = dibao_standard_set(actor=request.user, district=obj.district, monthly_amount=obj.monthly_amount,
                                   effective_from=obj.effective_from, area=obj.area, source=obj.source)
        obj.pk = saved.pk


@admin.register(FocusReasonTag)
class FocusReasonTagAdmin(admin.ModelAdmin):
    list_display = ["code", "__str__"]


class RosterChangeInline(admin.TabularInline):
    model = RosterChange
    extra = 0
    can_delete = False
    readonly_fields = ["kind", "changes", "reason", "actor", "at"]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(RosterEntry)
class RosterEntryAdmin(ReadOnlyRegistryMixin, ScopedAdminMixin, admin.ModelAdmin):
    jurisdiction_field = "household__village"
    list_display = ["household", "target_kind", "cadence", "entered_on", "exited_on"]
    list_filter = ["target_kind", "cadence", "reasons"]
    raw_id_fields = ["household", "caseworker", "entered_by", "exited_by"]
    list_select_related = ["household"]
    inlines = [RosterChangeInline]


@admin.register(ObservationEntry)
class ObservationEntryAdmin(ReadOnlyRegistryMixin, ScopedAdminMixin, admin.ModelAdmin):
    jurisdiction_field = "household__village"
    list_display = ["household", "decided_on", "next_review_on", "removed_on"]
    raw_id_fields = ["household", "member", "decided_by", "removed_by"]
    list_select_related = ["household"]


@admin.register(HouseholdEvent)
class HouseholdEventAdmin(ScopedAdminMixin, admin.ModelAdmin):
    jurisdiction_field = "household__village"
    list_display = ["occurred_at", "household", "kind", "old_value", "new_value", "source", "actor"]
    list_filter = ["kind", "source"]
    raw_id_fields = ["household", "member", "actor"]
    list_select_related = ["household", "actor"]

    def has_change_permission(self, request, obj=None):
        return False
