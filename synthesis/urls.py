"""Browser pages of this app, mounted under /reviews/<slug>/synthesis/ by reviewapp/urls.py."""

from django.urls import path

from . import views

app_name = "synthesis"
urlpatterns = [
    path("prisma/", views.prisma, name="prisma"),
    path("prisma/records/", views.prisma_records, name="prisma-records"),
    path("prisma/diagram.<str:fmt>", views.prisma_download, name="prisma-download"),
    path("report/", views.report, name="report"),
]
