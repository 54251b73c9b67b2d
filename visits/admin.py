from django.contrib import admin

from .models import TownshipSummary, Visit


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
