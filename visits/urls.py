from django.urls import path

from . import views

app_name = "visits"

urlpatterns = [
    path("", views.worklist, name="worklist"),
    path("household/<int:household_pk>/new/", views.visit_new, name="visit_new"),
    path("<int:pk>/", views.visit_detail, name="visit_detail"),
    path("photos/<int:pk>/", views.photo, name="photo"),
    path("summaries/", views.summaries, name="summaries"),
]
