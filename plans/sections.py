"""The plans section of the household page: policies the family may qualify for, and its plan (一户一策)."""
from django.utils.translation import gettext as _

from households.sections import HouseholdSection


def section(request, household) -> HouseholdSection:
    from .views import plan_context

    context = plan_context(request, household, forms=False)
    if context["show_figures"] and context["missing"]:
        from relief.audit import AuditEvent, audit_record

        audit_record(event=AuditEvent.VIEW_PERSONAL_DATA, actor=request.user, obj=household, request=request,
                     detail={"page": "household section plans", "fields": ["per_capita_income"]})
    return HouseholdSection(title=_("可能符合的政策与一户一策"), template="plans/household_section.html",
                            context=context, order=40)
