from django.urls import path

from . import views, views_offline

app_name = "visits"

urlpatterns = [
    path("", views.worklist, name="worklist"),
    path("household/<int:household_pk>/new/", views.visit_new, name="visit_new"),
    path("<int:pk>/", views.visit_detail, name="visit_detail"),
    path("photos/<int:pk>/", views.photo, name="photo"),
    path("summaries/", views.summaries, name="summaries"),
    path("offline/", views_offline.offline_shell, name="offline_shell"),
    path("offline/sw.js", views_offline.offline_sw, name="offline_sw"),
    path("offline/session/", views_offline.offline_session, name="offline_session"),
    path("offline/download/", views_offline.offline_download, name="offline_download"),
    path("offline/sync/", views_offline.offline_sync, name="offline_sync"),
    path("offline/change/", views_offline.offline_change, name="offline_change"),
]
