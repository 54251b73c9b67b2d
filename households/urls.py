from django.urls import path

from . import care_views, check_views, views

app_name = "households"

urlpatterns = [
    path("", views.household_list, name="list"),
    path("new/", views.household_create, name="create"),
    path("quarterly-checks/", check_views.quarterly_list, name="quarterly_list"),
    path("whole-household/", check_views.whole_household_list, name="whole_household_list"),
    path("care-agreements/", care_views.care_list, name="care_list"),
    path("<int:pk>/", views.household_detail, name="detail"),
    path("<int:pk>/print/", views.household_print, name="print"),
    path("<int:pk>/edit/", views.household_edit, name="edit"),
    path("<int:pk>/members/new/", views.member_add, name="member_add"),
    path("<int:pk>/members/<int:member_pk>/edit/", views.member_edit, name="member_edit"),
    path("<int:pk>/members/<int:member_pk>/status/", views.member_status, name="member_status"),
    path("<int:pk>/assistance/new/", views.assistance_add, name="assistance_add"),
    path("<int:pk>/assistance/<int:record_pk>/end/", views.assistance_end, name="assistance_end"),
    path("<int:pk>/roster/enter/", views.roster_enter, name="roster_enter"),
    path("<int:pk>/roster/change/", views.roster_change, name="roster_change"),
    path("<int:pk>/roster/exit/", views.roster_exit, name="roster_exit"),
    path("<int:pk>/observation/new/", views.observation_add, name="observation_add"),
    path("<int:pk>/observation/review/", views.observation_review, name="observation_review"),
    path("<int:pk>/observation/remove/", views.observation_remove, name="observation_remove"),
    path("<int:pk>/quarterly-check/", check_views.quarterly_check_record, name="quarterly_check"),
    path("<int:pk>/quarterly-check/refusal/", check_views.written_refusal, name="written_refusal"),
    path("<int:pk>/members/<int:member_pk>/care-agreement/", care_views.care_agreement_add, name="care_agreement_add"),
    path("<int:pk>/care-agreements/<int:agreement_pk>/follow-up/", care_views.care_follow_up_add,
         name="care_follow_up_add"),
    path("<int:pk>/whole-household-check/", check_views.whole_household_check, name="whole_household_check"),
]
