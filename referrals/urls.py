from django.urls import path

from . import hotline_views, views, views_approval, views_feed, views_hukou, views_patrols

app_name = "referrals"

urlpatterns = [
    path("", views.referral_list, name="list"),
    path("bulk-accept/", views.bulk_accept, name="bulk_accept"),
    path("departments/", views.department_list, name="departments"),
    path("escalations/", views.escalations, name="escalations"),
    path("limits/", views.step_limits, name="limits"),
    path("<int:pk>/", views.referral_detail, name="detail"),
    path("<int:pk>/step/<str:action>/", views.referral_step, name="step"),
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
    path("letters/", views_hukou.letter_list, name="letters"),
    path("letters/<int:pk>/", views_hukou.letter_detail, name="letter_detail"),
    path("<int:referral_pk>/letters/new/", views_hukou.letter_create, name="letter_create"),
    path("feed/", views_feed.feed_rows, name="feed_rows"),
    path("feed/<int:pk>/lead/", views_feed.feed_row_lead, name="feed_row_lead"),
    path("feed/batch/<int:pk>/leads/", views_feed.feed_batch_leads, name="feed_batch_leads"),
    path("<int:pk>/objection/", views_approval.objection_create, name="objection_create"),
    path("<int:pk>/approval/", views_approval.approval_submit, name="approval_submit"),
    path("approvals/", views_approval.approval_queue, name="approval_queue"),
    path("approvals/<int:pk>/", views_approval.approval_detail, name="approval_detail"),
    path("approval-rules/", views_approval.approval_rules, name="approval_rules"),
    path("notice-board/", views_approval.notice_boards, name="notice_boards"),
    path("notice-board/<int:village_pk>/", views_approval.notice_board, name="notice_board"),
    path("patrols/", views_patrols.patrol_list, name="patrol_list"),
    path("patrols/new/", views_patrols.patrol_create, name="patrol_create"),
    path("patrols/<int:pk>/", views_patrols.patrol_detail, name="patrol_detail"),
    path("patrols/<int:pk>/edit/", views_patrols.patrol_edit, name="patrol_edit"),
]
