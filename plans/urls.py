from django.urls import path

from . import views, views_advisers

app_name = "plans"

urlpatterns = [
    path("policies/", views.policy_list, name="policy_list"),
    path("policies/new/", views.policy_create, name="policy_create"),
    path("policies/<int:pk>/", views.policy_detail, name="policy_detail"),
    path("policies/<int:pk>/edit/", views.policy_edit, name="policy_edit"),
    path("policies/<int:pk>/sheet/", views.policy_sheet, name="policy_sheet"),
    path("resources/", views.resource_list, name="resource_list"),
    path("resources/new/", views.resource_create, name="resource_create"),
    path("resources/<int:pk>/edit/", views.resource_edit, name="resource_edit"),
    path("projects/", views.project_list, name="project_list"),
    path("projects/new/", views.project_create, name="project_create"),
    path("projects/<int:pk>/edit/", views.project_edit, name="project_edit"),
    path("map/", views.resource_map, name="resource_map"),
    path("teams/", views.team_list, name="team_list"),
    path("advisers/", views_advisers.adviser_list, name="adviser_list"),
    path("advisers/new/", views_advisers.adviser_create, name="adviser_create"),
    path("advisers/<int:pk>/edit/", views_advisers.adviser_edit, name="adviser_edit"),
    path("teams/new/", views.team_create, name="team_create"),
    path("teams/<int:pk>/edit/", views.team_edit, name="team_edit"),
    path("matches/", views.match_list, name="match_list"),
    path("households/<int:household_pk>/", views.household_plan, name="household_plan"),
    path("households/<int:household_pk>/print/", views.plan_print, name="plan_print"),
    path("households/<int:household_pk>/needs/", views.need_add, name="need_add"),
    path("households/<int:household_pk>/items/", views.item_add, name="item_add"),
    path("items/<int:pk>/progress/", views.item_progress, name="item_progress"),
    path("items/<int:pk>/refer/", views.item_refer, name="item_refer"),
]

# Service kinds 服务类型 (plans/service_views.py).
from . import service_views  # noqa: E402

urlpatterns += [
    path("services/", service_views.service_list, name="service_list"),
    path("households/<int:household_pk>/service/", service_views.service_start, name="service_start"),
    path("services/<int:pk>/review/", service_views.service_review, name="service_review"),
    path("services/<int:pk>/end/", service_views.service_end, name="service_end"),
    path("services/<int:pk>/goals/", service_views.goal_add, name="service_goal_add"),
    path("services/goals/<int:pk>/", service_views.goal_update, name="service_goal_update"),
    path("services/<int:pk>/notes/", service_views.note_add, name="service_note_add"),
    path("services/<int:pk>/contacts/", service_views.contact_add, name="service_contact_add"),
]

# Focused screening campaigns 集中排查 (plans/views_campaigns.py).
from . import views_campaigns  # noqa: E402

urlpatterns += [
    path("campaigns/", views_campaigns.campaign_list, name="campaign_list"),
    path("campaigns/new/", views_campaigns.campaign_create, name="campaign_create"),
    path("campaigns/<int:pk>/", views_campaigns.campaign_detail, name="campaign_detail"),
    path("campaigns/<int:pk>/end/", views_campaigns.campaign_end, name="campaign_end"),
    path("campaigns/<int:pk>/households/", views_campaigns.campaign_targets, name="campaign_targets"),
]
