from django.urls import path

from . import views

app_name = "visits"

urlpatterns = [
    path("", views.worklist, name="worklist"),
    path("household/<int:household_pk>/new/", views.visit_new, name="visit_new"),
    path("<int:pk>/", views.visit_detail, name="visit_detail"),
    path("photos/<int:pk>/", views.photo, name="photo"),
    path("alerts/", views.alerts, name="alerts"),
    path("alerts/<int:pk>/", views.alert_detail, name="alert_detail"),
    path("alerts/<int:pk>/acknowledge/", views.alert_acknowledge_view, name="alert_acknowledge"),
    path("alerts/<int:pk>/close/", views.alert_close_view, name="alert_close"),
    path("summaries/", views.summaries, name="summaries"),
]
