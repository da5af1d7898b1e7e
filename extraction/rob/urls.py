"""Browser pages of this app, mounted at /reviews/<slug>/risk-of-bias/ by reviewapp/urls.py."""

from django.urls import path

from . import views

app_name = "rob"
urlpatterns = [
    path("", views.index, name="index"),
    path("start/", views.start, name="start"),
    path("assessments/<int:pk>/", views.assessment, name="assessment"),
    path("assessments/<int:pk>/propose/", views.propose, name="propose"),
    path("items/<int:pk>/", views.item_detail, name="item"),
    path("table/<str:tool_key>/", views.table, name="table"),
    path("export/<str:tool_key>.<str:fmt>", views.export, name="export"),
]
