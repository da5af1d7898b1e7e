"""Browser pages of this app, mounted under /reviews/<slug>/synthesis/ by reviewapp/urls.py."""

from django.urls import path

from . import analysis_views as analyses
from . import export_views, views

app_name = "synthesis"
urlpatterns = [
    path("prisma/", views.prisma, name="prisma"),
    path("prisma/records/", views.prisma_records, name="prisma-records"),
    path("prisma/diagram.<str:fmt>", views.prisma_download, name="prisma-download"),
    path("report/", views.report, name="report"),
    path("report/report.pdf", views.report_pdf, name="report-pdf"),
    path("exports/", export_views.exports_page, name="exports"),
    path("exports/backup/", export_views.backup_download, name="backup-download"),
    path("exports/<str:what>.<str:fmt>", export_views.export_download, name="export-download"),
    path("analyses/", analyses.analysis_list, name="analyses"),
    path("analyses/new/", analyses.analysis_edit, name="analysis-new"),
    path("analyses/<int:pk>/", analyses.analysis_detail, name="analysis"),
    path("analyses/<int:pk>/edit/", analyses.analysis_edit, name="analysis-edit"),
    path("analyses/<int:pk>/delete/", analyses.analysis_delete, name="analysis-delete"),
    path("analyses/<int:pk>/run/", analyses.analysis_run, name="analysis-run"),
    path("analyses/<int:pk>/exclude/", analyses.analysis_exclude, name="analysis-exclude"),
    path("analyses/<int:pk>/runs/<int:run_pk>/status/", analyses.run_status, name="run-status"),
    path("analyses/<int:pk>/runs/<int:run_pk>/<str:plot>.<str:fmt>", analyses.plot_download, name="run-plot"),
]
