from django.urls import path

from . import views

app_name = "imports"

urlpatterns = [
    path("", views.index, name="index"),
    path("templates/<str:kind>.xlsx", views.template_download, name="template"),
    path("records/", views.records, name="records"),
    path("leads/", views.leads, name="leads"),
    path("leads/<int:pk>/review/", views.lead_review, name="lead_review"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/progress/", views.progress, name="progress"),
    path("<int:pk>/confirm/", views.confirm, name="confirm"),
    path("<int:pk>/cancel/", views.cancel, name="cancel"),
    path("<int:pk>/errors.xlsx", views.error_report, name="error_report"),
]
