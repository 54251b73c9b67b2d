from django.urls import path

from . import views, views_assessment, views_support

app_name = "ledgers"

urlpatterns = [
    path("", views.ledger_index, name="index"),
    path("export/", views.ledger_export, name="export"),
    path("jobs/<uuid:pk>/", views.export_job, name="job"),
    path("jobs/<uuid:pk>/download/", views.export_download, name="job_download"),
    path("jobs/<uuid:pk>/cancel/", views.export_cancel, name="job_cancel"),
    path("closing/", views.closing, name="closing"),
    path("closing/<int:pk>/download/", views.snapshot_download, name="snapshot_download"),
    path("sampling/", views.sampling_index, name="sampling"),
    path("sampling/<int:pk>/", views.sampling_detail, name="sampling_detail"),
    path("sampling/items/<int:pk>/check/", views.sample_check, name="sample_check"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("dashboard/rows/", views.figure_rows, name="figure_rows"),
    path("scorecards/", views.scorecards, name="scorecards"),
    path("inspections/", views.inspections, name="inspections"),
    path("inspections/new/", views.inspection_new, name="inspection_new"),
    path("inspections/<int:pk>/", views.inspection_detail, name="inspection_detail"),
    path("inspections/corrections/<int:pk>/done/", views.correction_done, name="correction_done"),
    path("assistants/", views_support.assistant_gaps, name="assistant_gaps"),
    path("assistants/list/", views_support.assistant_list, name="assistant_list"),
    path("assistants/<int:pk>/", views_support.assistant_detail, name="assistant_detail"),
    path("assessment/", views_assessment.assessment, name="assessment"),
    path("assessment/setup/", views_assessment.assessment_setup, name="assessment_setup"),
    path("assessment/<int:pk>/units/<int:unit>/", views_assessment.assessment_unit, name="assessment_unit"),
    path("assessment/<int:pk>/export/", views_assessment.assessment_export, name="assessment_export"),
    path("self-assessments/", views_assessment.self_assessments, name="self_assessments"),
    path("self-assessments/<int:plan>/<int:township>/", views_assessment.self_assessment, name="self_assessment"),
    path("rosters/", views_assessment.rosters, name="rosters"),
    path("rosters/<int:pk>/download/", views_assessment.roster_download, name="roster_download"),
]
