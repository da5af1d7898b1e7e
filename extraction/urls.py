"""Browser pages of this app, mounted under /reviews/<slug>/extraction/ by reviewapp/urls.py."""

from django.urls import path

from . import views

app_name = "extraction"
urlpatterns = [
    path("", views.index, name="index"),
    path("forms/", views.form_list, name="forms"),
    path("forms/import/", views.form_import, name="form-import"),
    path("forms/<int:pk>/", views.form_detail, name="form"),
    path("forms/<int:pk>/edit/", views.form_edit, name="form-edit"),
    path("forms/<int:pk>/json/", views.form_json, name="form-json"),
    path("forms/<int:pk>/copy/", views.form_copy, name="form-copy"),
    path("forms/<int:pk>/studies/", views.study_board, name="studies"),
    path("forms/<int:pk>/start/", views.extraction_start, name="start"),
    path("outcomes/", views.outcome_list, name="outcomes"),
    path("x/<int:pk>/", views.extraction_page, name="extraction"),
    path("x/<int:pk>/save/", views.extraction_save, name="save"),
    path("x/<int:pk>/rows/", views.extraction_rows, name="rows"),
    path("x/<int:pk>/state/", views.extraction_state, name="state"),
    path("x/<int:pk>/view/", views.extraction_view, name="view"),
    path("consensus/", views.consensus_list, name="consensus-list"),
    path("consensus/<int:pk>/", views.consensus_detail, name="consensus"),
    path("conflicts/<int:pk>/", views.conflict_detail, name="conflict"),
    path("conflicts/<int:pk>/settle/", views.conflict_settle, name="settle"),
    path("tables/", views.table_list, name="tables"),
    path("tables/<int:pk>/", views.table_detail, name="table"),
    path("tables/<int:pk>/csv/", views.table_detail, {"fmt": "csv"}, name="table-csv"),
    path("tables/<int:pk>/xlsx/", views.table_detail, {"fmt": "xlsx"}, name="table-xlsx"),
]
