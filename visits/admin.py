from django.contrib import admin

from .models import Alert, AlertRule, TownshipSummary, Visit


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


@admin.register(Visit)
class VisitAdmin(admin.ModelAdmin):
    list_display = ["household", "visited_on", "method", "person_seen", "situation_clear", "case_open"]
    list_filter = ["method", "person_seen", "case_open"]
    raw_id_fields = ["household", "logged_by"]
    filter_horizontal = ["visitors"]
    date_hierarchy = "visited_on"


@admin.register(TownshipSummary)
class TownshipSummaryAdmin(admin.ModelAdmin):
    list_display = ["township", "week_start", "visits_logged", "overdue_visits", "new_alerts", "unhandled_alerts"]
    list_filter = ["township"]
