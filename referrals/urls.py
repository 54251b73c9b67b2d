from django.urls import path

from . import hotline_views, views, views_departments, views_patrols

app_name = "referrals"

urlpatterns = [
    path("", views.referral_list, name="list"),
    path("bulk-accept/", views.bulk_accept, name="bulk_accept"),
    path("departments/", views.department_list, name="departments"),
    path("escalations/", views.escalations, name="escalations"),
    path("limits/", views.step_limits, name="limits"),
    path("<int:pk>/", views.referral_detail, name="detail"),
    path("<int:pk>/step/<str:action>/", views.referral_step, name="step"),
    path("<int:pk>/assess/", views_departments.assess, name="assess"),
    path("<int:pk>/assessment/", views_departments.assessment, name="assessment"),
    path("department-items/", views_departments.department_items, name="department_items"),
    path("department-items/<int:pk>/", views_departments.department_item, name="department_item"),
    path("household/<int:household_pk>/new/", views.referral_create, name="create"),
    path("leads/", views.lead_list, name="lead_list"),
    path("leads/new/", views.lead_create, name="lead_create"),
    path("leads/<int:pk>/", views.lead_detail, name="lead_detail"),
    path("leads/<int:pk>/<str:action>/", views.lead_action, name="lead_action"),
    path("leads/<int:pk>/work-order/new/", hotline_views.work_order_register, name="work_order_register"),
    path("hotline/", hotline_views.work_order_list, name="work_orders"),
    path("hotline/import/", hotline_views.hotline_import, name="hotline_import"),
    path("hotline/import/confirm/", hotline_views.hotline_import_confirm, name="hotline_import_confirm"),
    path("hotline/import/template.xlsx", hotline_views.hotline_template, name="hotline_template"),
    path("hotline/<int:pk>/<str:action>/", hotline_views.work_order_action, name="work_order_action"),
    path("patrols/", views_patrols.patrol_list, name="patrol_list"),
    path("patrols/new/", views_patrols.patrol_create, name="patrol_create"),
    path("patrols/<int:pk>/", views_patrols.patrol_detail, name="patrol_detail"),
]
