from django.contrib import admin

from .models import Alert, AlertRule


@admin.register(AlertRule)
class AlertRuleAdmin(admin.ModelAdmin):
    """Admins edit which household events open status-change alerts (the rules are data)."""

    list_display = ["name", "event_kind", "field", "condition", "quarterly_check", "active"]
    list_filter = ["active", "event_kind", "condition"]
    list_editable = ["active"]
    search_fields = ["name", "reason"]


@admin.register(Alert)
class AlertAdmin(admin.ModelAdmin):
    list_display = ["kind", "household", "status", "caseworker", "opened_at", "closed_at"]
    list_filter = ["kind", "status"]
    raw_id_fields = ["household", "caseworker", "event", "opened_by", "acknowledged_by", "closed_by"]
    readonly_fields = ["dedupe_key", "opened_at"]
